import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync } from "node:fs";

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

// Children must not outlive the test run, even when it crashes or is interrupted.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill("SIGKILL");
      process.kill(process.pid, signal);
    });
  }
}

// util-linux's setpriv sets PR_SET_PDEATHSIG and execs the command (same pid): the child then
// dies with this process even when nothing here runs (SIGKILL), instead of living on as an orphan.
const SETPRIV = "/usr/bin/setpriv";

/** A child process whose output goes to a log file and that is killed on exit. */
export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    readonly logFile: string,
    env?: NodeJS.ProcessEnv,
  ) {
    installExitHook();
    const fd = openSync(logFile, "a");
    try {
      const [file, argv] = existsSync(SETPRIV)
        ? [SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args]]
        : [command, [...args]];
      this.child = spawn(file, argv, { stdio: ["ignore", fd, fd], ...(env && { env }) });
    } finally {
      closeSync(fd);
    }
    running.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        running.delete(this.child);
        this.exitCode = code ?? (signal === null ? null : -1);
        resolve(this.exitCode);
      });
      this.child.on("error", () => {
        running.delete(this.child);
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.hasExited) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the process dies without any chance to clean up. */
  async kill(): Promise<void> {
    if (this.hasExited) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}
