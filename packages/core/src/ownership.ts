/**
 * What the adaptor owns, and how it recognises it: the field manager of every write, and the
 * predicates over a ServiceProfile's `managedFields` that tell a profile the adaptor wrote (ours,
 * or linkerd-smi v0.2.7's: the same field manager) from one someone else wrote. The adaptor, the
 * decision ({@link decideApex}) and the CLI all use these, so they never disagree.
 *
 * @packageDocumentation
 */

import type { ManagedFieldsEntry, ServiceProfile, WeightedDst } from "./types.js";

/** The field manager of every write the adaptor makes (linkerd-smi v0.2.7 uses the same). */
export const FIELD_MANAGER = "smi-adaptor";

function managedFields(profile: ServiceProfile): readonly ManagedFieldsEntry[] {
  // Objects from the API server are loosely typed: tolerate a missing metadata or list.
  const entries = (profile.metadata as ServiceProfile["metadata"] | undefined)?.managedFields;
  return Array.isArray(entries) ? entries : [];
}

function ownsDstOverrides(entry: ManagedFieldsEntry): boolean {
  return JSON.stringify(entry.fieldsV1 ?? {}).includes('"f:dstOverrides"');
}

/** True when the profile's dstOverrides were written by an smi-adaptor (ours or linkerd-smi's). */
export function managedByAdaptor(profile: ServiceProfile): boolean {
  return managedFields(profile).some((e) => e.manager === FIELD_MANAGER && ownsDstOverrides(e));
}

/**
 * True when nothing but the adaptor ever wrote to this profile and it holds nothing but
 * dstOverrides: no other field manager, no other spec field, no labels, no annotations. Only
 * then may the adaptor delete it instead of clearing its dstOverrides.
 */
export function onlyAdaptorContent(profile: ServiceProfile): boolean {
  const managers = managedFields(profile);
  // A profile created without a spec (kubectl can) has none, whatever the type says.
  const spec = profile.spec as ServiceProfile["spec"] | undefined;
  const specKeys = Object.keys(spec ?? {}).filter((k) => k !== "dstOverrides");
  const meta = profile.metadata as ServiceProfile["metadata"] | undefined;
  return (
    managers.length > 0 &&
    managers.every((entry) => entry.manager === FIELD_MANAGER) &&
    specKeys.length === 0 &&
    Object.keys(meta?.labels ?? {}).length === 0 &&
    Object.keys(meta?.annotations ?? {}).filter((k) => k !== CUT_OVER_STATE_ANNOTATION).length === 0
  );
}

/**
 * The annotation in which the adaptor records, on the ServiceProfile it wrote, where a cut-over
 * between the ServiceProfile and Gateway API routes stands, as JSON `{"to": "httproute" |
 * "serviceprofile", "since": "<RFC 3339>"}` (see `outputs/cut-over.ts`). Written with the
 * adaptor's server-side apply, so owned by it.
 */
export const CUT_OVER_STATE_ANNOTATION = "smi.linkerd.io/cut-over-state";

/** The field managers other than the adaptor that own part of the profile's dstOverrides. */
export function otherEditorsOfDstOverrides(profile: ServiceProfile): string[] {
  return managedFields(profile)
    .filter((e) => e.manager !== FIELD_MANAGER && ownsDstOverrides(e))
    .map((e) => e.manager ?? "unknown");
}

/**
 * The annotation in which the adaptor keeps the dstOverrides it took over from another field
 * manager, as JSON `{"manager": "<field manager>", "dstOverrides": [...]}`, so that it can give
 * them back when no TrafficSplit targets the apex any more. Written with the adaptor's
 * server-side apply (so owned by it), only on a profile whose dstOverrides it did not write.
 */
export const PREVIOUS_DST_OVERRIDES_ANNOTATION = "smi.linkerd.io/previous-dst-overrides";

/** What {@link PREVIOUS_DST_OVERRIDES_ANNOTATION} holds. */
export interface PreviousDstOverrides {
  /** The field manager that had written them (`kubectl-client-side-apply`, `helm`, ...). */
  readonly manager: string;
  readonly dstOverrides: readonly WeightedDst[];
}

/** The annotation's value for `previous`. */
export function formatPreviousDstOverrides(previous: PreviousDstOverrides): string {
  return JSON.stringify({ manager: previous.manager, dstOverrides: previous.dstOverrides });
}

/**
 * The dstOverrides the adaptor took over, read from {@link PREVIOUS_DST_OVERRIDES_ANNOTATION};
 * undefined when the profile has no such annotation or it does not hold them.
 */
export function previousDstOverrides(profile: ServiceProfile): PreviousDstOverrides | undefined {
  const annotations = (profile.metadata as ServiceProfile["metadata"] | undefined)?.annotations;
  const text = annotations?.[PREVIOUS_DST_OVERRIDES_ANNOTATION];
  if (typeof text !== "string") return undefined;
  try {
    const value = JSON.parse(text) as { manager?: unknown; dstOverrides?: unknown };
    const list = value.dstOverrides;
    if (typeof value.manager !== "string" || !Array.isArray(list)) return undefined;
    const valid = list.every(
      (d: unknown) =>
        typeof d === "object" &&
        d !== null &&
        typeof (d as { authority?: unknown }).authority === "string" &&
        ["string", "number"].includes(typeof (d as { weight?: unknown }).weight),
    );
    return valid ? { manager: value.manager, dstOverrides: list as WeightedDst[] } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the profile shows that the adaptor wrote it before: a managedFields entry of the
 * adaptor's field manager (for anything: after someone else replaces dstOverrides, the entry of
 * an adaptor that had taken them over still owns its annotation), or the annotation itself.
 * A profile the adaptor created and whose dstOverrides someone then replaced shows neither (the
 * API server drops a manager that owns nothing): the adaptor remembers those itself.
 */
export function adaptorHasWritten(profile: ServiceProfile): boolean {
  return (
    managedFields(profile).some((e) => e.manager === FIELD_MANAGER) ||
    previousDstOverrides(profile) !== undefined
  );
}
