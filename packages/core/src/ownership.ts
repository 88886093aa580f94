/**
 * What the adaptor owns, and how it recognises it: the field manager of every write, and the
 * predicates over a ServiceProfile's `managedFields` that tell a profile the adaptor wrote (ours,
 * or linkerd-smi v0.2.7's: the same field manager) from one someone else wrote. The adaptor, the
 * decision ({@link decideApex}) and the CLI all use these, so they never disagree.
 *
 * @packageDocumentation
 */

import type { ManagedFieldsEntry, ServiceProfile } from "./types.js";

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
    Object.keys(meta?.annotations ?? {}).length === 0
  );
}

/** The field managers other than the adaptor that own part of the profile's dstOverrides. */
export function otherEditorsOfDstOverrides(profile: ServiceProfile): string[] {
  return managedFields(profile)
    .filter((e) => e.manager !== FIELD_MANAGER && ownsDstOverrides(e))
    .map((e) => e.manager ?? "unknown");
}
