/**
 * Helpers for the reliability tests (test/reliability): the adaptor as a real
 * process, a fleet of TrafficSplits with their Services and a driver that
 * keeps changing their weights, samplers, and the check that every
 * ServiceProfile equals what its split asks for.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import type { WeightedDst } from "@linkerd-smi/core";
import { expectOk, readKubeconfig, writeKubeconfig, type KubeHttp } from "@linkerd-smi/testenv";

/** The built adaptor (`pnpm --filter @linkerd-smi/controller build`). */
const adaptorMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));

let warnedStale = false;

/** Fails with instructions when the adaptor is not built; warns (once) when `dist` is older than `src`. */
function requireBuiltAdaptor(): void {
  if (!existsSync(adaptorMain))
    throw new Error(
      `${adaptorMain} is missing: build the adaptor first (pnpm --filter @linkerd-smi/controller build)`,
    );
  const src = fileURLToPath(new URL("../src/", import.meta.url));
  const built = statSync(adaptorMain.replace(/main\.js$/, "runtime.js")).mtimeMs;
  const newer = readdirSync(src).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && statSync(src + f).mtimeMs > built,
  );
  if (newer.length > 0 && !warnedStale) {
    warnedStale = true;
    console.warn(
      `warning: ${newer.join(", ")} changed after dist was built; the process tests run the old build (pnpm --filter @linkerd-smi/controller build)`,
    );
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The value of one series (`name{labels}` exactly as exposed) in a Prometheus text page. */
export function metricFrom(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Runs `fn` on every item with at most `limit` in flight; resolves with the results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Calls `fn` every `everyMs` until stopped; returns every sample with its time. */
export function sampler<T>(
  fn: () => Promise<T>,
  everyMs: number,
): { stop(): Promise<{ at: number; value: T | Error }[]> } {
  const samples: { at: number; value: T | Error }[] = [];
  const state = { stopping: false };
  const loop = (async () => {
    while (!state.stopping) {
      const at = Date.now();
      try {
        samples.push({ at, value: await fn() });
      } catch (error) {
        samples.push({ at, value: error instanceof Error ? error : new Error(String(error)) });
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      state.stopping = true;
      await loop;
      return samples;
    },
  };
}

/** Polls until `check` returns a value, failing after `timeoutMs` with `describe()` of the last state. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  describe: () => string = () => "",
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = describe();
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${detail === "" ? "" : `: ${detail}`}${
          lastError instanceof Error ? ` (last error: ${lastError.message})` : ""
        }`,
      );
    }
    await sleep(everyMs);
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `Date.now()` when the process exited. */
  at: number;
}

/** The adaptor running as its own process (`node dist/main.js ...`). */
export interface AdaptorProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `127.0.0.1:<port>` of its admin server. */
  readonly address: string;
  readonly exited: Promise<ExitStatus>;
  /** Everything it wrote to stderr (its log). */
  logs(): string;
  running(): boolean;
  /** GET on the admin server; the status and the body. */
  get(path: string): Promise<{ status: number; text: string }>;
  metrics(): Promise<string>;
  /** One series from /metrics (0 when absent). */
  metric(series: string): Promise<number>;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `node dist/main.js -kubeconfig <kubeconfig> -metrics-addr 127.0.0.1:0 <args>`
 * and resolves once its admin server listens. Stop it with `kill()` (the
 * caller's `finally` should `kill("SIGKILL")`).
 */
export async function spawnAdaptor(
  kubeconfig: string,
  args: readonly string[] = [],
): Promise<AdaptorProcess> {
  requireBuiltAdaptor();
  const child = spawn(
    process.execPath,
    [adaptorMain, "-kubeconfig", kubeconfig, "-metrics-addr", "127.0.0.1:0", ...args],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once("exit", (code, signal) => {
      status = { code, signal, at: Date.now() };
      resolve(status);
    }),
  );
  const port = await until(
    "the adaptor's admin address in its log",
    () => {
      if (status !== undefined)
        throw new Error(`the adaptor exited (${JSON.stringify(status)}):\n${stderr.slice(-3000)}`);
      return Promise.resolve(/listening on 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
    },
    30_000,
    () => stderr.slice(-2000),
    20,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const address = `127.0.0.1:${port}`;
  const get = async (path: string) => {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, text: await res.text() };
  };
  const metrics = async () => (await get("/metrics")).text;
  return {
    child,
    pid: child.pid ?? -1,
    address,
    exited,
    logs: () => stderr,
    running: () => status === undefined,
    get,
    metrics,
    metric: async (series) => metricFrom(await metrics(), series) ?? 0,
    async waitReady(timeoutMs = 30_000) {
      await until(
        "the adaptor process to be ready",
        async () => {
          if (status !== undefined)
            throw new Error(`the adaptor exited: ${JSON.stringify(status)}`);
          return (await get("/ready")).status === 200 ? true : undefined;
        },
        timeoutMs,
        () => stderr.slice(-2000),
        50,
      );
    },
    kill(signal = "SIGTERM") {
      if (status === undefined) child.kill(signal);
    },
  };
}

/** True while a process with this id exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Weights = readonly [number, number];

interface SplitDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { service: string; backends: { service: string; weight: number | string }[] };
}

interface ProfileDocument {
  metadata: { name: string; resourceVersion: string };
  spec?: { dstOverrides?: { authority: string; weight: string | number }[] };
}

/** The dstOverrides core computes for a split object as the apiserver returns it. */
/**
 * The dstOverrides the adaptor should write for `split` (cluster domain `cluster.local`), with
 * `weights` given by hand or else by {@link expectedWeight}.
 */
export function expectedOverrides(
  split: unknown,
  namespace: string,
  weights?: readonly string[],
): WeightedDst[] {
  const doc = split as SplitDocument;
  return doc.spec.backends.map((b, i) => ({
    authority: `${b.service}.${namespace}.svc.cluster.local`,
    weight: weights?.[i] ?? expectedWeight(b.weight),
  }));
}

/**
 * The oracle's own rule for how the adaptor writes a weight, written from the design (Go prints
 * the Quantity in canonical form) for the small weights these tests use, not taken from core:
 * an integer 0..999 prints as itself, and a milli or integer string as itself, trimmed. Anything
 * else needs a literal expectation in the test that uses it.
 */
function expectedWeight(weight: number | string): string {
  if (typeof weight === "number" && Number.isInteger(weight) && weight >= 0 && weight < 1000)
    return String(weight);
  if (typeof weight === "string" && /^\s*[1-9]\d{0,2}m?\s*$|^\s*0\s*$/.test(weight))
    return weight.trim();
  throw new Error(`no hand-written expectation for weight ${JSON.stringify(weight)}: give one`);
}

/**
 * `size` apex Services `<prefix>-<i>`, each with backends `<prefix>-<i>-v1`
 * and `-v2` and a TrafficSplit of the same name (v1alpha2, integer weights),
 * and the weights the test last asked for.
 */
export class SplitFleet {
  readonly apexes: string[];
  private readonly intended = new Map<string, Weights>();
  private readonly deleted = new Set<string>();

  constructor(
    private readonly client: () => KubeHttp,
    readonly namespace: string,
    size: number,
    prefix = "app",
  ) {
    this.apexes = Array.from({ length: size }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  }

  splitPath(apex: string): string {
    return `/apis/split.smi-spec.io/v1alpha2/namespaces/${this.namespace}/trafficsplits/${apex}`;
  }

  split(apex: string, weights: Weights): SplitDocument {
    return {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: apex, namespace: this.namespace },
      spec: {
        service: apex,
        backends: [
          { service: `${apex}-v1`, weight: weights[0] },
          { service: `${apex}-v2`, weight: weights[1] },
        ],
      },
    };
  }

  /** Creates the apex and backend Services. */
  async createServices(concurrency = 32): Promise<void> {
    const names = this.apexes.flatMap((a) => [a, `${a}-v1`, `${a}-v2`]);
    await mapLimit(names, concurrency, async (name) => {
      const res = await this.client().post(`/api/v1/namespaces/${this.namespace}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name },
        spec: { ports: [{ port: 8080, name: "http" }], selector: { app: name } },
      });
      if (res.status !== 409) expectOk(res, `create service ${name}`);
    });
  }

  /** Creates (or sets) every split with `initial(apex)` weights. */
  async createSplits(initial: (apex: string) => Weights, concurrency = 16): Promise<void> {
    await mapLimit(this.apexes, concurrency, (apex) => this.setWeights(apex, initial(apex)));
  }

  /**
   * Server-side applies the split with these weights. The weights are
   * recorded as intended before the request, so a request that fails (or
   * whose answer is lost) is retried with them.
   */
  async setWeights(apex: string, weights: Weights): Promise<void> {
    this.intended.set(apex, weights);
    expectOk(
      await this.client().apply(this.splitPath(apex), this.split(apex, weights), "flagger"),
      `apply split ${apex}`,
    );
  }

  /** Deletes the split; from then on its profile must be gone (or, if `cleaned`, kept without dstOverrides). */
  async deleteSplit(apex: string): Promise<void> {
    this.intended.delete(apex);
    this.deleted.add(apex);
    const res = await this.client().delete(this.splitPath(apex));
    if (res.status !== 404) expectOk(res, `delete split ${apex}`);
  }

  intendedWeights(apex: string): Weights | undefined {
    return this.intended.get(apex);
  }

  /**
   * What is not as it should be: a split whose weights are not the last ones
   * asked for, a profile missing or different from its split's desired
   * dstOverrides, or a profile of this fleet's namespace without a split
   * (except those in `cleaned`, which must be there without dstOverrides).
   * Empty when everything converged.
   */
  async mismatches(cleaned: readonly string[] = []): Promise<string[]> {
    const ns = this.namespace;
    const splits = (
      expectOk(
        await this.client().get(`/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits`),
        "list splits",
      ).body as { items: SplitDocument[] }
    ).items;
    const profiles = new Map(
      (
        expectOk(
          await this.client().get(`/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles`),
          "list profiles",
        ).body as { items: ProfileDocument[] }
      ).items.map((p) => [p.metadata.name, p]),
    );
    const problems: string[] = [];
    for (const split of splits) {
      const apex = split.metadata.name;
      const asked = this.intended.get(apex);
      const has = split.spec.backends.map((b) => b.weight);
      if (asked !== undefined && JSON.stringify(has) !== JSON.stringify(asked))
        problems.push(`split ${apex} has weights ${has.join("/")}, last asked ${asked.join("/")}`);
      const name = `${apex}.${ns}.svc.cluster.local`;
      const want = JSON.stringify(expectedOverrides(split, ns));
      const profile = profiles.get(name);
      profiles.delete(name);
      if (profile === undefined) problems.push(`profile ${name} missing`);
      else if (JSON.stringify(profile.spec?.dstOverrides) !== want)
        problems.push(
          `profile ${name} is stale: ${JSON.stringify(profile.spec?.dstOverrides)}, want ${want}`,
        );
    }
    for (const [name, profile] of profiles) {
      if (!cleaned.includes(name)) problems.push(`profile ${name} has no split`);
      else if (profile.spec?.dstOverrides !== undefined)
        problems.push(`profile ${name} still has dstOverrides after its split was deleted`);
    }
    for (const name of cleaned)
      if (
        !profiles.has(name) &&
        !splits.some((s) => `${s.metadata.name}.${ns}.svc.cluster.local` === name)
      )
        problems.push(`profile ${name} was deleted, but it had someone else's content`);
    for (const apex of this.deleted)
      if (splits.some((s) => s.metadata.name === apex)) problems.push(`split ${apex} still exists`);
    for (const apex of this.apexes)
      if (this.intended.has(apex) && !splits.some((s) => s.metadata.name === apex))
        problems.push(`split ${apex} missing`);
    return problems;
  }
}

interface DriverReport {
  /** Updates attempted, including retries. */
  attempted: number;
  succeeded: number;
  /** Attempts that failed (the apiserver was down, or answered with an error). */
  failed: number;
  /** Updates that failed at first and were applied by a retry. */
  recovered: number;
  /** Failed updates still not applied when the driver stopped (0 unless the apiserver never came back). */
  lost: string[];
}

/**
 * Keeps changing the weights of random splits of the fleet, `workers` at a
 * time (never two requests for one split at once, so the last weights asked
 * for are the split's final ones). An update that fails is remembered and
 * retried, with the latest weights, once updates go through again, and
 * again when the driver stops.
 */
export function driveWeights(
  fleet: SplitFleet,
  options: { workers?: number; pauseMs?: number } = {},
): { readonly report: Readonly<DriverReport>; stop(): Promise<DriverReport> } {
  const workers = options.workers ?? 4;
  const pauseMs = options.pauseMs ?? 0;
  const report: DriverReport = { attempted: 0, succeeded: 0, failed: 0, recovered: 0, lost: [] };
  const pending = new Set<string>();
  const busy = new Set<string>();
  let stopping = false;
  const random = (n: number) => Math.floor(Math.random() * n);
  const attempt = async (apex: string, weights: Weights): Promise<boolean> => {
    busy.add(apex);
    report.attempted++;
    try {
      await fleet.setWeights(apex, weights);
      report.succeeded++;
      if (pending.delete(apex)) report.recovered++;
      return true;
    } catch {
      report.failed++;
      pending.add(apex);
      return false;
    } finally {
      busy.delete(apex);
    }
  };
  const retryPending = async (): Promise<boolean> => {
    for (const apex of [...pending]) {
      if (busy.has(apex)) continue;
      const weights = fleet.intendedWeights(apex);
      if (weights !== undefined && !(await attempt(apex, weights))) return false;
    }
    return true;
  };
  const loop = async () => {
    while (!stopping) {
      const apex = fleet.apexes[random(fleet.apexes.length)] ?? "";
      if (busy.has(apex)) {
        await sleep(1);
        continue;
      }
      const ok = await attempt(apex, [random(1000), random(1000)]);
      if (ok && pending.size > 0) await retryPending();
      // While the apiserver is down every request fails at once: do not spin.
      if (!ok) await sleep(100);
      else if (pauseMs > 0) await sleep(pauseMs);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, loop));
  return {
    report,
    async stop() {
      stopping = true;
      await running;
      const deadline = Date.now() + 60_000;
      while (pending.size > 0 && Date.now() < deadline) {
        if (!(await retryPending())) await sleep(200);
      }
      report.lost = [...pending];
      return report;
    },
  };
}

/**
 * A TCP proxy in front of kube-apiserver that can cut the network between
 * a client and the apiserver (TLS passes through untouched): `cut()` resets
 * every open connection and every new one until `heal()`, while the
 * apiserver itself stays up for everyone else.
 */
interface Partition {
  /** A copy of `kubeconfig` (written next to it) that talks to the apiserver through the proxy. */
  kubeconfig(kubeconfig: string): string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartition(apiserver: string): Promise<Partition> {
  const target = new URL(apiserver);
  const open = new Set<Socket>();
  let isCut = false;
  const server = createServer((client) => {
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    const close = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    kubeconfig(path) {
      const config = readKubeconfig(path);
      return writeKubeconfig(
        `${path}-via-proxy-${port}`,
        { server: `https://127.0.0.1:${port}`, caPem: config.caPem },
        config.user,
      );
    },
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    heal() {
      isCut = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
