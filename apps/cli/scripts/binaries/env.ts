/** Where the executables' build reads its inputs and caches its work, and how it reports. */
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildCache, scriptOutput } from "@linkerd-smi/build-support";

export const run = promisify(execFile);

/** apps/cli. */
export const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The built package, which the executable is made of as the npm package is. */
export const dist = join(cliDir, "dist");
/** $LINKERD_SMI_CACHE (default ~/.cache/linkerd-smi). */
export const cache = buildCache();

const output = scriptOutput("build-binaries", "binaries");
export const log: (message: string) => void = output.log;
export const fail: (message: string) => never = output.fail;

/** The message of a caught error. */
export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
