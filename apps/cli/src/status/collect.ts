/**
 * Reading TrafficSplits and ServiceProfiles from the cluster and judging each split with core's
 * `splitSyncState`, for `linkerd smi status` and `linkerd smi check`.
 */
import {
  DEFAULT_CLUSTER_DOMAIN,
  apexOfSplit,
  profileNameOfSplit,
  SERVICE_PROFILE_RESOURCE,
  splitSyncState,
  trafficSplitResource,
  type ServiceProfile,
  type SyncState,
  type TrafficSplitObject as TrafficSplit,
} from "@linkerd-smi/core";
import { classifyError, KubeError, ResourceClient, type KubeClient } from "@linkerd-smi/kube";

/** One TrafficSplit and where it stands. */
export interface SplitStatus {
  namespace: string;
  name: string;
  apex: string;
  /** The ServiceProfile the split maps to. */
  serviceProfile?: string;
  backends: { service: string; weight: string; percent: number }[];
  state: SyncState;
  reason: string;
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
        backends: (state.shares ?? []).map((s) => ({
          service: s.service,
          weight: s.weight,
          percent: s.percent,
        })),
        state: state.state,
        reason: state.reason,
      };
    })
    .sort((a, b) =>
      a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace),
    );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface DeploymentList {
  items: {
    spec?: {
      replicas?: number;
      template?: {
        spec?: { containers?: { name: string; args?: string[]; command?: string[] }[] };
      };
    };
  }[];
}

/** The `-cluster-domain` value in an adaptor container's arguments (Go and GNU spellings). */
export function clusterDomainFromArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const m = /^--?cluster-domain(?:=(.*))?$/.exec(arg);
    if (m === null) continue;
    return m[1] ?? args[i + 1];
  }
  return undefined;
}

/**
 * The cluster domain the running adaptor was started with, read from its Deployment (label
 * `app.kubernetes.io/name=smi-adaptor`), or undefined when there is none or it cannot be read.
 */
export async function adaptorClusterDomain(
  client: KubeClient,
  namespace?: string,
): Promise<string | undefined> {
  try {
    const list = (await client.request({
      method: "GET",
      path:
        namespace === undefined
          ? "/apis/apps/v1/deployments"
          : `/apis/apps/v1/namespaces/${namespace}/deployments`,
      query: { labelSelector: "app.kubernetes.io/name=smi-adaptor" },
      context: {
        verb: "list",
        resource: "deployments",
        ...(namespace === undefined ? {} : { namespace }),
      },
    })) as DeploymentList;
    for (const deployment of list.items) {
      for (const container of deployment.spec?.template?.spec?.containers ?? []) {
        const domain = clusterDomainFromArgs([
          ...(container.command ?? []),
          ...(container.args ?? []),
        ]);
        if (domain !== undefined && domain !== "") return domain;
      }
    }
  } catch {
    // Not allowed to read Deployments, or no cluster: the caller falls back to the default.
  }
  return undefined;
}

/** A message that says what failed and what to do, for an error reading TrafficSplits. */
export function explainReadError(error: unknown, where: string): string {
  const kind = classifyError(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (kind === "not-found")
    return (
      "the TrafficSplit CRD (trafficsplits.split.smi-spec.io) is not installed in this cluster.\n" +
      "Install the SMI extension: linkerd smi install | kubectl apply -f -"
    );
  if (kind === "forbidden" || kind === "unauthorized") {
    const who = error instanceof KubeError ? error.serverMessage : detail;
    return (
      `not allowed to read TrafficSplits ${where}: ${who}\n` +
      "Reading them needs list on trafficsplits.split.smi-spec.io and serviceprofiles.linkerd.io; " +
      "ask your cluster admin, or use --as / --context for an identity that has it."
    );
  }
  return (
    `could not read TrafficSplits ${where}: ${detail}\n` +
    "Check that the cluster is reachable and that --kubeconfig, --context and --api-addr point at it."
  );
}
