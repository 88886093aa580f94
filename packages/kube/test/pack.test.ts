/**
 * Checks the package as it would be published: tarball contents, publint, "are the types wrong",
 * that the ESM entry point loads in plain Node.js with the exports the README names, and that
 * the compiled code needs only @kubernetes/client-node and yaml at runtime (not @linkerd-smi/core).
 *
 * Turbo builds before testing; when dist/ is missing (vitest run by hand) this builds it first.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
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
    expect(paths).toContain("dist/transport.d.ts");
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
    expect(paths.filter((p) => /\.test\.|^test\//.test(p))).toEqual([]);
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

  it("loads as ESM in plain Node.js, with the classes and descriptors the README names", async () => {
    const script = [
      'const kube = await import("./dist/index.js");',
      "const names = ['KubeClient', 'ResourceClient', 'Informer', 'WorkQueue', 'EventRecorder', 'LeaderElector', 'MutationCache'];",
      "console.log(names.map((n) => typeof kube[n]).join(','));",
      'console.log(kube.resourcePath(kube.DeploymentV1, "linkerd-smi", "smi-adaptor"));',
      'console.log(kube.resourcePath(kube.NamespaceV1, undefined, "linkerd-smi"));',
    ].join("\n");
    const { stdout } = await run("node", ["--input-type=module", "-e", script], {
      cwd: pkgDir,
      env,
    });
    expect(stdout.trim().split("\n")).toEqual([
      "function,function,function,function,function,function,function",
      "/apis/apps/v1/namespaces/linkerd-smi/deployments/smi-adaptor",
      "/api/v1/namespaces/linkerd-smi",
    ]);
  }, 60_000);

  it("imports nothing at load time but Node built-ins, its own files and yaml; client-node on demand", async () => {
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    const files = (await readdir(dist, { recursive: true })).filter((f) => f.endsWith(".js"));
    const specifiers = new Set<string>();
    for (const file of files) {
      const code = await readFile(`${dist}${file}`, "utf8");
      for (const m of code.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm))
        if (m[1] !== undefined) specifiers.add(m[1]);
    }
    const external = [...specifiers].filter((s) => !s.startsWith("./") && !s.startsWith("node:"));
    // Importing client-node costs ~70 MiB of memory: only exec / auth-provider plugins,
    // proxies and fetch options load it. yaml is static: a require made at run time does not
    // resolve inside the CLI's single executable.
    expect(external).toEqual(["yaml"]);
    const onDemand = new Set<string>();
    for (const file of files) {
      const code = await readFile(`${dist}${file}`, "utf8");
      for (const m of code.matchAll(/\bimport\("([^"]+)"\)|Require\([^)]*\)\("([^"]+)"\)/g))
        onDemand.add(m[1] ?? m[2] ?? "");
    }
    expect([...onDemand].sort()).toEqual(["@kubernetes/client-node"]);
    const pkg = JSON.parse(await readFile(`${pkgDir}package.json`, "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies)).toEqual(["@kubernetes/client-node", "yaml"]);
  }, 60_000);
});
