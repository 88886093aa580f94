/**
 * The project's home is declared once, in the root package.json (`homepage`, `repository`):
 * every package, the chart, the install script, the README and the CLI's hint links agree
 * with it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { HINT_BASE_URL } from "./check/runner.js";
import { PROJECT_HOME } from "./version.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), "utf8");
const json = (path: string) =>
  JSON.parse(read(path)) as {
    homepage?: string;
    repository?: { type?: string; url?: string; directory?: string };
  };
const root = json("package.json");
const HOME = root.homepage ?? "";

describe("the project's home", () => {
  it("is this project's repository, not the Go project's", () => {
    expect(HOME).toBe("https://github.com/linkerd-smi-ts/linkerd-smi");
    expect(root.repository).toEqual({ type: "git", url: `git+${HOME}.git` });
  });

  it("is every published package's and the chart's", () => {
    for (const dir of [
      "packages/core",
      "packages/kube",
      "apps/cli",
      "apps/controller",
      "charts/linkerd-smi",
    ]) {
      const pkg = json(`${dir}/package.json`);
      expect(pkg.homepage, dir).toBe(HOME);
      expect(pkg.repository, dir).toEqual({ type: "git", url: `git+${HOME}.git`, directory: dir });
    }
    const chart = parse(read("charts/linkerd-smi/Chart.yaml")) as {
      home: string;
      sources: string[];
    };
    expect(chart.home).toBe(HOME);
    expect(chart.sources).toEqual([HOME]);
    expect(PROJECT_HOME).toBe(HOME);
  });

  it("is where install.sh downloads from by default, and what the README tells users to run", () => {
    const script = read("install.sh");
    expect(script).toContain(`\nreleases=${HOME}/releases\n`);
    // The install script is published on the project's GitHub Pages, beside the chart
    // repository's index.yaml, as the Go project's is (https://linkerd.github.io/linkerd-smi/install).
    const pages = "https://linkerd-smi-ts.github.io/linkerd-smi";
    const installLine = `curl -sSfL ${pages}/install | sh`;
    expect(script).toContain(`#   ${installLine}\n`);
    const readme = read("README.md");
    expect(readme).toContain(`\n${installLine}`);
    expect(readme).toContain(
      `\nhelm repo add l5d-smi ${pages}\nhelm install l5d-smi/linkerd-smi --generate-name\n`,
    );
    for (const text of [script, readme]) {
      expect(text).not.toContain("linkerd.github.io/linkerd-smi");
      expect(text).not.toContain("github.com/linkerd/linkerd-smi/releases");
    }
  });

  it("is where install.sh looks for the checksums, unless LINKERD_SMI_RELEASE_URL says otherwise", () => {
    // A curl that records what it was asked for and fails: nothing leaves the machine.
    const bin = mkdtempSync(join(tmpdir(), "smi-home-"));
    const log = join(bin, "asked");
    writeFileSync(
      join(bin, "curl"),
      `#!/bin/sh\nfor a in "$@"; do case $a in http*) echo "$a" >> "${log}";; esac; done\nexit 22\n`,
    );
    chmodSync(join(bin, "curl"), 0o755);
    const run = (env: Record<string, string>) => {
      writeFileSync(log, "");
      const res = spawnSync("/bin/sh", [join(repo, "install.sh")], {
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin, ...env },
        encoding: "utf8",
      });
      expect(res.status).toBe(1);
      return readFileSync(log, "utf8").trim().split("\n");
    };
    // The CLI's GitHub release is its changesets tag, @linkerd-smi/cli@0.3.0, URL-encoded.
    expect(run({ LINKERD_SMI_VERSION: "v0.3.0" })).toEqual([
      `${HOME}/releases/download/%40linkerd-smi%2Fcli%400.3.0/sha256sums`,
    ]);
    expect(run({})).toEqual([`${HOME}/releases/latest/download/sha256sums`]);
    expect(run({ LINKERD_SMI_RELEASE_URL: "http://127.0.0.1:9/mirror/" })).toEqual([
      "http://127.0.0.1:9/mirror/sha256sums",
    ]);
  });

  it("hosts the page every check hint points at, with an anchor for every check", async () => {
    expect(HINT_BASE_URL).toBe(`${HOME}/blob/main/docs/checks.md#`);
    const anchors = new Set(
      [...read("docs/checks.md").matchAll(/^#+ (.+)$/gm)].map((m) => (m[1] ?? "").trim()),
    );
    const { smiCategory, preCategory } = await import("./check/smi.js");
    const client = {} as never;
    const ids = [...smiCategory(client, { proxy: true }).checks, ...preCategory(client).checks].map(
      (c) => c.id,
    );
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(anchors, `docs/checks.md has no "### ${id}"`).toContain(id);
  });
});
