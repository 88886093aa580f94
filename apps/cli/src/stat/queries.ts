/**
 * PromQL for `linkerd smi stat`, from the metric families linkerd2-proxy exports for outbound
 * HTTP traffic (see the CLI README, "Metrics behind `stat`"). Pure: strings in, strings out.
 */

/** The splits (one namespace's or all) a set of queries covers. */
export interface StatScope {
  /** One namespace, or undefined for every namespace. */
  namespace?: string;
  /** `namespace/apex` of each split, for the Gateway API path's parent labels. */
  apexes: readonly { namespace: string; apex: string }[];
  /** FQDN of each backend (`svc.ns.svc.cluster-domain`), for the ServiceProfile path. */
  backendHosts: readonly string[];
}

/** The quantiles every latency column shows. */
export const QUANTILES = [0.5, 0.95, 0.99] as const;
export type Quantile = (typeof QUANTILES)[number];

/**
 * Gateway API path (HTTPRoute parentRef Service, and the policy controller's default routes):
 * the proxy's route-backend families, labelled with the parent Service and the backend.
 */
export const ROUTE_BACKEND = {
  statuses: "outbound_http_route_backend_response_statuses_total",
  duration: "outbound_http_route_backend_response_duration_seconds_bucket",
} as const;

/**
 * ServiceProfile path (dstOverrides): the proxy routes through the profile stack, whose only
 * per-backend HTTP series are the endpoint families, with `authority` set to the backend's
 * `host:port` (the dstOverride's authority) and the latency in milliseconds.
 */
export const ENDPOINT = {
  responses: "response_total",
  latency: "response_latency_ms_bucket",
} as const;

/** A PromQL range duration: `30s`, `1m`, `1h30m`, ... */
const DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;

/** Undefined when `window` is a PromQL duration, else what is wrong with it. */
export function checkWindow(window: string): string | undefined {
  if (!DURATION.test(window) || /^(?:0+(?:ms|[smhdwy]))+$/.test(window))
    return `"${window}" is not a time window: use a duration such as 30s, 1m or 1h30m`;
  return undefined;
}

/** Seconds in a window accepted by {@link checkWindow}. */
export function windowSeconds(window: string): number {
  const unit: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
  };
  let total = 0;
  for (const m of window.matchAll(/(\d+)(ms|[smhdwy])/g))
    total += Number(m[1]) * (unit[m[2] ?? "s"] ?? 0);
  return total;
}

/** `value` as a PromQL double-quoted string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `value` matched literally inside a (RE2) regular expression. */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A regex matcher alternative for each value, sorted and deduplicated (stable queries). */
function anyOf(values: readonly string[]): string {
  return [...new Set(values)].sort().map(regexLiteral).join("|");
}

function routeBackendSelector(scope: StatScope): string {
  const matchers = [`parent_kind="Service"`];
  if (scope.namespace !== undefined)
    matchers.push(`parent_namespace=${promString(scope.namespace)}`);
  matchers.push(`parent_name=~${promString(anyOf(scope.apexes.map((a) => a.apex)))}`);
  return `{${matchers.join(",")}}`;
}

function endpointSelector(scope: StatScope): string {
  // The authority carries the port: `backend.ns.svc.cluster.local:8080`.
  const hosts = anyOf(scope.backendHosts);
  return `{direction="outbound",authority=~${promString(`(?:${hosts})(?::[0-9]+)?`)}}`;
}

const ROUTE_KEYS = "parent_namespace, parent_name, backend_namespace, backend_name";

/** Responses per second by parent, backend, HTTP status and error over `window`. */
export function routeBackendStatusesQuery(scope: StatScope, window: string): string {
  return `sum by (${ROUTE_KEYS}, http_status, error) (rate(${ROUTE_BACKEND.statuses}${routeBackendSelector(scope)}[${window}]))`;
}

/** The `q` quantile of response time in seconds by parent and backend over `window`. */
export function routeBackendLatencyQuery(scope: StatScope, window: string, q: Quantile): string {
  return `histogram_quantile(${String(q)}, sum by (${ROUTE_KEYS}, le) (rate(${ROUTE_BACKEND.duration}${routeBackendSelector(scope)}[${window}])))`;
}

/** Responses per second by backend authority and classification over `window`. */
export function endpointResponsesQuery(scope: StatScope, window: string): string {
  return `sum by (authority, classification) (rate(${ENDPOINT.responses}${endpointSelector(scope)}[${window}]))`;
}

/** The `q` quantile of response latency in milliseconds by backend authority over `window`. */
export function endpointLatencyQuery(scope: StatScope, window: string, q: Quantile): string {
  return `histogram_quantile(${String(q)}, sum by (authority, le) (rate(${ENDPOINT.latency}${endpointSelector(scope)}[${window}])))`;
}

/**
 * Whether a route-backend response counts as a success: no proxy error and no 5xx status, as
 * `linkerd viz stat-outbound` counts them.
 */
export function routeBackendSuccess(labels: Readonly<Record<string, string>>): boolean {
  return (labels.error ?? "") === "" && !(labels.http_status ?? "").startsWith("5");
}

/** Whether an endpoint response counts as a success: the proxy's own classification. */
export function endpointSuccess(labels: Readonly<Record<string, string>>): boolean {
  return labels.classification === "success";
}
