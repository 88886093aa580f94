/**
 * Where one TrafficSplit stands, for `linkerd smi status` and `linkerd smi check`: a view of
 * {@link decideApex}, the same decision the adaptor carries out, so the two agree by
 * construction.
 *
 * @packageDocumentation
 */

import { apexOfSplit, decideApex, type SplitLike, type SyncState } from "./decide.js";
import { httpRouteOutput, type RouteWorld } from "./outputs/http-route.js";
import { serviceProfileOutput } from "./outputs/service-profile.js";
import { targetOf, targetedOutput, type Target } from "./outputs/targeted.js";
import type { HttpRouteVersion } from "./gateway-types.js";
import type { BackendShare } from "./shares.js";
import { checkClusterDomain, serviceProfileName } from "./translate.js";
import type { ServiceProfile } from "./types.js";

/** The input of {@link splitSyncState}. */
export interface SplitSyncInput {
  /** The TrafficSplit object as the API server serves it (any version). */
  readonly split: SplitLike;
  /** Every TrafficSplit in the split's namespace (it may be among them), to find conflicts. */
  readonly splitsInNamespace: readonly SplitLike[];
  /**
   * The ServiceProfile named `<apex>.<namespace>.svc.<clusterDomain>` in the split's namespace,
   * undefined when there is none. A profile with another name is treated as absent.
   */
  readonly profile: ServiceProfile | undefined;
  /** The adaptor's cluster domain; default `cluster.local`. */
  readonly clusterDomain?: string;
  /** The namespace when the split's metadata has none. */
  readonly namespace?: string;
  /** Whether a Service exists in the namespace; omit when unknown. */
  readonly serviceExists?: (name: string) => boolean;
  /** The adaptor's `-target`: the output of splits without the annotation; default serviceprofile. */
  readonly defaultTarget?: Target;
  /** What exists around the apex for the Gateway API output (routes, Service, profiles). */
  readonly routes?: RouteWorld;
  /** The HTTPRoute version the routes in `routes` were read as; default v1. */
  readonly httpRouteVersion?: HttpRouteVersion;
  /** The cluster's default opaque ports (its `linkerd-config`); Linkerd's default when not given. */
  readonly defaultOpaquePorts?: readonly number[];
}

/** The result of {@link splitSyncState}. */
export interface SplitSyncState {
  /** See {@link SyncState}. */
  readonly state: SyncState;
  /** One or more sentences that say why, naming the objects involved. */
  readonly reason: string;
  /** The ServiceProfile name the split maps to; undefined when the split is invalid. */
  readonly profileName?: string;
  /** Each backend's share of the traffic, when the split is valid. */
  readonly shares?: BackendShare[];
  /** Backends whose Service does not exist, when `serviceExists` was given. */
  readonly missingBackends?: string[];
  /** The output the split targets: its annotation, else the default target. */
  readonly target: Target;
  /** Why the split's `smi.linkerd.io/target` annotation was not used, when it is invalid. */
  readonly targetProblem?: string;
  /** True when the adaptor has something left to write for the split's apex. */
  readonly writes: boolean;
}

/**
 * Where one TrafficSplit stands, from the objects alone (no I/O): its entry in
 * {@link decideApex}'s decision for its apex, with the output the adaptor would choose for it
 * ({@link targetedOutput}: the split's `smi.linkerd.io/target` annotation, else `defaultTarget`).
 * For the Gateway API output, give `routes`: what exists around the apex.
 *
 * 1. `Invalid` when it has errors (the reason joins their messages);
 * 2. `Conflict` when another split in the namespace targets the same apex and is older (then
 *    first by name): it names that split;
 * 3. `Skipped` when the profile has `smi.linkerd.io/skip`;
 * 4. `Synced` when the profile's `spec.dstOverrides` equal the desired ones;
 * 5. `Pending` otherwise, saying what differs (no profile yet, missing or extra backends,
 *    weights).
 */
export function splitSyncState(input: SplitSyncInput): SplitSyncState {
  const { split } = input;
  const name = split.metadata?.name ?? "";
  const namespace = split.metadata?.namespace ?? input.namespace ?? "";
  const apex = apexOfSplit(split);
  const domainProblem =
    input.clusterDomain === undefined ? undefined : checkClusterDomain(input.clusterDomain);
  const { target, problem: targetProblem } = targetOf(
    split,
    input.defaultTarget ?? "serviceprofile",
  );
  const chosen = { target, ...(targetProblem === undefined ? {} : { targetProblem }) };
  if (domainProblem !== undefined)
    return {
      state: "Invalid",
      reason: `invalid cluster domain: ${domainProblem.message}`,
      ...chosen,
      writes: false,
    };
  const profileName = profileNameOfSplit(split, input.clusterDomain, namespace);
  const meta = (input.profile as { metadata?: { name?: string; namespace?: string } } | undefined)
    ?.metadata;
  const existing =
    profileName !== undefined &&
    meta?.name === profileName &&
    (meta.namespace === undefined || meta.namespace === namespace)
      ? input.profile
      : undefined;
  // Read the split as if it had this namespace, whatever its metadata says.
  const self = { ...split, metadata: { ...split.metadata, namespace } };
  const others = input.splitsInNamespace.filter((s) => s.metadata?.name !== name);
  const domain = input.clusterDomain === undefined ? {} : { clusterDomain: input.clusterDomain };
  const decision = decideApex(
    {
      namespace,
      apex,
      splits: [...others, self],
      existing: {
        profile: existing,
        routes: input.routes ?? { namespace, apex, service: undefined, routes: [] },
      },
      ...(input.serviceExists === undefined ? {} : { serviceExists: input.serviceExists }),
    },
    targetedOutput({
      target: input.defaultTarget ?? "serviceprofile",
      serviceProfile: serviceProfileOutput(domain),
      httpRoute: httpRouteOutput({
        ...domain,
        ...(input.httpRouteVersion === undefined ? {} : { apiVersion: input.httpRouteVersion }),
        ...(input.defaultOpaquePorts === undefined
          ? {}
          : { defaultOpaquePorts: input.defaultOpaquePorts }),
      }),
    }),
  );
  const status = decision.splits.find((s) => s.split === self);
  if (status === undefined) throw new Error("unreachable: the split is among its apex's splits");
  return {
    state: status.state,
    reason: status.reason,
    ...(status.state === "Invalid" || profileName === undefined ? {} : { profileName }),
    ...(status.shares === undefined ? {} : { shares: status.shares }),
    ...(status.missingBackends === undefined ? {} : { missingBackends: status.missingBackends }),
    ...chosen,
    writes: decision.winner === self && decision.action.kind !== "none",
  };
}

/** The ServiceProfile name a split maps to, or undefined when it has no usable apex. */
export function profileNameOfSplit(
  split: SplitLike,
  clusterDomain?: string,
  namespace?: string,
): string | undefined {
  const apex = apexOfSplit(split);
  const ns = split.metadata?.namespace ?? namespace;
  if (apex === "" || ns === undefined || ns === "") return undefined;
  try {
    return serviceProfileName(apex, ns, clusterDomain);
  } catch {
    return undefined;
  }
}
