/**
 * The output chosen per split: `-target` (the adaptor's default) or the split's
 * `smi.linkerd.io/target` annotation picks the ServiceProfile output or the Gateway API output.
 * Whichever is chosen, what the adaptor wrote on the other side goes: moving to `httproute`
 * removes its `dstOverrides` (the route planner's cut-over), moving back to `serviceprofile`
 * deletes the routes it wrote. With no split left, both are cleaned up.
 *
 * @packageDocumentation
 */

import {
  Reason,
  type OutputPlan,
  type OutputPlanner,
  type PlanContext,
  type Winner,
} from "../decide.js";
import type { ServiceProfile } from "../types.js";
import type { RouteAction, RouteWorld } from "./http-route.js";
import type { ServiceProfileAction } from "./service-profile.js";

/** The annotation on a TrafficSplit that chooses its output. */
export const TARGET_ANNOTATION = "smi.linkerd.io/target";
/** The outputs a split can target. */
export const TARGETS = ["serviceprofile", "httproute"] as const;
/** An output a split can target. */
export type Target = (typeof TARGETS)[number];

/** What exists of both outputs for an apex. */
export interface TargetedWorld {
  readonly profile: ServiceProfile | undefined;
  readonly routes: RouteWorld;
}

/** What the adaptor writes on both sides: `write` carries one action per output. */
export type TargetedAction =
  | { readonly kind: "none" }
  | {
      readonly kind: "write";
      readonly target: Target;
      readonly profile: ServiceProfileAction;
      readonly routes: RouteAction;
    };

/** The target a split asks for (its annotation), else `fallback`; and why, when it is invalid. */
export function targetOf(split: unknown, fallback: Target): { target: Target; problem?: string } {
  const annotations = (split as { metadata?: { annotations?: Record<string, string> } } | undefined)
    ?.metadata?.annotations;
  const value = annotations?.[TARGET_ANNOTATION];
  if (value === undefined) return { target: fallback };
  if ((TARGETS as readonly string[]).includes(value)) return { target: value as Target };
  return {
    target: fallback,
    problem: `annotation ${TARGET_ANNOTATION}: ${JSON.stringify(value)} is not one of ${TARGETS.join(", ")}; using ${fallback}`,
  };
}

function combine(
  target: Target,
  profile: ServiceProfileAction,
  routes: RouteAction,
): TargetedAction {
  return profile.kind === "none" && routes.kind === "none"
    ? { kind: "none" }
    : { kind: "write", target, profile, routes };
}

const RANK = [
  "absent",
  "unchanged",
  "skipped",
  "invalid",
  "cleaned",
  "deleted",
  "updated",
  "created",
];

/** Options of {@link targetedOutput}. */
export interface TargetedOutputOptions {
  /** `-target`: the output of splits without the annotation. */
  readonly target: Target;
  readonly serviceProfile: OutputPlanner<ServiceProfile, ServiceProfileAction>;
  readonly httpRoute: OutputPlanner<RouteWorld, RouteAction>;
}

/** Both outputs behind one planner, for {@link decideApex}. */
export function targetedOutput(
  options: TargetedOutputOptions,
): OutputPlanner<TargetedWorld, TargetedAction> {
  const { serviceProfile, httpRoute } = options;
  const plannerOf = (target: Target) => (target === "httproute" ? httpRoute : serviceProfile);
  const fallback = options.target;

  const plan = (
    winner: Winner<unknown>,
    world: TargetedWorld | undefined,
    context?: PlanContext,
  ): OutputPlan<TargetedAction> => {
    const { target, problem } = targetOf(winner.split, fallback);
    const note =
      problem === undefined
        ? []
        : [{ type: "Warning" as const, reason: Reason.InvalidSpec, message: `${problem}.` }];
    if (target === "httproute") {
      const routes = httpRoute.plan(winner, world?.routes);
      // The route planner carries the cut-over of the profile the adaptor wrote.
      const action: TargetedAction =
        routes.action.kind === "none"
          ? { kind: "none" }
          : { kind: "write", target, profile: routes.action.profile, routes: routes.action };
      return { ...routes, action, events: [...note, ...routes.events] };
    }
    const profile = serviceProfile.plan(winner, world?.profile, context);
    const leftovers = httpRoute.cleanup(world?.routes);
    const events = [...note, ...profile.events];
    if (leftovers.action.kind !== "none") {
      events.push({
        type: "Normal",
        reason: Reason.CutOver,
        message: `Service ${winner.parsed.service} moves back to ServiceProfile ${serviceProfile.nameOf(winner.namespace, winner.parsed.service)}: the routes the adaptor wrote are deleted. Client proxies may keep their earlier choice until their cache entry expires (linkerd/linkerd2#11032); restart the client workloads (kubectl rollout restart) to make them switch now.`,
      });
    }
    const changed = leftovers.action.kind !== "none";
    const result = changed && profile.result === "unchanged" ? "updated" : profile.result;
    return {
      ...profile,
      result,
      action: combine(target, profile.action, leftovers.action),
      events,
    };
  };

  return {
    target: fallback,
    none: { kind: "none" },
    kind: plannerOf(fallback).kind,
    nameOf: (namespace, apex) => plannerOf(fallback).nameOf(namespace, apex),
    check: (winner) => plannerOf(targetOf(winner.split, fallback).target).check(winner),
    plan,
    cleanup(world) {
      const profile = serviceProfile.cleanup(world?.profile);
      const routes = httpRoute.cleanup(world?.routes);
      const result =
        RANK.indexOf(routes.result) > RANK.indexOf(profile.result) ? routes.result : profile.result;
      return {
        action: combine(fallback, profile.action, routes.action),
        result,
        events: [...profile.events, ...routes.events],
      };
    },
  };
}
