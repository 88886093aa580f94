/**
 * What every build script prints and where it caches: progress on stderr with the seconds
 * since it started, one error line to exit with, and `$LINKERD_SMI_CACHE`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * A script's output. Give `fail` an explicit type where it is taken out
 * (`const fail: (message: string) => never = output.fail`): TypeScript then knows that
 * nothing runs after it.
 */
export interface ScriptOutput {
  /** `[<tag>  12.3s] message` on stderr. */
  log: (message: string) => void;
  /** `<name>: message` on stderr, and exit 1. */
  fail: (message: string) => never;
}

/** The output of the script `name`, whose progress lines are tagged `tag`. */
export function scriptOutput(name: string, tag: string = name): ScriptOutput {
  const started = performance.now();
  return {
    log: (message) => {
      const s = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
      process.stderr.write(`[${tag} ${s}s] ${message}\n`);
    },
    fail: (message) => {
      process.stderr.write(`${name}: ${message}\n`);
      process.exit(1);
    },
  };
}

/** Where the build scripts cache what they fetch and build: `$LINKERD_SMI_CACHE`, else `~/.cache/linkerd-smi`. */
export function buildCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.LINKERD_SMI_CACHE || join(homedir(), ".cache", "linkerd-smi");
}

/** The SHA-256 of `data`, in hex. */
export const sha256 = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex");

/** `bytes` in MiB with one decimal, for a log line. */
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The fields of a package.json the build scripts read. */
export interface PackageJson {
  name: string;
  version: string;
  homepage?: string;
  engines?: { node?: string };
}

/** The package.json in `dir`. */
export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
}
