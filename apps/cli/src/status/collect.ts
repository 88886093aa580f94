/**
 * Reading TrafficSplits, ServiceProfiles and the Gateway API routes the adaptor wrote from the
 * cluster and judging each split with core's `splitSyncState`, for `linkerd smi status` and
 * `linkerd smi check`.
 */
import type { OldPathPort } from "../stat/old-path.js";
import {
  CUT_OVER_STATE_ANNOTATION,
  DEFAULT_CLUSTER_DOMAIN,
  GATEWAY_GROUP,
  TCP_ROUTE_RESOURCE,
  apexOfSplit,
  apexRoutePorts,
  apexWithoutClusterIP,
  canonicalQuantity,
  fitLinkerdWeights,
  gatewayApiSupport,
  httpRouteGroupResource,
  httpRouteResource,
  isAdaptorRoute,
  opaquePortsOfLinkerdConfig,
  portShares,
  type PortShares,
  profileNameOfSplit,
  quantityFromMilli,
  routeAcceptance,
  routeAcceptanceMessage,
  shadowingOf,
  splitSyncState,
  SERVICE_PROFILE_RESOURCE,
  TRAFFIC_SPLIT_GROUP,
  trafficSplitResource,
  type GatewayApiSupport,
  type HttpRouteGroupObject,
  type HttpRouteVersion,
  type Route,
  type RouteState,
  type ServiceLike,
  type ServiceProfile,
  type Target,
  type TrafficSplitObject as TrafficSplit,
  type SyncState,
  TARGET_ANNOTATION,
  targetOf,
} from "@linkerd-smi/core";
import {
  classifyError,
  isServed,
  KubeError,
  readLinkerdConfig,
  ResourceClient,
  ServiceV1,
  type KubeClient,
} from "@linkerd-smi/kube";

/** A condition of a route's `status.parents[]` entry, as written. */
export interface RouteConditionStatus {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** One route the adaptor wrote for a split's apex. */
export interface RouteStatus {
  kind: string;
  name: string;
  /** The apex port the route is for (its parentRef's). */
  port?: number;
  /** Where it stands with Linkerd's policy controller (core's `routeAcceptance`). */
  state: RouteState;
  /** What Linkerd's policy controller wrote for the parent, when it did. */
  conditions?: RouteConditionStatus[];
}

/** Where the split's target comes from. */
export type TargetSource = "annotation" | "adaptor" | "default";

/** One TrafficSplit and where it stands. */
export interface SplitStatus {
  namespace: string;
  name: string;
  apex: string;
  /** What the adaptor turns the split into: a ServiceProfile or Gateway API routes. */
  target: Target;
  /** The split's `smi.linkerd.io/target` annotation, the adaptor's `-target`, or the default. */
  targetSource: TargetSource;
  /** The ServiceProfile the split maps to. */
  serviceProfile?: string;
  /**
   * The backends with the shares Linkerd uses; for an invalid split, as written (no percent).
   * `written` is the weight the ServiceProfile carries when it differs from the split's: the
   * weights were scaled so that Linkerd's total fits in 32 bits (see `weightsScaled`).
   */
  backends: { service: string; weight: string; percent?: number; written?: string }[];
  /** True when the ServiceProfile carries scaled weights (`backends[].written`). */
  weightsScaled?: boolean;
  /**
   * The profile state for serviceprofile splits; for httproute splits whose routes are in step,
   * the routes' state with Linkerd's policy controller (the worst of them).
   */
  state: SyncState | RouteState;
  reason: string;
  /** The routes the adaptor wrote for an httproute split's apex, by name. */
  routes?: RouteStatus[];
  /**
   * ServiceProfiles (`namespace/name`) that make proxies ignore an httproute split's routes: they
   * have `routes` or non-zero `dstOverrides`.
   */
  shadowedBy?: { profile: string; why: string }[];
  /** `status -o wide`: per apex port, the traffic still on the old path of a cut-over. */
  oldPath?: OldPathPort[];
  /** A serviceprofile split has `matches`, which a ServiceProfile cannot express. */
  matchesIgnored?: boolean;
  /**
   * Backend Services that do not exist (the adaptor's BackendNotFound Warning): Linkerd sends
   * their share of the traffic to a name that does not resolve. Absent when Services were not read.
   */
  missingBackends?: string[];
  /**
   * For an httproute split, the ports of the apex where Linkerd serves other shares than the
   * split's: a backend whose Service lacks the port is left out of that port's route, and the
   * others share its traffic. `backends` is what that port's route carries (the apex itself
   * when no backend with weight is left); absent when every port serves the split's shares.
   */
  ports?: {
    port: number;
    backends: { service: string; weight: string; percent: number }[];
    leftOut: string[];
  }[];
  /** Why Linkerd will not use an httproute split's routes: the apex is headless or ExternalName. */
  apexWarning?: string;
}

/** Every Service in `namespace` (all when undefined) by `namespace/name`, or undefined when they cannot be read. */
export async function listServices(
  client: KubeClient,
  namespace?: string,
): Promise<Map<string, ServiceLike> | undefined> {
  try {
    const services = await new ResourceClient(client, ServiceV1).listAll(namespace);
    return new Map(
      services.items.map((s) => [
        `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`,
        s as ServiceLike,
      ]),
    );
  } catch {
    return undefined;
  }
}

/** `namespace/name` of every Service in `namespace` (all when undefined), or undefined when they cannot be read. */
export async function listServiceKeys(
  client: KubeClient,
  namespace?: string,
): Promise<Set<string> | undefined> {
  const services = await listServices(client, namespace);
  return services === undefined ? undefined : new Set(services.keys());
}

/**
 * Which HTTPRoute version, and whether TCPRoute and HTTPRouteGroup, the API server serves (core's
 * `gatewayApiSupport` over kube's API discovery: a 404 is "not served", other errors are thrown).
 * `forced`: the version the adaptor's `-gateway-api-version` forces; else v1 when served, else
 * v1beta1, as the adaptor picks.
 */
export function gatewayApiServed(
  client: KubeClient,
  forced?: HttpRouteVersion,
): Promise<GatewayApiSupport> {
  return gatewayApiSupport((resource) => isServed(client, resource), forced ?? "auto");
}

/**
 * The HTTPRoutes (as `version`) and TCPRoutes (when served) in `namespace` (all when undefined),
 * and the HTTPRouteGroups their matches name. Undefined when they cannot be read.
 */
export async function listRoutes(
  client: KubeClient,
  namespace: string | undefined,
  served: GatewayApiSupport,
): Promise<{ routes: Route[]; routeGroups: HttpRouteGroupObject[] } | undefined> {
  try {
    const http =
      served.httpRoute === undefined
        ? []
        : (await new ResourceClient(client, httpRouteResource(served.httpRoute)).listAll(namespace))
            .items;
    const tcp = served.tcpRoute
      ? (await new ResourceClient(client, TCP_ROUTE_RESOURCE).listAll(namespace)).items
      : [];
    const groups = served.httpRouteGroup
      ? (await new ResourceClient(client, httpRouteGroupResource()).listAll(namespace)).items
      : [];
    return { routes: [...http, ...tcp], routeGroups: groups };
  } catch {
    return undefined;
  }
}

/** The backends of a split as its manifest writes them (weights as strings). */
function backendsAsWritten(split: TrafficSplit): { service: string; weight: string }[] {
  const backends = (split.spec as { backends?: unknown } | undefined)?.backends;
  if (!Array.isArray(backends)) return [];
  return backends.map((b: unknown) => {
    const backend = (typeof b === "object" && b !== null ? b : {}) as {
      service?: unknown;
      weight?: unknown;
    };
    return {
      service:
        typeof backend.service === "string"
          ? backend.service
          : JSON.stringify(backend.service ?? null),
      weight:
        backend.weight === undefined
          ? "-"
          : typeof backend.weight === "string"
            ? backend.weight
            : JSON.stringify(backend.weight),
    };
  });
}

/**
 * Every TrafficSplit in `namespace` (all namespaces when undefined), read as v1alpha2 (what the
 * adaptor watches) or, when the CRD does not serve it, v1alpha1. Throws the KubeError of the
 * v1alpha2 read when neither is served.
 */
export async function listTrafficSplits(
  client: KubeClient,
  namespace?: string,
): Promise<TrafficSplit[]> {
  try {
    return (await new ResourceClient(client, trafficSplitResource("v1alpha2")).listAll(namespace))
      .items;
  } catch (error) {
    if (classifyError(error) !== "not-found") throw error;
    try {
      return (await new ResourceClient(client, trafficSplitResource("v1alpha1")).listAll(namespace))
        .items;
    } catch {
      throw error;
    }
  }
}

/** ServiceProfiles in `namespace` (all when undefined); `crdMissing` when Linkerd's CRD is absent. */
export async function listServiceProfiles(
  client: KubeClient,
  namespace?: string,
): Promise<{ items: ServiceProfile[]; crdMissing: boolean }> {
  try {
    return {
      items: (await new ResourceClient(client, SERVICE_PROFILE_RESOURCE).listAll(namespace)).items,
      crdMissing: false,
    };
  } catch (error) {
    if (classifyError(error) === "not-found") return { items: [], crdMissing: true };
    throw error;
  }
}

/** What besides the splits and their namespace's profiles decides where the splits stand. */
export interface ClusterView {
  /** The adaptor's `-target` as its Deployment says; undefined when unknown (serviceprofile then). */
  adaptorTarget?: Target;
  /** Every Service read, by `namespace/name`: the apex's ports decide the routes. */
  services?: ReadonlyMap<string, ServiceLike>;
  /** The HTTPRoutes and TCPRoutes read; undefined when they were not (or could not be) read. */
  routes?: readonly Route[];
  /** The HTTPRouteGroups read, for splits with matches. */
  routeGroups?: readonly HttpRouteGroupObject[];
  /** What of the Gateway API is served; what the routes were read as. */
  gatewayApi?: GatewayApiSupport;
  /**
   * ServiceProfiles of every namespace, for those that shadow an httproute split's routes (a
   * client-side profile lives in the client's namespace); default: the `profiles` given.
   */
  allProfiles?: readonly ServiceProfile[];
  /**
   * The cluster's default opaque ports as the adaptor uses them: its `-default-opaque-ports`,
   * else Linkerd's `linkerd-config`, else Linkerd's own list (see {@link clusterOpaquePorts}).
   */
  defaultOpaquePorts?: readonly number[];
}

/**
 * The default opaque ports the adaptor plans with: its `-default-opaque-ports` when its
 * Deployment gives it, else `proxy.opaquePorts` of `linkerd-config` in its `-linkerd-namespace`
 * (`linkerdNamespace`, the CLI's `-L`, when it has none), else Linkerd's own list.
 */
export async function clusterOpaquePorts(
  client: KubeClient,
  adaptor: AdaptorSettings,
  linkerdNamespace: string,
): Promise<readonly number[]> {
  if (adaptor.defaultOpaquePorts !== undefined) return adaptor.defaultOpaquePorts;
  const namespace = adaptor.linkerdNamespace ?? linkerdNamespace;
  return opaquePortsOfLinkerdConfig(await readLinkerdConfig(client, namespace), namespace).ports;
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

/** The route's state from what Linkerd's policy controller wrote for its parent `apex`:`port`. */
export function routeStatus(route: Route, apex: string): RouteStatus {
  const port = route.spec.parentRefs.find((p) => p.name === apex)?.port;
  const name = route.metadata.name ?? "";
  // Core reads only the policy controller's entry: another controller's says nothing about Linkerd.
  const acceptance = routeAcceptance(route, apex, port ?? 0);
  const conditions = (acceptance.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    ...(c.reason === undefined || c.reason === "" ? {} : { reason: c.reason }),
    ...(c.message === undefined || c.message === "" ? {} : { message: c.message }),
  }));
  return {
    kind: route.kind,
    name,
    ...(port === undefined ? {} : { port }),
    state: acceptance.state,
    ...(conditions.length === 0 ? {} : { conditions }),
  };
}

const ROUTE_STATE_RANK: Record<RouteState, number> = {
  RouteAccepted: 0,
  RoutePending: 1,
  RouteRefsNotResolved: 2,
  RouteNotAccepted: 3,
};

/** The reason of an httproute split whose routes are in step: what Linkerd says of each. */
function routesReason(routes: readonly RouteStatus[], apex: string): string {
  if (routes.length === 0) return `no port of ${apex} carries a route`;
  return routes.map((r) => routeAcceptanceMessage(`${r.kind} ${r.name}`, r)).join("; ");
}

/** True when some split targets httproute: its annotation, else the adaptor's `-target`. */
export function anyHttpRouteSplit(
  splits: readonly TrafficSplit[],
  adaptorTarget: Target | undefined,
): boolean {
  return splits.some((s) => targetOf(s, adaptorTarget ?? "serviceprofile").target === "httproute");
}

/**
 * True when some profile records a cut-over the adaptor has not finished: a split moving back to
 * serviceprofile keeps the adaptor's routes in step until its clients are restarted, and its
 * state (CutOverPending) can only be judged with those routes.
 */
function anyCutOverRecord(profiles: readonly ServiceProfile[]): boolean {
  return profiles.some((p) => p.metadata.annotations?.[CUT_OVER_STATE_ANNOTATION] !== undefined);
}

/**
 * The adaptor's target and, when some split targets httproute or some profile records a
 * cut-over, what of the Gateway API is served, the routes and route groups in `namespace` (all
 * when undefined) and the ServiceProfiles of every namespace (those of `namespace` when the
 * others cannot be read).
 */
export async function gatewayView(
  client: KubeClient,
  namespace: string | undefined,
  splits: readonly TrafficSplit[],
  adaptor: AdaptorSettings,
  profiles: readonly ServiceProfile[],
  linkerdNamespace = "linkerd",
): Promise<ClusterView> {
  const base: ClusterView = adaptor.target === undefined ? {} : { adaptorTarget: adaptor.target };
  if (!anyHttpRouteSplit(splits, adaptor.target) && !anyCutOverRecord(profiles)) return base;
  const gatewayApi = await gatewayApiServed(client, adaptor.gatewayApiVersion);
  const [listed, all, defaultOpaquePorts] = await Promise.all([
    listRoutes(client, namespace, gatewayApi),
    namespace === undefined
      ? Promise.resolve(undefined)
      : listServiceProfiles(client).catch(() => undefined),
    clusterOpaquePorts(client, adaptor, linkerdNamespace),
  ]);
  return {
    ...base,
    gatewayApi,
    defaultOpaquePorts,
    ...(listed === undefined ? {} : { routes: listed.routes, routeGroups: listed.routeGroups }),
    allProfiles: all?.items ?? profiles,
  };
}

const PORT_SHARES = new WeakMap<SplitStatus, readonly PortShares[]>();

/**
 * Per port of an httproute split's apex, the backends and route weights the adaptor writes there
 * and their shares (core's `portShares`), for `check --served`; undefined for other rows.
 */
export function portSharesOf(row: SplitStatus): readonly PortShares[] | undefined {
  return PORT_SHARES.get(row);
}

/** Judges every split against the profiles (and, for httproute splits, the routes), sorted by namespace and name. */
export function splitStatuses(
  splits: readonly TrafficSplit[],
  profiles: readonly ServiceProfile[],
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
  services?: ReadonlySet<string>,
  view: ClusterView = {},
): SplitStatus[] {
  const byNamespace = new Map<string, TrafficSplit[]>();
  for (const split of splits) {
    const ns = split.metadata.namespace;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), split]);
  }
  const profileByKey = new Map(
    profiles.map((p) => [key(p.metadata.namespace, p.metadata.name), p]),
  );
  const allProfiles = view.allProfiles ?? profiles;
  const defaultTarget = view.adaptorTarget ?? "serviceprofile";
  return splits
    .map((split): SplitStatus => {
      const namespace = split.metadata.namespace;
      const name = split.metadata.name;
      const apex = apexOfSplit(split);
      const profileName = profileNameOfSplit(split, clusterDomain);
      const profile =
        profileName === undefined ? undefined : profileByKey.get(key(namespace, profileName));
      const forApex =
        profileName === undefined ? [] : allProfiles.filter((p) => p.metadata.name === profileName);
      const state = splitSyncState({
        split,
        splitsInNamespace: byNamespace.get(namespace) ?? [],
        profile,
        clusterDomain,
        defaultTarget,
        ...(view.defaultOpaquePorts === undefined
          ? {}
          : { defaultOpaquePorts: view.defaultOpaquePorts }),
        ...(view.gatewayApi?.httpRoute === undefined
          ? {}
          : { httpRouteVersion: view.gatewayApi.httpRoute }),
        routes: {
          namespace,
          apex,
          service: view.services?.get(key(namespace, apex)),
          routes: (view.routes ?? []).filter((r) => r.metadata.namespace === namespace),
          profiles: forApex,
          routeGroup: (group) =>
            view.routeGroups?.find(
              (g) => g.metadata.namespace === namespace && g.metadata.name === group,
            ),
          backendPorts: (backend) =>
            view.services?.get(key(namespace, backend))?.spec?.ports?.map((p) => p.port),
          serviceNamed: (service) => view.services?.get(key(namespace, service)),
          tcpRouteServed: view.gatewayApi?.tcpRoute ?? false,
        },
      });
      const annotated =
        (split.metadata as { annotations?: Record<string, string> }).annotations?.[
          TARGET_ANNOTATION
        ] !== undefined && state.targetProblem === undefined;
      const targetSource: TargetSource = annotated
        ? "annotation"
        : view.adaptorTarget === undefined
          ? "default"
          : "adaptor";
      const row: SplitStatus = {
        namespace,
        name,
        apex: apexOfSplit(split),
        target: state.target,
        targetSource,
        ...(state.profileName === undefined || state.target !== "serviceprofile"
          ? {}
          : { serviceProfile: state.profileName }),
        backends:
          state.shares === undefined
            ? backendsAsWritten(split)
            : state.shares.map((s) => ({
                service: s.service,
                weight: s.weight,
                percent: s.percent,
              })),
        ...missing(state.shares, namespace, services),
        state: state.state,
        reason:
          state.targetProblem === undefined
            ? state.reason
            : `${state.reason}; ${state.targetProblem}`,
      };
      const valid = state.state !== "Invalid" && state.shares !== undefined;
      if (valid && state.target === "serviceprofile") {
        // What Linkerd uses: the weights as the ServiceProfile carries them.
        const fitted = fitLinkerdWeights((state.shares ?? []).map((s) => s.milli));
        if (fitted.scaled) {
          row.weightsScaled = true;
          row.backends = row.backends.map((b, i) => ({
            ...b,
            written: canonicalQuantity(quantityFromMilli(fitted.milli[i] ?? 0n)),
          }));
        }
        const matches = (split.spec as { matches?: unknown } | undefined)?.matches;
        if (Array.isArray(matches) && matches.length > 0) {
          row.matchesIgnored = true;
          row.reason += `; spec.matches cannot be expressed in a ServiceProfile, so the split applies to every request to ${apex}: set the annotation ${TARGET_ANNOTATION}: httproute on the split (or run the adaptor with -target httproute) to route only matching requests`;
        }
      }
      if (valid && state.target === "httproute") {
        const ours = (view.routes ?? [])
          .filter((r) => r.metadata.namespace === namespace && isAdaptorRoute(r, apex))
          .filter((r) => ownedBy(r, name))
          .sort((a, b) => cmp(a.metadata.name ?? "", b.metadata.name ?? ""));
        row.routes = ours.map((r) => routeStatus(r, apex));
        const service = view.services?.get(key(namespace, apex));
        if (service !== undefined) {
          const warning = apexWithoutClusterIP(service, apex);
          if (warning !== undefined) row.apexWarning = warning;
          const perPort = portShares({
            apex,
            backends: state.shares ?? [],
            ports: apexRoutePorts(service),
            backendPorts: (backend) =>
              view.services?.get(key(namespace, backend))?.spec?.ports?.map((p) => p.port),
          });
          PORT_SHARES.set(row, perPort);
          const differ = perPort.filter((p) => p.leftOut.length > 0);
          if (differ.length > 0)
            row.ports = differ.map((p) => ({
              port: p.port,
              backends: p.backends.map((b) => ({
                service: b.service,
                weight: b.weight,
                percent: b.percent,
              })),
              leftOut: [...p.leftOut],
            }));
        }
        const shadows = forApex.flatMap((p) => {
          const why = shadowingOf(p);
          return why === undefined
            ? []
            : [{ profile: key(p.metadata.namespace, p.metadata.name), why }];
        });
        if (shadows.length > 0) row.shadowedBy = shadows;
        const crdMissing = view.gatewayApi !== undefined && view.gatewayApi.httpRoute === undefined;
        if (state.state === "Conflict") {
          // Another split decides the apex: its routes are not this split's.
        } else if (crdMissing) {
          row.state = "Pending";
          row.reason = `the API server does not serve httproutes.${GATEWAY_GROUP} (v1 or v1beta1), so the adaptor cannot write the routes of this split: install the Gateway API CRDs`;
        } else if (view.routes === undefined) {
          row.state = "Pending";
          row.reason = `the routes could not be read, so their state is unknown: ${state.reason}`;
        } else if (state.state === "CutOverPending") {
          // The cut-over's own account of what it waits for says more than the routes'.
        } else if (!state.writes && row.routes.length > 0) {
          row.state = row.routes.reduce<RouteState>(
            (w, r) => (ROUTE_STATE_RANK[r.state] > ROUTE_STATE_RANK[w] ? r.state : w),
            "RouteAccepted",
          );
          row.reason = routesReason(row.routes, apex);
        }
        if (row.apexWarning !== undefined && state.state !== "Conflict")
          row.reason += `; ${row.apexWarning}`;
      }
      return row;
    })
    .sort((a, b) =>
      a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace),
    );
}

/** False when the route names a TrafficSplit owner other than `split`. */
function ownedBy(route: Route, split: string): boolean {
  const owners = (route.metadata.ownerReferences ?? []).filter((o) => o.kind === "TrafficSplit");
  return owners.length === 0 || owners.some((o) => o.name === split);
}

/** `{ missingBackends }` when some backend Service is known not to exist, else nothing. */
function missing(
  shares: readonly { service: string }[] | undefined,
  namespace: string,
  services: ReadonlySet<string> | undefined,
): { missingBackends?: string[] } {
  if (services === undefined || shares === undefined) return {};
  const absent = shares.map((s) => s.service).filter((svc) => !services.has(`${namespace}/${svc}`));
  return absent.length === 0 ? {} : { missingBackends: [...new Set(absent)] };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export { adaptorClusterDomain, clusterDomainFromArgs } from "../extension.js";
import type { AdaptorSettings } from "../extension.js";

/** A message that says what failed and what to do, for an error reading TrafficSplits. */
export function explainReadError(error: unknown, where: string): string {
  const kind = classifyError(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (kind === "not-found")
    return (
      `the TrafficSplit CRD (trafficsplits.${TRAFFIC_SPLIT_GROUP}) is not installed in this cluster.\n` +
      "Install the SMI extension: linkerd smi install | kubectl apply -f -"
    );
  if (kind === "forbidden" || kind === "unauthorized") {
    const who = error instanceof KubeError ? error.serverMessage : detail;
    return (
      `not allowed to read TrafficSplits ${where}: ${who}\n` +
      `Reading them needs list on trafficsplits.${TRAFFIC_SPLIT_GROUP} and serviceprofiles.linkerd.io; ` +
      "ask your cluster admin, or use --as / --context for an identity that has it."
    );
  }
  return (
    `could not read TrafficSplits ${where}: ${detail}\n` +
    "Check that the cluster is reachable and that --kubeconfig, --context and --api-addr point at it."
  );
}
