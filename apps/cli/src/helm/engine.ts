/**
 * `helm template`, without a helm binary: Helm 4's own Go packages (the
 * helm.sh/helm/v4 version in packages/testenv/versions.json) compiled to
 * WebAssembly from `helm-wasm/main.go` by `scripts/build-helm-wasm.sh`, which
 * puts `helm.wasm.br` (brotli) and Go's `wasm_exec.js` next to this module in
 * `dist/helm/`.
 *
 * The Go program runs in this process, instantiated once, lazily. A call into
 * it is synchronous, so it is given a synchronous, read-only view of the
 * filesystem (see {@link goFs}): it loads the chart directory (with
 * `.helmignore`), values files and `--set-file` files itself, exactly as helm
 * does, errors included. It cannot write files nor reach the network.
 */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// node:child_process, node:v8, node:vm and node:zlib are taken when the engine
// starts (process.getBuiltinModule): a command that renders nothing does not
// load them (about 3 MiB of RSS in the single executable).

/** A failure reported by Helm, with Helm's message (what `helm` prints after `Error: `). */
export class HelmError extends Error {
  override name = "HelmError";
}

/** The flags of `helm template NAME CHART`. */
export interface RenderOptions {
  /** The chart directory (CHART). */
  chartDir: string;
  /** The release name (NAME). */
  releaseName: string;
  /** `--namespace`. */
  namespace: string;
  /** `-f/--values`, in order; `-` is stdin. Relative paths are from the current directory. */
  valueFiles?: readonly string[];
  /** `--set`. */
  set?: readonly string[];
  /** `--set-string`. */
  setString?: readonly string[];
  /** `--set-file` (`key=path`). */
  setFile?: readonly string[];
  /** `--set-json`. */
  setJson?: readonly string[];
  /** `--set-literal`. */
  setLiteral?: readonly string[];
  /** `--show-only` (`templates/x.yaml`, globs allowed). */
  showOnly?: readonly string[];
  /** `--include-crds` (files under the chart's `crds/`). */
  includeCrds?: boolean;
  /** `--skip-tests`. */
  skipTests?: boolean;
  /** `--is-upgrade`. */
  isUpgrade?: boolean;
  /** `--kube-version`; the default is Helm's, as in the helm binary. */
  kubeVersion?: string;
  /** `--api-versions`. */
  apiVersions?: readonly string[];
  /**
   * Receives what helm would log on stderr (Helm 4's slog lines, e.g.
   * `level=INFO msg="warning: skipped value for ..."`). Default: written to stderr.
   */
  onWarning?: (message: string) => void;
}

/** A file of a chart as Helm loads it (after `.helmignore`), path relative to the chart root. */
export interface ChartFile {
  name: string;
  data: Uint8Array;
}

export interface HelmEngineInfo {
  /** The Helm version the engine is built from (`.Capabilities.HelmVersion.Version`). */
  helmVersion: string;
  /** The default `.Capabilities.KubeVersion.Version`. */
  kubeVersion: string;
  /** Where the engine was loaded from. */
  dir: string;
  /** Milliseconds spent reading, decompressing, compiling and starting the engine. */
  loadMs: number;
  /** loadMs by phase. */
  timings: { readMs: number; inflateMs: number; compileMs: number; startMs: number };
}

/** Renders a chart as `helm template` would print it, byte for byte. */
export async function renderChart(options: RenderOptions): Promise<string> {
  const engine = await loadEngine();
  const request = {
    chartDir: options.chartDir,
    releaseName: options.releaseName,
    namespace: options.namespace,
    valueFiles: options.valueFiles ?? [],
    set: options.set ?? [],
    setString: options.setString ?? [],
    setFile: options.setFile ?? [],
    setJson: options.setJson ?? [],
    setLiteral: options.setLiteral ?? [],
    showOnly: options.showOnly ?? [],
    includeCrds: options.includeCrds ?? false,
    skipTests: options.skipTests ?? false,
    isUpgrade: options.isUpgrade ?? false,
    kubeVersion: options.kubeVersion ?? "",
    apiVersions: options.apiVersions ?? [],
  };
  const res = engine.call("render", JSON.stringify(request), options.onWarning);
  if (typeof res.manifest !== "string") throw new HelmError("helm engine: no manifest in response");
  return res.manifest;
}

/** The files Helm loads from a chart directory (`.helmignore` applied), in Helm's order. */
export async function loadChartFiles(
  chartDir: string,
  onWarning?: (message: string) => void,
): Promise<ChartFile[]> {
  const engine = await loadEngine();
  const res = engine.call("loadChart", chartDir, onWarning);
  return (res.files ?? []).map((f) => ({
    name: f.name,
    data: new Uint8Array(Buffer.from(f.data ?? "", "base64")),
  }));
}

/** Loads the engine if needed and tells which Helm it is. */
export async function helmEngineInfo(): Promise<HelmEngineInfo> {
  const engine = await loadEngine();
  const res = engine.call("info", "");
  return {
    helmVersion: res.helmVersion ?? "",
    kubeVersion: res.kubeVersion ?? "",
    dir: engine.dir,
    loadMs: engine.loadMs,
    timings: engine.timings,
  };
}

// ---------------------------------------------------------------------------

/** File names in the engine directory (written by scripts/build-helm-wasm.sh). */
export const engineFiles = {
  wasm: "helm.wasm.br",
  wasmExec: "wasm_exec.js",
  metadata: "helm-wasm.json",
} as const;

interface GoResponse {
  manifest?: string;
  files?: { name: string; data: string | null }[];
  helmVersion?: string;
  kubeVersion?: string;
  error?: string;
  warnings?: string[];
}

type GoApi = Record<"render" | "loadChart" | "info", (arg: string) => unknown>;

interface Engine {
  dir: string;
  loadMs: number;
  timings: HelmEngineInfo["timings"];
  call(
    op: keyof GoApi,
    arg: string,
    onWarning?: (message: string) => void,
  ): GoResponse & { error?: undefined };
}

/** The Go class that wasm_exec.js defines. */
interface Go {
  argv: string[];
  env: Record<string, string>;
  exit: (code: number) => void;
  importObject: Record<string, Record<string, unknown>>;
  run(instance: WasmInstance): Promise<void>;
}

// The few WebAssembly types used here (the Node 20 types do not declare the
// WebAssembly global, and the DOM lib is not for a CLI).
interface WasmInstance {
  exports: Record<string, unknown>;
}
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: WasmInstance }>;
};

let enginePromise: Promise<Engine> | undefined;

/** Engine files that are not in a directory: the single executable's (src/sea.ts). */
export interface EmbeddedEngineFiles {
  /** What {@link HelmEngineInfo.dir} reports. */
  dir: string;
  /** The content of one of {@link engineFiles}. */
  read(name: string): Uint8Array;
}
let embeddedEngine: EmbeddedEngineFiles | undefined;

/** For the single executable only: load the engine from `files` instead of a directory. */
export function useEmbeddedEngine(files: EmbeddedEngineFiles): void {
  embeddedEngine = files;
}

function readEngineFile(dir: string, name: string): Uint8Array {
  return embeddedEngine?.read(name) ?? fs.readFileSync(join(dir, name));
}

function loadEngine(): Promise<Engine> {
  enginePromise ??= startEngine().catch((err: unknown) => {
    enginePromise = undefined;
    throw err;
  });
  return enginePromise;
}

const moduleDir = fileURLToPath(new URL(".", import.meta.url));
/** Running from the TypeScript sources (tests), not from `dist/`. */
const fromSources = import.meta.url.endsWith(".ts");
const packageRoot = resolve(moduleDir, "..", "..");

let built = false;

/** The directory with the engine files: next to this module, else `dist/helm/` of the package. */
async function engineDir(): Promise<string> {
  if (fromSources && !built) {
    // Under src/ (tests): (re)build dist/helm/ from helm-wasm/ first; the
    // script reuses its cache when helm-wasm/ has not changed.
    await runBuildScript(join(packageRoot, "scripts", "build-helm-wasm.sh"));
    built = true;
  }
  const candidates = [moduleDir, join(packageRoot, "dist", "helm")];
  const found = candidates.find((d) => fs.existsSync(join(d, engineFiles.wasm)));
  if (found === undefined) {
    throw new HelmError(
      `helm engine not found: no ${engineFiles.wasm} in ${candidates.join(" or ")} (the package is incomplete; build it with \`pnpm --filter @linkerd-smi/cli build\`)`,
    );
  }
  return found;
}

function runBuildScript(script: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = process
      .getBuiltinModule("node:child_process")
      .spawn("bash", [script], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new HelmError(
            `building the helm engine failed (exit ${String(code)}); run \`bash ${script}\` to see why`,
          ),
        );
    });
  });
}

async function startEngine(): Promise<Engine> {
  const dir = embeddedEngine?.dir ?? (await engineDir());
  const start = performance.now();

  // wasm_exec.js is a script that defines `globalThis.Go`, and the Go runtime
  // reaches JS through `globalThis` (fs, process, crypto, ...). Run it with
  // its own global object, which reads through to the real one, so that the
  // Go program sees our `fs` and nothing leaks onto the real global object;
  // its timers are unref'd so a parked Go program never keeps the process alive.
  const own: Record<string | symbol, unknown> = {
    fs: goFs(),
    path: { resolve: (...paths: string[]) => resolve(...paths) },
  };
  const sandbox = new Proxy(own, {
    get: (target, key): unknown => (key in target ? target[key] : Reflect.get(globalThis, key)),
    has: (target, key) => key in target || key in globalThis,
  });
  const wasmExecPath = join(dir, engineFiles.wasmExec);
  const wrapped = process
    .getBuiltinModule("node:vm")
    .runInThisContext(
      `(function (globalThis, setTimeout, clearTimeout) {${Buffer.from(readEngineFile(dir, engineFiles.wasmExec)).toString("utf8")}\n})`,
      { filename: wasmExecPath },
    ) as (g: object, st: typeof setTimeout, ct: typeof clearTimeout) => void;
  const unrefTimeout = ((fn: () => void, ms?: number) =>
    setTimeout(fn, ms).unref()) as unknown as typeof setTimeout;
  wrapped(sandbox, unrefTimeout, clearTimeout);

  const GoClass = sandbox.Go as new () => Go;
  const go = new GoClass();
  go.argv = ["helm"];
  go.env = {};
  let exitCode: number | undefined;
  go.exit = (code) => {
    exitCode = code;
    enginePromise = undefined; // the next call starts a fresh engine
  };

  const compressed = readEngineFile(dir, engineFiles.wasm);
  const read = performance.now();
  const wasm = process.getBuiltinModule("node:zlib").brotliDecompressSync(compressed);
  const inflated = performance.now();
  // V8 compiles wasm with its baseline compiler (Liftoff), then recompiles
  // hot functions with TurboFan in the background; for an 81 MB module that
  // background work costs seconds of CPU and holds the process open about a
  // second after the CLI is done, for no gain on a render that takes
  // milliseconds. Liftoff only: the whole load + first render takes about
  // half a second. (This applies to wasm compiled later in this process too.)
  process.getBuiltinModule("node:v8").setFlagsFromString("--liftoff-only");
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  const compiled = performance.now();
  // run() returns once main() parks (select {}), having set the API.
  void go.run(instance);
  const api = sandbox.__linkerdSmiHelm as GoApi | undefined;
  if (api === undefined) {
    throw new HelmError(`helm engine did not start (exit code ${String(exitCode)})`);
  }
  const end = performance.now();
  const loadMs = end - start;
  const timings = {
    readMs: read - start,
    inflateMs: inflated - read,
    compileMs: compiled - inflated,
    startMs: end - compiled,
  };

  return {
    dir,
    loadMs,
    timings,
    call(op, arg, onWarning = defaultWarning) {
      if (exitCode !== undefined) throw new HelmError(`helm engine exited (code ${exitCode})`);
      const raw = api[op](arg);
      if (typeof raw !== "string") {
        throw new HelmError(`helm engine crashed (exit code ${String(exitCode)})`);
      }
      const res = JSON.parse(raw) as GoResponse;
      for (const w of res.warnings ?? []) onWarning(w);
      if (res.error !== undefined) throw new HelmError(res.error);
      return res as GoResponse & { error?: undefined };
    },
  };
}

function defaultWarning(message: string): void {
  process.stderr.write(`${message}\n`);
}

type Callback = (err: NodeJS.ErrnoException | null, result?: unknown) => void;

/**
 * The `fs` object Go's syscall package calls (see syscall/fs_js.go): Node's
 * callback API, but completing synchronously, so that a Go file operation
 * finishes within a synchronous JS->Go call. Read-only: opening for writing
 * fails with EROFS, and writes to stdout/stderr (Go runtime messages) go to
 * stderr, never into the rendered output.
 */
function goFs(): Record<string, unknown> {
  const c = fs.constants;
  const writeFlags = c.O_WRONLY | c.O_RDWR | c.O_CREAT | c.O_TRUNC | c.O_APPEND | c.O_EXCL;
  const done = (cb: Callback, fn: () => unknown): void => {
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      cb(errno(err));
      return;
    }
    cb(null, result);
  };
  const fail =
    (code: string) =>
    (...args: unknown[]) => {
      (args[args.length - 1] as Callback)(errno({ code }));
    };
  const writeSync = (fd: number, buf: Uint8Array): number => {
    if (fd === 1 || fd === 2) return fs.writeSync(2, buf);
    throw errno({ code: "EBADF" });
  };
  return {
    constants: c,
    writeSync,
    write(fd: number, buf: Uint8Array, offset: number, length: number, _pos: null, cb: Callback) {
      done(cb, () => writeSync(fd, buf.subarray(offset, offset + length)));
    },
    open(path: string, flags: number, mode: number, cb: Callback) {
      if ((flags & writeFlags) !== 0) fail("EROFS")(cb);
      else done(cb, () => fs.openSync(path, flags, mode));
    },
    close: (fd: number, cb: Callback) => done(cb, () => fs.closeSync(fd)),
    fstat: (fd: number, cb: Callback) => done(cb, () => fs.fstatSync(fd)),
    stat: (path: string, cb: Callback) => done(cb, () => fs.statSync(path)),
    lstat: (path: string, cb: Callback) => done(cb, () => fs.lstatSync(path)),
    readdir: (path: string, cb: Callback) => done(cb, () => fs.readdirSync(path)),
    readlink: (path: string, cb: Callback) => done(cb, () => fs.readlinkSync(path)),
    read(
      fd: number,
      buf: Uint8Array,
      offset: number,
      length: number,
      position: number | null,
      cb: Callback,
    ) {
      done(cb, () => fs.readSync(fd, buf, offset, length, position));
    },
    fsync: (_fd: number, cb: Callback) => cb(null),
    chmod: fail("EROFS"),
    chown: fail("EROFS"),
    fchmod: fail("EROFS"),
    fchown: fail("EROFS"),
    ftruncate: fail("EROFS"),
    lchown: fail("EROFS"),
    link: fail("EROFS"),
    mkdir: fail("EROFS"),
    rename: fail("EROFS"),
    rmdir: fail("EROFS"),
    symlink: fail("EROFS"),
    truncate: fail("EROFS"),
    unlink: fail("EROFS"),
    utimes: fail("EROFS"),
  };
}

/** Error codes Go's syscall package knows (it panics on others); the rest become EIO. */
const goErrnos = new Set(
  (
    "EACCES EAGAIN EBADF EBUSY EEXIST EFBIG EINTR EINVAL EIO EISDIR ELOOP EMFILE ENAMETOOLONG " +
    "ENFILE ENODEV ENOENT ENOMEM ENOSPC ENOSYS ENOTDIR ENOTEMPTY ENXIO EOVERFLOW EPERM EROFS " +
    "ESPIPE ETIMEDOUT EWOULDBLOCK"
  ).split(" "),
);

function errno(err: unknown): NodeJS.ErrnoException {
  const code = (err as { code?: unknown } | null)?.code;
  const e: NodeJS.ErrnoException = new Error(String(code));
  e.code = typeof code === "string" && goErrnos.has(code) ? code : "EIO";
  return e;
}
