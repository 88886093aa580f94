/**
 * The one decision: for an apex Service, given the TrafficSplits that target it and what exists
 * today, what the adaptor writes (apply, clear, delete, or nothing), which Events it records, and
 * where each split stands. The adaptor carries a decision out; `linkerd smi status` and
 * `linkerd smi check` describe it. Pure: no I/O, inputs never mutated.
 *
 * The rules (the design's, and linkerd-smi v0.2.7's for valid input):
 *
 * 1. The contenders are the splits whose `spec.service` is the apex. The oldest
 *    (`metadata.creationTimestamp`, then name) decides; the others get a `Conflict` Warning.
 * 2. An invalid winner (parse errors, or a profile name Kubernetes would reject) gets an
 *    `InvalidSpec` Warning; the output keeps its last good state. Nothing is written: such an
 *    error is permanent until the split changes.
 * 3. Otherwise the output plans the write (see {@link OutputPlanner}).
 * 4. With no contender left, the output cleans up what the adaptor wrote, and only that.
 *
 * @packageDocumentation
 */

import { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
import { EVENT_MESSAGE_LIMIT, eventMessage, utf8ByteLength } from "./event-message.js";
import { parseTrafficSplit, type ParsedTrafficSplit } from "./parse.js";
import { backendShares, type BackendShare } from "./shares.js";

/** What the decision reads of a TrafficSplit object: name, namespace, age and the raw spec. */
export interface SplitLike {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly creationTimestamp?: string | Date | null;
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
  if (t === undefined || t === null) return Number.MAX_SAFE_INTEGER;
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
 * The split that decides the output of `apex`: the most senior of the `splits` whose
 * `spec.service` is `apex` (all of `splits` when `apex` is not given). Undefined when none.
 */
export function selectWinner<T extends SplitLike>(
  splits: readonly T[],
  apex?: string,
): T | undefined {
  const contenders = apex === undefined ? splits : splits.filter((s) => apexOfSplit(s) === apex);
  return orderBySeniority(contenders)[0];
}

/** Event reasons, constant so that they can be alerted on. */
export const Reason = {
  Created: "Created",
  Updated: "Updated",
  Deleted: "Deleted",
  Cleaned: "Cleaned",
  Restored: "Restored",
  InvalidSpec: "InvalidSpec",
  Conflict: "Conflict",
  BackendNotFound: "BackendNotFound",
  Skipped: "Skipped",
  WeightsScaled: "WeightsScaled",
  WriteRejected: "WriteRejected",
  // Gateway API output (see outputs/http-route.ts).
  AllWeightsZero: "AllWeightsZero",
  BackendPortMissing: "BackendPortMissing",
  CRDMissing: "CRDMissing",
  CutOver: "CutOver",
  CutOverPending: "CutOverPending",
  MatchesNotSupported: "MatchesNotSupported",
  OtherRoute: "OtherRoute",
  RouteConflict: "RouteConflict",
  RouteNotAccepted: "RouteNotAccepted",
  RoutesBlocked: "RoutesBlocked",
  ShadowedByServiceProfile: "ShadowedByServiceProfile",
} as const;
/** An Event reason. */
export type Reason = (typeof Reason)[keyof typeof Reason];

/** An Event the decision asks for, about a split or (when no split is left) the output object. */
export interface DecisionEvent<S> {
  /** The split it is about; undefined when it is about the output object itself. */
  readonly split?: S;
  readonly type: "Normal" | "Warning";
  readonly reason: Reason;
  readonly message: string;
  /**
   * Set on an Event that reports a route's status (`status.parents[]`), which Linkerd's policy
   * controller rewrites for a few seconds whenever it starts: a key naming the route and the
   * condition, so the adaptor reports it only when it lasts (`-route-status-settle`).
   */
  readonly settle?: string;
}

/** Where one split stands. */
export type SyncState =
  "Synced" | "Pending" | "CutOverPending" | "Invalid" | "Conflict" | "Skipped";

/** What the decision says of one split that targets the apex. */
export interface SplitStatus<S> {
  readonly split: S;
  /**
   * - `Synced`: the output is what the split asks for.
   * - `Pending`: it is not (yet): the adaptor has a write to make.
   * - `CutOverPending`: the split moves between ServiceProfile and Gateway API routes, and the
   *   adaptor keeps both sides serving the split until it may drop the old one; the reason says
   *   what it waits for (see `outputs/cut-over.ts`).
   * - `Invalid`: the split has errors; the output keeps its last good state.
   * - `Conflict`: another split targets the same apex and decides instead: it is older, or as
   *   old and first by name (the Event says which).
   * - `Skipped`: the output carries the skip annotation; the adaptor leaves it.
   */
  readonly state: SyncState;
  /** One or more sentences that say why, naming the objects involved. */
  readonly reason: string;
  /** Each backend's share of the traffic, when the split is valid. */
  readonly shares?: BackendShare[];
  /** Backends whose Service does not exist (when the caller said which exist). */
  readonly missingBackends?: string[];
}

/** The outcome of one reconcile, for logs and the `result` metric label. */
export type ReconcileResult =
  "created" | "updated" | "unchanged" | "deleted" | "cleaned" | "skipped" | "invalid" | "absent";

/** A valid winner, handed to the output's planner. */
export interface Winner<S> {
  readonly split: S;
  readonly parsed: ParsedTrafficSplit;
  readonly namespace: string;
  /** Backends whose Service does not exist (empty when unknown). */
  readonly missingBackends: readonly string[];
}

/** What an output decides for a valid winner, or for cleanup. */
export interface OutputPlan<A> {
  readonly action: A;
  readonly result: ReconcileResult;
  /** Events to record once the action has been carried out. */
  readonly events: readonly {
    type: "Normal" | "Warning";
    reason: Reason;
    message: string;
    /** See {@link DecisionEvent.settle}. */
    settle?: string;
  }[];
  /** The winner's state: Synced, Pending or Skipped, with the reason. */
  readonly state?: { state: "Synced" | "Pending" | "CutOverPending" | "Skipped"; reason: string };
  /**
   * The Gateway API output: every route the split needs exists and Linkerd's policy controller
   * accepted it (`Accepted` True), so proxies that build a policy stack get the split.
   */
  readonly ready?: boolean;
  /** The Gateway API output: the routes it wants, as `HTTPRoute web-smi-80`. */
  readonly names?: readonly string[];
}

/**
 * One output (ServiceProfile today; Gateway API routes next): how a valid winner becomes a write,
 * and how to clean up when no split targets the apex. `E` is what exists today (the profile, or
 * the routes), `A` the action the writer carries out.
 */
export interface OutputPlanner<E, A> {
  /** The `-target` name: `serviceprofile`, `httproute`. */
  readonly target: string;
  /** The action that writes nothing. */
  readonly none: A;
  /** The kind of object the output writes: `ServiceProfile`, `HTTPRoute`. */
  readonly kind: string;
  /** The name of the output object of `apex`: `web.shop.svc.cluster.local`. */
  nameOf(namespace: string, apex: string): string;
  /** Errors that make the winner invalid for this output (a name too long, ...). */
  check(winner: Winner<unknown>): Diagnostic[];
  plan(winner: Winner<unknown>, existing: E | undefined, context?: PlanContext): OutputPlan<A>;
  cleanup(existing: E | undefined): OutputPlan<A>;
}

/** What the caller knows of the output beyond the objects themselves. */
export interface PlanContext {
  /**
   * The adaptor remembers that it wrote the output object as it is now (the same object, by
   * uid), though the object no longer shows it (someone replaced what it wrote).
   */
  readonly adaptorWrote?: boolean;
  /** The time of the decision (RFC 3339), recorded when a cut-over starts draining. */
  readonly now?: string;
  /**
   * The Gateway API output: the cut-over (`outputs/cut-over.ts`) decides what becomes of the
   * ServiceProfile the adaptor wrote for the apex, so the route planner leaves it alone.
   */
  readonly leaveOwnProfile?: boolean;
}

/** The input of {@link decideApex}. */
export interface ApexInput<S extends SplitLike, E> {
  readonly namespace: string;
  readonly apex: string;
  /** The splits in the namespace (those that target other apexes are ignored). */
  readonly splits: readonly S[];
  /** What exists of the output today. */
  readonly existing: E | undefined;
  /** Whether a Service exists in the namespace; omit when unknown (no BackendNotFound then). */
  readonly serviceExists?: (name: string) => boolean;
  /** The split that last decided this apex and left it (deleted or retargeted), if known. */
  readonly departed?: S;
  /** See {@link PlanContext.adaptorWrote}. */
  readonly adaptorWrote?: boolean;
  /** See {@link PlanContext.now}; default the current time. */
  readonly now?: string;
}

/** The result of {@link decideApex}. */
export interface ApexDecision<S, A> {
  readonly namespace: string;
  readonly apex: string;
  /** The split that decides, valid or not; undefined when none targets the apex. */
  readonly winner?: S;
  readonly action: A;
  readonly result: ReconcileResult;
  /** Events to record once the action succeeded (all of them when it writes nothing). */
  readonly events: readonly DecisionEvent<S>[];
  /** Every split that targets the apex, most senior first. */
  readonly splits: readonly SplitStatus<S>[];
}

/** A diagnostic on one line: `error[code] path: message (did you mean: x)`. */
function oneLine(d: Diagnostic): string {
  const { suggestion, ...rest } = d;
  const head = formatDiagnostic(rest);
  return suggestion === undefined ? head : `${head} (did you mean: ${suggestion})`;
}

/**
 * `items` joined by `; ` and followed by `tail`, within an Event message's limit: as many items
 * as fit, then how many more there are (`linkerd smi status` lists them all).
 */
function listWithin(items: readonly string[], tail: string): string {
  const text = (n: number) =>
    n === items.length
      ? `${items.join("; ")}${tail}`
      : `${items.slice(0, n).join("; ")}; and ${items.length - n} more (linkerd smi status lists them all)${tail}`;
  let shown = items.length;
  while (shown > 1 && utf8ByteLength(text(shown)) > EVENT_MESSAGE_LIMIT) shown--;
  return text(shown);
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === "error");
}

/**
 * Decides, for the apex `input.apex` in `input.namespace`, what `output` should write and which
 * Events to record, and the state of every split that targets the apex.
 */
export function decideApex<S extends SplitLike, E, A>(
  input: ApexInput<S, E>,
  output: OutputPlanner<E, A>,
): ApexDecision<S, A> {
  const { namespace, apex } = input;
  const base = { namespace, apex };
  const contenders = orderBySeniority(input.splits.filter((s) => apexOfSplit(s) === apex));
  const [winner, ...losers] = contenders;

  if (winner === undefined) {
    const plan = output.cleanup(input.existing);
    return {
      ...base,
      action: plan.action,
      result: plan.result,
      events: plan.events.map((e) => ({
        ...e,
        ...(input.departed === undefined ? {} : { split: input.departed }),
        message: eventMessage(e.message),
      })),
      splits: [],
    };
  }

  const winnerName = winner.metadata?.name ?? "";
  const outputName = `${output.kind} ${output.nameOf(namespace, apex)}`;
  const analyse = (split: S) => {
    const parsed = parseTrafficSplit(split);
    if (!parsed.ok)
      return { parsed: undefined, errors: errorsOf(parsed.diagnostics), all: parsed.diagnostics };
    const missingBackends =
      input.serviceExists === undefined
        ? []
        : parsed.split.backends
            .map((b) => b.service)
            .filter((s, i, all) => all.indexOf(s) === i && input.serviceExists?.(s) === false);
    const candidate: Winner<S> = { split, parsed: parsed.split, namespace, missingBackends };
    const errors = output.check(candidate);
    return { parsed: candidate, errors, all: errors };
  };

  const events: DecisionEvent<S>[] = [];
  const statuses: SplitStatus<S>[] = [];
  const conflictReason = (split: S): string => {
    const why =
      createdAt(winner) < createdAt(split) ? "is older" : "is as old and comes first by name";
    return `TrafficSplit ${winnerName} also splits service ${apex} and ${why}, so it alone decides`;
  };

  const verdict = analyse(winner);
  let action = output.none;
  let result: ReconcileResult;
  const winnerExtras =
    verdict.parsed === undefined
      ? {}
      : {
          shares: backendShares(verdict.parsed.parsed),
          missingBackends: [...verdict.parsed.missingBackends],
        };
  if (verdict.parsed === undefined || verdict.errors.length > 0) {
    // Every error, and the note that more were found than listed, if so.
    const problems = verdict.all.filter(
      (d) => d.severity === "error" || d.code === "diagnostics-truncated",
    );
    events.push({
      split: winner,
      type: "Warning",
      reason: Reason.InvalidSpec,
      message: listWithin(problems.map(oneLine), `. ${outputName} keeps its last good state.`),
    });
    statuses.push({
      split: winner,
      state: "Invalid",
      reason: verdict.errors.map(oneLine).join("; "),
    });
    result = "invalid";
  } else {
    const plan = output.plan(verdict.parsed, input.existing, {
      adaptorWrote: input.adaptorWrote === true,
      now: input.now ?? new Date().toISOString(),
    });
    action = plan.action;
    result = plan.result;
    for (const e of plan.events) events.push({ ...e, split: winner });
    statuses.push({
      split: winner,
      ...(plan.state ?? { state: "Synced", reason: "" }),
      ...winnerExtras,
    });
  }

  for (const loser of losers) {
    const verdictOfLoser = analyse(loser);
    const conflict = `${conflictReason(loser)} ${outputName}`;
    const invalid = verdictOfLoser.parsed === undefined || verdictOfLoser.errors.length > 0;
    const errors = verdictOfLoser.errors.map(oneLine).join("; ");
    if (invalid) {
      statuses.push({
        split: loser,
        state: "Invalid",
        reason: `${errors}; and even once fixed, it would not decide: ${conflict}; delete one of them or point this one at another service`,
      });
    } else {
      statuses.push({
        split: loser,
        state: "Conflict",
        reason: `${conflict}; delete one of them or point this one at another service`,
        shares: backendShares(verdictOfLoser.parsed.parsed),
        missingBackends: [...verdictOfLoser.parsed.missingBackends],
      });
    }
    const tie = createdAt(winner) === createdAt(loser);
    const until = tie
      ? "it comes first (the oldest split decides, then the first by name)"
      : "it is the oldest";
    const alsoInvalid = invalid
      ? ` This split is also invalid, fix it too: ${listWithin(verdictOfLoser.errors.map(oneLine), ".")}`
      : "";
    events.push({
      split: loser,
      type: "Warning",
      reason: Reason.Conflict,
      message: `${conflict}; this split is ignored until ${until}. Delete one of them or point this one at another service.${alsoInvalid}`,
    });
  }
  // Every Event message on one line and within Kubernetes' limit, whoever built it.
  const lines = events.map((e) => ({ ...e, message: eventMessage(e.message) }));
  return { ...base, winner, action, result, events: lines, splits: statuses };
}
