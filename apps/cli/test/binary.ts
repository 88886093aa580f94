import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { executableName } from "../src/executables.js";
import type { Result } from "./cli.js";

const exec = promisify(execFile);
const cliDir = fileURLToPath(new URL("..", import.meta.url));
export const CLI_PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8")) as { version: string }
).version;

/** The executables are built here only: Node's linux-x64 binary writes the SEA blob. */
export const canBuildBinaries = process.platform === "linux" && process.arch === "x64";

export interface Release {
  /** A directory as a release has it: the executable and sha256sums. */
  dir: string;
  /** The file name of the linux-amd64 executable in `dir`. */
  name: string;
  path: string;
}

/**
 * Builds the linux-amd64 executable with scripts/build-binaries.ts into a
 * temporary release directory. The script caches executables by a hash of
 * their inputs, so this is quick unless dist/ or the Node version changed.
 */
export async function buildLinuxRelease(): Promise<Release> {
  const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-release-"));
  await exec(
    process.execPath,
    [
      "--import",
      "tsx",
      join(cliDir, "scripts", "build-binaries.ts"),
      "--platform",
      "linux-amd64",
      "--out",
      dir,
    ],
    { cwd: cliDir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const name = executableName(CLI_PACKAGE_VERSION, "linux-amd64");
  return { dir, name, path: join(dir, name) };
}

/** Directories above `dir` (itself included) that have a node_modules. */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) found.push(d);
    if (dirname(d) === d) return found;
  }
}

/** A copy of `binary` as `linkerd-smi` in a new empty directory under the system's temp directory. */
export function installCopy(binary: string): { dir: string; exe: string } {
  const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-bin-"));
  const exe = join(dir, "linkerd-smi");
  copyFileSync(binary, exe);
  return { dir, exe };
}

/** Runs `file args` with exactly `env` in `cwd`, and never throws. */
export function runFile(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.stdin.on("error", () => undefined); // EPIPE: the program did not read its input
    child.on("close", (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}
