/**
 * Turns Prometheus answers into one row per backend of each split. Which metric family a split
 * is read from depends on how Linkerd routes its apex: the Gateway API (policy) path exports
 * route-backend series labelled with the parent Service; the ServiceProfile path only endpoint
 * series labelled with the backend's authority. A split whose apex has route-backend series in
 * the window is read from them, any other from the endpoint series.
 */
import type { SplitStatus } from "../status/collect.js";
import type { OldPathPort } from "./old-path.js";
import type { PrometheusApi, PromSample } from "./prometheus.js";
import {
  endpointLatencyQuery,
  endpointResponsesQuery,
  endpointSuccess,
  QUANTILES,
  routeBackendLatencyQuery,
  routeBackendStatusesQuery,
  routeBackendSuccess,
  windowSeconds,
  type Quantile,
  type StatScope,
} from "./queries.js";

/** Which family a split's numbers come from. */
export type MetricSource = "route-backend" | "endpoint";

export interface Latency {
  p50?: number;
  p95?: number;
  p99?: number;
}

/** One backend of one split, as measured. An absent number was not measured: print "-". */
export interface BackendStat {
  service: string;
  /** The weight as the split writes it. */
  weight: string;
  /** Configured share of the split's weight, in percent. */
  share: number;
  /** Share of the split's responses this backend served, in percent. */
  observedShare?: number;
  /** Fraction of successful responses, 0..1. */
  successRate?: number;
  /** Responses per second over the window. */
  rps?: number;
  /** Responses over the window (rps × window). */
  requests?: number;
  /** Response latency quantiles, in milliseconds. */
  latencyMs: Latency;
}

export interface SplitStat {
  namespace: string;
  name: string;
  apex: string;
  /** Undefined when neither family has a series for the split. */
  source?: MetricSource;
  /** Responses per second over all backends; undefined without data. */
  rps?: number;
  backends: BackendStat[];
  /**
   * Route-backend path only: responses per second the apex sent to services the split does not
   * name (an old route, or the split not in effect), by service.
   */
  elsewhere?: { service: string; rps: number }[];
  /** Per apex port, the traffic the old path of a cut-over still carries (see old-path.ts). */
  oldPath?: OldPathPort[];
}

const quantileKey = (q: Quantile): keyof Latency =>
  q === 0.5 ? "p50" : q === 0.95 ? "p95" : "p99";

/** `svc.ns.svc.domain` of a backend. */
export const backendHost = (service: string, namespace: string, clusterDomain: string): string =>
  `${service}.${namespace}.svc.${clusterDomain}`;

/** The host of an `authority` label (`host:port`). */
const hostOf = (authority: string): string => authority.replace(/:\d+$/, "");

interface Tally {
  total: number;
  success: number;
  latencyMs: Latency;
  seen: boolean;
}

const tally = (): Tally => ({ total: 0, success: 0, latencyMs: {}, seen: false });

/** Per-(split key, backend) tallies of one family. */
type Tallies = Map<string, Map<string, Tally>>;

function add(tallies: Tallies, split: string, backend: string): Tally {
  let bySplit = tallies.get(split);
  if (bySplit === undefined) tallies.set(split, (bySplit = new Map<string, Tally>()));
  let t = bySplit.get(backend);
  if (t === undefined) bySplit.set(backend, (t = tally()));
  return t;
}

const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

/** Splits that can be measured: valid ones with an apex and backends. */
export function measurable(rows: readonly SplitStatus[]): SplitStatus[] {
  return rows.filter((r) => r.state !== "Invalid" && r.apex !== "" && r.backends.length > 0);
}

/** The scope of the queries for `splits`. */
export function scopeOf(
  splits: readonly SplitStatus[],
  namespace: string | undefined,
  clusterDomain: string,
): StatScope {
  return {
    ...(namespace === undefined ? {} : { namespace }),
    apexes: splits.map((s) => ({ namespace: s.namespace, apex: s.apex })),
    backendHosts: splits.flatMap((s) =>
      s.backends.map((b) => backendHost(b.service, s.namespace, clusterDomain)),
    ),
  };
}

/** Asks Prometheus for every split's numbers over `window` and assembles the rows. */
export async function collectStats(
  prometheus: PrometheusApi,
  splits: readonly SplitStatus[],
  options: { namespace?: string; window: string; clusterDomain: string },
): Promise<SplitStat[]> {
  const todo = measurable(splits);
  if (todo.length === 0) return splits.map((s) => emptyStat(s));
  const scope = scopeOf(todo, options.namespace, options.clusterDomain);
  const w = options.window;
  const [statuses, routeLatency, responses, endpointLatency] = await Promise.all([
    prometheus.query(routeBackendStatusesQuery(scope, w)),
    Promise.all(QUANTILES.map((q) => prometheus.query(routeBackendLatencyQuery(scope, w, q)))),
    prometheus.query(endpointResponsesQuery(scope, w)),
    Promise.all(QUANTILES.map((q) => prometheus.query(endpointLatencyQuery(scope, w, q)))),
  ]);
  return assembleStats(splits, {
    statuses,
    routeLatency,
    responses,
    endpointLatency,
    windowSeconds: windowSeconds(w),
    clusterDomain: options.clusterDomain,
  });
}

/** The answers of the queries {@link collectStats} sends, in its order. */
export interface StatAnswers {
  statuses: readonly PromSample[];
  /** One vector per entry of {@link QUANTILES}, in seconds. */
  routeLatency: readonly (readonly PromSample[])[];
  responses: readonly PromSample[];
  /** One vector per entry of {@link QUANTILES}, in milliseconds. */
  endpointLatency: readonly (readonly PromSample[])[];
  windowSeconds: number;
  clusterDomain: string;
}

/** Pure: the rows for `splits` from the query answers. */
export function assembleStats(splits: readonly SplitStatus[], answers: StatAnswers): SplitStat[] {
  const route: Tallies = new Map();
  for (const s of answers.statuses) {
    const m = s.metric;
    const t = add(
      route,
      `${m.parent_namespace ?? ""}/${m.parent_name ?? ""}`,
      `${m.backend_namespace ?? ""}/${m.backend_name ?? ""}`,
    );
    t.seen = true;
    const v = finite(s.value) ?? 0;
    t.total += v;
    if (routeBackendSuccess(m)) t.success += v;
  }
  answers.routeLatency.forEach((vector, i) => {
    const key = quantileKey(QUANTILES[i] ?? 0.5);
    for (const s of vector) {
      const m = s.metric;
      const t = add(
        route,
        `${m.parent_namespace ?? ""}/${m.parent_name ?? ""}`,
        `${m.backend_namespace ?? ""}/${m.backend_name ?? ""}`,
      );
      const v = finite(s.value);
      if (v !== undefined) t.latencyMs[key] = v * 1000;
    }
  });

  // Endpoint series are keyed by backend host alone: they carry no parent.
  const endpoint: Tallies = new Map();
  for (const s of answers.responses) {
    const t = add(endpoint, "", hostOf(s.metric.authority ?? ""));
    t.seen = true;
    const v = finite(s.value) ?? 0;
    t.total += v;
    if (endpointSuccess(s.metric)) t.success += v;
  }
  answers.endpointLatency.forEach((vector, i) => {
    const key = quantileKey(QUANTILES[i] ?? 0.5);
    // Several ports of one host: the highest quantile among them (a bound, not a mix).
    for (const s of vector) {
      const t = add(endpoint, "", hostOf(s.metric.authority ?? ""));
      const v = finite(s.value);
      if (v !== undefined) t.latencyMs[key] = Math.max(t.latencyMs[key] ?? 0, v);
    }
  });

  return splits.map((split) => {
    const routeSeries = route.get(`${split.namespace}/${split.apex}`);
    if (routeSeries !== undefined && [...routeSeries.values()].some((t) => t.seen)) {
      const stat = fromTallies(split, "route-backend", (b) =>
        routeSeries.get(`${split.namespace}/${b}`),
      );
      const named = new Set(split.backends.map((b) => `${split.namespace}/${b.service}`));
      const elsewhere = [...routeSeries]
        .filter(([backend, t]) => !named.has(backend) && t.total > 0)
        .map(([backend, t]) => ({
          service: backend.startsWith(`${split.namespace}/`)
            ? backend.slice(split.namespace.length + 1)
            : backend,
          rps: t.total,
        }))
        .sort((a, b) => (a.service < b.service ? -1 : 1));
      return elsewhere.length === 0 ? stat : { ...stat, elsewhere };
    }
    const bySplit = endpoint.get("");
    const hosts = split.backends.map((b) =>
      bySplit?.get(backendHost(b.service, split.namespace, answers.clusterDomain)),
    );
    if (hosts.some((t) => t?.seen === true))
      return fromTallies(split, "endpoint", (b) =>
        bySplit?.get(backendHost(b, split.namespace, answers.clusterDomain)),
      );
    return emptyStat(split);
  });

  function fromTallies(
    split: SplitStatus,
    source: MetricSource,
    of: (backend: string) => Tally | undefined,
  ): SplitStat {
    const tallies = split.backends.map((b) => of(b.service) ?? tally());
    const total = tallies.reduce((sum, t) => sum + t.total, 0);
    return {
      namespace: split.namespace,
      name: split.name,
      apex: split.apex,
      source,
      rps: total,
      backends: split.backends.map((b, i) => {
        const t = tallies[i] ?? tally();
        return {
          service: b.service,
          weight: b.weight,
          // measurable() keeps valid splits only: each of their backends has its share.
          share: b.percent ?? 0,
          // A backend without series while its split has traffic got no requests: 0 is measured.
          rps: t.total,
          requests: t.total * answers.windowSeconds,
          ...(total > 0 ? { observedShare: (t.total / total) * 100 } : {}),
          ...(t.total > 0 ? { successRate: t.success / t.total } : {}),
          latencyMs: t.total > 0 ? t.latencyMs : {},
        };
      }),
    };
  }
}

function emptyStat(split: SplitStatus): SplitStat {
  return {
    namespace: split.namespace,
    name: split.name,
    apex: split.apex,
    backends: split.backends.map((b) => ({
      service: b.service,
      weight: b.weight,
      share: b.percent ?? 0,
      latencyMs: {},
    })),
  };
}

/** A backend whose observed share is far from its configured one, over `requests` requests. */
export interface ShareDrift {
  namespace: string;
  split: string;
  backend: string;
  share: number;
  observedShare: number;
  requests: number;
}

/**
 * Backends whose observed share differs from the configured one by more than chance explains:
 * more than 5 percentage points and more than three standard deviations of a binomial draw of
 * the split's requests in the window. Splits with fewer than 20 requests are never flagged.
 */
export function shareDrifts(stats: readonly SplitStat[]): ShareDrift[] {
  const drifts: ShareDrift[] = [];
  for (const s of stats) {
    const n = s.backends.reduce((sum, b) => sum + (b.requests ?? 0), 0);
    if (n < 20) continue;
    for (const b of s.backends) {
      if (b.observedShare === undefined) continue;
      const p = b.share / 100;
      const sigma = Math.sqrt((p * (1 - p)) / n) * 100;
      if (Math.abs(b.observedShare - b.share) > Math.max(5, 3 * sigma))
        drifts.push({
          namespace: s.namespace,
          split: s.name,
          backend: b.service,
          share: b.share,
          observedShare: b.observedShare,
          requests: n,
        });
    }
  }
  return drifts;
}
