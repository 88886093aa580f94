/**
 * The API resources this project reads and writes, as plain data: group, version, plural, kind.
 * `@linkerd-smi/kube`'s typed clients and informers take these descriptors, so the object type
 * of every client comes from the wire types in this package, with no second model.
 *
 * @packageDocumentation
 */

import {
  TRAFFIC_SPLIT_GROUP,
  type ObjectMeta,
  type ServiceProfile,
  type TrafficSplitVersion,
} from "./types.js";
import {
  GATEWAY_GROUP,
  TCP_ROUTE_VERSION,
  type HttpRoute,
  type HttpRouteVersion,
  type TcpRoute,
} from "./gateway-types.js";

/**
 * Which API resource a client talks to. The type parameter ties a descriptor to the object type
 * its client returns (type-level only). `@linkerd-smi/kube`'s `ResourceDescriptor` has this shape.
 */
export interface ApiResource<T> {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name used in URLs. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Type-level only: never set. */
  readonly __object?: T;
}

/**
 * A TrafficSplit as the API server serves it in any version: the CRD uses `conversion: None`,
 * so the spec may have any version's shape (or be invalid). Validate it with
 * `parseTrafficSplit`.
 */
export interface TrafficSplitObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string; namespace: string };
  spec?: unknown;
}

/** The API group of Linkerd's ServiceProfile. */
export const SERVICE_PROFILE_GROUP = "linkerd.io";

/** `trafficsplits.split.smi-spec.io` in `version` (default v1alpha2, what the adaptor watches). */
export function trafficSplitResource(
  version: TrafficSplitVersion = "v1alpha2",
): ApiResource<TrafficSplitObject> {
  return {
    group: TRAFFIC_SPLIT_GROUP,
    version,
    plural: "trafficsplits",
    kind: "TrafficSplit",
    namespaced: true,
  };
}

/** `serviceprofiles.linkerd.io/v1alpha2`. */
export const SERVICE_PROFILE_RESOURCE: ApiResource<ServiceProfile> = Object.freeze({
  group: SERVICE_PROFILE_GROUP,
  version: "v1alpha2",
  plural: "serviceprofiles",
  kind: "ServiceProfile",
  namespaced: true,
});

/** The API group of SMI HTTPRouteGroup. */
export const HTTP_ROUTE_GROUP_GROUP = "specs.smi-spec.io";

/**
 * `httproutegroups.specs.smi-spec.io` in `version` (default v1alpha4). The chart's CRD serves
 * v1alpha1..v1alpha4 from one stored object; matches sit at the top level or under `spec`.
 */
export function httpRouteGroupResource(
  version: TrafficSplitVersion = "v1alpha4",
): ApiResource<HttpRouteGroupObject> {
  return {
    group: HTTP_ROUTE_GROUP_GROUP,
    version,
    plural: "httproutegroups",
    kind: "HTTPRouteGroup",
    namespaced: true,
  };
}

/** An HTTPRouteGroup as the API server serves it in any version. */
export interface HttpRouteGroupObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string; namespace: string };
  matches?: unknown;
  spec?: unknown;
}

/** `httproutes.gateway.networking.k8s.io` in `version` (v1, or v1beta1 on Linkerd 2.15-2.17). */
export function httpRouteResource(version: HttpRouteVersion = "v1"): ApiResource<HttpRoute> {
  return {
    group: GATEWAY_GROUP,
    version,
    plural: "httproutes",
    kind: "HTTPRoute",
    namespaced: true,
  };
}

/** `tcproutes.gateway.networking.k8s.io/v1alpha2` (experimental channel). */
export const TCP_ROUTE_RESOURCE: ApiResource<TcpRoute> = Object.freeze({
  group: GATEWAY_GROUP,
  version: TCP_ROUTE_VERSION,
  plural: "tcproutes",
  kind: "TCPRoute",
  namespaced: true,
});

/** What of the Gateway API (and SMI's HTTPRouteGroup) the API server serves. */
export interface GatewayApiSupport {
  /** The HTTPRoute version to read and write; undefined when none asked for is served. */
  readonly httpRoute?: HttpRouteVersion;
  /** TCPRoute v1alpha2 (experimental channel). */
  readonly tcpRoute: boolean;
  /** httproutegroups.specs.smi-spec.io/v1alpha4 (the chart's CRD). */
  readonly httpRouteGroup: boolean;
}

/**
 * Which HTTPRoute version, and whether TCPRoute and HTTPRouteGroup, the API server serves, asking
 * `served` (API discovery: `@linkerd-smi/kube`'s `isServed`) about each resource in turn.
 * `wanted`: the one HTTPRoute version to look for, or `auto` for v1, else v1beta1 (Linkerd
 * 2.15-2.17), as the adaptor's `-gateway-api-version`. What `served` throws is thrown.
 */
export async function gatewayApiSupport(
  served: (resource: ApiResource<unknown>) => Promise<boolean>,
  wanted: "auto" | HttpRouteVersion = "auto",
): Promise<GatewayApiSupport> {
  let httpRoute: HttpRouteVersion | undefined;
  for (const version of wanted === "auto" ? (["v1", "v1beta1"] as const) : [wanted]) {
    if (await served(httpRouteResource(version))) {
      httpRoute = version;
      break;
    }
  }
  const tcpRoute = await served(TCP_ROUTE_RESOURCE);
  const httpRouteGroup = await served(httpRouteGroupResource());
  return { ...(httpRoute === undefined ? {} : { httpRoute }), tcpRoute, httpRouteGroup };
}
