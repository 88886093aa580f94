/**
 * The Gateway API objects this library writes (HTTPRoute, TCPRoute), limited to the fields of
 * Gateway API v1.2.1 that it uses: Linkerd 2.20 ignores routes that use newer ones. Also the
 * part of a core/v1 Service the translation reads.
 *
 * @packageDocumentation
 */

import type { ObjectMeta } from "./types.js";

/** The API group of HTTPRoute and TCPRoute. */
export const GATEWAY_GROUP = "gateway.networking.k8s.io";
/** The HTTPRoute versions the adaptor writes: v1, or v1beta1 where only that is served. */
export const HTTP_ROUTE_VERSIONS = ["v1", "v1beta1"] as const;
/** An HTTPRoute version. */
export type HttpRouteVersion = (typeof HTTP_ROUTE_VERSIONS)[number];
/** TCPRoute exists only in the experimental channel, as v1alpha2. */
export const TCP_ROUTE_VERSION = "v1alpha2";

/**
 * A parent: the apex Service and one of its ports. Linkerd's policy controller requires `kind`
 * (`policy-controller/k8s/index/src/outbound/index.rs`, `is_parent_service`: "Parent refs
 * require a `kind`") and accepts the group `core` or empty.
 */
export interface ServiceParentRef {
  group: "core";
  kind: "Service";
  name: string;
  port: number;
}

/**
 * A weighted backend Service. Linkerd marks a Service backend without `port` invalid
 * (`policy-controller/k8s/index/src/outbound/index/http.rs`, `convert_backend`: "missing port
 * for backend Service"), and reads a missing weight as 1. `group` and `kind` are written
 * explicitly with their defaults so that what the API server stores equals what we write.
 */
export interface ServiceBackendRef {
  group: "";
  kind: "Service";
  name: string;
  port: number;
  weight: number;
}

/** HTTPRoute path match (v1.2.1 `HTTPPathMatch`). */
export interface HttpPathMatch {
  type: "PathPrefix" | "Exact" | "RegularExpression";
  value: string;
}

/** HTTPRoute header match (v1.2.1 `HTTPHeaderMatch`). */
export interface HttpHeaderMatch {
  type: "Exact" | "RegularExpression";
  name: string;
  value: string;
}

/** The methods Gateway API v1.2.1 `HTTPMethod` allows. */
export const HTTP_ROUTE_METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
] as const;
/** A Gateway API HTTP method. */
export type HttpRouteMethodName = (typeof HTTP_ROUTE_METHODS)[number];

/** One HTTPRoute match: all of its conditions must hold. */
export interface HttpRouteMatch {
  path: HttpPathMatch;
  method?: HttpRouteMethodName;
  headers?: HttpHeaderMatch[];
}

/** One HTTPRoute rule: requests that meet any of `matches` go to `backendRefs`. */
export interface HttpRouteRule {
  matches: HttpRouteMatch[];
  backendRefs: ServiceBackendRef[];
}

/** A condition in a route's `status.parents[]`. */
export interface RouteCondition {
  type: string;
  /** "True", "False" or "Unknown". */
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** One `status.parents[]` entry, written by the controller that serves the parent. */
export interface RouteParentStatus {
  parentRef: {
    group?: string;
    kind?: string;
    name: string;
    namespace?: string;
    port?: number;
  };
  controllerName: string;
  conditions?: RouteCondition[];
}

/** HTTPRoute `gateway.networking.k8s.io/v1` (or v1beta1: the same fields). */
export interface HttpRoute {
  apiVersion: `${typeof GATEWAY_GROUP}/${HttpRouteVersion}`;
  kind: "HTTPRoute";
  metadata: ObjectMeta;
  spec: {
    parentRefs: ServiceParentRef[];
    rules: HttpRouteRule[];
  };
  status?: { parents?: RouteParentStatus[] };
}

/** TCPRoute `gateway.networking.k8s.io/v1alpha2`. */
export interface TcpRoute {
  apiVersion: `${typeof GATEWAY_GROUP}/${typeof TCP_ROUTE_VERSION}`;
  kind: "TCPRoute";
  metadata: ObjectMeta;
  spec: {
    parentRefs: ServiceParentRef[];
    rules: { backendRefs: ServiceBackendRef[] }[];
  };
  status?: { parents?: RouteParentStatus[] };
}

/** A route this library writes. */
export type Route = HttpRoute | TcpRoute;

/** A port of a core/v1 Service, as far as the translation reads it. */
export interface ServicePortLike {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
  targetPort?: number | string;
}

/** The part of a core/v1 Service the translation reads. */
export interface ServiceLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    ports?: ServicePortLike[];
    clusterIP?: string;
    type?: string;
    selector?: Record<string, string>;
  };
}
