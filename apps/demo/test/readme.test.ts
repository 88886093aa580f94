/**
 * The READMEs' commands and examples, run or checked as written: the library snippet
 * compiles under `tsc --strict` and prints what its comments say, in a project that has
 * only the packages its `npm install` line names; every file a `kubectl apply -f` names is
 * in the repository; the `check` example is the output `linkerd smi check` gives.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { readmeLibraryExample, SNIPPET_OUTPUT, SNIPPET_TSC_FLAGS } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const readme = readFileSync(join(repo, "README.md"), "utf8");
const require = createRequire(import.meta.url);

describe("the README's library snippet", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("names every package it imports in its npm install line, compiles strictly and prints what it says", async () => {
    const { packages, snippet } = readmeLibraryExample(readme);
    expect(packages).toContain("@linkerd-smi/core");

    // An empty project with only what the install line names (from this workspace).
    const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-readme-"));
    dirs.push(dir);
    for (const name of packages) {
      const target =
        name === "@linkerd-smi/core"
          ? join(repo, "packages", "core")
          : dirname(require.resolve(`${name}/package.json`));
      mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
      symlinkSync(target, join(dir, "node_modules", name));
    }
    const file = join(dir, "snippet.mts");
    writeFileSync(file, snippet);

    const tsc = require.resolve("typescript/bin/tsc");
    const compiled = await run(process.execPath, [tsc, ...SNIPPET_TSC_FLAGS, file]).catch(
      (error: unknown) => ({
        // tsc prints its diagnostics on stdout and exits non-zero.
        stdout: (error as { stdout?: string }).stdout ?? (error as Error).message,
      }),
    );
    expect(compiled.stdout).toBe("");

    const { stdout } = await run(process.execPath, [join(dir, "snippet.mjs")], { cwd: dir });
    expect(stdout).toBe(SNIPPET_OUTPUT);
  }, 60_000);
});

describe("the README's kubectl commands", () => {
  it("apply only files that the repository ships", () => {
    // Files the README's own commands write (`... > routes.yaml`) are not shipped.
    const written = new Set([...readme.matchAll(/> ([\w./-]+)/g)].map((m) => m[1]));
    const files = [...readme.matchAll(/kubectl apply -f ([\w./-]+)/g)]
      .map((m) => m[1] ?? "")
      .filter((f) => f !== "-" && !written.has(f));
    expect(files).toContain("examples/backend-split.yaml");
    for (const f of files)
      expect(existsSync(join(repo, f)), `${f} is not in the repository`).toBe(true);
  });

  it("ship the guide's sample whole: its namespace, both Services and the split", () => {
    const text = readFileSync(join(repo, "examples", "backend-split.yaml"), "utf8");
    const kinds = [...text.matchAll(/^kind: (\w+)\n(?:.*\n)*?\s+name: ([\w-]+)/gm)].map(
      (m) => `${m[1] ?? ""}/${m[2] ?? ""}`,
    );
    expect(kinds).toEqual([
      "Namespace/trafficsplit-sample",
      "Service/backend-svc",
      "Service/failing-svc",
      "TrafficSplit/backend-split",
    ]);
  });
});

describe("the CLI README's check example", () => {
  it("is what `linkerd smi check` prints on a healthy install (apps/cli/test/check.test.ts checks that output)", () => {
    const cliReadme = readFileSync(join(repo, "apps", "cli", "README.md"), "utf8");
    const at = cliReadme.indexOf("$ linkerd smi check\n");
    expect(at).toBeGreaterThan(0);
    const golden = readFileSync(
      join(repo, "apps", "cli", "test", "testdata", "check_healthy.golden"),
      "utf8",
    );
    const block = cliReadme.slice(at + "$ linkerd smi check\n".length);
    expect(block.slice(0, golden.length)).toBe(golden);
    expect(golden).toContain(
      "√ TrafficSplit CRD is installed and serves v1alpha1, v1alpha2, v1alpha3 and v1alpha4\n",
    );
  });
});
