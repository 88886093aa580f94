import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { binaryPaths } from "@linkerd-smi/testenv";

export const bin = fileURLToPath(new URL("../dist/bin/linkerd-smi.js", import.meta.url));
export const chart = fileURLToPath(new URL("../../../charts/linkerd-smi", import.meta.url));
const exec = promisify(execFile);

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `linkerd-smi` the way a user does, and never throws. */
export async function linkerdSmi(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** What the real helm prints for the same chart and flags. */
export async function helmTemplate(args: readonly string[]): Promise<string> {
  const { stdout } = await exec(binaryPaths().helm, ["template", "linkerd-smi", chart, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
