import {
  SKIP_ANNOTATION,
  apexOfSplit,
  desiredServiceProfile,
  formatDiagnostic,
  parseTrafficSplit,
  planServiceProfile,
  orderBySeniority,
  planServiceProfileCleanup,
  serviceProfileName,
  type ServiceProfile,
  type WeightedDst,
} from "@linkerd-smi/core";

/** The field manager of every write; also how we recognise profiles that are ours. */
export const FIELD_MANAGER = "smi-adaptor";

/** Event reasons, constant so that they can be alerted on. */
export const Reason = {
  Created: "Created",
  Updated: "Updated",
  Deleted: "Deleted",
  Cleaned: "Cleaned",
  InvalidSpec: "InvalidSpec",
  Conflict: "Conflict",
  BackendNotFound: "BackendNotFound",
  Skipped: "Skipped",
  WeightsScaled: "WeightsScaled",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** What a TrafficSplit looks like in the cache: any served version, unvalidated spec. */
export interface SplitObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string | Date;
  };
  spec?: unknown;
}

/** The outcome of one reconcile, for logs and the `result` metric label. */
export type ReconcileResult =
  "created" | "updated" | "unchanged" | "deleted" | "cleaned" | "skipped" | "invalid" | "absent";

export interface ReconcileOutcome {
  result: ReconcileResult;
  profile: string;
  /** The TrafficSplit that decides the profile, when there is one. */
  split?: string;
}

/** Read-only views of the informer caches. */
export interface ReconcileCaches {
  splitsIn(namespace: string): readonly SplitObject[];
  profile(namespace: string, name: string): ServiceProfile | undefined;
  serviceExists(namespace: string, name: string): boolean;
}

/** The only writes the adaptor makes to ServiceProfiles. */
export interface ProfileWriter {
  /** Server-side apply of `{metadata: {name, namespace, resourceVersion?}, spec: {dstOverrides}}`. */
  applyDstOverrides(
    namespace: string,
    name: string,
    dstOverrides: readonly WeightedDst[],
    resourceVersion: string | undefined,
  ): Promise<void>;
  /** Removes `spec.dstOverrides`, only if the profile is still at `resourceVersion`. */
  clearDstOverrides(namespace: string, name: string, resourceVersion: string): Promise<void>;
  /** Deletes the profile, only if it is still the same object at the same version. */
  deleteProfile(
    namespace: string,
    name: string,
    uid: string,
    resourceVersion: string,
  ): Promise<void>;
}

export type EventType = "Normal" | "Warning";

/** Where Events go: about a TrafficSplit, or about a ServiceProfile when no split is left. */
export interface EventSink {
  split(split: SplitObject, type: EventType, reason: Reason, message: string): void;
  profile(profile: ServiceProfile, type: EventType, reason: Reason, message: string): void;
}

export interface ReconcileDeps {
  clusterDomain: string;
  caches: ReconcileCaches;
  writer: ProfileWriter;
  events: EventSink;
  /** The split that last decided this apex but no longer targets it (deleted or retargeted). */
  departedSplit?: (namespace: string, apex: string) => SplitObject | undefined;
}

/** `namespace/apex`: the workqueue key. One apex service, one ServiceProfile. */
export function apexKey(namespace: string, apex: string): string {
  return `${namespace}/${apex}`;
}

export function parseApexKey(key: string): { namespace: string; apex: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), apex: key.slice(slash + 1) };
}

/** The apex whose profile this is, when the name has our shape for this namespace. */
export function apexOfProfile(
  namespace: string,
  name: string,
  clusterDomain: string,
): string | undefined {
  const suffix = `.${namespace}.svc.${clusterDomain}`;
  if (!name.endsWith(suffix) || name.length === suffix.length) return undefined;
  const apex = name.slice(0, -suffix.length);
  return apex.includes(".") ? undefined : apex;
}

/** True when the profile's dstOverrides were written by an smi-adaptor (ours or linkerd-smi's). */
export function managedByAdaptor(profile: ServiceProfile): boolean {
  return (profile.metadata.managedFields ?? []).some(
    (entry) =>
      entry.manager === FIELD_MANAGER &&
      JSON.stringify(entry.fieldsV1 ?? {}).includes('"f:dstOverrides"'),
  );
}

/** Nothing but the adaptor ever wrote to this profile, and it holds nothing but dstOverrides. */
export function onlyAdaptorContent(profile: ServiceProfile): boolean {
  const managers = profile.metadata.managedFields ?? [];
  // A profile created without a spec (kubectl can) has none, whatever the type says.
  const spec = profile.spec as ServiceProfile["spec"] | undefined;
  const specKeys = Object.keys(spec ?? {}).filter((k) => k !== "dstOverrides");
  return (
    managers.length > 0 &&
    managers.every((entry) => entry.manager === FIELD_MANAGER) &&
    specKeys.length === 0 &&
    Object.keys(profile.metadata.labels ?? {}).length === 0 &&
    Object.keys(profile.metadata.annotations ?? {}).length === 0
  );
}

function otherManagersOfOverrides(profile: ServiceProfile): string[] {
  return (profile.metadata.managedFields ?? [])
    .filter(
      (e) =>
        e.manager !== FIELD_MANAGER &&
        JSON.stringify(e.fieldsV1 ?? {}).includes('"f:dstOverrides"'),
    )
    .map((e) => e.manager ?? "unknown");
}

/**
 * Makes the ServiceProfile of one apex service agree with the TrafficSplits
 * that target it, reading only the caches and writing only what differs.
 */
export async function reconcileApex(key: string, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { namespace, apex } = parseApexKey(key);
  const profileName = serviceProfileName(apex, namespace, deps.clusterDomain);
  const existing = deps.caches.profile(namespace, profileName);
  // The oldest split (then by name) decides; core's rule, shared with `linkerd smi status`.
  const contenders = orderBySeniority(
    deps.caches.splitsIn(namespace).filter((s) => apexOfSplit(s) === apex),
  );
  const [winner, ...losers] = contenders;

  if (winner === undefined) return cleanUp(namespace, apex, profileName, existing, deps);

  for (const loser of losers) {
    deps.events.split(
      loser,
      "Warning",
      Reason.Conflict,
      `TrafficSplit ${winner.metadata.name} also splits service ${apex} and is older, so it alone decides ServiceProfile ${profileName}; this split is ignored until it is the oldest. Delete one of them or point this one at another service.`,
    );
  }

  const outcome = { profile: profileName, split: winner.metadata.name };
  const parsed = parseTrafficSplit(winner);
  if (!parsed.ok) {
    // Every error, and the note that more were found than listed, if so.
    const problems = parsed.diagnostics.filter(
      (d) => d.severity === "error" || d.code === "diagnostics-truncated",
    );
    deps.events.split(
      winner,
      "Warning",
      Reason.InvalidSpec,
      `${problems.map((d) => formatDiagnostic(d)).join("; ")}. ServiceProfile ${profileName} keeps its last good state.`,
    );
    return { ...outcome, result: "invalid" };
  }

  const desired = desiredServiceProfile(parsed.split, {
    namespace,
    clusterDomain: deps.clusterDomain,
  });
  const plan = planServiceProfile(existing, desired.profile.spec.dstOverrides ?? [], {
    name: profileName,
    namespace,
  });
  if (plan.action === "skip") {
    deps.events.split(
      winner,
      "Warning",
      Reason.Skipped,
      `ServiceProfile ${profileName} has the ${SKIP_ANNOTATION} annotation, so it is left as it is; remove the annotation to let this split manage its dstOverrides.`,
    );
    return { ...outcome, result: "skipped" };
  }
  if (plan.action === "unchanged") return { ...outcome, result: "unchanged" };

  const overrides = plan.profile.spec.dstOverrides ?? [];
  await deps.writer.applyDstOverrides(
    namespace,
    profileName,
    overrides,
    existing?.metadata.resourceVersion,
  );

  for (const d of desired.diagnostics.filter((x) => x.code === "weight-overflow-scaled")) {
    deps.events.split(winner, "Warning", Reason.WeightsScaled, formatDiagnostic(d));
  }
  const missing = parsed.split.backends
    .map((b) => b.service)
    .filter(
      (service, i, all) =>
        all.indexOf(service) === i && !deps.caches.serviceExists(namespace, service),
    );
  if (missing.length > 0) {
    deps.events.split(
      winner,
      "Warning",
      Reason.BackendNotFound,
      `backend Service${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not found in namespace ${namespace}; ServiceProfile ${profileName} routes to ${missing.length > 1 ? "them" : "it"} anyway, and requests sent there fail until ${missing.length > 1 ? "they exist" : "it exists"}.`,
    );
  }
  const summary = overrides.map((o) => `${o.authority}=${String(o.weight)}`).join(", ");
  const zero = parsed.split.allWeightsZero
    ? ` All weights are zero, so Linkerd sends every request to ${apex} itself.`
    : "";
  if (existing === undefined) {
    deps.events.split(
      winner,
      "Normal",
      Reason.Created,
      `Created ServiceProfile ${profileName} with dstOverrides ${summary}.${zero}`,
    );
    return { ...outcome, result: "created" };
  }
  const editors = otherManagersOfOverrides(existing);
  const restored = editors.length > 0 ? ` (restored: ${editors.join(", ")} had changed them)` : "";
  deps.events.split(
    winner,
    "Normal",
    Reason.Updated,
    `Updated ServiceProfile ${profileName} dstOverrides to ${summary}${restored}.${zero}`,
  );
  return { ...outcome, result: "updated" };
}

async function cleanUp(
  namespace: string,
  apex: string,
  profileName: string,
  existing: ServiceProfile | undefined,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const outcome = { profile: profileName };
  if (existing === undefined || !managedByAdaptor(existing))
    return { ...outcome, result: "absent" };
  const plan = planServiceProfileCleanup(existing, {
    deleteIfOnlyOurs: onlyAdaptorContent(existing),
  });
  if (plan.action === "skip") return { ...outcome, result: "skipped" };
  if (plan.action === "unchanged") return { ...outcome, result: "unchanged" };

  const { uid = "", resourceVersion = "" } = existing.metadata;
  const departed = deps.departedSplit?.(namespace, apex);
  const report = (reason: Reason, message: string) => {
    if (departed !== undefined) deps.events.split(departed, "Normal", reason, message);
    else deps.events.profile(existing, "Normal", reason, message);
  };
  if (plan.action === "delete") {
    await deps.writer.deleteProfile(namespace, profileName, uid, resourceVersion);
    report(
      Reason.Deleted,
      `Deleted ServiceProfile ${profileName}: no TrafficSplit targets service ${apex} any more, and the adaptor had created it.`,
    );
    return { ...outcome, result: "deleted" };
  }
  await deps.writer.clearDstOverrides(namespace, profileName, resourceVersion);
  report(
    Reason.Cleaned,
    `Removed dstOverrides from ServiceProfile ${profileName}: no TrafficSplit targets service ${apex} any more; its other settings are kept.`,
  );
  return { ...outcome, result: "cleaned" };
}
