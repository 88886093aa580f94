import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { chartDir, chartYaml } from "./helpers.js";

const run = promisify(execFile);
const repoRoot = join(chartDir, "..", "..");
const syncScript = join(chartDir, "scripts", "sync-version.ts");
/** Runs sync-version as `pnpm version-packages` does, with the root's tsx. */
const sync = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", syncScript, ...args], { cwd: repoRoot });
const versionOf = (path: string) =>
  (JSON.parse(readFileSync(path, "utf8")) as { name: string; version: string }).version;

describe("chart versioning with changesets", () => {
  it("Chart.yaml version is the chart package's and appVersion the adaptor's", () => {
    const chartPackage = JSON.parse(readFileSync(join(chartDir, "package.json"), "utf8")) as {
      name: string;
      private: boolean;
    };
    expect(chartPackage).toMatchObject({ name: "@linkerd-smi/chart", private: true });
    expect(chartYaml.version).toBe(versionOf(join(chartDir, "package.json")));
    expect(chartYaml.appVersion).toBe(
      versionOf(join(repoRoot, "apps", "controller", "package.json")),
    );
  });

  it("is versioned by changesets (a private package that gets versions but no tags)", () => {
    const config = JSON.parse(
      readFileSync(join(repoRoot, ".changeset", "config.json"), "utf8"),
    ) as {
      privatePackages?: unknown;
      ignore?: string[];
    };
    expect(config.privatePackages).toEqual({ version: true, tag: false });
    expect(config.ignore).not.toContain("@linkerd-smi/chart");
    const rootPackage = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(rootPackage.scripts["version-packages"]).toBe(
      "changeset version && tsx charts/linkerd-smi/scripts/sync-version.ts",
    );
  });

  it("sync-version --check agrees that the repository is in step", async () => {
    const { stdout } = await sync("--check");
    expect(stdout).toContain("(in step)");
  });

  it("sync-version rewrites only the two lines after a release bump", async () => {
    const root = mkdtempSync(join(tmpdir(), "chart-version-"));
    mkdirSync(join(root, "charts", "linkerd-smi"), { recursive: true });
    mkdirSync(join(root, "apps", "controller"), { recursive: true });
    cpSync(join(chartDir, "Chart.yaml"), join(root, "charts", "linkerd-smi", "Chart.yaml"));
    const write = (path: string, name: string, version: string) =>
      writeFileSync(join(root, path), JSON.stringify({ name, version }));
    write("charts/linkerd-smi/package.json", "@linkerd-smi/chart", "0.4.1");
    write("apps/controller/package.json", "@linkerd-smi/controller", "1.2.0-rc.1");

    const check = await sync("--check", "--root", root).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(check).toMatchObject({ code: 1 });
    expect((check as { stderr: string }).stderr).toContain(
      "want version 0.4.1 and appVersion 1.2.0-rc.1",
    );

    await sync("--root", root);
    const before = readFileSync(join(chartDir, "Chart.yaml"), "utf8").split("\n");
    const after = readFileSync(join(root, "charts", "linkerd-smi", "Chart.yaml"), "utf8").split(
      "\n",
    );
    expect(after).toHaveLength(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed.sort()).toEqual(['appVersion: "1.2.0-rc.1"', "version: 0.4.1"]);
    await sync("--check", "--root", root);
  });
});
