/**
 * The stand-in that the executable's script holds for a package bundled apart (LAZY_PACKAGES):
 * built with esbuild and the real package, and evaluated as the executable evaluates it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { compileFunction } from "node:vm";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { lazyPackagesPlugin, type LazyImport } from "./bundle.js";
import { cliDir } from "./env.js";

// Inside apps/cli, so that the entry resolves the CLI's own @grpc/grpc-js.
mkdirSync(join(cliDir, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(join(cliDir, "node_modules", ".cache", "lazy-stand-in-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The bundle of `source` (a CommonJS entry in `dir`), evaluated: its module.exports. */
async function evaluate(
  source: string,
): Promise<{ exports: unknown; found: Map<string, LazyImport> }> {
  const entry = join(dir, "entry.js");
  writeFileSync(entry, source);
  const found = new Map<string, LazyImport>();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "silent",
    plugins: [lazyPackagesPlugin(found)],
  });
  const module = { exports: {} as unknown };
  // As the executable runs its script: a CommonJS function of module, exports and require.
  const run = compileFunction(result.outputFiles[0]?.text ?? "", ["module", "exports", "require"], {
    filename: entry,
  }) as (m: typeof module, exports: unknown, require: NodeJS.Require) => void;
  run(module, module.exports, createRequire(entry));
  return { exports: module.exports, found };
}

describe("a package bundled apart", () => {
  it("is stood in for by a getter per export, none read until used", async () => {
    const { exports, found } = await evaluate('module.exports = require("@grpc/grpc-js");\n');
    expect([...(found.get("@grpc/grpc-js")?.names ?? [])]).toEqual(["*"]);
    const grpc = exports as Record<string, unknown>;
    const names = Object.keys(grpc);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining([
        "Client",
        "Metadata",
        "credentials",
        "loadPackageDefinition",
        "status",
      ]),
    );
    expect(names).not.toContain("default");
    expect(names).not.toContain("__esModule");
    expect(grpc.__esModule).toBe(true);
    // Reading one compiles the asset, which only the executable has.
    expect(() => grpc.credentials).toThrow("not in a single-executable application");
  });
});
