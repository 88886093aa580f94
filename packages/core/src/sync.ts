/**
 * Which TrafficSplit decides an apex service's ServiceProfile, and whether that profile is in
 * step with it. The adaptor and the CLI (`linkerd smi status`, `linkerd smi check`) both use
 * these functions, so they always agree on the winner of a conflict and on what "in sync"
 * means.
 *
 * @packageDocumentation
 */

import { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
import { dstOverridesEqual, hasSkipAnnotation, SKIP_ANNOTATION } from "./merge.js";
import { parseTrafficSplit } from "./parse.js";
import { backendShares, type BackendShare } from "./shares.js";
import { compareQuantity, decodeQuantity, isQuantityError } from "./quantity.js";
import { desiredServiceProfile, serviceProfileName } from "./translate.js";
import type { ServiceProfile, WeightedDst } from "./types.js";

/** What these functions read of a TrafficSplit object: its name, age and `spec.service`. */
export interface SplitLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly creationTimestamp?: string | Date;
  };
  readonly spec?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The apex service a TrafficSplit targets (`spec.service`) as written, or `""` when it has none
 * or it is not a string. Not validated: {@link parseTrafficSplit} reports what is wrong with it.
 */
export function apexOfSplit(split: unknown): string {
  const spec = isRecord(split) ? split.spec : undefined;
  const service = isRecord(spec) ? spec.service : undefined;
  return typeof service === "string" ? service : "";
}

/** Milliseconds since the epoch; splits without a (valid) timestamp count as the youngest. */
function createdAt(split: SplitLike): number {
  const t = split.metadata?.creationTimestamp;
  if (t === undefined) return Number.MAX_SAFE_INTEGER;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

/**
 * The order in which splits that claim the same apex take precedence: the oldest
 * (`metadata.creationTimestamp`) first, then by name. A comparator for `Array.prototype.sort`.
 */
export function compareSeniority(a: SplitLike, b: SplitLike): number {
  const byAge = createdAt(a) - createdAt(b);
  if (byAge !== 0) return byAge;
  const x = a.metadata?.name ?? "";
  const y = b.metadata?.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A sorted copy of `splits`, most senior first (see {@link compareSeniority}). */
export function orderBySeniority<T extends SplitLike>(splits: readonly T[]): T[] {
  return [...splits].sort(compareSeniority);
}

/**
 * The split that decides the ServiceProfile of `apex`: the most senior of the `splits` whose
 * `spec.service` is `apex` (all of `splits` when `apex` is not given). Undefined when none.
 * Pass the splits of one namespace: profiles, and so conflicts, are per namespace.
 */
export function selectWinner<T extends SplitLike>(
  splits: readonly T[],
  apex?: string,
): T | undefined {
  const contenders = apex === undefined ? splits : splits.filter((s) => apexOfSplit(s) === apex);
  return orderBySeniority(contenders)[0];
}

/** The states of {@link splitSyncState}. */
export type SyncState = "Synced" | "Pending" | "Invalid" | "Conflict" | "Skipped";

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
}

/** The result of {@link splitSyncState}. */
export interface SplitSyncState {
  /**
   * - `Synced`: the profile's dstOverrides are the ones the split asks for.
   * - `Pending`: they are not (yet): no profile, or other authorities or weights.
   * - `Invalid`: the split has errors; the adaptor keeps the profile's last good state.
   * - `Conflict`: an older split (then by name) targets the same apex and decides instead.
   * - `Skipped`: the profile has the `smi.linkerd.io/skip` annotation; the adaptor leaves it.
   */
  readonly state: SyncState;
  /** One or more sentences that say why, naming the objects involved. */
  readonly reason: string;
  /** The ServiceProfile name the split maps to; undefined when the split has no valid apex. */
  readonly profileName?: string;
  /** Each backend's share of the traffic, when the split is valid. */
  readonly shares?: BackendShare[];
}

/** A diagnostic on one line: `error[code] path: message (did you mean: x)`. */
function oneLine(d: Diagnostic): string {
  const { suggestion, ...rest } = d;
  const head = formatDiagnostic(rest);
  return suggestion === undefined ? head : `${head} (did you mean: ${suggestion})`;
}

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

/**
 * Where one TrafficSplit stands, as the adaptor sees it, from the objects alone (no I/O):
 *
 * 1. `Invalid` when {@link parseTrafficSplit} finds errors (the reason joins their messages);
 * 2. `Conflict` when another split in the namespace targets the same apex and is older (then
 *    first by name): it names that split;
 * 3. `Skipped` when the profile has `smi.linkerd.io/skip`;
 * 4. `Synced` when the profile's `spec.dstOverrides` equal the desired ones (as
 *    {@link dstOverridesEqual} compares them);
 * 5. `Pending` otherwise, saying what differs (no profile yet, missing or extra backends,
 *    weights).
 */
export function splitSyncState(input: SplitSyncInput): SplitSyncState {
  const { split } = input;
  const name = split.metadata?.name ?? "";
  const namespace = split.metadata?.namespace ?? input.namespace ?? "";
  const parsed = parseTrafficSplit(split);
  if (!parsed.ok) {
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    return {
      state: "Invalid",
      reason: errors.map(oneLine).join("; "),
    };
  }
  let desired;
  try {
    desired = desiredServiceProfile(parsed.split, {
      namespace,
      ...(input.clusterDomain === undefined ? {} : { clusterDomain: input.clusterDomain }),
    });
  } catch (error) {
    return { state: "Invalid", reason: error instanceof Error ? error.message : String(error) };
  }
  const profileName = desired.profile.metadata.name ?? "";
  const tooLong = desired.diagnostics.filter((d) => d.severity === "error");
  if (tooLong.length > 0) {
    return {
      state: "Invalid",
      reason: tooLong.map(oneLine).join("; "),
    };
  }
  const shares = backendShares(parsed.split);
  const base = { profileName, shares };

  const winner = selectWinner(
    [...input.splitsInNamespace.filter((s) => s.metadata?.name !== name), split],
    parsed.split.service,
  );
  if (winner !== undefined && winner !== split) {
    const why =
      createdAt(winner) < createdAt(split) ? "is older" : "is as old and comes first by name";
    return {
      ...base,
      state: "Conflict",
      reason: `TrafficSplit ${winner.metadata?.name ?? ""} also splits service ${parsed.split.service} and ${why}, so it alone decides ServiceProfile ${profileName}; delete one of them or point this one at another service`,
    };
  }

  const meta = (input.profile as { metadata?: { name?: string; namespace?: string } } | undefined)
    ?.metadata;
  const profile =
    meta?.name === profileName && (meta.namespace === undefined || meta.namespace === namespace)
      ? input.profile
      : undefined;
  if (profile === undefined) {
    return {
      ...base,
      state: "Pending",
      reason: `ServiceProfile ${profileName} does not exist yet (is the smi-adaptor running?)`,
    };
  }
  if (hasSkipAnnotation(profile)) {
    return {
      ...base,
      state: "Skipped",
      reason: `ServiceProfile ${profileName} has the ${SKIP_ANNOTATION} annotation, so the adaptor leaves it as it is`,
    };
  }
  const want = desired.profile.spec.dstOverrides ?? [];
  const spec = (profile as { spec?: { dstOverrides?: unknown } }).spec;
  const have = Array.isArray(spec?.dstOverrides) ? (spec.dstOverrides as WeightedDst[]) : [];
  if (dstOverridesEqual(have, want)) {
    return {
      ...base,
      state: "Synced",
      reason: `ServiceProfile ${profileName} has the split's dstOverrides`,
    };
  }
  // Backend authorities end as the profile name does: `.<namespace>.svc.<domain>`.
  const suffix = profileName.slice(parsed.split.service.length);
  return {
    ...base,
    state: "Pending",
    reason: `ServiceProfile ${profileName} is not in step with the split: ${describeDifference(have, want, suffix)}`,
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
