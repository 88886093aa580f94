/**
 * Types of the Kubernetes resources this library reads and writes: SMI TrafficSplit
 * (split.smi-spec.io v1alpha1..v1alpha4), SMI HTTPRouteGroup (specs.smi-spec.io
 * v1alpha1..v1alpha4) and Linkerd ServiceProfile (linkerd.io/v1alpha2), as they appear in JSON
 * or YAML. Field names and optionality follow smi-sdk-go v0.5.0 and Linkerd's Go types.
 *
 * @packageDocumentation
 */

/** A reference from a dependent object to its owner. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** One entry of `metadata.managedFields` (server-side apply bookkeeping). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: object;
  subresource?: string;
}

/** The subset of Kubernetes ObjectMeta this library needs; other fields pass through untouched. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

/** The API group of SMI TrafficSplit. */
export const TRAFFIC_SPLIT_GROUP = "split.smi-spec.io";
/** The versions of TrafficSplit this library reads. */
export const TRAFFIC_SPLIT_VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"] as const;
/** A TrafficSplit version. */
export type TrafficSplitVersion = (typeof TRAFFIC_SPLIT_VERSIONS)[number];
/** A TrafficSplit `apiVersion`, e.g. `split.smi-spec.io/v1alpha2`. */
export type TrafficSplitApiVersion = `${typeof TRAFFIC_SPLIT_GROUP}/${TrafficSplitVersion}`;

/**
 * A v1alpha1 backend. The weight is a Kubernetes quantity: `"500m"`, `"1"`, `1`, `"2k"`...
 * linkerd-smi reads every version through this shape.
 */
export interface TrafficSplitBackendV1Alpha1 {
  service: string;
  weight: string | number;
}

/** A v1alpha2..v1alpha4 backend. SMI types the weight as an integer. */
export interface TrafficSplitBackendV1Alpha2 {
  service: string;
  weight: number;
}

/** A reference to an object in the same namespace (core/v1 TypedLocalObjectReference). */
export interface TypedLocalObjectReference {
  /** For an HTTPRouteGroup: `specs.smi-spec.io`. */
  apiGroup?: string;
  /** For example `HTTPRouteGroup`. */
  kind: string;
  name: string;
}

/** TrafficSplit v1alpha1: weights are quantities. */
export interface TrafficSplitV1Alpha1 {
  apiVersion: "split.smi-spec.io/v1alpha1";
  kind: "TrafficSplit";
  metadata?: ObjectMeta;
  spec: {
    /** The apex (root) Service that clients call. */
    service: string;
    backends: TrafficSplitBackendV1Alpha1[];
  };
}

/** TrafficSplit v1alpha2: integer weights. */
export interface TrafficSplitV1Alpha2 {
  apiVersion: "split.smi-spec.io/v1alpha2";
  kind: "TrafficSplit";
  metadata?: ObjectMeta;
  spec: {
    service: string;
    backends: TrafficSplitBackendV1Alpha2[];
  };
}

/** TrafficSplit v1alpha3: integer weights and optional HTTPRouteGroup matches. */
export interface TrafficSplitV1Alpha3 {
  apiVersion: "split.smi-spec.io/v1alpha3";
  kind: "TrafficSplit";
  metadata?: ObjectMeta;
  spec: {
    service: string;
    backends: TrafficSplitBackendV1Alpha2[];
    /** Restricts the split to requests matching these route groups. */
    matches?: TypedLocalObjectReference[];
  };
}

/** TrafficSplit v1alpha4: the same shape as v1alpha3. */
export interface TrafficSplitV1Alpha4 {
  apiVersion: "split.smi-spec.io/v1alpha4";
  kind: "TrafficSplit";
  metadata?: ObjectMeta;
  spec: {
    service: string;
    backends: TrafficSplitBackendV1Alpha2[];
    matches?: TypedLocalObjectReference[];
  };
}

/** A TrafficSplit of any supported version. */
export type TrafficSplit =
  TrafficSplitV1Alpha1 | TrafficSplitV1Alpha2 | TrafficSplitV1Alpha3 | TrafficSplitV1Alpha4;

/** The HTTP methods SMI names (`*` matches every method). */
export type HTTPRouteMethod =
  "*" | "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "CONNECT" | "OPTIONS" | "TRACE" | "PATCH";

/** An HTTPRouteGroup v1alpha1 match. */
export interface HTTPMatchV1Alpha1 {
  /** Referenced by TrafficTargets and TrafficSplits. */
  name?: string;
  /** RFC 7231 methods, or `*`. */
  methods?: string[];
  pathRegex?: string;
}

/** An HTTPRouteGroup v1alpha2..v1alpha4 match: v1alpha1 plus exact-match headers. */
export interface HTTPMatch extends HTTPMatchV1Alpha1 {
  /** Header name to value. */
  headers?: Record<string, string>;
}

/** HTTPRouteGroup v1alpha1: matches at the top level. */
export interface HTTPRouteGroupV1Alpha1 {
  apiVersion: "specs.smi-spec.io/v1alpha1";
  kind: "HTTPRouteGroup";
  metadata?: ObjectMeta;
  matches?: HTTPMatchV1Alpha1[];
}

/** HTTPRouteGroup v1alpha2: matches at the top level, with headers. */
export interface HTTPRouteGroupV1Alpha2 {
  apiVersion: "specs.smi-spec.io/v1alpha2";
  kind: "HTTPRouteGroup";
  metadata?: ObjectMeta;
  matches?: HTTPMatch[];
}

/** HTTPRouteGroup v1alpha3: matches under `spec`. */
export interface HTTPRouteGroupV1Alpha3 {
  apiVersion: "specs.smi-spec.io/v1alpha3";
  kind: "HTTPRouteGroup";
  metadata?: ObjectMeta;
  spec: { matches?: HTTPMatch[] };
}

/** HTTPRouteGroup v1alpha4: matches under `spec`. */
export interface HTTPRouteGroupV1Alpha4 {
  apiVersion: "specs.smi-spec.io/v1alpha4";
  kind: "HTTPRouteGroup";
  metadata?: ObjectMeta;
  spec: { matches?: HTTPMatch[] };
}

/** An HTTPRouteGroup of any version. */
export type HTTPRouteGroup =
  HTTPRouteGroupV1Alpha1 | HTTPRouteGroupV1Alpha2 | HTTPRouteGroupV1Alpha3 | HTTPRouteGroupV1Alpha4;

/** The `apiVersion` of Linkerd ServiceProfile. */
export const SERVICE_PROFILE_API_VERSION = "linkerd.io/v1alpha2";

/** A request condition of a ServiceProfile route. */
export interface RequestMatch {
  all?: RequestMatch[];
  any?: RequestMatch[];
  not?: RequestMatch;
  pathRegex?: string;
  method?: string;
}

/** An inclusive HTTP status range; an absent bound is open. */
export interface Range {
  min?: number;
  max?: number;
}

/** A response condition of a response class. */
export interface ResponseMatch {
  all?: ResponseMatch[];
  any?: ResponseMatch[];
  not?: ResponseMatch;
  status?: Range;
}

/** Classifies responses, e.g. as failures. */
export interface ResponseClass {
  condition: ResponseMatch;
  isFailure?: boolean;
}

/** A named route of a ServiceProfile. */
export interface RouteSpec {
  name: string;
  condition: RequestMatch;
  responseClasses?: ResponseClass[];
  isRetryable?: boolean;
  /** A Go duration such as `"250ms"`. */
  timeout?: string;
}

/** Limits retries to a share of requests. */
export interface RetryBudget {
  retryRatio: number;
  minRetriesPerSecond: number;
  /** A Go duration such as `"10s"`. */
  ttl: string;
}

/**
 * A weighted destination. linkerd-smi writes the weight as a string (a Kubernetes quantity);
 * profiles written by others may hold a number.
 */
export interface WeightedDst {
  /** `<service>.<namespace>.svc.<cluster domain>`; no port, no trailing dot. */
  authority: string;
  weight: string | number;
}

/** The spec of a ServiceProfile. Only `dstOverrides` is managed by this adaptor. */
export interface ServiceProfileSpec {
  routes?: RouteSpec[];
  retryBudget?: RetryBudget;
  dstOverrides?: WeightedDst[];
  opaquePorts?: string[];
}

/** Linkerd ServiceProfile linkerd.io/v1alpha2. */
export interface ServiceProfile {
  apiVersion: "linkerd.io/v1alpha2";
  kind: "ServiceProfile";
  metadata: ObjectMeta;
  spec: ServiceProfileSpec;
}
