/**
 * "Did you mean" for unknown fields: near misses by edit distance or letter case, plus a table of
 * names people use for TrafficSplit fields that SMI spells differently (often copied from other
 * meshes or from articles that invented their own shape).
 *
 * @packageDocumentation
 */

/** Where in a TrafficSplit a field was found. */
export type FieldContext = "root" | "spec" | "backend" | "match";

/** The fields SMI TrafficSplit allows in each place (across v1alpha1..v1alpha4). */
export const KNOWN_FIELDS: Readonly<Record<FieldContext, readonly string[]>> = {
  root: ["apiVersion", "kind", "metadata", "spec", "status"],
  spec: ["service", "backends", "matches"],
  backend: ["service", "weight"],
  match: ["kind", "name", "apiGroup"],
};

/** Why a field was suggested. */
export type SuggestionReason =
  /** A name other projects or articles use for this SMI field. */
  | "alias"
  /** The same name in a different letter case. */
  | "case"
  /** A small spelling difference. */
  | "typo";

/** A suggested replacement for an unknown field name. */
export interface FieldSuggestion {
  /** The SMI field to use instead. */
  readonly field: string;
  readonly reason: SuggestionReason;
  /** Extra guidance for aliases whose shape differs from SMI's, for people. */
  readonly hint?: string;
}

interface Alias {
  readonly field: string;
  readonly hint?: string;
}

/**
 * Known aliases by place, keyed by lowercased name. The hints explain shape differences; the
 * parser adds the user's own values where it can recover them.
 */
export const FIELD_ALIASES: Readonly<Record<FieldContext, Readonly<Record<string, Alias>>>> = {
  root: {
    trafficsplit: { field: "spec", hint: "the split itself goes under `spec`" },
    split: { field: "spec" },
    specification: { field: "spec" },
    meta: { field: "metadata" },
    apiversions: { field: "apiVersion" },
    api: { field: "apiVersion" },
    version: { field: "apiVersion" },
    type: { field: "kind" },
  },
  spec: {
    trafficrouting: {
      field: "backends",
      hint: "SMI lists the weighted Services under `backends`, each entry `{service: <name>, weight: <weight>}`",
    },
    weights: {
      field: "backends",
      hint: "SMI puts each weight next to its Service: `backends: [{service: <name>, weight: <weight>}]`",
    },
    backend: {
      field: "backends",
      hint: "`backends` is a list, even for a single Service: `backends: [{service: <name>, weight: <weight>}]`",
    },
    destinations: { field: "backends" },
    destination: { field: "backends" },
    targets: { field: "backends" },
    routes: {
      field: "backends",
      hint: "a TrafficSplit has no routes; list the weighted Services under `backends`",
    },
    route: { field: "backends" },
    splits: { field: "backends" },
    services: {
      field: "service",
      hint: "`service` is the single apex (root) Service clients call; the weighted Services go under `backends`",
    },
    servicename: { field: "service" },
    apex: { field: "service", hint: "SMI calls the apex Service simply `service`" },
    apexservice: { field: "service" },
    rootservice: { field: "service", hint: "SMI calls the root (apex) Service simply `service`" },
    root: { field: "service" },
    host: { field: "service" },
    match: { field: "matches" },
    rules: { field: "matches" },
  },
  backend: {
    servicename: { field: "service" },
    name: { field: "service" },
    svc: { field: "service" },
    host: { field: "service" },
    destination: { field: "service" },
    backend: {
      field: "service",
      hint: "SMI backends name the Service directly: `{service: <name>, weight: <weight>}`, not a nested `backend` object",
    },
    weights: { field: "weight" },
    percent: { field: "weight" },
    percentage: { field: "weight" },
    ratio: { field: "weight" },
    share: { field: "weight" },
  },
  match: {
    group: { field: "apiGroup" },
    apiversion: {
      field: "apiGroup",
      hint: "a match reference names the API group only, e.g. specs.smi-spec.io",
    },
  },
};

/**
 * Levenshtein edit distance between two strings (insertions, deletions and substitutions each
 * cost 1), computed over UTF-16 code units.
 */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest of `candidates` to `name`: a case-insensitive match, or one within an edit
 * distance of about a third of the name's length (at least 1, at most 3). `undefined` when
 * nothing is close.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  if (name.length > 64) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Suggests the SMI field meant by an unknown field `name` found in `context`, or `undefined`
 * when nothing fits. Aliases win over spelling, so `weights` in `spec` suggests `backends`, not
 * `weight`.
 */
export function suggestField(name: string, context: FieldContext): FieldSuggestion | undefined {
  const known = KNOWN_FIELDS[context];
  const lower = name.toLowerCase();
  const aliases = FIELD_ALIASES[context];
  const alias = Object.hasOwn(aliases, lower) ? aliases[lower] : undefined;
  if (alias !== undefined) {
    return alias.hint === undefined
      ? { field: alias.field, reason: "alias" }
      : { field: alias.field, reason: "alias", hint: alias.hint };
  }
  const close = closestName(name, known);
  if (close === undefined) return undefined;
  return { field: close, reason: close.toLowerCase() === lower ? "case" : "typo" };
}
