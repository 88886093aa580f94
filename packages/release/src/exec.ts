import { spawn } from "node:child_process";

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Print the command's stdout and stderr as it runs (stderr always is). */
  echo?: boolean;
  input?: string;
  /** Resolve with stdout followed by stderr (for tools that report results on stderr). */
  combined?: boolean;
}

/** Thrown when a command exits non-zero: its message is one line, the command and its exit code. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const last = stderr.trim().split("\n").at(-1) ?? "";
    super(`${command} exited with ${String(code)}${last ? `: ${last}` : ""}`);
  }
}

/** Runs `file args…` and returns its stdout; its stderr goes to ours as it comes. */
export function exec(
  file: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<string> {
  const shown = [file, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (options.echo) process.stderr.write(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on("error", (error) => {
      reject(new Error(`${file}: ${error.message}`, { cause: error }));
    });
    child.on("close", (code) => {
      if (code === 0) resolve(options.combined ? stdout + stderr : stdout);
      else reject(new CommandError(shown, code, stdout, stderr));
    });
  });
}
