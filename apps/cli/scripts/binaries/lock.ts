import { mkdirSync, rmSync, statSync } from "node:fs";

/**
 * Runs `fn` holding the lock directory `path`; while another process holds it
 * (the tests' workers may build the same thing at once), waits, and returns
 * without running `fn` once `done()` says that the other process made it.
 */
export async function withLock(
  path: string,
  done: () => boolean,
  fn: () => Promise<void>,
): Promise<void> {
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (done()) return;
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 20 * 60_000) {
        rmSync(path, { recursive: true, force: true }); // left by a killed build
      } else {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  try {
    if (!done()) await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
