// Builds `linkerd-smi` as one self-contained executable per platform with
// Node's single executable applications (SEA), into release/:
//
//   linkerd-smi-<version>-linux-amd64      linkerd-smi-<version>-darwin-amd64
//   linkerd-smi-<version>-linux-arm64      linkerd-smi-<version>-darwin-arm64
//   linkerd-smi-<version>-windows-amd64.exe
//   sha256sums                             (`sha256sum -c` format)
//   install.sh
//
//   tsx scripts/build-binaries.ts [--platform linux-amd64[,...]] [--out DIR] [--node-version 26.x.y]
//
// It needs a built package (`pnpm --filter @linkerd-smi/cli build`, which the
// `build:binaries` script runs first): the executable is made of dist/, as
// the npm package is. The steps, each in binaries/:
//
// 1. bundle.ts: esbuild bundles the CLI into one CommonJS script.
// 2. node.ts: the newest Node 26.x published on the npm registry for all five
//    platforms, fetched into $LINKERD_SMI_CACHE (default ~/.cache/linkerd-smi)/node/.
// 3. blob.ts: that Node's linux-x64 binary writes the SEA blob, one for all platforms.
// 4. executable.ts: per platform, the blob injected into a copy of that platform's
//    Node binary with postject, signed as the platform needs (macho.ts, quill.ts),
//    cached in $LINKERD_SMI_CACHE/sea/.
// 5. checksums.ts: sha256sums.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { mib, readPackageJson, sha256 } from "@linkerd-smi/build-support";
import {
  EXECUTABLE_PLATFORMS,
  executableName,
  hostPlatform,
  isExecutableName,
  type ExecutablePlatform,
} from "../src/executables.js";
import { writeBlob } from "./binaries/blob.js";
import { writeSha256sums } from "./binaries/checksums.js";
import { cache, cliDir, fail, log, messageOf } from "./binaries/env.js";
import { buildExecutable } from "./binaries/executable.js";
import { ensureNode, resolveNodeVersion } from "./binaries/node.js";
import { BLOB_PLATFORM, PLATFORMS } from "./binaries/platforms.js";

interface Options {
  platforms: ExecutablePlatform[];
  out: string;
  nodeVersion: string | undefined;
}

const isPlatform = (p: string): p is ExecutablePlatform =>
  (EXECUTABLE_PLATFORMS as readonly string[]).includes(p);

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        platform: { type: "string", multiple: true, default: [] },
        out: { type: "string", default: join(cliDir, "release") },
        "node-version": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return fail(`${messageOf(error)} (--help for usage)`);
  }
  if (values.help) {
    process.stdout.write(
      "usage: build-binaries.ts [--platform P[,P...]]... [--out DIR] [--node-version V]\n" +
        `platforms: ${EXECUTABLE_PLATFORMS.join(", ")} (default: all)\n`,
    );
    process.exit(0);
  }
  const platforms: ExecutablePlatform[] = [];
  for (const p of values.platform.flatMap((list) => list.split(","))) {
    if (!isPlatform(p)) fail(`unknown platform ${p} (one of ${EXECUTABLE_PLATFORMS.join(", ")})`);
    platforms.push(p);
  }
  return {
    platforms: [...new Set(platforms.length === 0 ? EXECUTABLE_PLATFORMS : platforms)],
    out: resolve(values.out),
    nodeVersion: values["node-version"] ?? process.env.LINKERD_SMI_SEA_NODE_VERSION,
  };
}

async function main(): Promise<void> {
  const opts = options();
  const { version } = readPackageJson(cliDir);
  if (hostPlatform() !== BLOB_PLATFORM) {
    fail(
      `the blob is written by Node's ${BLOB_PLATFORM} binary, which cannot run on ${process.platform}-${process.arch}`,
    );
  }
  const nodeVersion = opts.nodeVersion ?? (await resolveNodeVersion(opts.platforms));
  log(`linkerd-smi ${version}: ${opts.platforms.join(", ")} on Node ${nodeVersion}`);

  mkdirSync(join(cache, "sea"), { recursive: true });
  const node = await ensureNode(PLATFORMS[BLOB_PLATFORM].npm, nodeVersion);
  const work = mkdtempSync(join(cache, "sea", ".blob-"));
  let blob;
  try {
    blob = await writeBlob(node, work, version);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const build = { blob, blobHash: sha256(blob), nodeVersion, version };

  mkdirSync(opts.out, { recursive: true });
  // The directory holds this build alone: executables of other builds
  // (another version, other platforms) would not match each other or sha256sums.
  const names = opts.platforms.map((p) => executableName(version, p));
  for (const f of readdirSync(opts.out)) {
    if (isExecutableName(f) && !names.includes(f)) rmSync(join(opts.out, f));
  }
  for (const platform of opts.platforms) {
    const exe = await buildExecutable(platform, build);
    const dest = join(opts.out, executableName(version, platform));
    copyFileSync(exe, `${dest}.tmp`);
    chmodSync(`${dest}.tmp`, 0o755);
    renameSync(`${dest}.tmp`, dest);
    const shown = relative(process.cwd(), dest).startsWith("..")
      ? dest
      : relative(process.cwd(), dest);
    log(`${platform}: ${shown} (${mib(statSync(dest).size)})`);
  }

  const sums = writeSha256sums(opts.out, names);
  // The release carries the install script too: releases/latest/download/install.sh.
  copyFileSync(join(cliDir, "..", "..", "install.sh"), join(opts.out, "install.sh"));
  process.stdout.write(sums);
  log(`done: ${join(opts.out, "sha256sums")}`);
}

await main();
