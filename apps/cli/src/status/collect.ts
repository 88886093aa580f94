/**
 * Reading TrafficSplits and ServiceProfiles from the cluster and judging each split with core's
 * `splitSyncState`, for `linkerd smi status` and `linkerd smi check`.
 */
import {
  DEFAULT_CLUSTER_DOMAIN,
  apexOfSplit,
  profileNameOfSplit,
  splitSyncState,
  SERVICE_PROFILE_RESOURCE,
  TRAFFIC_SPLIT_GROUP,
  trafficSplitResource,
  type ServiceProfile,
  type TrafficSplitObject as TrafficSplit,
  type SyncState,
} from "@linkerd-smi/core";
import {
  classifyError,
  KubeError,
  ResourceClient,
  ServiceV1,
  type KubeClient,
} from "@linkerd-smi/kube";

/** One TrafficSplit and where it stands. */
export interface SplitStatus {
  namespace: string;
  name: string;
  apex: string;
  /** The ServiceProfile the split maps to. */
  serviceProfile?: string;
  /** The backends with the shares Linkerd uses; for an invalid split, as written (no percent). */
  backends: { service: string; weight: string; percent?: number }[];
  state: SyncState;
  reason: string;
  /**
   * Backend Services that do not exist (the adaptor's BackendNotFound Warning): Linkerd sends
   * their share of the traffic to a name that does not resolve. Absent when Services were not read.
   */
  missingBackends?: string[];
}

/** `namespace/name` of every Service in `namespace` (all when undefined), or undefined when they cannot be read. */
export async function listServiceKeys(
  client: KubeClient,
  namespace?: string,
): Promise<Set<string> | undefined> {
  try {
    const services = await new ResourceClient(client, ServiceV1).listAll(namespace);
    return new Set(
      services.items.map((s) => `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`),
    );
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

/** Judges every split against the profiles, sorted by namespace and name. */
export function splitStatuses(
  splits: readonly TrafficSplit[],
  profiles: readonly ServiceProfile[],
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
  services?: ReadonlySet<string>,
): SplitStatus[] {
  const byNamespace = new Map<string, TrafficSplit[]>();
  for (const split of splits) {
    const ns = split.metadata.namespace;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), split]);
  }
  const profileByKey = new Map(
    profiles.map((p) => [`${p.metadata.namespace ?? ""}/${p.metadata.name ?? ""}`, p]),
  );
  return splits
    .map((split): SplitStatus => {
      const namespace = split.metadata.namespace;
      const name = split.metadata.name;
      const profileName = profileNameOfSplit(split, clusterDomain);
      const profile =
        profileName === undefined ? undefined : profileByKey.get(`${namespace}/${profileName}`);
      const state = splitSyncState({
        split,
        splitsInNamespace: byNamespace.get(namespace) ?? [],
        profile,
        clusterDomain,
      });
      return {
        namespace,
        name,
        apex: apexOfSplit(split),
        ...(state.profileName === undefined ? {} : { serviceProfile: state.profileName }),
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
        reason: state.reason,
      };
    })
    .sort((a, b) =>
      a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace),
    );
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
