import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import { exec } from "./exec.js";

const require = createRequire(import.meta.url);

interface SourceMap {
  sources?: string[];
  sourceRoot?: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/**
 * Source maps in an unpacked package whose sources are not in the package, as
 * `<map>: <source>`: a map that points at files the tarball does not carry sends a
 * debugger (and a user's stack trace) nowhere.
 */
export function danglingSourceMaps(packageDir: string): string[] {
  const dangling: string[] = [];
  for (const file of walk(packageDir)) {
    if (!file.endsWith(".map")) continue;
    const map = JSON.parse(readFileSync(file, "utf8")) as SourceMap;
    for (const source of map.sources ?? []) {
      if (/^[a-z]+:/i.test(source)) {
        dangling.push(`${relative(packageDir, file)}: ${source} (not a file in the package)`);
        continue;
      }
      const path = resolve(dirname(file), map.sourceRoot ?? "", source);
      if (!path.startsWith(packageDir + "/") || !existsSync(path))
        dangling.push(`${relative(packageDir, file)}: ${source}`);
    }
  }
  return dangling;
}

/** `pnpm pack` of a package into `into`: the tarball's path (workspace: ranges rewritten). */
export async function pack(packageDir: string, into: string): Promise<string> {
  mkdirSync(into, { recursive: true });
  const before = new Set(readdirSync(into));
  await exec("pnpm", ["pack", "--pack-destination", into], { cwd: packageDir });
  const made = readdirSync(into).filter((f) => f.endsWith(".tgz") && !before.has(f));
  if (made.length !== 1)
    throw new Error(`pnpm pack in ${packageDir} made ${String(made.length)} tarballs`);
  return join(into, made[0] as string);
}

/**
 * The checks a tarball passes before it is published: publint (strict: warnings fail),
 * are-the-types-wrong (ESM only: the packages have no CommonJS entry, which Node 20.19
 * `require`s anyway), and no dangling source map. Throws one error listing every problem.
 */
export async function checkTarball(name: string, tarball: string, work: string): Promise<void> {
  const unpacked = join(work, "unpacked");
  mkdirSync(unpacked, { recursive: true });
  await exec("tar", ["-xzf", tarball, "-C", unpacked]);
  const root = join(unpacked, "package");
  const problems: string[] = [];

  const publint = join(dirname(require.resolve("publint")), "cli.js");
  await exec(process.execPath, [publint, "run", tarball, "--strict"], { echo: true }).catch(
    (error: unknown) => problems.push(`publint: ${(error as Error).message}`),
  );
  const attw = join(
    dirname(require.resolve("@arethetypeswrong/cli/package.json")),
    "dist",
    "index.js",
  );
  await exec(process.execPath, [attw, tarball, "--profile", "esm-only", "--format", "ascii"], {
    echo: true,
  }).catch((error: unknown) => problems.push(`attw: ${(error as Error).message}`));
  for (const d of danglingSourceMaps(root)) problems.push(`source map ${d} is not in the package`);

  if (problems.length > 0)
    throw new Error(
      `${name}: ${tarball} fails its checks; nothing was published:\n  ${problems.join("\n  ")}`,
    );
}

export interface PublishOptions {
  registry: string;
  /** A token for the registry (else the user's npm configuration's). */
  token?: string;
  provenance: boolean;
  work: string;
}

/** `pnpm publish` of a checked tarball to `registry`. */
export async function publishTarball(
  packageDir: string,
  tarball: string,
  options: PublishOptions,
): Promise<void> {
  const env = { ...process.env };
  if (options.token !== undefined) {
    // An npmrc of our own, so the token goes to this registry alone.
    const url = new URL(options.registry);
    const npmrc = join(options.work, "npmrc");
    writeFileSync(
      npmrc,
      `registry=${options.registry}\n//${url.host}${url.pathname.replace(/\/?$/, "/")}:_authToken=${options.token}\n`,
      { mode: 0o600 },
    );
    env.npm_config_userconfig = npmrc;
  }
  const args = [
    "publish",
    tarball,
    "--registry",
    options.registry,
    "--access",
    "public",
    "--no-git-checks",
  ];
  if (options.provenance) args.push("--provenance");
  // From the package's directory: the workspace's packageManager picks the pnpm that runs.
  await exec("pnpm", args, { env, echo: true, cwd: packageDir });
}
