import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { EXECUTABLE_PLATFORMS, executableName } from "@linkerd-smi/cli/dist/executables.js";
import { exec } from "./exec.js";

/**
 * The install script as published: install.sh with the version it installs by default and
 * the address of release files filled in. Throws when install.sh lacks either line.
 */
export function renderInstallScript(script: string, version: string, downloadUrl: string): string {
  let out = script;
  for (const [line, value] of [
    [/^default_version=.*$/m, `default_version=${version}`],
    [/^download=.*$/m, `download=${downloadUrl.replace(/\/+$/, "")}`],
  ] as const) {
    if (!line.test(out)) throw new Error(`install.sh: no ${String(line)} line to fill in`);
    out = out.replace(line, value);
  }
  return out;
}

/**
 * Builds the five executables and their sha256sums into `dir` (apps/cli's build-binaries),
 * and checks that each one is there and listed in sha256sums.
 */
export async function buildCliFiles(root: string, version: string, dir: string): Promise<void> {
  const cliDir = join(root, "apps", "cli");
  await exec(
    "node",
    ["--import", "tsx", join(cliDir, "scripts", "build-binaries.ts"), "--out", dir],
    {
      cwd: cliDir,
      echo: true,
    },
  );
  const sums = readFileSync(join(dir, "sha256sums"), "utf8");
  for (const platform of EXECUTABLE_PLATFORMS) {
    const name = executableName(version, platform);
    if (!statSync(join(dir, name), { throwIfNoEntry: false })?.isFile())
      throw new Error(`build-binaries wrote no ${name} into ${dir}`);
    if (!new RegExp(`^[0-9a-f]{64} [ *]${name.replace(/\./g, "\\.")}$`, "m").test(sums))
      throw new Error(`${dir}/sha256sums has no line for ${name}`);
  }
}

/** The files of a release directory with their sizes in bytes. */
export function filesWithSizes(dir: string): { name: string; bytes: number }[] {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(dir, name)).size }));
}
