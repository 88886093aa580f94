/**
 * A stand-in for linkerd2-proxy's `/metrics`: the outbound HTTP families `linkerd smi stat`
 * reads, with the proxy's names and labels, for a traffic mix fixed in advance. Counters grow
 * linearly with wall-clock time (from a base, as a proxy that has been up an hour), so
 * Prometheus's `rate()` over any window is the mix's rate; values are whole numbers, as the
 * proxy's are.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Labels = Readonly<Record<string, string>>;

/** A counter growing by `rate` per second. */
export interface CounterSeries {
  kind: "counter";
  name: string;
  labels: Labels;
  rate: number;
}

/**
 * A histogram observing `rate` values per second; `buckets` maps each upper bound to the
 * fraction of observations at or below it (cumulative, ending at 1 at the last bound).
 */
export interface HistogramSeries {
  kind: "histogram";
  /** Family name, without `_bucket`. */
  name: string;
  labels: Labels;
  rate: number;
  bounds: readonly number[];
  cumulative: (le: number) => number;
}

export type Series = CounterSeries | HistogramSeries;

const BASE_SECONDS = 3600;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** The text exposition of `series` at `elapsed` seconds of proxy uptime. */
export function exposition(series: readonly Series[], elapsed: number): string {
  const byName = new Map<string, Series[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  let out = "";
  for (const [name, group] of byName) {
    const kind = group[0]?.kind ?? "counter";
    out += `# TYPE ${name} ${kind}\n`;
    for (const s of group) {
      const total = Math.round(s.rate * elapsed);
      if (s.kind === "counter") {
        out += `${name}${labelText(s.labels)} ${String(total)}\n`;
        continue;
      }
      for (const le of s.bounds)
        out += `${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${String(Math.round(s.rate * s.cumulative(le) * elapsed))}\n`;
      out += `${name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${String(total)}\n`;
      out += `${name}_sum${labelText(s.labels)} 0\n`;
      out += `${name}_count${labelText(s.labels)} ${String(total)}\n`;
    }
  }
  return out;
}

/** Serves `/metrics` on each of `hosts` (port 0: the kernel picks). */
export class ProxyExporter {
  private readonly servers: Server[] = [];
  private readonly started = Date.now();
  /** `host:port` of each listener, in the order of `hosts`. */
  readonly targets: string[] = [];

  private constructor(private readonly series: readonly Series[]) {}

  static async start(series: readonly Series[], hosts: readonly string[]): Promise<ProxyExporter> {
    const exporter = new ProxyExporter(series);
    for (const host of hosts) {
      const server = createServer((req, res) => {
        if (req.url !== "/metrics") {
          res.writeHead(404).end();
          return;
        }
        const elapsed = BASE_SECONDS + (Date.now() - exporter.started) / 1000;
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
        res.end(exposition(exporter.series, elapsed));
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, resolve);
      });
      exporter.servers.push(server);
      exporter.targets.push(`${host}:${String((server.address() as AddressInfo).port)}`);
    }
    return exporter;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  }
}

/** The proxy's response-duration buckets for route backends (seconds). */
export const ROUTE_BACKEND_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 10];
/** The proxy's legacy `response_latency_ms` buckets. */
export const LATENCY_MS_BUCKETS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000,
  20000, 30000, 40000, 50000,
];

/** The labels the proxy puts on a route-backend series (parent Service, route, backend). */
export function routeBackendLabels(
  namespace: string,
  parent: string,
  backend: string,
  port = "80",
): Record<string, string> {
  return {
    parent_group: "core",
    parent_kind: "Service",
    parent_namespace: namespace,
    parent_name: parent,
    parent_port: port,
    parent_section_name: "",
    route_group: "gateway.networking.k8s.io",
    route_kind: "HTTPRoute",
    route_namespace: namespace,
    route_name: `${parent}-${port}`,
    backend_group: "core",
    backend_kind: "Service",
    backend_namespace: namespace,
    backend_name: backend,
    backend_port: port,
    backend_section_name: "",
  };
}

/** The labels the proxy puts on an outbound endpoint series of a ServiceProfile backend. */
export function endpointLabels(
  namespace: string,
  backend: string,
  pod: string,
  podIp: string,
  port = "8080",
): Record<string, string> {
  return {
    direction: "outbound",
    authority: `${backend}.${namespace}.svc.cluster.local:${port}`,
    target_addr: `${podIp}:${port}`,
    tls: "true",
    server_id: `default.${namespace}.serviceaccount.identity.linkerd.cluster.local`,
    dst_control_plane_ns: "linkerd",
    dst_deployment: backend.replace(/-svc$/, ""),
    dst_namespace: namespace,
    dst_pod: pod,
    dst_pod_template_hash: "5b8d9d6f4c",
    dst_service: backend,
    dst_serviceaccount: "default",
  };
}
