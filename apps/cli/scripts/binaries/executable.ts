/**
 * One executable: a copy of its platform's Node binary with the blob injected by postject
 * (NODE_SEA_BLOB, and the NODE_SEA segment for Mach-O) and the SEA fuse flipped. The
 * Authenticode signature (windows) or the code signature (darwin) is removed first, as
 * injecting breaks it, and darwin binaries get an ad-hoc signature from quill, checked page
 * by page. Each is cached in $LINKERD_SMI_CACHE/sea/<platform>-<key>/, key hashing the blob,
 * the base binary and BUILD_REVISION: an unchanged build only copies files.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { sha256 } from "@linkerd-smi/build-support";
import postject from "postject";
import { hostPlatform, type ExecutablePlatform } from "../../src/executables.js";
import { cache, fail, log, messageOf, run } from "./env.js";
import { withLock } from "./lock.js";
import { removeMachOSignature, verifyMachOSignature } from "./macho.js";
import { ensureNode } from "./node.js";
import { PLATFORMS, type BinaryFormat } from "./platforms.js";
import { ensureQuill, QUILL } from "./quill.js";

/** Bump when the build changes what it produces from the same blob and Node. */
const BUILD_REVISION = 2;
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** What every platform's executable is made of. */
export interface BlobBuild {
  blob: Buffer;
  blobHash: string;
  nodeVersion: string;
  /** The CLI's version, which the executable for this machine must print. */
  version: string;
}

/** postject: the blob into NODE_SEA_BLOB (in segment NODE_SEA for Mach-O), and the fuse set. */
async function inject(exe: string, blob: Buffer, format: BinaryFormat): Promise<void> {
  // LIEF, in postject, warns about each of Node's ELF notes; harmless, and many.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/^warning: Can't find string offset for section name/.test(String(args[0]))) warn(...args);
  };
  try {
    await postject.inject(exe, "NODE_SEA_BLOB", blob, {
      sentinelFuse: SEA_FUSE,
      ...(format === "macho" ? { machoSegmentName: "NODE_SEA" } : {}),
    });
  } finally {
    console.warn = warn;
  }
}

/** The executable for `platform`, from the cache or built into it. */
export async function buildExecutable(
  platform: ExecutablePlatform,
  { blob, blobHash, nodeVersion, version }: BlobBuild,
): Promise<string> {
  const { npm, format } = PLATFORMS[platform];
  const base = await ensureNode(npm, nodeVersion);
  const signer = format === "macho" ? `quill ${QUILL.version}` : "";
  const key = sha256(
    [BUILD_REVISION, platform, `${npm}@${nodeVersion}`, blobHash, signer].join("\n"),
  ).slice(0, 16);
  const exe = join(
    cache,
    "sea",
    `${platform}-${key}`,
    `linkerd-smi${format === "pe" ? ".exe" : ""}`,
  );
  if (existsSync(exe)) {
    log(`${platform}: cached (${exe})`);
    return exe;
  }
  prune(platform);
  await withLock(
    join(cache, "sea", `.lock-${platform}-${key}`),
    () => existsSync(exe),
    async () => {
      // Built in a temporary directory renamed into place: a cached executable is whole.
      const work = mkdtempSync(`${dirname(exe)}.tmp-`);
      try {
        await injectAndSign(platform, format, base, blob, join(work, basename(exe)));
        await smokeTest(platform, join(work, basename(exe)), version);
        renameSync(work, dirname(exe));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
  return exe;
}

/** Keeps the cache from growing by an executable per change: the newest few per platform stay. */
function prune(platform: ExecutablePlatform, keep = 3): void {
  const dir = join(cache, "sea");
  const builds = readdirSync(dir)
    .filter((d) => d.startsWith(`${platform}-`) && !d.includes(".tmp-"))
    .map((d) => ({ path: join(dir, d), mtime: statSync(join(dir, d)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { path } of builds.slice(keep - 1)) rmSync(path, { recursive: true, force: true });
}

/** `exe`: `base` with `blob` injected, signed as its platform needs. */
async function injectAndSign(
  platform: ExecutablePlatform,
  format: BinaryFormat,
  base: string,
  blob: Buffer,
  exe: string,
): Promise<void> {
  if (format === "pe") {
    // Injecting invalidates Node's Authenticode signature: remove it rather than ship a broken one.
    await run("osslsigncode", ["remove-signature", "-in", base, "-out", exe]).catch(
      (error: unknown) =>
        fail(
          `osslsigncode remove-signature failed (is osslsigncode installed?): ${messageOf(error)}`,
        ),
    );
  } else {
    copyFileSync(base, exe);
    chmodSync(exe, 0o755);
  }
  if (format === "macho" && removeMachOSignature(exe)) {
    log(`${platform}: removed Node's code signature`);
  }

  await inject(exe, blob, format);
  if (!readFileSync(exe).includes(`${SEA_FUSE}:1`)) {
    throw new Error(`${platform}: the SEA fuse is not set`);
  }

  if (format === "macho") {
    // macOS kills unsigned arm64 code, and an x86_64 binary whose signature does not match.
    const quill = await ensureQuill();
    await run(quill, ["sign", "--ad-hoc", "--identity", "linkerd-smi", "--quiet", exe]);
    log(`${platform}: ${verifyMachOSignature(exe)}`);
  }
}

/** Runs the executable when it is for this machine. */
async function smokeTest(
  platform: ExecutablePlatform,
  exe: string,
  version: string,
): Promise<void> {
  if (platform !== hostPlatform()) return;
  const { stdout } = await run(exe, ["version", "--client", "--short"]);
  if (stdout.trim() !== version) {
    throw new Error(`${platform}: \`version --client --short\` printed ${JSON.stringify(stdout)}`);
  }
  log(`${platform}: runs (version --client --short: ${stdout.trim()})`);
}
