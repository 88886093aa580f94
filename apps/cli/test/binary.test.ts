/**
 * The `linkerd-smi` single executable (scripts/build-binaries.ts, src/sea.ts),
 * built for linux-amd64 and run as a user runs it: one file in an empty
 * directory with no node_modules above it, a fresh HOME, and nothing of
 * Node's from the environment. It must behave exactly as the npm package
 * (`node dist/bin/linkerd-smi.js`) does, which the other tests hold to helm.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type {} from "@linkerd-smi/testenv/global-setup";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chartHash } from "../src/sea.js";
import {
  buildLinuxRelease,
  canBuildBinaries,
  CLI_PACKAGE_VERSION,
  installCopy,
  nodeModulesAbove,
  runFile,
  type Release,
} from "./binary.js";
import { bin, type Result } from "./cli.js";

const exec = promisify(execFile);
const cliDir = fileURLToPath(new URL("..", import.meta.url));
const validateData = fileURLToPath(new URL("./testdata/validate/", import.meta.url));

/** dist/chart's files as src/sea.ts lists them. */
function distChartHash(): string {
  const root = join(cliDir, "dist", "chart");
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else files.push(relative(root, join(dir, e.name)).split(sep).join("/"));
    }
  };
  walk(root);
  files.sort();
  return chartHash(files.map((name) => ({ name, data: readFileSync(join(root, name)) })));
}

describe.skipIf(!canBuildBinaries)("the linkerd-smi single executable (linux-amd64)", () => {
  let release: Release;
  let dir: string;
  let exe: string;
  let home: string;
  const scratch: string[] = [];

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    ...extra,
  });
  /** The executable, in its directory. */
  const sea = (args: string[], extra: NodeJS.ProcessEnv = {}, stdin?: string): Promise<Result> =>
    runFile(exe, args, { cwd: dir, env: env(extra), ...(stdin === undefined ? {} : { stdin }) });
  /** The npm package, with the same working directory and environment. */
  const npm = (args: string[], stdin?: string): Promise<Result> =>
    runFile(process.execPath, [bin, ...args], {
      cwd: dir,
      env: env(),
      ...(stdin === undefined ? {} : { stdin }),
    });

  beforeAll(async () => {
    release = await buildLinuxRelease();
    ({ dir, exe } = installCopy(release.path));
    home = mkdtempSync(join(tmpdir(), "linkerd-smi-home-"));
    scratch.push(release.dir, dir, home);
  }, 600_000);

  afterAll(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it("is one executable, listed in sha256sums, with no node_modules around it", async () => {
    expect(nodeModulesAbove(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(["linkerd-smi"]);
    expect(readFileSync(exe).subarray(0, 4)).toEqual(Buffer.from("\x7fELF", "latin1"));
    const { stdout } = await exec("sha256sum", [release.name], { cwd: release.dir });
    expect(readFileSync(join(release.dir, "sha256sums"), "utf8")).toBe(stdout);
  });

  it("version --client prints the package's version", async () => {
    const res = await sea(["version", "--client"]);
    expect(res).toEqual({
      code: 0,
      stdout: `Client version: ${CLI_PACKAGE_VERSION}\n`,
      stderr: "",
    });
    expect(res).toEqual(await npm(["version", "--client"]));
  });

  it("install --skip-checks prints what the npm package prints, byte for byte", async () => {
    const want = await npm(["install", "--skip-checks"]);
    expect(want.code).toBe(0);
    expect(want.stdout).toContain("kind: Deployment");

    // The first run extracts the chart into the cache, once.
    expect(await sea(["install", "--skip-checks"])).toEqual(want);
    const versionDir = join(home, ".cache", "linkerd-smi", "cli", CLI_PACKAGE_VERSION);
    const chart = `chart-${distChartHash().slice(0, 16)}`;
    expect(readdirSync(versionDir)).toEqual([chart]);
    expect(existsSync(join(versionDir, chart, "Chart.yaml"))).toBe(true);
    const extracted = statSync(join(versionDir, chart)).mtimeMs;

    expect(await sea(["install", "--skip-checks"])).toEqual(want);
    expect(readdirSync(versionDir)).toEqual([chart]);
    expect(statSync(join(versionDir, chart)).mtimeMs).toBe(extracted);
  });

  it("install reads -f and --set-file paths from the working directory, as the npm package", async () => {
    writeFileSync(join(dir, "values.yaml"), "adaptor:\n  logFormat: text\n");
    writeFileSync(join(dir, "note.txt"), "a note\n");
    const args = [
      "install",
      "--skip-checks",
      "-f",
      "values.yaml",
      "--set",
      "adaptor.replicas=2",
      "--set-file",
      "adaptor.podAnnotations.note=note.txt",
      "-n",
      "smi-elsewhere",
    ];
    try {
      const res = await sea(args);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("replicas: 2");
      expect(res.stdout).toContain("note: |");
      expect(res).toEqual(await npm(args));
    } finally {
      rmSync(join(dir, "values.yaml"));
      rmSync(join(dir, "note.txt"));
    }
  });

  it("renders from a private copy of the chart when the cache cannot be written", async () => {
    const blocker = join(home, "a-file");
    writeFileSync(blocker, "");
    const tmp = mkdtempSync(join(tmpdir(), "linkerd-smi-tmp-"));
    scratch.push(tmp);
    const res = await sea(["install", "--skip-checks"], {
      LINKERD_SMI_CACHE: join(blocker, "cache"),
      TMPDIR: tmp,
    });
    expect(res).toEqual(await npm(["install", "--skip-checks"]));
    expect(readdirSync(tmp)).toEqual([]); // removed on exit
  });

  it("is not changed by NODE_OPTIONS meant for Node programs", async () => {
    const res = await sea(["version", "--client"], { NODE_OPTIONS: "--require ./no-such.js" });
    expect(res).toEqual({
      code: 0,
      stdout: `Client version: ${CLI_PACKAGE_VERSION}\n`,
      stderr: "",
    });
  });

  it("validate -f fails seed 002's invalid shape with the did-you-mean", async () => {
    const args = ["validate", "-f", join(validateData, "seed-002-invalid-shape.yaml")];
    const res = await sea(args);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("did you mean `backends`?");
    expect(res.stdout).toContain("    did you mean: backends\n");
    expect(res).toEqual(await npm(args));
  });

  it("validate -f passes a valid sample, and reads standard input", async () => {
    const file = join(validateData, "backend-split.yaml");
    const res = await sea(["validate", "-f", file]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(": valid, backend-svc -> backend-svc 500 (50.0%)");
    expect(res).toEqual(await npm(["validate", "-f", file]));

    const stdin = readFileSync(file, "utf8");
    const fromStdin = await sea(["validate", "-f", "-", "-o", "json"], {}, stdin);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin).toEqual(await npm(["validate", "-f", "-", "-o", "json"], stdin));
  });

  it("check -o json runs its checks against the real apiserver", async () => {
    const kubeconfig = inject("kubeconfig");
    const res = await sea(["check", "-o", "json", "--kubeconfig", kubeconfig, "--wait", "2s"]);
    const output = JSON.parse(res.stdout) as {
      success: unknown;
      categories: { categoryName: string; checks: { description: string; result: string }[] }[];
    };
    expect(Object.keys(output).sort()).toEqual(["categories", "success"]);
    expect(typeof output.success).toBe("boolean");
    expect(res.code).toBe(output.success ? 0 : 1);
    expect(output.categories.map((c) => c.categoryName)).toEqual(["linkerd-smi"]);
    const checks = output.categories[0]?.checks ?? [];
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) expect(["success", "warning", "error"]).toContain(check.result);
  });

  it("starts quickly (prints its cold-start times; no assertion on them)", async () => {
    const { stdout } = await exec(
      process.execPath,
      [
        "--import",
        "tsx",
        join(cliDir, "scripts", "bench-binary.ts"),
        "--binary",
        release.path,
        "--json",
      ],
      { cwd: cliDir, timeout: 300_000 },
    );
    const report = JSON.parse(stdout) as {
      sizeBytes: number;
      runs: number;
      executable: Record<string, { firstMs: number; medianMs: number }>;
    };
    const lines = Object.entries(report.executable).map(
      ([command, t]) =>
        `  ${command}: first run ${String(t.firstMs)} ms, median of ${String(report.runs)} ${String(t.medianMs)} ms`,
    );
    console.log(
      [
        `linkerd-smi single executable (linux-amd64): ${(report.sizeBytes / 1024 / 1024).toFixed(1)} MiB`,
        ...lines,
      ].join("\n"),
    );
    expect(Object.keys(report.executable)).toEqual(["version --client", "install --skip-checks"]);
  });
});
