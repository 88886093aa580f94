import {
  expectOk,
  startEnvironment,
  type KubeHttp,
  type TestEnvironment,
} from "@linkerd-smi/testenv";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AdaptorProcess } from "./adaptor-process.js";
import {
  cpuMarkdown,
  heapMarkdown,
  summariseCpu,
  summariseHeap,
  type CpuProfile,
  type HeapSnapshot,
} from "./profile.js";
import { percentile, round } from "./stats.js";
import { watchStream } from "./watch.js";

export interface ScenarioOptions {
  /** How many TrafficSplits (each with three Services). */
  n: number;
  /** Weight updates in the churn phase, and how many per second. */
  churnUpdates: number;
  churnRatePerSecond: number;
  /** The adaptor's -resync-period, in seconds (the idle phase waits for one full pass). */
  resyncSeconds: number;
  /** Concurrent requests the benchmark driver makes when creating objects. */
  concurrency: number;
  log: (message: string) => void;
  /**
   * Starts the adaptor under test with these extra flags (default: a Node
   * process of apps/controller's bundle, as the image runs it, with an admin kubeconfig).
   * apps/image's tests run the container image here instead.
   */
  startAdaptor?: (env: TestEnvironment, args: readonly string[]) => Promise<BenchAdaptor>;
  /**
   * Profile the adaptor (ours, started by default) into this folder: a heap snapshot at the
   * end of the idle phase and a CPU profile of the whole run, summarised into
   * `n<N>/heap.md` (heap by kind, constructor and repeated strings) and `n<N>/cpu.md` (CPU
   * in the convergence and churn windows and overall). The figures of a profiled run are not
   * comparable with others (the profiler costs CPU, the snapshot memory).
   */
  profileDir?: string;
}

/** What the scenario needs of a running adaptor. */
export interface BenchAdaptor {
  /** performance.now() when it was started. */
  readonly startedAt: number;
  /** Resolves once /ready answers 200, with the milliseconds since start. */
  waitReady(): Promise<number>;
  /** One metric series (exact name and labels) from /metrics; 0 when absent. */
  metric(series: string): Promise<number>;
  usage(): {
    peakRssBytes: number;
    rssBytes: number;
    /** Resident anonymous memory (heap, buffers) and file-backed pages (the binary, libraries). */
    rssAnonBytes?: number;
    rssFileBytes?: number;
    cpuSeconds: number;
  };
  stop(): Promise<void>;
  /**
   * False for a reference adaptor without our metrics: the idle resync and the start-up
   * (which count our reconciles) and the heap are then not measured (default true).
   */
  readonly ownMetrics?: boolean;
}

export interface ScenarioResult {
  n: number;
  convergenceSeconds: number;
  latencyMs: { p50: number; p95: number; p99: number; samples: number };
  requests: {
    perSplitCreated: number;
    perUpdate: number;
    /** null: not measured (a reference adaptor has no reconcile metrics). */
    idleResync: number | null;
    idleResyncWrites: number | null;
  };
  peakRssMiB: number;
  /** Resident memory (MiB) IDLE_SETTLE_MS after the adaptor is ready, before any TrafficSplit exists. */
  idleRssMiB?: number | null;
  /** Of the resident memory at the end of the idle phase: anonymous and file-backed (MiB). */
  rssAnonMiB?: number | null;
  rssFileMiB?: number | null;
  heapUsedMiB: number | null;
  cpuSeconds: number;
  startupSeconds: number | null;
  /** N creates, each split's profile applied as soon as it exists, two applies at a time. */
  physicalLimitSeconds: number;
  /** N server-side applies alone, two at a time (the physical limit of reports before 2026-12). */
  appliesAloneSeconds?: number;
  /** Every request the apiserver served during the churn phase, by `verb resource code` (the driver's PATCHes included). */
  churnRequests: Record<string, number>;
}

const NS = "bench";
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const splitsPath = `/apis/split.smi-spec.io/v1alpha2/namespaces/${NS}/trafficsplits`;
const profilesPath = `/apis/linkerd.io/v1alpha2/namespaces/${NS}/serviceprofiles`;
const fqdn = (svc: string) => `${svc}.${NS}.svc.cluster.local`;

/** Split `<prefix>-i` on apex app-i: backends app-i-a and app-i-b, weights (i mod 9) + 1 and 10. */
const splitOf = (i: number, prefix: string) => ({
  apiVersion: "split.smi-spec.io/v1alpha2",
  kind: "TrafficSplit",
  metadata: { name: `${prefix}-${i}` },
  spec: {
    service: `app-${i}`,
    backends: [
      { service: `app-${i}-a`, weight: (i % 9) + 1 },
      { service: `app-${i}-b`, weight: 10 },
    ],
  },
});

interface Profile {
  metadata: { name: string };
  spec?: { dstOverrides?: { weight: string | number }[] };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Requests by `verb resource code`, from the apiserver's own counters (resources only, no Leases). */
async function apiserverRequestsBy(admin: KubeHttp): Promise<Map<string, number>> {
  const text = expectOk(await admin.get("/metrics"), "apiserver /metrics").text;
  const by = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? "";
    const resource = label("resource");
    if (resource === "" || resource === "leases") continue;
    const key = `${label("verb")} ${resource}${label("subresource") === "" ? "" : `/${label("subresource")}`} ${label("code")}`;
    by.set(key, (by.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return by;
}

/** What changed between two breakdowns, largest first. */
function breakdownDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    [...after]
      .map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** Requests the apiserver has served for resources (not /metrics, /healthz...), from its own counters. */
async function apiserverRequests(admin: KubeHttp): Promise<number> {
  const text = expectOk(await admin.get("/metrics"), "apiserver /metrics").text;
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    // Only requests for resources: `resource="x"` (careful: `subresource=""` contains `resource=""`).
    // Leases are left out: the adaptor runs here without leader election, so every
    // Lease request is the apiserver renewing its own identity lease.
    const resource = /[{,]resource="([^"]*)"/.exec(line)?.[1] ?? "";
    if (resource === "" || resource === "leases") continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/**
 * Polls `check` every `everyMs`; fails on timeout, or at once when `failed` reports an
 * error (the watch broke).
 */
async function until(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  failed: () => Error | undefined = () => undefined,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    const error = failed();
    if (error !== undefined) throw error;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// The adaptor renders every series (a gauge per backend of every split) on each scrape:
// polling it every 10 ms would charge the adaptor seconds of CPU for the benchmark's sake.
const METRICS_POLL_MS = 100;

/** How long the adaptor idles after it is ready, with no TrafficSplits, before its idle RSS is read. */
export const IDLE_SETTLE_MS = 10_000;

const weightsKey = (w: readonly (string | number)[]) => w.map(String).join("/");

/** One benchmark run at size `n` on a fresh control plane. */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { n, log } = options;
  const env = await startEnvironment({ log: () => undefined });
  const admin = env.plane.admin();
  const startAdaptor =
    options.startAdaptor ??
    ((e: TestEnvironment, args: readonly string[]) =>
      Promise.resolve(new AdaptorProcess(e.kubeconfig, args)));
  /** The profiled adaptor (the first of the run) and the folder of its profiles. */
  let profiled: { adaptor: AdaptorProcess; dir: string } | undefined;
  /** The CPU profile's clock: CLOCK_MONOTONIC in microseconds, as process.hrtime. */
  const micros = () => Number(process.hrtime.bigint() / 1000n);
  const windows: Record<"convergence" | "churn", { from: number; to: number }> = {
    convergence: { from: 0, to: 0 },
    churn: { from: 0, to: 0 },
  };
  let adaptor: BenchAdaptor | undefined;
  const stops: (() => void)[] = [];
  try {
    expectOk(
      await admin.post("/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: NS },
      }),
      "namespace",
    );
    const indexes = Array.from({ length: n }, (_, i) => i);
    log(`n=${n}: creating ${3 * n} Services`);
    await pool(
      indexes.flatMap((i) => [`app-${i}`, `app-${i}-a`, `app-${i}-b`]),
      options.concurrency,
      async (name) => {
        expectOk(
          await admin.post(`/api/v1/namespaces/${NS}/services`, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name },
            spec: { ports: [{ port: 80 }], selector: { app: name } },
          }),
          `service ${name}`,
        );
      },
    );

    let watchError: Error | undefined;
    let watching = false;
    const broken = () => watchError;
    // What the watch has seen of each profile: name -> "w1/w2".
    const seen = new Map<string, string>();
    const waiters = new Map<
      string,
      { want: string; since: number; resolve: (ms: number) => void }
    >();
    stops.push(
      watchStream<Profile>(
        env.kubeconfig,
        profilesPath,
        (event) => {
          const name = event.object.metadata.name;
          if (event.type === "DELETED") {
            seen.delete(name);
            return;
          }
          const key = weightsKey((event.object.spec?.dstOverrides ?? []).map((o) => o.weight));
          seen.set(name, key);
          const waiter = waiters.get(name);
          if (waiter !== undefined && waiter.want === key) {
            waiters.delete(name);
            waiter.resolve(performance.now() - waiter.since);
          }
        },
        (error) => {
          watchError = error;
        },
        () => {
          watching = true;
        },
      ),
    );

    await until("the benchmark's own watch", 60_000, () => watching, broken);
    const firstArgs = [`-resync-period=${String(options.resyncSeconds)}s`];
    if (options.profileDir !== undefined && options.startAdaptor === undefined) {
      const dir = join(options.profileDir, `n${String(n)}`);
      profiled = { adaptor: new AdaptorProcess(env.kubeconfig, firstArgs, undefined, dir), dir };
      adaptor = profiled.adaptor;
    } else adaptor = await startAdaptor(env, firstArgs);
    await adaptor.waitReady();
    // Idle: ready, watching, no TrafficSplit yet.
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const idleRssMiB = round(adaptor.usage().rssBytes / 2 ** 20);
    log(`n=${n}: idle RSS ${String(idleRssMiB)} MiB`);

    // Convergence: create every split, wait until every profile is right.
    const initial = (i: number) => weightsKey([(i % 9) + 1, 10]);
    log(`n=${n}: creating ${n} TrafficSplits`);
    const before = await apiserverRequests(admin);
    const t0 = performance.now();
    windows.convergence.from = micros();
    await pool(indexes, options.concurrency, async (i) => {
      expectOk(await admin.post(splitsPath, splitOf(i, "app")), `split ${i}`);
    });
    await until(
      "convergence",
      600_000,
      () => indexes.every((i) => seen.get(fqdn(`app-${i}`)) === initial(i)),
      broken,
    );
    const convergenceSeconds = (performance.now() - t0) / 1000;
    windows.convergence.to = micros();
    const afterCreate = await apiserverRequests(admin);
    const perSplitCreated = (afterCreate - before - n) / n;
    log(`n=${n}: converged in ${round(convergenceSeconds, 2)} s`);

    // Churn: weight updates at a fixed rate, each timed from the request to the profile change.
    const updates = Math.min(options.churnUpdates, n);
    const latencies: Promise<number>[] = [];
    const churnStart = await apiserverRequests(admin);
    const churnBreakdownStart = await apiserverRequestsBy(admin);
    windows.churn.from = micros();
    for (let u = 0; u < updates; u++) {
      const i = u;
      const want = weightsKey([100 + u, 1]);
      const since = performance.now();
      latencies.push(
        new Promise((resolve, reject) => {
          waiters.set(fqdn(`app-${i}`), { want, since, resolve });
          setTimeout(
            () =>
              reject(
                watchError ?? new Error(`profile app-${i} did not reach ${want} within 120 s`),
              ),
            120_000,
          ).unref();
        }),
      );
      expectOk(
        await admin.request("PATCH", `${splitsPath}/app-${i}`, {
          body: {
            spec: {
              backends: [
                { service: `app-${i}-a`, weight: 100 + u },
                { service: `app-${i}-b`, weight: 1 },
              ],
            },
          },
          contentType: "application/merge-patch+json",
        }),
        `update ${i}`,
      );
      const nextAt = since + 1000 / options.churnRatePerSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, nextAt - performance.now())));
    }
    const samples = await Promise.all(latencies);
    windows.churn.to = micros();
    await new Promise((r) => setTimeout(r, 500));
    const perUpdate = (await apiserverRequests(admin)) - churnStart - updates;
    const churnRequests = breakdownDelta(churnBreakdownStart, await apiserverRequestsBy(admin));

    let idleResync: number | null = null;
    let idleResyncWrites: number | null = null;
    let heap: number | null = null;
    let startupSeconds: number | null = null;
    let usage = adaptor.usage();
    if (adaptor.ownMetrics !== false) {
      // Idle: one full resync pass over unchanged splits.
      const started = await adaptor.metric('smi_adaptor_reconciles_total{result="unchanged"}');
      const writesBefore = await adaptor.metric(
        'smi_adaptor_api_writes_total{resource="serviceprofiles"}',
      );
      const idleBefore = await apiserverRequests(admin);
      await until(
        "an idle resync pass",
        (options.resyncSeconds + 120) * 1000,
        async () =>
          ((await adaptor?.metric('smi_adaptor_reconciles_total{result="unchanged"}')) ?? 0) >=
          started + n,
        undefined,
        METRICS_POLL_MS,
      );
      idleResync = (await apiserverRequests(admin)) - idleBefore;
      idleResyncWrites =
        (await adaptor.metric('smi_adaptor_api_writes_total{resource="serviceprofiles"}')) -
        writesBefore;

      usage = adaptor.usage();
      heap = await adaptor.metric("smi_adaptor_nodejs_heap_size_used_bytes");
      if (profiled !== undefined) {
        // Where the anonymous memory goes, before the snapshot (which collects garbage first).
        const heapTotal = await adaptor.metric("smi_adaptor_nodejs_heap_size_total_bytes");
        const external = await adaptor.metric("smi_adaptor_nodejs_external_memory_bytes");
        const snapshot = await profiled.adaptor.heapSnapshot();
        if (snapshot !== undefined) {
          const summary = summariseHeap(JSON.parse(readFileSync(snapshot, "utf8")) as HeapSnapshot);
          writeFileSync(
            join(profiled.dir, "heap.md"),
            heapMarkdown(
              `Heap at N = ${String(n)}, after the idle resync: RSS ${mib(usage.rssBytes)} MiB (peak ${mib(usage.peakRssBytes)}), ${mib(usage.rssAnonBytes ?? 0)} anonymous and ${mib(usage.rssFileBytes ?? 0)} file-backed; V8 heap ${mib(heap)} MiB used of ${mib(heapTotal)} committed, ${mib(external)} MiB external`,
              summary,
            ),
          );
        }
      }

      // Start-up: a new adaptor process with every split and profile already there.
      await adaptor.stop();
      adaptor = await startAdaptor(env, ["-resync-period=1h"]);
      await adaptor.waitReady();
      await until(
        "start-up verification",
        600_000,
        async () =>
          ((await adaptor?.metric('smi_adaptor_reconciles_total{result="unchanged"}')) ?? 0) >= n,
        undefined,
        METRICS_POLL_MS,
      );
      startupSeconds = (performance.now() - adaptor.startedAt) / 1000;
    } else {
      // As long idle as ours is in its resync pass, so that CPU covers the same phases.
      await new Promise((r) => setTimeout(r, options.resyncSeconds * 1000));
      usage = adaptor.usage();
    }
    await adaptor.stop();
    adaptor = undefined;
    const cpuFile = profiled?.adaptor.cpuProfile();
    if (profiled !== undefined && cpuFile !== undefined) {
      const cpu = JSON.parse(readFileSync(cpuFile, "utf8")) as CpuProfile;
      writeFileSync(
        join(profiled.dir, "cpu.md"),
        [
          cpuMarkdown(
            `CPU at N = ${String(n)}: convergence`,
            summariseCpu(cpu, windows.convergence),
          ),
          cpuMarkdown(`CPU at N = ${String(n)}: churn`, summariseCpu(cpu, windows.churn)),
          cpuMarkdown(
            `CPU at N = ${String(n)}: the whole run of the first adaptor`,
            summariseCpu(cpu),
          ),
        ].join("\n"),
      );
      log(`n=${String(n)}: profiles summarised in ${profiled.dir}`);
    }

    // The physical limit: what a perfect adaptor could not beat. The same N splits are created
    // by the same loop as in the convergence phase (which times from the first create, so the
    // creates are part of what it measures), and a plain loop writes each split's profile by
    // server-side apply as soon as that split's create has returned, two at a time (the
    // adaptor's default worker count): no watch, no cache, no decision, no Event.
    const applyProfile = async (i: number, name: string) => {
      expectOk(
        await admin.apply(
          `${profilesPath}/${name}.${NS}.svc.cluster.local`,
          {
            apiVersion: "linkerd.io/v1alpha2",
            kind: "ServiceProfile",
            metadata: { name: `${name}.${NS}.svc.cluster.local`, namespace: NS },
            spec: {
              dstOverrides: [
                { authority: fqdn(`app-${i}-a`), weight: String((i % 9) + 1) },
                { authority: fqdn(`app-${i}-b`), weight: "10" },
              ],
            },
          },
          "physical-limit",
        ),
        `limit ${i}`,
      );
    };
    const created: number[] = [];
    const wakers: (() => void)[] = [];
    let creating = true;
    const wake = () => {
      for (const w of wakers.splice(0)) w();
    };
    const tLimit = performance.now();
    const creates = pool(indexes, options.concurrency, async (i) => {
      expectOk(await admin.post(splitsPath, splitOf(i, "limit")), `limit split ${i}`);
      created.push(i);
      wake();
    }).finally(() => {
      creating = false;
      wake();
    });
    const applier = async () => {
      for (;;) {
        const i = created.shift();
        if (i !== undefined) await applyProfile(i, `limit-${i}`);
        else if (!creating) return;
        else await new Promise<void>((resolve) => wakers.push(resolve));
      }
    };
    await Promise.all([creates, applier(), applier()]);
    const physicalLimitSeconds = (performance.now() - tLimit) / 1000;
    // For comparison with earlier reports: the applies alone, without the creates.
    const tApplies = performance.now();
    await pool(indexes, 2, (i) => applyProfile(i, `applies-${i}`));
    const appliesAloneSeconds = (performance.now() - tApplies) / 1000;

    return {
      n,
      convergenceSeconds: round(convergenceSeconds, 2),
      latencyMs: {
        p50: round(percentile(samples, 50)),
        p95: round(percentile(samples, 95)),
        p99: round(percentile(samples, 99)),
        samples: samples.length,
      },
      requests: {
        perSplitCreated: round(perSplitCreated, 2),
        perUpdate: round(perUpdate / Math.max(1, updates), 2),
        idleResync,
        idleResyncWrites,
      },
      peakRssMiB: round(usage.peakRssBytes / 2 ** 20),
      idleRssMiB,
      rssAnonMiB: usage.rssAnonBytes === undefined ? null : round(usage.rssAnonBytes / 2 ** 20),
      rssFileMiB: usage.rssFileBytes === undefined ? null : round(usage.rssFileBytes / 2 ** 20),
      heapUsedMiB: heap === null ? null : round(heap / 2 ** 20),
      cpuSeconds: round(usage.cpuSeconds, 2),
      startupSeconds: startupSeconds === null ? null : round(startupSeconds, 2),
      physicalLimitSeconds: round(physicalLimitSeconds, 2),
      appliesAloneSeconds: round(appliesAloneSeconds, 2),
      churnRequests,
    };
  } finally {
    for (const stop of stops) stop();
    await adaptor?.stop();
    admin.close();
    await env.plane.stop();
  }
}
