/**
 * Deciding what to do with an existing ServiceProfile. The adaptor owns only
 * `spec.dstOverrides`; every other field (routes, retryBudget, opaquePorts, labels,
 * annotations, anything unknown to this library) is preserved exactly. Plans carry new objects:
 * inputs are never mutated.
 *
 * @packageDocumentation
 */

import { CUT_OVER_STATE_ANNOTATION } from "./ownership.js";
import { compareQuantity, decodeQuantity, isQuantityError } from "./quantity.js";
import { SERVICE_PROFILE_API_VERSION, type ServiceProfile, type WeightedDst } from "./types.js";

/**
 * An annotation that, with any value, tells the adaptor to leave a ServiceProfile alone: it is
 * never created over, updated or cleaned up.
 */
export const SKIP_ANNOTATION = "smi.linkerd.io/skip";

/** What {@link planServiceProfile} decided. */
export type ServiceProfilePlan =
  /** No profile exists: create this one. */
  | { readonly action: "create"; readonly profile: ServiceProfile }
  /** The profile's dstOverrides differ: write this one (a changed copy of the existing). */
  | { readonly action: "update"; readonly profile: ServiceProfile }
  /** The profile already has the desired dstOverrides. */
  | { readonly action: "unchanged" }
  /** The profile carries {@link SKIP_ANNOTATION}. */
  | { readonly action: "skip"; readonly reason: string };

/** What {@link planServiceProfileCleanup} decided. */
export type ServiceProfileCleanupPlan =
  /** Delete the profile: it holds nothing but what the adaptor wrote. */
  | { readonly action: "delete" }
  /** Write this copy, which has no dstOverrides. */
  | { readonly action: "clear"; readonly profile: ServiceProfile }
  /** Nothing to clean up. */
  | { readonly action: "unchanged" }
  /** The profile carries {@link SKIP_ANNOTATION}. */
  | { readonly action: "skip"; readonly reason: string };

/** Options for {@link planServiceProfileCleanup}. */
export interface CleanupOptions {
  /**
   * Delete the profile instead of clearing it when {@link isOnlyOurs} holds. linkerd-smi never
   * deletes (it always clears), so `false` matches it exactly.
   */
  readonly deleteIfOnlyOurs: boolean;
}

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function own(object: unknown, key: string): unknown {
  if (!isRecord(object)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && "value" in descriptor
    ? (descriptor.value as unknown)
    : undefined;
}

/**
 * A deep copy of a JSON-like value: arrays and objects are copied (objects become plain
 * objects), everything else is shared.
 */
function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isRecord(value)) {
    const copy: Loose = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(copy, key, {
        value: cloneJson(own(value, key)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy as T;
  }
  return value;
}

/** True when the profile has {@link SKIP_ANNOTATION}, whatever its value. */
export function hasSkipAnnotation(profile: ServiceProfile): boolean {
  const annotations = own(own(profile, "metadata"), "annotations");
  return isRecord(annotations) && Object.hasOwn(annotations, SKIP_ANNOTATION);
}

function overridesOf(profile: ServiceProfile): unknown[] {
  const value = own(own(profile, "spec"), "dstOverrides");
  return Array.isArray(value) ? value : [];
}

/**
 * True when two dstOverrides lists are equivalent: same length, same authorities in the same
 * order, and weights equal as quantities (`"500"`, `500` and `"0.5k"` are equal). A weight that
 * is not a quantity equals nothing.
 */
export function dstOverridesEqual(
  a: readonly WeightedDst[] | undefined,
  b: readonly WeightedDst[] | undefined,
): boolean {
  const left: readonly unknown[] = a ?? [];
  const right: readonly unknown[] = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((x, i) => {
    const y = right[i];
    if (own(x, "authority") !== own(y, "authority")) return false;
    const qx = decodeQuantity(own(x, "weight"));
    const qy = decodeQuantity(own(y, "weight"));
    return !isQuantityError(qx) && !isQuantityError(qy) && compareQuantity(qx, qy) === 0;
  });
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;
  return false;
}

/**
 * True when the profile holds nothing but what the adaptor writes, so deleting it loses nothing:
 * its spec has no field other than `dstOverrides` with a value (null, empty lists and empty
 * mappings count as no value), and it has no labels and no annotations but the adaptor's
 * cut-over state. Other metadata (resourceVersion, managedFields, ownerReferences...) is ignored.
 */
export function isOnlyOurs(profile: ServiceProfile): boolean {
  const spec = own(profile, "spec");
  if (isRecord(spec)) {
    for (const key of Object.keys(spec)) {
      if (key !== "dstOverrides" && !isEmpty(own(spec, key))) return false;
    }
  } else if (!isEmpty(spec)) {
    return false;
  }
  const metadata = own(profile, "metadata");
  const annotations = own(metadata, "annotations");
  // The adaptor's own cut-over record is no one else's content.
  const others = isRecord(annotations)
    ? Object.keys(annotations).filter((k) => k !== CUT_OVER_STATE_ANNOTATION)
    : [];
  return (
    isEmpty(own(metadata, "labels")) &&
    (isRecord(annotations) ? others.length === 0 : isEmpty(annotations))
  );
}

function skipReason(profile: ServiceProfile): string {
  const name = own(own(profile, "metadata"), "name");
  return `ServiceProfile ${typeof name === "string" ? `${name} ` : ""}has the ${SKIP_ANNOTATION} annotation; it is left as it is`;
}

/** A copy of `profile` whose spec.dstOverrides is `overrides` (removed when empty). */
function withOverrides(profile: ServiceProfile, overrides: readonly WeightedDst[]): ServiceProfile {
  const copy = cloneJson(profile) as unknown as Loose;
  const spec = isRecord(copy.spec) ? copy.spec : {};
  if (overrides.length > 0) {
    spec.dstOverrides = overrides.map((d) => ({ authority: d.authority, weight: d.weight }));
  } else {
    delete spec.dstOverrides;
  }
  copy.spec = spec;
  return copy as unknown as ServiceProfile;
}

/**
 * Plans how to make the ServiceProfile carry `desiredOverrides`:
 *
 * - no existing profile: `create` a new one named `target` with only those dstOverrides;
 * - existing with {@link SKIP_ANNOTATION}: `skip`;
 * - existing whose dstOverrides are already equal (see {@link dstOverridesEqual}): `unchanged`;
 * - otherwise `update`: a deep copy of the existing profile with only `spec.dstOverrides`
 *   replaced (removed when `desiredOverrides` is empty, as linkerd-smi's Go types omit it).
 */
export function planServiceProfile(
  existing: ServiceProfile | undefined,
  desiredOverrides: readonly WeightedDst[],
  target: { readonly name: string; readonly namespace: string },
): ServiceProfilePlan {
  if (existing === undefined) {
    const overrides = desiredOverrides.map((d) => ({ authority: d.authority, weight: d.weight }));
    return {
      action: "create",
      profile: {
        apiVersion: SERVICE_PROFILE_API_VERSION,
        kind: "ServiceProfile",
        metadata: { name: target.name, namespace: target.namespace },
        spec: overrides.length > 0 ? { dstOverrides: overrides } : {},
      },
    };
  }
  if (hasSkipAnnotation(existing)) return { action: "skip", reason: skipReason(existing) };
  if (dstOverridesEqual(overridesOf(existing) as WeightedDst[], desiredOverrides)) {
    return { action: "unchanged" };
  }
  return { action: "update", profile: withOverrides(existing, desiredOverrides) };
}

/**
 * Plans the clean-up after a TrafficSplit is deleted:
 *
 * - no existing profile: `unchanged`;
 * - {@link SKIP_ANNOTATION}: `skip`;
 * - `deleteIfOnlyOurs` and {@link isOnlyOurs}: `delete`;
 * - no dstOverrides (absent, null or empty): `unchanged`;
 * - otherwise `clear`: a deep copy without `spec.dstOverrides` (what linkerd-smi does).
 */
export function planServiceProfileCleanup(
  existing: ServiceProfile | undefined,
  options: CleanupOptions,
): ServiceProfileCleanupPlan {
  if (existing === undefined) return { action: "unchanged" };
  if (hasSkipAnnotation(existing)) return { action: "skip", reason: skipReason(existing) };
  if (options.deleteIfOnlyOurs && isOnlyOurs(existing)) return { action: "delete" };
  if (isEmpty(own(own(existing, "spec"), "dstOverrides"))) return { action: "unchanged" };
  return { action: "clear", profile: withOverrides(existing, []) };
}
