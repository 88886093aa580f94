/**
 * The objects core's unit tests start from: TrafficSplits, ServiceProfiles, Services and routes,
 * as a user writes them or as the API server stores them. One builder per kind of object; a test
 * passes what it is about and takes the defaults for the rest (namespace `shop`, apex `web`,
 * created 2026-01-01). The builders only assemble inputs: every expected value stays written out
 * by hand in the tests.
 */
import {
  decideApex,
  parseTrafficSplit,
  serviceProfileOutput,
  type ManagedFieldsEntry,
  type ParsedTrafficSplit,
  type Route,
  type RouteParentStatus,
  type RouteSpec,
  type ServiceLike,
  type ServicePortLike,
  type ServiceProfile,
  type TargetedWorld,
  type TrafficSplitObject,
} from "../src/index.js";
import type { RouteWorld } from "../src/outputs/http-route.js";

export const NS = "shop";
/** When a split was created, unless a test says otherwise. */
export const CREATED = "2026-01-01T00:00:00Z";
export const V1ALPHA2 = "split.smi-spec.io/v1alpha2";

/** `<service>.<namespace>.svc.<domain>`: a ServiceProfile's name, or a dstOverride's authority. */
export const fqdn = (service: string, namespace = NS, domain = "cluster.local") =>
  `${service}.${namespace}.svc.${domain}`;
/** The apex `web`'s ServiceProfile. */
export const PROFILE = fqdn("web");
export const V1 = fqdn("web-v1");
export const V2 = fqdn("web-v2");

// --- TrafficSplits ------------------------------------------------------------------------------

/** A TrafficSplit document as a user writes it, for the parser; `more` replaces top-level fields. */
export function splitManifest(
  spec: unknown,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: V1ALPHA2,
    kind: "TrafficSplit",
    metadata: { name: "web-split", namespace: NS },
    spec,
    ...more,
  };
}

export interface SplitOptions {
  readonly namespace?: string | undefined;
  /** Default v1alpha2; null for a bare SplitLike of metadata and spec (no apiVersion, no kind). */
  readonly apiVersion?: string | null | undefined;
  /** Default `uid-<name>`; null for none. */
  readonly uid?: string | null | undefined;
  /** Default {@link CREATED}; null for no creationTimestamp. */
  readonly created?: string | null | undefined;
  readonly annotations?: Record<string, string> | undefined;
}

/** A stored TrafficSplit with any spec, valid or not. */
export function splitObject(
  name: string | undefined,
  spec: unknown,
  options: SplitOptions = {},
): TrafficSplitObject {
  const { namespace = NS, apiVersion = V1ALPHA2, created = CREATED, annotations } = options;
  const uid = options.uid === undefined && name !== undefined ? `uid-${name}` : options.uid;
  return {
    ...(apiVersion === null ? {} : { apiVersion, kind: "TrafficSplit" }),
    metadata: {
      ...(name === undefined ? {} : { name }),
      namespace,
      ...(uid === null || uid === undefined ? {} : { uid }),
      ...(created === null ? {} : { creationTimestamp: created }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec,
  } as TrafficSplitObject;
}

/** Backends as `[service, weight]`; a null weight stands as null, which the parser reads as missing. */
export type Backends = readonly (readonly [service: string, weight: number | string | null])[];

export interface TrafficSplitOptions extends SplitOptions {
  /** The apex; default `web`. */
  readonly service?: string | undefined;
  /** More spec fields, such as `matches`. */
  readonly spec?: Record<string, unknown> | undefined;
}

/** A stored TrafficSplit of `service` (default `web`) to `backends`. */
export function trafficSplit(
  name: string | undefined,
  backends: Backends,
  options: TrafficSplitOptions = {},
): TrafficSplitObject {
  const { service = "web", spec, ...rest } = options;
  return splitObject(
    name,
    {
      service,
      backends: backends.map(([backend, weight]) => ({ service: backend, weight })),
      ...spec,
    },
    rest,
  );
}

/**
 * A split of metadata and spec only, as the code that takes a SplitLike reads it from the cache,
 * or a document without apiVersion (which the parser reads as v1alpha1). By default `web-split`
 * of web to web-v1 900m and web-v2 100m, created 2024-01-01.
 */
export function splitLike(
  name = "web-split",
  options: {
    readonly spec?: unknown;
    readonly namespace?: string | undefined;
    /** Null for no creationTimestamp. */
    readonly created?: string | null | undefined;
    readonly annotations?: Record<string, string> | undefined;
  } = {},
): TrafficSplitObject {
  const {
    namespace,
    spec = {
      service: "web",
      backends: [
        { service: "web-v1", weight: "900m" },
        { service: "web-v2", weight: "100m" },
      ],
    },
    created = "2024-01-01T00:00:00Z",
    annotations,
  } = options;
  return splitObject(name, spec, { apiVersion: null, uid: null, namespace, created, annotations });
}

/** What parseTrafficSplit makes of `input`; throws, with the diagnostics, when it is invalid. */
export function parseOrThrow(input: unknown): ParsedTrafficSplit {
  const result = parseTrafficSplit(input);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.split;
}

/** A parsed v1alpha4 split `web-split` of `web`, for the route translation; weights are integers. */
export function parsedSplit(
  backends: readonly (readonly [service: string, weight: number])[],
  extra: Partial<Pick<ParsedTrafficSplit, "name" | "matches">> = {},
): ParsedTrafficSplit {
  return {
    apiVersion: "split.smi-spec.io/v1alpha4",
    name: "web-split",
    service: "web",
    backends: backends.map(([service, w]) => ({
      service,
      weight: String(w),
      milli: BigInt(w) * 1000n,
    })),
    allWeightsZero: backends.every(([, w]) => w === 0),
    ...extra,
  };
}

/** The owner of the routes translated from {@link parsedSplit}. */
export const SPLIT_OWNER = {
  apiVersion: "split.smi-spec.io/v1alpha4",
  name: "web-split",
  uid: "uid-1",
};

// --- ServiceProfiles ----------------------------------------------------------------------------

/** The adaptor's own apply: it owns `spec.dstOverrides`. */
export const ADAPTOR_APPLY: ManagedFieldsEntry = {
  manager: "smi-adaptor",
  operation: "Apply",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};
/** linkerd-smi v0.2.7 creates and updates (no apply) under its binary's name. */
export const GO_ADAPTOR_UPDATE: ManagedFieldsEntry = {
  manager: "smi-adaptor",
  operation: "Update",
  fieldsV1: { "f:spec": { ".": {}, "f:dstOverrides": {} } },
};
export const KUBECTL_DST_OVERRIDES: ManagedFieldsEntry = {
  manager: "kubectl-client-side-apply",
  operation: "Update",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};
export const KUBECTL_ROUTES: ManagedFieldsEntry = {
  manager: "kubectl-client-side-apply",
  operation: "Update",
  fieldsV1: { "f:spec": { "f:routes": {} } },
};

/** Routes a user wrote on a profile. */
export const USER_ROUTES: RouteSpec[] = [
  { name: "GET /", condition: { method: "GET", pathRegex: "/" } },
];

export interface ProfileOptions {
  /** Default {@link PROFILE}. */
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly labels?: Record<string, string> | undefined;
  readonly annotations?: Record<string, string> | undefined;
  readonly routes?: RouteSpec[] | undefined;
  /** More spec fields. */
  readonly spec?: object | undefined;
}

/** A ServiceProfile as a user writes it: name, namespace and spec, no server-set fields. */
export function serviceProfile(
  dstOverrides: readonly unknown[] | undefined,
  options: ProfileOptions = {},
): ServiceProfile {
  const { name = PROFILE, namespace = NS, labels, annotations, routes, spec } = options;
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name,
      namespace,
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {
      ...(dstOverrides === undefined ? {} : { dstOverrides }),
      ...(routes === undefined ? {} : { routes }),
      ...spec,
    },
  } as ServiceProfile;
}

export interface StoredProfileOptions extends ProfileOptions {
  /** Default `profile-uid`. */
  readonly uid?: string | undefined;
  /** Default `42`. */
  readonly resourceVersion?: string | undefined;
  /** Default: the adaptor's apply alone ({@link ADAPTOR_APPLY}). */
  readonly managedFields?: readonly object[] | undefined;
  /** Metadata fields set last, as they are: to leave a field undefined, or break it. */
  readonly meta?: Record<string, unknown> | undefined;
}

/** A ServiceProfile as the API server stores it: with uid, resourceVersion and managedFields. */
export function storedProfile(
  dstOverrides: readonly unknown[] | undefined,
  options: StoredProfileOptions = {},
): ServiceProfile {
  const {
    uid = "profile-uid",
    resourceVersion = "42",
    managedFields = [ADAPTOR_APPLY],
    meta,
    ...rest
  } = options;
  const profile = serviceProfile(dstOverrides, rest);
  const { name, namespace, ...labelled } = profile.metadata;
  return {
    ...profile,
    metadata: { name, namespace, uid, resourceVersion, managedFields, ...labelled, ...meta },
  } as ServiceProfile;
}

/**
 * A stored ServiceProfile whose `managedFields` say who wrote what: the adaptor (`smi-adaptor`)
 * owns `spec.dstOverrides`, any other manager `spec.routes`.
 */
export function profileManagedBy(
  name: string,
  namespace: string,
  spec: ServiceProfile["spec"],
  managers: string[],
): ServiceProfile {
  return storedProfile(undefined, {
    name,
    namespace,
    uid: `uid-${namespace}-${name}`,
    resourceVersion: "3",
    managedFields: managers.map((manager) => ({
      manager,
      operation: "Apply",
      fieldsV1: {
        "f:spec": manager === "smi-adaptor" ? { "f:dstOverrides": {} } : { "f:routes": {} },
      },
    })),
    spec,
  });
}

// --- Services and routes ------------------------------------------------------------------------

export interface ServiceOptions {
  /** Default `web`. */
  readonly name?: string | undefined;
  readonly annotations?: Record<string, string> | undefined;
  /** Default `10.0.0.1`; null for none (a Service as written, before the API server assigns one). */
  readonly clusterIP?: string | null | undefined;
  readonly selector?: Record<string, string> | undefined;
}

/** A Service in {@link NS} with `ports`. */
export function serviceLike(ports: ServicePortLike[], options: ServiceOptions = {}): ServiceLike {
  const { name = "web", annotations, clusterIP = "10.0.0.1", selector } = options;
  return {
    metadata: { name, namespace: NS, ...(annotations === undefined ? {} : { annotations }) },
    spec: {
      ...(clusterIP === null ? {} : { clusterIP }),
      ...(selector === undefined ? {} : { selector }),
      ports,
    },
  };
}

/** What the HTTPRoute output reads of a namespace: the apex Service (its name is the apex) and more. */
export function routeWorld(
  apexService: ServiceLike | undefined,
  extra: Partial<RouteWorld> = {},
): RouteWorld {
  const apex = apexService?.metadata?.name ?? "web";
  return { namespace: NS, apex, service: apexService, routes: [], ...extra };
}

/**
 * The HTTPRoute the adaptor writes for web:`port` of the 9/1 split web-split (web-v1 9, web-v2 1),
 * as the API server stores it; with `status.parents` when given.
 */
export function storedRoute(port: number, status?: RouteParentStatus[]): Route {
  const ref = (name: string, weight: number) => ({
    group: "" as const,
    kind: "Service" as const,
    name,
    port,
    weight,
  });
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: `web-smi-${port}`,
      namespace: NS,
      uid: `r${port}`,
      resourceVersion: "5",
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
      annotations: { "smi.linkerd.io/traffic-split": "web-split" },
      ownerReferences: [
        {
          apiVersion: V1ALPHA2,
          kind: "TrafficSplit",
          name: "web-split",
          uid: "uid-web-split",
          controller: true,
        },
      ],
    },
    spec: {
      parentRefs: [{ group: "core", kind: "Service", name: "web", port }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [ref("web-v1", 9), ref("web-v2", 1)],
        },
      ],
    },
    ...(status === undefined ? {} : { status: { parents: status } }),
  };
}

/** An HTTPRoute the adaptor wrote for web:80, with no rules left. */
export function adaptorRoute(): Route {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: "web-smi-80",
      namespace: NS,
      uid: "r",
      resourceVersion: "6",
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
    },
    spec: { parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }], rules: [] },
  };
}

/** What the targeted output reads for apex web (Service web:80): a profile and routes. */
export function targetedWorld(profile?: ServiceProfile, routes: Route[] = []): TargetedWorld {
  return {
    profile,
    routes: routeWorld(serviceLike([{ port: 80 }]), {
      routes,
      profiles: profile === undefined ? [] : [profile],
    }),
  };
}

// --- Deciding -----------------------------------------------------------------------------------

export interface DecideOptions {
  /** Default `web`. */
  readonly apex?: string | undefined;
  readonly namespace?: string | undefined;
  /** The split that no longer targets the apex, if known. */
  readonly departed?: TrafficSplitObject | undefined;
  /** The Services that exist; when not given, whether a backend exists is not known. */
  readonly services?: readonly string[] | undefined;
}

/** decideApex with the ServiceProfile output (the default), for the apex web in {@link NS}. */
export function decideServiceProfile(
  splits: TrafficSplitObject[],
  existing: ServiceProfile | undefined,
  more: DecideOptions = {},
) {
  const { apex = "web", namespace = NS, departed, services } = more;
  return decideApex(
    {
      namespace,
      apex,
      splits,
      existing,
      ...(departed === undefined ? {} : { departed }),
      ...(services === undefined
        ? {}
        : { serviceExists: (name: string) => services.includes(name) }),
    },
    serviceProfileOutput(),
  );
}
