/**
 * Checks the package as it would be published: tarball contents, publint, "are the types wrong",
 * that the ESM entry point loads in plain Node.js, and that the README example runs and prints
 * what the README says.
 *
 * Turbo builds before testing; when dist/ is missing (vitest run by hand) this builds it first.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { publint } from "publint";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const env = {
  ...process.env,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
  COREPACK_INTEGRITY_KEYS: "0",
  NO_COLOR: "1",
};

beforeAll(async () => {
  if (!existsSync(new URL("../dist/index.js", import.meta.url))) {
    await run("pnpm", ["run", "build"], { cwd: pkgDir, env });
  }
}, 180_000);

interface PackedFile {
  path: string;
}

describe("published package", () => {
  it("holds only package.json, README.md, LICENSE, compiled dist files and the sources their maps point at", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: pkgDir, env });
    const [packed] = JSON.parse(stdout) as [{ files: PackedFile[] }];
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toContain("package.json");
    expect(paths).toContain("README.md");
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    const unexpected = paths.filter(
      (p) =>
        !["package.json", "README.md", "LICENSE"].includes(p) &&
        !/^dist\/[\w/-]+\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(p) &&
        !/^src\/[\w/-]+\.ts$/.test(p),
    );
    expect(unexpected).toEqual([]);
    // Every source map's sources are in the package (a debugger or an editor's "go to
    // definition" opens them), so each dist/x.js.map has its src/x.ts beside it.
    for (const map of paths.filter((p) => p.endsWith(".js.map")))
      expect(paths, map).toContain(map.replace(/^dist\//, "src/").replace(/\.js\.map$/, ".ts"));
    expect(paths).toContain("src/index.ts");
    expect(paths.filter((p) => /\.test\.|fixtures|^test\/|^scripts\//.test(p))).toEqual([]);
  }, 60_000);

  it("passes publint with no errors, warnings or suggestions", async () => {
    const { messages } = await publint({ pkgDir, strict: true, level: "suggestion" });
    expect(messages).toEqual([]);
  }, 60_000);

  it("has no problems according to @arethetypeswrong/cli (esm-only profile)", async () => {
    const attw = fileURLToPath(new URL("../node_modules/.bin/attw", import.meta.url));
    const { stdout } = await run(
      attw,
      ["--pack", ".", "--profile", "esm-only", "--format", "json", "--no-color"],
      { cwd: pkgDir, env },
    ).catch((error: unknown) => {
      // attw exits non-zero when it finds problems; report them below.
      const { stdout: out } = error as { stdout?: string };
      if (typeof out !== "string") throw error;
      return { stdout: out };
    });
    const report = JSON.parse(stdout) as {
      analysis: { types: { kind: string } };
      problems?: Record<string, { resolutionKind?: string }[]>;
    };
    expect(report.analysis.types.kind).toBe("included");
    // The esm-only profile ignores CommonJS and node10 resolution, as attw itself does.
    const ignored = new Set(["node10", "node16-cjs"]);
    const problems = Object.values(report.problems ?? {})
      .flat()
      .filter((p) => p.resolutionKind === undefined || !ignored.has(p.resolutionKind));
    expect(problems).toEqual([]);
  }, 120_000);

  it("loads as ESM in plain Node.js", async () => {
    const script = [
      'const core = await import("./dist/index.js");',
      'const r = core.parseTrafficSplit({metadata: {namespace: "ns"}, spec: {service: "web", backends: [{service: "web-v1", weight: "1000m"}]}});',
      "console.log(JSON.stringify(core.desiredServiceProfile(r.split).profile.spec));",
      "console.log(Object.keys(core).length);",
    ].join("\n");
    const { stdout } = await run("node", ["--input-type=module", "-e", script], {
      cwd: pkgDir,
      env,
    });
    const [spec, count] = stdout.trim().split("\n");
    expect(spec).toBe(
      '{"dstOverrides":[{"authority":"web-v1.ns.svc.cluster.local","weight":"1"}]}',
    );
    expect(Number(count)).toBeGreaterThan(40);
  }, 60_000);

  it("runs the README example and prints what the README shows", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const code = /<!-- readme-example[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const output = /<!-- readme-output -->\s*```text\n([\s\S]*?)```/.exec(readme)?.[1];
    if (code === undefined || output === undefined) throw new Error("README example not found");
    // A file inside the package resolves "@linkerd-smi/core" to dist/ through package self-reference.
    const file = new URL(`../.readme-example-${process.pid}.mjs`, import.meta.url);
    await writeFile(file, code);
    try {
      const { stdout } = await run("node", [fileURLToPath(file)], { cwd: pkgDir, env });
      expect(stdout).toBe(output);
    } finally {
      await rm(file, { force: true });
    }
  }, 60_000);
});
