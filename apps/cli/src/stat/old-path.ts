/**
 * How much traffic the proxies still send by the old path of a cut-over between ServiceProfile
 * and Gateway API routes, per apex and port, and from which client workloads, from the proxies'
 * own metrics (linkerd2-proxy release/v2.366.0):
 *
 * - every request through either stack enters a backend's balancer queue:
 *   `outbound_http_balancer_queue_requests_total` (`QueueMetricFamilies::register`, prefix
 *   `outbound_http_balancer_queue`, labelled with the parent Service and the backend,
 *   `ConcreteLabels`); a profile stack names the apex as parent (`service_meta` of its logical
 *   address), a policy stack the parent the policy controller gives, the same Service;
 * - only a policy stack counts its requests by route backend:
 *   `outbound_http_route_backend_requests_total{route_kind}` (`RequestCountFamilies` under
 *   `outbound_http_route_backend`); `route_kind` is `HTTPRoute` for a route, `default` for the
 *   policy controller's default route.
 *
 * So, per client pod and apex port, the policy path carries the route-backend rate and the
 * profile path the rest of the balancer rate. A pod holds one stack per destination, so each pod
 * is on one path or the other; a pod without balancer series is left out (its proxy does not
 * export them, so its paths cannot be told apart). The client labels (`namespace`, `deployment`, `pod`) are the ones
 * linkerd-viz's Prometheus adds when it scrapes a proxy.
 */
import type { PromSample } from "./prometheus.js";
import { promString, regexLiteral, type StatScope } from "./queries.js";

export const BALANCER_REQUESTS = "outbound_http_balancer_queue_requests_total";
export const ROUTE_BACKEND_REQUESTS = "outbound_http_route_backend_requests_total";

const KEYS = "parent_namespace, parent_name, parent_port, namespace, deployment, pod";

function selector(scope: StatScope): string {
  const matchers = [`parent_kind="Service"`];
  if (scope.namespace !== undefined)
    matchers.push(`parent_namespace=${promString(scope.namespace)}`);
  const apexes = [...new Set(scope.apexes.map((a) => a.apex))].sort().map(regexLiteral);
  matchers.push(`parent_name=~${promString(apexes.join("|"))}`);
  return `{${matchers.join(",")}}`;
}

/** Requests per second into the balancers of each apex port, by client pod, over `window`. */
export function balancerRequestsQuery(scope: StatScope, window: string): string {
  return `sum by (${KEYS}) (rate(${BALANCER_REQUESTS}${selector(scope)}[${window}]))`;
}

/** Requests per second through route backends of each apex port, by client pod. */
export function routeBackendRequestsQuery(scope: StatScope, window: string): string {
  return `sum by (${KEYS}) (rate(${ROUTE_BACKEND_REQUESTS}${selector(scope)}[${window}]))`;
}

/** A client workload still on the old path. */
export interface OldPathClient {
  namespace: string;
  /** `deployment/NAME` when the series say so, else `pod/NAME`. */
  workload: string;
  pods: string[];
  rps: number;
}

/** One apex port of a split: its traffic, and how much of it takes the old path. */
export interface OldPathPort {
  port: string;
  /** The path the split is not on: `ServiceProfile` (target httproute) or `routes`. */
  oldPath: "ServiceProfile" | "routes";
  totalRps: number;
  oldRps: number;
  /** Client workloads with traffic on the old path, most first. */
  clients: OldPathClient[];
}

/** What {@link oldPathTraffic} reads of a split. */
export interface OldPathSplit {
  namespace: string;
  apex: string;
  target: "serviceprofile" | "httproute";
}

/** A pod counts as on the old path past 1 % of its traffic to the apex port (rate noise). */
const NOISE = 0.01;

/**
 * Per apex port of `split`, the traffic the old path still carries, from the answers of
 * {@link balancerRequestsQuery} and {@link routeBackendRequestsQuery}. Empty when Prometheus
 * has no series for the apex.
 */
export function oldPathTraffic(
  split: OldPathSplit,
  balancer: readonly PromSample[],
  routes: readonly PromSample[],
): OldPathPort[] {
  type Pod = { namespace: string; deployment?: string; pod: string; total: number; policy: number };
  const ports = new Map<string, Map<string, Pod>>();
  const mine = (s: PromSample) =>
    s.metric.parent_namespace === split.namespace && s.metric.parent_name === split.apex;
  const podOf = (s: PromSample): Pod => {
    const port = s.metric.parent_port ?? "";
    let pods = ports.get(port);
    if (pods === undefined) ports.set(port, (pods = new Map<string, Pod>()));
    const key = `${s.metric.namespace ?? ""}/${s.metric.pod ?? ""}`;
    let pod = pods.get(key);
    if (pod === undefined) {
      const deployment = s.metric.deployment;
      pod = {
        namespace: s.metric.namespace ?? "",
        ...(deployment === undefined || deployment === "" ? {} : { deployment }),
        pod: s.metric.pod ?? "",
        total: 0,
        policy: 0,
      };
      pods.set(key, pod);
    }
    return pod;
  };
  for (const s of balancer) if (mine(s) && Number.isFinite(s.value)) podOf(s).total += s.value;
  for (const s of routes) if (mine(s) && Number.isFinite(s.value)) podOf(s).policy += s.value;

  const oldPath = split.target === "httproute" ? "ServiceProfile" : "routes";
  return [...ports.entries()]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([port, pods]) => {
      let totalRps = 0;
      let oldRps = 0;
      const clients = new Map<string, OldPathClient>();
      for (const pod of pods.values()) {
        // Without the balancer family (an older proxy) the two paths cannot be told apart.
        if (pod.total === 0) continue;
        // A policy stack is counted in both families; the profile stack only by its balancers.
        const total = Math.max(pod.total, pod.policy);
        const old = oldPath === "routes" ? pod.policy : Math.max(0, pod.total - pod.policy);
        totalRps += total;
        if (old <= NOISE * total || old === 0) continue;
        oldRps += old;
        const workload =
          pod.deployment === undefined ? `pod/${pod.pod}` : `deployment/${pod.deployment}`;
        const id = `${pod.namespace}/${workload}`;
        const client = clients.get(id) ?? { namespace: pod.namespace, workload, pods: [], rps: 0 };
        client.pods.push(pod.pod);
        client.rps += old;
        clients.set(id, client);
      }
      return {
        port,
        oldPath,
        totalRps,
        oldRps,
        clients: [...clients.values()]
          .map((c) => ({ ...c, pods: c.pods.sort() }))
          .sort((a, b) => b.rps - a.rps || (a.workload < b.workload ? -1 : 1)),
      };
    });
}

/** One line per port with old-path traffic: how much, and which workloads to restart. */
export function describeOldPath(
  split: { namespace: string; name: string; apex: string },
  ports: readonly OldPathPort[],
): string[] {
  return ports
    .filter((p) => p.oldRps > 0)
    .map((p) => {
      const share = p.totalRps === 0 ? 0 : (100 * p.oldRps) / p.totalRps;
      const who = p.clients
        .map((c) => `${c.namespace}/${c.workload} (${c.pods.join(", ")}: ${c.rps.toFixed(1)}rps)`)
        .join(", ");
      return `${split.namespace}/${split.name}: ${split.apex}:${p.port}: ${p.oldRps.toFixed(1)}rps of ${p.totalRps.toFixed(1)}rps (${share.toFixed(1)}%) still take the ${p.oldPath === "ServiceProfile" ? "ServiceProfile" : "Gateway API routes"} path, from ${who}; restart them (kubectl rollout restart) to move them to the ${p.oldPath === "ServiceProfile" ? "routes" : "ServiceProfile"}`;
    });
}

/** Asks Prometheus for the old-path traffic of each split, by `namespace/name`. */
export async function collectOldPaths(
  prometheus: { query(promql: string): Promise<PromSample[]> },
  splits: readonly (OldPathSplit & { name: string })[],
  options: { namespace?: string; window: string },
): Promise<Map<string, OldPathPort[]>> {
  const out = new Map<string, OldPathPort[]>();
  if (splits.length === 0) return out;
  const scope: StatScope = {
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    apexes: splits.map((s) => ({ namespace: s.namespace, apex: s.apex })),
    backendHosts: [],
  };
  const [balancer, routes] = await Promise.all([
    prometheus.query(balancerRequestsQuery(scope, options.window)),
    prometheus.query(routeBackendRequestsQuery(scope, options.window)),
  ]);
  for (const s of splits) out.set(`${s.namespace}/${s.name}`, oldPathTraffic(s, balancer, routes));
  return out;
}
