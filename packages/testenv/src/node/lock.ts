import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

function flock(fd: number, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // flock(1) locks the open file description it inherits as fd 3, which this process shares:
    // the lock is ours until we close the file or exit, however we exit (a SIGKILL too).
    const child = spawn("flock", [...args, "3"], { stdio: ["ignore", "ignore", "inherit", fd] });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

/**
 * Takes the machine-wide lock at `path`, waiting for its holder (and saying who that is), and
 * returns the function that releases it.
 */
export async function machineLock(
  path: string,
  log: (message: string) => void,
  timeoutMs: number,
): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a+");
  try {
    if ((await flock(fd, ["-x", "-n"])) !== 0) {
      let holder = "";
      try {
        holder = readFileSync(path, "utf8").trim();
      } catch {
        // Unreadable: say nothing of the holder.
      }
      log(`waiting for the test node held by ${holder || "another run"} (${path})`);
      const code = await flock(fd, ["-x", "-w", String(Math.ceil(timeoutMs / 1000))]);
      if (code !== 0)
        throw new Error(
          `test node: ${holder || "another run"} has held ${path} for over ${String(timeoutMs / 1000)}s; wait for it to finish, or end it`,
        );
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  writeFileSync(path, `pid ${String(process.pid)} (${process.argv.slice(1, 3).join(" ")})\n`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    closeSync(fd);
  };
}
