/**
 * Where `linkerd smi stat` reads metrics: a Prometheus at a URL, or linkerd-viz's Prometheus
 * through the Kubernetes apiserver's service proxy.
 */
import { KubeError, type KubeClient } from "@linkerd-smi/kube";

/** One element of an instant query's vector result. NaN when Prometheus says so. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** Something that answers instant PromQL queries. */
export interface PrometheusApi {
  /** Where the queries go, for messages: a URL or the Service path. */
  readonly where: string;
  /** What to check when it cannot be reached. */
  readonly hint: string;
  query(promql: string): Promise<PromSample[]>;
}

/** Prometheus could not be asked, or refused: the message says which and what to check. */
export class PrometheusError extends Error {
  override name = "PrometheusError";
}

interface QueryResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: unknown }[] };
}

/** The vector of an `/api/v1/query` answer; throws a {@link PrometheusError} for anything else. */
export function parseQueryResponse(body: unknown, where: string, promql: string): PromSample[] {
  const res = (body ?? {}) as QueryResponse;
  if (res.status !== "success")
    throw new PrometheusError(
      `Prometheus at ${where} answered the query ${promql} with an error: ${res.error ?? JSON.stringify(body)}`,
    );
  if (res.data?.resultType !== "vector")
    throw new PrometheusError(
      `Prometheus at ${where} answered with a ${res.data?.resultType ?? "missing"} result where a vector was expected; is it a Prometheus API?`,
    );
  return (res.data.result ?? []).map((r) => {
    const value = Array.isArray(r.value) ? Number(r.value[1]) : Number.NaN;
    return { metric: r.metric ?? {}, value };
  });
}

const QUERY_TIMEOUT_MS = 30_000;

/** A Prometheus at `url` (its base, e.g. `http://prometheus.linkerd-viz.svc:9090`). */
export function prometheusAtUrl(url: string, hint: string): PrometheusApi {
  const base = url.replace(/\/+$/, "");
  return {
    where: base,
    hint,
    async query(promql) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/v1/query`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ query: promql }).toString(),
          signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? (error as Error).message;
        throw new PrometheusError(`cannot reach Prometheus at ${base}: ${why}. ${hint}`);
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new PrometheusError(
          `${base} answered HTTP ${String(res.status)} with something other than Prometheus's JSON (${text.slice(0, 120).trim()}). ${hint}`,
        );
      }
      return parseQueryResponse(body, base, promql);
    },
  };
}

/** The Service linkerd-viz installs for its Prometheus. */
export const VIZ_PROMETHEUS = { service: "prometheus", port: 9090 } as const;

/**
 * linkerd-viz's Prometheus through the apiserver's service proxy:
 * `/api/v1/namespaces/NS/services/http:prometheus:9090/proxy/api/v1/query`. Needs RBAC `get`
 * on `services/proxy` in that namespace, and nothing on the local machine but the kubeconfig.
 */
export function prometheusThroughApiserver(kube: KubeClient, namespace: string): PrometheusApi {
  const service = `http:${VIZ_PROMETHEUS.service}:${String(VIZ_PROMETHEUS.port)}`;
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${service}/proxy/api/v1/query`;
  const where = `service ${VIZ_PROMETHEUS.service}:${String(VIZ_PROMETHEUS.port)} in namespace ${namespace} (through the Kubernetes API)`;
  const hint = `Check that linkerd-viz is healthy (linkerd viz check), or point at a Prometheus with --prometheus-url.`;
  return {
    where,
    hint,
    async query(promql) {
      let body: unknown;
      try {
        body = await kube.request({
          method: "GET",
          path,
          query: { query: promql },
          context: { verb: "get", resource: "services/proxy", namespace, name: service },
        });
      } catch (error) {
        if (!(error instanceof KubeError)) throw error;
        const what =
          error.status === 403
            ? `not allowed to proxy to it (${error.serverMessage}); ask for RBAC "get" on "services/proxy" in namespace ${namespace}, or use --prometheus-url`
            : error.status === 404
              ? `${error.serverMessage} (is linkerd-viz's Prometheus installed there?)`
              : error.serverMessage;
        throw new PrometheusError(`cannot reach Prometheus at ${where}: ${what}. ${hint}`);
      }
      return parseQueryResponse(body, where, promql);
    },
  };
}

/** The namespace linkerd-viz is installed in, and the external Prometheus it was told to use. */
export interface VizInstall {
  namespace: string;
  externalPrometheus?: string;
}

/** Label linkerd puts on each extension's namespace, and viz's external-Prometheus annotation. */
export const EXTENSION_LABEL = "linkerd.io/extension";
export const EXTERNAL_PROMETHEUS_ANNOTATION = "viz.linkerd.io/external-prometheus";

/**
 * Finds linkerd-viz as the linkerd CLI does: the namespace labelled
 * `linkerd.io/extension=viz`. Undefined when there is none.
 */
export async function findViz(kube: KubeClient): Promise<VizInstall | undefined> {
  const list = (await kube.request({
    method: "GET",
    path: "/api/v1/namespaces",
    query: { labelSelector: `${EXTENSION_LABEL}=viz` },
    context: { verb: "list", resource: "namespaces" },
  })) as { items?: { metadata?: { name?: string; annotations?: Record<string, string> } }[] };
  const ns = (list.items ?? [])[0]?.metadata;
  if (ns?.name === undefined) return undefined;
  const external = ns.annotations?.[EXTERNAL_PROMETHEUS_ANNOTATION];
  return {
    namespace: ns.name,
    ...(external === undefined || external === "" ? {} : { externalPrometheus: external }),
  };
}

/**
 * The Prometheus that scrapes the proxies: at `url` when given, else linkerd-viz's (its external
 * Prometheus, or its own through the apiserver); undefined when there is none.
 */
export async function locatePrometheus(
  kube: KubeClient,
  url: string | undefined,
): Promise<PrometheusApi | undefined> {
  if (url !== undefined)
    return prometheusAtUrl(url, "Check --prometheus-url and that Prometheus is running there.");
  const viz = await findViz(kube).catch(() => undefined);
  if (viz === undefined) return undefined;
  if (viz.externalPrometheus !== undefined)
    return prometheusAtUrl(
      viz.externalPrometheus,
      `linkerd-viz in namespace ${viz.namespace} is set to use this external Prometheus (annotation viz.linkerd.io/external-prometheus); check that it is reachable from here, or pass --prometheus-url.`,
    );
  return prometheusThroughApiserver(kube, viz.namespace);
}
