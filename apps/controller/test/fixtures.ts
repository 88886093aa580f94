/**
 * The objects the controller's tests start from: TrafficSplits as a user applies them (the
 * integration tests hand them to `applySplit`) or as the informer cache holds them (the unit
 * tests), ServiceProfiles and routes. Builders only: no I/O, and every expected value stays
 * written out in the tests.
 */
import type {
  ManagedFieldsEntry,
  Route,
  ServiceProfile,
  TrafficSplitObject,
} from "@linkerd-smi/core";

/** What the adaptor's server-side apply of dstOverrides leaves in managedFields. */
export const ADAPTOR_APPLY: ManagedFieldsEntry = {
  manager: "smi-adaptor",
  operation: "Apply",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};

/** Backends as `[service, weight]`. */
type Backends = readonly (readonly [service: string, weight: number | string])[];

interface ManifestOptions {
  /** The TrafficSplit version; default v1alpha2. */
  readonly version?: string | undefined;
  readonly labels?: Record<string, string> | undefined;
  readonly annotations?: Record<string, string> | undefined;
  /** More metadata fields, such as ownerReferences. */
  readonly metadata?: Record<string, unknown> | undefined;
  /** More spec fields, such as matches. */
  readonly spec?: Record<string, unknown> | undefined;
}

/**
 * A TrafficSplit as a user applies it: apiVersion, metadata.name and spec; `applySplit` adds
 * kind and the namespace.
 */
export function splitManifest(
  name: string,
  service: string,
  backends: Backends,
  options: ManifestOptions = {},
) {
  const { version = "v1alpha2", labels, annotations, metadata, spec } = options;
  return {
    apiVersion: `split.smi-spec.io/${version}`,
    metadata: {
      name,
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
      ...metadata,
    },
    spec: { service, backends: backends.map(([s, weight]) => ({ service: s, weight })), ...spec },
  };
}

interface CachedSplitOptions extends ManifestOptions {
  /** Set by the apiserver; left out unless given. */
  readonly uid?: string | undefined;
  /** Set by the apiserver; left out unless given. */
  readonly created?: string | undefined;
}

/** A TrafficSplit as the informer cache holds it: with kind and namespace. */
export function cachedSplit(
  namespace: string,
  name: string,
  service: string,
  backends: Backends,
  options: CachedSplitOptions = {},
): TrafficSplitObject {
  const { uid, created, ...rest } = options;
  const { apiVersion, metadata, spec } = splitManifest(name, service, backends, rest);
  return {
    apiVersion,
    kind: "TrafficSplit",
    // The namespace first, then what the apiserver sets, as the cache holds it.
    metadata: {
      namespace,
      ...metadata,
      ...(uid === undefined ? {} : { uid }),
      ...(created === undefined ? {} : { creationTimestamp: created }),
    },
    spec,
  };
}

interface ProfileOptions {
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly managedFields?: ManagedFieldsEntry[] | undefined;
  readonly dstOverrides?: { authority: string; weight: string }[] | undefined;
}

/** A ServiceProfile as the informer cache holds it; its spec has only the dstOverrides given. */
export function cachedProfile(
  namespace: string,
  name: string,
  options: ProfileOptions = {},
): ServiceProfile {
  const { uid, resourceVersion, managedFields, dstOverrides } = options;
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      namespace,
      name,
      ...(uid === undefined ? {} : { uid }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      ...(managedFields === undefined ? {} : { managedFields }),
    },
    spec: dstOverrides === undefined ? {} : { dstOverrides },
  };
}

/** An HTTPRoute whose parents are the Services `parents`, port 80. */
export function cachedRoute(
  namespace: string,
  name: string,
  parents: string[],
  labels: Record<string, string> = {},
): Route {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { namespace, name, labels },
    spec: {
      parentRefs: parents.map((p) => ({ group: "core", kind: "Service", name: p, port: 80 })),
    },
  } as Route;
}

/**
 * The status Linkerd's policy controller writes on HTTPRoute web-smi-8080 (parent web:8080) in
 * `namespace`: `conditions` as `[type, status, reason]`, each with `message`.
 */
export function policyControllerStatus(
  namespace: string,
  conditions: [type: string, status: string, reason: string][],
  message = "",
) {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web-smi-8080", namespace },
    status: {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: "web", port: 8080 },
          controllerName: "linkerd.io/policy-controller",
          conditions: conditions.map(([type, status, reason]) => ({
            type,
            status,
            reason,
            message,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            observedGeneration: 1,
          })),
        },
      ],
    },
  };
}
