import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type {} from "@linkerd-smi/testenv/global-setup";
import { bin, linkerdSmi, type Result } from "./cli.js";

/**
 * Runs `linkerd-smi`: the built CLI (`dist/bin/linkerd-smi.js`) as a user does, or, when it has
 * not been built (or LINKERD_SMI_IN_PROCESS=1), `run(argv, io)` from src/program.ts in this
 * process. `stdin` is what the command reads from standard input.
 */
export async function smi(
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Result> {
  const env = options.env ?? {};
  if (process.env.LINKERD_SMI_IN_PROCESS !== "1" && existsSync(bin)) {
    if (options.stdin === undefined) return linkerdSmi(args, env);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(options.stdin);
    });
  }
  const { run } = await import("../src/program.js");
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    env: { ...process.env, ...env },
    ...(options.stdin === undefined
      ? {}
      : { readStdin: () => Promise.resolve(options.stdin ?? "") }),
  });
  return { code, stdout, stderr };
}
