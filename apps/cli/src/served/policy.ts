/**
 * What Linkerd's policy controller serves to a proxy for one Service port: the request and the
 * answer of `io.linkerd.proxy.outbound.OutboundPolicies/Get`, encoded and decoded by hand from
 * Linkerd's public proxy API (linkerd2-proxy-api 0.20.0, the version linkerd2 edge-26.8.3's
 * policy controller uses), for the fields `check --served` reads: the protocol, the routes with
 * their metadata, each rule's path matches and its backends with their weights. Everything else
 * (filters, timeouts, retries, load balancer settings) is skipped.
 */
import { WireMessage, concat, lengthDelimited } from "./wire.js";

/** The gRPC method. */
export const OUTBOUND_POLICIES_GET = "/io.linkerd.proxy.outbound.OutboundPolicies/Get";

/**
 * `TrafficSpec { source_workload = 1; oneof target { authority = 3 } }`, for
 * `<name>.<namespace>.svc.<domain>:<port>`, as `linkerd diagnostics policy` asks it.
 */
export function encodeTrafficSpec(spec: { sourceWorkload: string; authority: string }): Uint8Array {
  return concat(lengthDelimited(1, spec.sourceWorkload), lengthDelimited(3, spec.authority));
}

/** `io.linkerd.proxy.meta.Metadata`: a default's name or a resource. */
export type ServedMetadata =
  | { readonly default: string }
  | {
      readonly group: string;
      readonly kind: string;
      readonly name: string;
      readonly namespace: string;
      readonly section?: string;
      readonly port?: number;
    };

export interface ServedBackend {
  /** The backend's metadata: a Service (`kind`, `name`, `namespace`, `port`) for a split's. */
  readonly metadata: ServedMetadata | undefined;
  /** Its weight in a `random_available` distribution; undefined in `first_available`. */
  readonly weight?: number;
}

export interface ServedRule {
  /** Path matches (`PathPrefix /`, ...); an empty list matches everything. */
  readonly matches: readonly string[];
  /** `empty`, `first_available` or `random_available`, as the proxy reads them. */
  readonly distribution: "empty" | "first_available" | "random_available" | "none";
  readonly backends: readonly ServedBackend[];
}

export interface ServedRoute {
  /** Route metadata: the HTTPRoute or TCPRoute (`kind`, `name`), or a default (`http`, `opaq`). */
  readonly metadata: ServedMetadata | undefined;
  readonly rules: readonly ServedRule[];
}

/** The protocols a `ProxyProtocol` can carry, as their oneof names. */
export type ServedProtocol = "detect" | "opaque" | "http1" | "http2" | "grpc" | "tls" | "none";

export interface ServedPolicy {
  readonly protocol: ServedProtocol;
  /** The policy's own metadata: the parent Service. */
  readonly metadata: ServedMetadata | undefined;
  /** The routes per protocol (a `detect` policy has `http1`, `http2` and `opaque`). */
  readonly routes: {
    readonly http1?: readonly ServedRoute[];
    readonly http2?: readonly ServedRoute[];
    readonly grpc?: readonly ServedRoute[];
    readonly opaque?: readonly ServedRoute[];
    readonly tls?: readonly ServedRoute[];
  };
}

function metadataOf(m: WireMessage | undefined): ServedMetadata | undefined {
  if (m === undefined) return undefined;
  if (m.has(1)) return { default: m.string(1) };
  const r = m.message(2);
  if (r === undefined) return undefined;
  const section = r.string(5);
  const port = r.uint32(6);
  return {
    group: r.string(1),
    kind: r.string(2),
    name: r.string(3),
    namespace: r.string(4),
    ...(section === "" ? {} : { section }),
    ...(port === 0 ? {} : { port }),
  };
}

// HttpRouteMatch { PathMatch path = 1 { exact = 1 | prefix = 2 | regex = 3 }; headers = 2; ... }
function matchOf(m: WireMessage): string {
  const parts: string[] = [];
  const path = m.message(1);
  if (path?.has(1)) parts.push(`Exact ${path.string(1)}`);
  else if (path?.has(2)) parts.push(`PathPrefix ${path.string(2)}`);
  else if (path?.has(3)) parts.push(`RegularExpression ${path.string(3)}`);
  for (const header of m.messages(2)) parts.push(`header ${header.string(1)}`);
  if (m.messages(3).length > 0) parts.push("query");
  if (m.has(4)) parts.push("method");
  return parts.join(", ");
}

// RouteBackend { Backend backend = 1 { Metadata metadata = 1; ... } }
const routeBackendMetadata = (rb: WireMessage | undefined) =>
  metadataOf(rb?.message(1)?.message(1));

// Distribution { empty = 1 | first_available = 2 { repeated RouteBackend = 1 } |
//   random_available = 3 { repeated WeightedRouteBackend = 1 { RouteBackend = 1; weight = 2 } } }
function distributionOf(d: WireMessage | undefined): Pick<ServedRule, "distribution" | "backends"> {
  if (d === undefined) return { distribution: "none", backends: [] };
  if (d.has(1)) return { distribution: "empty", backends: [] };
  const first = d.message(2);
  if (first !== undefined)
    return {
      distribution: "first_available",
      backends: first.messages(1).map((rb) => ({ metadata: routeBackendMetadata(rb) })),
    };
  const random = d.message(3);
  if (random !== undefined)
    return {
      distribution: "random_available",
      backends: random.messages(1).map((w) => ({
        metadata: routeBackendMetadata(w.message(1)),
        weight: w.uint32(2),
      })),
    };
  return { distribution: "none", backends: [] };
}

// HttpRoute and GrpcRoute: { metadata = 1; rules = 3 { matches = 1; backends = 3 } };
// OpaqueRoute and TlsRoute: { metadata = 1; rules = 3 { backends = 1 } }.
function routesOf(list: WireMessage | undefined, layout: "http" | "opaque"): ServedRoute[] {
  return (list?.messages(1) ?? []).map((route) => ({
    metadata: metadataOf(route.message(1)),
    rules: route.messages(3).map((rule) => ({
      matches: layout === "http" ? rule.messages(1).map(matchOf) : [],
      ...distributionOf(rule.message(layout === "http" ? 3 : 1)),
    })),
  }));
}

/**
 * Decodes `OutboundPolicy { ProxyProtocol protocol = 1; Metadata metadata = 2 }`, where
 * `ProxyProtocol` is `oneof kind { detect = 1 { opaque = 2; http1 = 3; http2 = 4 }; opaque = 2;
 * http1 = 3; http2 = 4; grpc = 5; tls = 6 }` and each protocol lists its routes in field 1.
 */
export function decodeOutboundPolicy(bytes: Uint8Array): ServedPolicy {
  const policy = new WireMessage(bytes);
  const protocol = policy.message(1);
  const metadata = metadataOf(policy.message(2));
  const detect = protocol?.message(1);
  if (detect !== undefined)
    return {
      protocol: "detect",
      metadata,
      routes: {
        http1: routesOf(detect.message(3), "http"),
        http2: routesOf(detect.message(4), "http"),
        opaque: routesOf(detect.message(2), "opaque"),
      },
    };
  const kinds = [
    [2, "opaque", "opaque"],
    [3, "http1", "http"],
    [4, "http2", "http"],
    [5, "grpc", "http"],
    [6, "tls", "opaque"],
  ] as const;
  for (const [no, name, layout] of kinds) {
    const p = protocol?.message(no);
    if (p !== undefined)
      return { protocol: name, metadata, routes: { [name]: routesOf(p, layout) } };
  }
  return { protocol: "none", metadata, routes: {} };
}
