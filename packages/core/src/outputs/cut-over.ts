/**
 * The cut-over between the ServiceProfile output and the Gateway API output, sequenced from the
 * proxy's rules (see `proxy-model.ts`): a proxy chooses the profile or the routes once per
 * destination, when it builds its stack, and keeps that choice while the client stays busy; a
 * new stack takes the profile whenever it has routes or a non-zero `dstOverrides` entry.
 *
 * So the adaptor never lets one side stop carrying the split while a proxy may still use it:
 *
 * To `httproute` (from a profile whose `dstOverrides` the adaptor wrote):
 * 1. it writes the routes and keeps the profile's `dstOverrides` in step with the split
 *    (proxies with a profile stack, and new stacks, use the profile; any policy stack the routes);
 * 2. once Linkerd's policy controller has accepted every route, and the split is at rest (one
 *    backend takes every request and its Service selects the apex's pods, on the same ports, or
 *    the backend is the apex, or every weight is 0), it empties `dstOverrides` and records
 *    when (the profile's `smi.linkerd.io/cut-over-state`): a profile stack then sends to the
 *    apex, the very pods the split sends to; new stacks take the routes;
 * 3. should the split leave rest before the clients are restarted, it writes `dstOverrides`
 *    again (step 1), since profile stacks would send every request to the apex;
 * 4. once the split's `smi.linkerd.io/clients-restarted` annotation names a time at or after
 *    that record, no proxy holds a profile stack: the profile goes (or what the adaptor wrote in
 *    it).
 * `smi.linkerd.io/cut-over: force` on the split empties `dstOverrides` without waiting for rest:
 * proxies that chose the profile then send every request to the apex until restarted, and the
 * adaptor says so.
 *
 * Back to `serviceprofile` (from routes the adaptor wrote): it writes the profile (new stacks
 * take it) and records when, and keeps the routes in step with the split for the proxies that
 * chose them, until `smi.linkerd.io/clients-restarted` names a time at or after that record;
 * then it deletes the routes.
 *
 * While it waits, the split's state is `CutOverPending` with what it waits for, and a
 * `CutOverPending` Event says the same.
 *
 * @packageDocumentation
 */

import { Reason, type OutputPlan, type PlanContext, type Winner } from "../decide.js";
import type { ServiceLike } from "../gateway-types.js";
import { hasSkipAnnotation } from "../merge.js";
import { CUT_OVER_STATE_ANNOTATION, managedByAdaptor } from "../ownership.js";
import { decodeQuantity, isQuantityError } from "../quantity.js";
import type { ServiceProfile } from "../types.js";
import { isAdaptorRoute, type RouteAction, type RouteWorld } from "./http-route.js";
import type { ServiceProfileAction } from "./service-profile.js";

/** On a TrafficSplit: `force` cuts over to the routes without waiting for the split to rest. */
export const CUT_OVER_ANNOTATION = "smi.linkerd.io/cut-over";
/** On a TrafficSplit: the time (RFC 3339) by which every client of the apex was restarted. */
export const CLIENTS_RESTARTED_ANNOTATION = "smi.linkerd.io/clients-restarted";

/** What {@link CUT_OVER_STATE_ANNOTATION} records. */
export interface CutOverState {
  /** The side the apex moves to. */
  readonly to: "httproute" | "serviceprofile";
  /**
   * To `httproute`: since when the profile's `dstOverrides` are empty. To `serviceprofile`:
   * since when the profile carries the split.
   */
  readonly since: string;
}

/** The cut-over state recorded on a profile, if any (undefined when unreadable). */
export function cutOverState(profile: ServiceProfile | undefined): CutOverState | undefined {
  const raw = profile?.metadata.annotations?.[CUT_OVER_STATE_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as { to?: unknown; since?: unknown };
    if (
      (value.to === "httproute" || value.to === "serviceprofile") &&
      typeof value.since === "string"
    )
      return { to: value.to, since: value.since };
  } catch {
    // An unreadable record is no record: the cut-over starts over, which is safe.
  }
  return undefined;
}

function formatState(state: CutOverState): string {
  return JSON.stringify({ to: state.to, since: state.since });
}

function annotationsOf(split: unknown): Record<string, string> {
  return (
    (split as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {}
  );
}

/** The split's clients-restarted time in ms, or a problem with the annotation. */
function clientsRestarted(split: unknown): { at?: number; problem?: string } {
  const value = annotationsOf(split)[CLIENTS_RESTARTED_ANNOTATION];
  if (value === undefined) return {};
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at))
    return {
      problem: `annotation ${CLIENTS_RESTARTED_ANNOTATION}: ${JSON.stringify(value)} is not an RFC 3339 time (such as 2026-12-04T21:00:00Z); it is ignored`,
    };
  return { at };
}

function restartedSince(split: unknown, state: CutOverState | undefined): boolean {
  const { at } = clientsRestarted(split);
  const since = state === undefined ? NaN : Date.parse(state.since);
  return at !== undefined && !Number.isNaN(since) && at >= since;
}

function sameSelector(a: ServiceLike | undefined, b: ServiceLike | undefined): boolean {
  const x = a?.spec?.selector ?? {};
  const y = b?.spec?.selector ?? {};
  const keys = Object.keys(x);
  return (
    keys.length > 0 && keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k])
  );
}

function samePorts(apex: ServiceLike | undefined, backend: ServiceLike | undefined): boolean {
  const theirs = backend?.spec?.ports ?? [];
  return (apex?.spec?.ports ?? []).every((p) => {
    const q = theirs.find((t) => t.port === p.port);
    return q !== undefined && String(q.targetPort ?? q.port) === String(p.targetPort ?? p.port);
  });
}

/**
 * Whether the split is at rest: a proxy that sends every request to the apex then sends them to
 * the pods the split sends them to. Says why not, when it is not.
 */
export function splitAtRest(
  winner: Winner<unknown>,
  world: RouteWorld | undefined,
): { atRest: boolean; why: string } {
  const apex = winner.parsed.service;
  const live = winner.parsed.backends.filter((b) => b.milli > 0n);
  if (live.length === 0)
    return { atRest: true, why: `every weight is 0, so every request goes to ${apex}` };
  const names = [...new Set(live.map((b) => b.service))];
  if (names.length > 1) return { atRest: false, why: `${names.join(", ")} share the traffic` };
  const only = names[0] ?? "";
  if (only === apex) return { atRest: true, why: `${apex} takes every request` };
  const backend = world?.serviceNamed?.(only);
  if (!sameSelector(world?.service, backend))
    return {
      atRest: false,
      why: `${only} takes every request, but its Service does not select the same pods as ${apex} (same non-empty spec.selector)`,
    };
  if (!samePorts(world?.service, backend))
    return {
      atRest: false,
      why: `${only} takes every request and selects the pods of ${apex}, but not on each of its ports and target ports`,
    };
  return {
    atRest: true,
    why: `${only} takes every request and selects the same pods as ${apex}`,
  };
}

function nonZeroOverrides(profile: ServiceProfile): boolean {
  const overrides = (profile.spec as { dstOverrides?: unknown } | undefined)?.dstOverrides;
  return (
    Array.isArray(overrides) &&
    overrides.some((d: { weight?: unknown }) => {
      const q = decodeQuantity(d.weight);
      return isQuantityError(q) || q.nanos !== 0n;
    })
  );
}

type Event = OutputPlan<unknown>["events"][number];

/** What the cut-over decides: the profile's action and the route action, with what to say. */
export interface CutOverPlan {
  readonly profile: ServiceProfileAction;
  readonly routes: RouteAction;
  readonly events: readonly Event[];
  /** Set while the adaptor waits; the split's state is then CutOverPending with this reason. */
  readonly waiting?: string;
}

/** The planners the cut-over uses. */
export interface CutOverPlanners {
  /** The route planner, asked to leave the adaptor's own profile alone. */
  routes(): OutputPlan<RouteAction>;
  /** The profile planner's plan for the split (dstOverrides in step). */
  profile(): OutputPlan<ServiceProfileAction>;
  /** The profile planner's cleanup of the own profile. */
  profileCleanup(): OutputPlan<ServiceProfileAction>;
  /** The route planner's cleanup (delete the adaptor's routes for the apex). */
  routesCleanup(): OutputPlan<RouteAction>;
}

function withState(
  action: ServiceProfileAction,
  profile: ServiceProfile,
  dstOverrides: readonly { authority: string; weight: string | number }[] | undefined,
  state: CutOverState | undefined,
): ServiceProfileAction {
  const { name = "", namespace = "", resourceVersion } = profile.metadata;
  const previous =
    action.kind === "apply"
      ? action.previousDstOverrides
      : profile.metadata.annotations?.["smi.linkerd.io/previous-dst-overrides"];
  const current =
    (profile.spec as { dstOverrides?: readonly { authority: string; weight: string | number }[] })
      .dstOverrides ?? [];
  return {
    kind: "apply",
    namespace,
    name,
    dstOverrides: action.kind === "apply" ? action.dstOverrides : (dstOverrides ?? current),
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
    ...(previous === undefined ? {} : { previousDstOverrides: previous }),
    ...(state === undefined ? {} : { cutOverState: formatState(state) }),
  };
}

const RESTART = "restart the client workloads (kubectl rollout restart), then annotate the split";

/**
 * The cut-over to `httproute`, when the apex's own profile (`<apex>.<ns>.svc.<domain>` in the
 * split's namespace) still carries the adaptor's `dstOverrides` or a cut-over record; undefined
 * when there is no cut-over to make.
 */
export function planCutOverToRoutes(
  winner: Winner<unknown>,
  own: ServiceProfile | undefined,
  world: RouteWorld | undefined,
  context: PlanContext,
  planners: CutOverPlanners,
): CutOverPlan | undefined {
  if (own === undefined || hasSkipAnnotation(own)) return undefined;
  const recorded = cutOverState(own);
  const draining = recorded?.to === "httproute";
  if (!draining && !(managedByAdaptor(own) && nonZeroOverrides(own))) return undefined;

  const apex = winner.parsed.service;
  const profileName = own.metadata.name ?? "";
  const routes = planners.routes();
  const events: Event[] = [...routes.events];
  const ack = clientsRestarted(winner.split);
  if (ack.problem !== undefined)
    events.push({ type: "Warning", reason: Reason.InvalidSpec, message: `${ack.problem}.` });
  const force = annotationsOf(winner.split)[CUT_OVER_ANNOTATION] === "force";
  const rest = splitAtRest(winner, world);
  const ready = routes.ready === true;
  const routeAction =
    routes.action.kind === "sync"
      ? { ...routes.action, profile: { kind: "none" as const } }
      : routes.action;

  if (draining && ready && restartedSince(winner.split, recorded)) {
    // Step 4: no proxy holds a profile stack any more.
    const cleanup = planners.profileCleanup();
    const profile =
      cleanup.action.kind === "none"
        ? // Only the record and the empty dstOverrides are left: apply nothing, they go.
          ({
            kind: "restore",
            namespace: own.metadata.namespace ?? "",
            name: profileName,
            resourceVersion: own.metadata.resourceVersion ?? "",
            manager: "smi-adaptor",
          } as const)
        : cleanup.action;
    events.push({
      type: "Normal",
      reason: Reason.CutOver,
      message: `Service ${apex} has moved to its routes: the clients were restarted after ${recorded.since} (${CLIENTS_RESTARTED_ANNOTATION}), so no proxy uses ServiceProfile ${profileName} any more and what the adaptor wrote there goes.`,
    });
    return { profile, routes: routeAction, events };
  }

  if (ready && (rest.atRest || force)) {
    // Step 2 (or 2 again: already empty).
    const since = draining ? recorded.since : (context.now ?? "");
    const profile: ServiceProfileAction = draining
      ? { kind: "none" }
      : withState({ kind: "none" }, own, [], { to: "httproute", since });
    if (!draining) {
      events.push(
        rest.atRest
          ? {
              type: "Normal",
              reason: Reason.CutOver,
              message: `Service ${apex} moves to its routes: Linkerd accepted them and the split is at rest (${rest.why}), so the dstOverrides of ServiceProfile ${profileName} are emptied; proxies that chose the profile keep it while they stay busy and send to ${apex}, the same pods.`,
            }
          : {
              type: "Warning",
              reason: Reason.CutOver,
              message: `Service ${apex} moves to its routes although the split is not at rest (${rest.why}), as ${CUT_OVER_ANNOTATION}: force asks: the dstOverrides of ServiceProfile ${profileName} are emptied, so proxies that chose the profile send every request to ${apex} until they are restarted.`,
            },
      );
    }
    const waiting = `moving to the routes: proxies that chose ServiceProfile ${profileName} before ${since} keep it while they stay busy${rest.atRest ? `, and send to ${apex}, the same pods as the split (${rest.why})` : `, and send every request to ${apex} (forced; ${rest.why})`}; new ones take the routes. To finish, ${RESTART} ${CLIENTS_RESTARTED_ANNOTATION}=<the time, after ${since}>${rest.atRest ? "; until then the adaptor writes the dstOverrides again should the split leave rest" : ""}`;
    return { profile, routes: routeAction, events, waiting };
  }

  // Steps 1 and 3: the profile carries the split, in step with the routes.
  const lockstep = planners.profile();
  const profile = withState(lockstep.action, own, undefined, undefined);
  const changed = recorded !== undefined || lockstep.action.kind !== "none";
  if (draining)
    events.push({
      type: "Warning",
      reason: Reason.CutOver,
      message: `The split of service ${apex} left rest (${rest.why}) before the clients were restarted, so ServiceProfile ${profileName} gets the split's dstOverrides again: proxies that chose it would otherwise send every request to ${apex}.`,
    });
  const names = routeNames(routes);
  const waiting = !ready
    ? `moving to the routes: waiting for Linkerd's policy controller to accept ${names}; until then ServiceProfile ${profileName} keeps the split's dstOverrides, and proxies use it`
    : `moving to the routes: waiting for the split to come to rest (${rest.why}; it rests when one backend that selects the pods of ${apex} takes every request); until then ServiceProfile ${profileName} keeps the split's dstOverrides in step with the routes, since emptying them would send every request of the proxies that chose it to ${apex}. To cut over now anyway, annotate the split ${CUT_OVER_ANNOTATION}=force`;
  return {
    profile: changed ? profile : { kind: "none" },
    routes: routeAction,
    events,
    waiting,
  };
}

function routeNames(routes: OutputPlan<RouteAction>): string {
  const names = routes.names ?? [];
  return names.length > 0 ? names.join(", ") : "the routes";
}

/**
 * The cut-over back to `serviceprofile`, while routes the adaptor wrote for the apex exist (or
 * the profile still records the cut-over); undefined when there is none to make.
 */
export function planCutOverToProfile(
  winner: Winner<unknown>,
  own: ServiceProfile | undefined,
  world: RouteWorld | undefined,
  context: PlanContext,
  planners: CutOverPlanners,
): CutOverPlan | undefined {
  const apex = winner.parsed.service;
  const ours = (world?.routes ?? []).filter((r) => isAdaptorRoute(r, apex));
  const recorded = cutOverState(own);
  const back = recorded?.to === "serviceprofile";
  if (ours.length === 0 && !back && recorded === undefined) return undefined;
  const lockstep = planners.profile();
  if (lockstep.result === "skipped") return undefined;
  const events: Event[] = [];
  const ack = clientsRestarted(winner.split);
  if (ack.problem !== undefined)
    events.push({ type: "Warning", reason: Reason.InvalidSpec, message: `${ack.problem}.` });
  const profileName =
    own?.metadata.name ?? (lockstep.action.kind === "apply" ? lockstep.action.name : "");

  if (ours.length === 0) {
    // Nothing left on the other side: drop the record.
    return own === undefined
      ? undefined
      : {
          profile: withState(lockstep.action, own, undefined, undefined),
          routes: { kind: "none" },
          events,
        };
  }

  const inStep = lockstep.action.kind === "none";
  if (back && inStep && restartedSince(winner.split, recorded)) {
    const cleanup = planners.routesCleanup();
    events.push({
      type: "Normal",
      reason: Reason.CutOver,
      message: `Service ${apex} has moved back to ServiceProfile ${profileName}: the clients were restarted after ${recorded.since} (${CLIENTS_RESTARTED_ANNOTATION}), so no proxy uses the routes any more and the adaptor deletes them.`,
    });
    return {
      profile:
        own === undefined
          ? { kind: "none" }
          : withState(lockstep.action, own, undefined, undefined),
      routes: cleanup.action,
      events: [...events, ...cleanup.events],
    };
  }

  const since = back ? recorded.since : (context.now ?? "");
  const state: CutOverState = { to: "serviceprofile", since };
  let profile: ServiceProfileAction;
  if (lockstep.action.kind === "apply")
    profile = { ...lockstep.action, cutOverState: formatState(state) };
  else if (!back && own !== undefined) profile = withState(lockstep.action, own, undefined, state);
  else profile = { kind: "none" };
  const routes = planners.routes();
  const routeAction =
    routes.action.kind === "sync"
      ? { ...routes.action, profile: { kind: "none" as const } }
      : routes.action;
  if (!back)
    events.push({
      type: "Normal",
      reason: Reason.CutOver,
      message: `Service ${apex} moves back to ServiceProfile ${profileName}: proxies that build their stack from now on use it; the routes the adaptor wrote stay in step with the split for the proxies that chose them, until the clients are restarted.`,
    });
  events.push(
    ...routes.events.filter((e) => e.reason === Reason.Created || e.reason === Reason.Updated),
  );
  const waiting = `moving back to ServiceProfile ${profileName}: it carries the split since ${since}, and the routes the adaptor wrote stay in step with it for the proxies that chose them before and stay busy. To finish, ${RESTART} ${CLIENTS_RESTARTED_ANNOTATION}=<the time, after ${since}>; the adaptor then deletes the routes`;
  return { profile, routes: routeAction, events: [...lockstep.events, ...events], waiting };
}
