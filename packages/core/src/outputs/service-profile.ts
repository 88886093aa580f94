/**
 * The ServiceProfile output (the default, and linkerd-smi v0.2.7's only one): a valid winner
 * becomes the `spec.dstOverrides` of `<apex>.<namespace>.svc.<clusterDomain>`, written with
 * server-side apply; with no split left, the adaptor deletes the profile if it created it and
 * nobody added anything, else clears only `dstOverrides`; a profile it never wrote is never
 * touched, and one with `smi.linkerd.io/skip` is left alone.
 *
 * @packageDocumentation
 */

import { formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import {
  Reason,
  type OutputPlan,
  type OutputPlanner,
  type PlanContext,
  type Winner,
} from "../decide.js";
import {
  SKIP_ANNOTATION,
  hasSkipAnnotation,
  planServiceProfile,
  planServiceProfileCleanup,
} from "../merge.js";
import {
  PREVIOUS_DST_OVERRIDES_ANNOTATION,
  adaptorHasWritten,
  formatPreviousDstOverrides,
  managedByAdaptor,
  onlyAdaptorContent,
  otherEditorsOfDstOverrides,
  previousDstOverrides,
  type PreviousDstOverrides,
} from "../ownership.js";
import { compareQuantity, decodeQuantity, isQuantityError } from "../quantity.js";
import { joinWithin } from "../event-message.js";
import { desiredServiceProfile, serviceProfileName } from "../translate.js";
import type { ServiceProfile, WeightedDst } from "../types.js";

/** The one write the ServiceProfile output makes for an apex. */
export type ServiceProfileAction =
  | { readonly kind: "none" }
  /** Server-side apply of `spec.dstOverrides` (field manager smi-adaptor). */
  | {
      readonly kind: "apply";
      readonly namespace: string;
      readonly name: string;
      readonly dstOverrides: readonly WeightedDst[];
      /** Set when the profile exists: the write is guarded by it. */
      readonly resourceVersion?: string;
      /**
       * The value of the previous-dst-overrides annotation to apply with dstOverrides (the
       * dstOverrides of another field manager that the adaptor took over), if any.
       */
      readonly previousDstOverrides?: string;
      /** The value of the cut-over-state annotation to apply with dstOverrides, if any. */
      readonly cutOverState?: string;
    }
  /**
   * Give dstOverrides the adaptor took over back to their field manager (`dstOverrides` set:
   * written as `manager`) and drop the previous-dst-overrides annotation; with `dstOverrides`
   * unset, someone changed them since, and only the annotation is dropped.
   */
  | {
      readonly kind: "restore";
      readonly namespace: string;
      readonly name: string;
      readonly resourceVersion: string;
      readonly manager: string;
      readonly dstOverrides?: readonly WeightedDst[];
    }
  /** Remove `spec.dstOverrides`, if the profile is still at `resourceVersion`. */
  | {
      readonly kind: "clear";
      readonly namespace: string;
      readonly name: string;
      readonly resourceVersion: string;
    }
  /** Delete the profile, if it is still the same object at the same version. */
  | {
      readonly kind: "delete";
      readonly namespace: string;
      readonly name: string;
      readonly uid: string;
      readonly resourceVersion: string;
    };

function weightText(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "?";
}

function sameWeight(a: unknown, b: unknown): boolean {
  const qa = decodeQuantity(a);
  const qb = decodeQuantity(b);
  return !isQuantityError(qa) && !isQuantityError(qb) && compareQuantity(qa, qb) === 0;
}

/** Says how `actual` dstOverrides differ from `desired`, naming backends by short name. */
function describeDifference(
  actual: readonly WeightedDst[],
  desired: readonly WeightedDst[],
  suffix: string,
): string {
  const short = (authority: string) =>
    authority.endsWith(suffix) ? authority.slice(0, -suffix.length) : authority;
  if (actual.length === 0) return "it has no dstOverrides";
  const actualBy = new Map(actual.map((d) => [d.authority, d]));
  const desiredBy = new Map(desired.map((d) => [d.authority, d]));
  const parts: string[] = [];
  const missing = desired.filter((d) => !actualBy.has(d.authority)).map((d) => short(d.authority));
  const extra = actual.filter((d) => !desiredBy.has(d.authority)).map((d) => short(d.authority));
  if (missing.length > 0) parts.push(`${missing.join(", ")} missing`);
  if (extra.length > 0) parts.push(`${extra.join(", ")} not in the split`);
  const weights = desired.flatMap((d) => {
    const a = actualBy.get(d.authority);
    return a !== undefined && !sameWeight(a.weight, d.weight)
      ? [`${short(d.authority)} ${weightText(a.weight)} instead of ${weightText(d.weight)}`]
      : [];
  });
  if (weights.length > 0) parts.push(`weights differ: ${weights.join(", ")}`);
  if (parts.length === 0) parts.push("the backends are in another order");
  return parts.join("; ");
}

function dstOverridesOf(profile: ServiceProfile): WeightedDst[] {
  const spec = (profile as { spec?: { dstOverrides?: unknown } }).spec;
  return Array.isArray(spec?.dstOverrides) ? (spec.dstOverrides as WeightedDst[]) : [];
}

/** Options of {@link serviceProfileOutput}. */
export interface ServiceProfileOutputOptions {
  /** Default `cluster.local`; one trailing dot is accepted. */
  readonly clusterDomain?: string;
}

/** The ServiceProfile output, for {@link decideApex}. */
export function serviceProfileOutput(
  options: ServiceProfileOutputOptions = {},
): OutputPlanner<ServiceProfile, ServiceProfileAction> {
  const { clusterDomain } = options;
  const nameOf = (namespace: string, apex: string) =>
    serviceProfileName(apex, namespace, clusterDomain);
  const desire = (winner: Winner<unknown>) =>
    desiredServiceProfile(winner.parsed, {
      namespace: winner.namespace,
      ...(clusterDomain === undefined ? {} : { clusterDomain }),
    });

  const plan = (
    winner: Winner<unknown>,
    existing: ServiceProfile | undefined,
    context: PlanContext = {},
  ): OutputPlan<ServiceProfileAction> => {
    const { namespace, parsed } = winner;
    const apex = parsed.service;
    const name = nameOf(namespace, apex);
    const desired = desire(winner);
    const want = desired.profile.spec.dstOverrides ?? [];
    const merge = planServiceProfile(existing, want, { name, namespace });
    if (merge.action === "skip") {
      return {
        action: { kind: "none" },
        result: "skipped",
        events: [
          {
            type: "Warning",
            reason: Reason.Skipped,
            message: `ServiceProfile ${name} has the ${SKIP_ANNOTATION} annotation, so it is left as it is; remove the annotation to let this split manage its dstOverrides.`,
          },
        ],
        state: {
          state: "Skipped",
          reason: `ServiceProfile ${name} has the ${SKIP_ANNOTATION} annotation, so the adaptor leaves it as it is`,
        },
      };
    }
    // A ServiceProfile cannot express matches: the split then covers every request. Never silent.
    const matchWarnings: { type: "Warning"; reason: Reason; message: string }[] =
      (parsed.matches ?? []).length === 0
        ? []
        : [
            {
              type: "Warning",
              reason: Reason.MatchesNotSupported,
              message: `spec.matches (${(parsed.matches ?? []).map((m) => `${m.kind}/${m.name}`).join(", ")}) cannot be expressed in ServiceProfile ${name}, so the split applies to every request to ${apex}; set the annotation smi.linkerd.io/target: httproute on the split (or run the adaptor with -target httproute) to route only matching requests.`,
            },
          ];
    if (merge.action === "unchanged") {
      return {
        action: { kind: "none" },
        result: "unchanged",
        events: matchWarnings,
        state: { state: "Synced", reason: `ServiceProfile ${name} has the split's dstOverrides` },
      };
    }
    const overrides = merge.profile.spec.dstOverrides ?? [];
    // An annotation the adaptor applied before is applied again (else the apply removes it).
    let previous = existing?.metadata.annotations?.[PREVIOUS_DST_OVERRIDES_ANNOTATION];
    const events: { type: "Normal" | "Warning"; reason: Reason; message: string }[] = [
      ...matchWarnings,
    ];
    for (const d of desired.diagnostics.filter((x) => x.code === "weight-overflow-scaled")) {
      events.push({ type: "Warning", reason: Reason.WeightsScaled, message: formatDiagnostic(d) });
    }
    const missing = winner.missingBackends;
    if (missing.length > 0) {
      const many = missing.length > 1;
      events.push({
        type: "Warning",
        reason: Reason.BackendNotFound,
        message: `backend Service${many ? "s" : ""} ${missing.join(", ")} not found in namespace ${namespace}; ServiceProfile ${name} routes to ${many ? "them" : "it"} anyway, and requests sent there fail until ${many ? "they exist" : "it exists"}.`,
      });
    }
    // Within an Event's 1024 bytes, with room for the rest of the sentence.
    const summary = joinWithin(
      overrides.map((o) => `${o.authority}=${String(o.weight)}`),
      ", ",
      600,
      (left) => `and ${String(left)} more`,
    );
    const zero = parsed.allWeightsZero
      ? ` All weights are zero, so Linkerd sends every request to ${apex} itself.`
      : "";
    if (existing === undefined) {
      events.push({
        type: "Normal",
        reason: Reason.Created,
        message: `Created ServiceProfile ${name} with dstOverrides ${summary}.${zero}`,
      });
    } else {
      const editors = otherEditorsOfDstOverrides(existing);
      const before = dstOverridesOf(existing);
      const wroteBefore = context.adaptorWrote === true || adaptorHasWritten(existing);
      let note = "";
      if (!wroteBefore && before.length > 0) {
        // Someone else's dstOverrides: kept in the annotation, given back when the split goes.
        const owner = editors[0] ?? "unknown";
        previous = formatPreviousDstOverrides({ manager: owner, dstOverrides: before });
        const theirs = joinWithin(
          before.map((o) => `${o.authority}=${weightText(o.weight)}`),
          ", ",
          200,
          (left) => `and ${String(left)} more`,
        );
        note = ` (they were ${owner}'s: ${theirs}; kept in the annotation ${PREVIOUS_DST_OVERRIDES_ANNOTATION} and given back when no TrafficSplit targets service ${apex})`;
      } else if (editors.length > 0) {
        note = ` (restored: ${editors.join(", ")} had changed them)`;
      }
      events.push({
        type: "Normal",
        reason: Reason.Updated,
        message: `Updated ServiceProfile ${name} dstOverrides to ${summary}${note}.${zero}`,
      });
    }
    // Backend authorities end as the profile name does: `.<namespace>.svc.<domain>`.
    const suffix = name.slice(apex.length);
    const resourceVersion = existing?.metadata.resourceVersion;
    return {
      action: {
        kind: "apply",
        namespace,
        name,
        dstOverrides: overrides,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        ...(previous === undefined ? {} : { previousDstOverrides: previous }),
      },
      result: existing === undefined ? "created" : "updated",
      events,
      state: {
        state: "Pending",
        reason:
          existing === undefined
            ? `ServiceProfile ${name} does not exist yet (is the smi-adaptor running?)`
            : `ServiceProfile ${name} is not in step with the split: ${describeDifference(dstOverridesOf(existing), want, suffix)}`,
      },
    };
  };

  /** Gives back the dstOverrides the adaptor took over (see the annotation). */
  const restore = (
    existing: ServiceProfile,
    previous: PreviousDstOverrides,
  ): OutputPlan<ServiceProfileAction> => {
    const { name = "", namespace = "", resourceVersion = "" } = existing.metadata;
    if (hasSkipAnnotation(existing))
      return { action: { kind: "none" }, result: "skipped", events: [] };
    const apex = name.slice(0, name.indexOf("."));
    const base = { kind: "restore", namespace, name, resourceVersion, manager: previous.manager };
    const gone = `no TrafficSplit targets service ${apex} any more`;
    if (!managedByAdaptor(existing)) {
      // Someone wrote dstOverrides after the adaptor: theirs stay, the old ones are dropped.
      const editors = otherEditorsOfDstOverrides(existing);
      return {
        action: { ...base, kind: "restore" },
        result: "cleaned",
        events: [
          {
            type: "Normal",
            reason: Reason.Cleaned,
            message: `Removed the annotation ${PREVIOUS_DST_OVERRIDES_ANNOTATION} from ServiceProfile ${name}: ${gone}, and its dstOverrides are kept as ${editors.join(", ") || "someone else"} last wrote them.`,
          },
        ],
      };
    }
    const theirs = joinWithin(
      previous.dstOverrides.map((o) => `${o.authority}=${weightText(o.weight)}`),
      ", ",
      600,
      (left) => `and ${String(left)} more`,
    );
    return {
      action: { ...base, kind: "restore", dstOverrides: previous.dstOverrides },
      result: "cleaned",
      events: [
        {
          type: "Normal",
          reason: Reason.Restored,
          message: `Gave the dstOverrides of ServiceProfile ${name} back to ${previous.manager}: ${gone}, so they are ${theirs} again, as before the adaptor took them over.`,
        },
      ],
    };
  };

  return {
    target: "serviceprofile",
    none: { kind: "none" },
    kind: "ServiceProfile",
    nameOf,
    check(winner): Diagnostic[] {
      try {
        return desire(winner).diagnostics.filter((d) => d.severity === "error");
      } catch (error) {
        // An invalid namespace or cluster domain: no profile can be named.
        return [
          {
            severity: "error",
            code: "invalid-name",
            path: "metadata.namespace",
            message: error instanceof Error ? error.message : String(error),
          },
        ];
      }
    },
    plan,
    cleanup(existing) {
      const none = { action: { kind: "none" } as const, events: [] };
      if (existing === undefined) return { ...none, result: "absent" };
      const previous = previousDstOverrides(existing);
      if (previous !== undefined) return restore(existing, previous);
      if (!managedByAdaptor(existing)) return { ...none, result: "absent" };
      const cleanup = planServiceProfileCleanup(existing, {
        deleteIfOnlyOurs: onlyAdaptorContent(existing),
      });
      if (cleanup.action === "skip") return { ...none, result: "skipped" };
      if (cleanup.action === "unchanged") return { ...none, result: "unchanged" };
      const { name = "", namespace = "", uid = "", resourceVersion = "" } = existing.metadata;
      const apex = name.slice(0, name.indexOf("."));
      if (cleanup.action === "delete") {
        return {
          action: { kind: "delete", namespace, name, uid, resourceVersion },
          result: "deleted",
          events: [
            {
              type: "Normal",
              reason: Reason.Deleted,
              message: `Deleted ServiceProfile ${name}: no TrafficSplit targets service ${apex} any more, and the adaptor had created it.`,
            },
          ],
        };
      }
      return {
        action: { kind: "clear", namespace, name, resourceVersion },
        result: "cleaned",
        events: [
          {
            type: "Normal",
            reason: Reason.Cleaned,
            message: `Removed dstOverrides from ServiceProfile ${name}: no TrafficSplit targets service ${apex} any more; its other settings are kept.`,
          },
        ],
      };
    },
  };
}
