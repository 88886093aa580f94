/**
 * The output chosen per split: `-target` (the adaptor's default) or the split's
 * `smi.linkerd.io/target` annotation picks the ServiceProfile output or the Gateway API output.
 * Moving from one to the other is a cut-over, sequenced so that every proxy is served the split
 * whichever side it chose (`cut-over.ts`). With no split left, both are cleaned up.
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
import { planCutOverToProfile, planCutOverToRoutes, type CutOverPlanners } from "./cut-over.js";
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
    context: PlanContext = {},
  ): OutputPlan<TargetedAction> => {
    const { target, problem } = targetOf(winner.split, fallback);
    const note =
      problem === undefined
        ? []
        : [{ type: "Warning" as const, reason: Reason.InvalidSpec, message: `${problem}.` }];
    const own = world?.profile;
    const planners: CutOverPlanners = {
      routes: () => httpRoute.plan(winner, world?.routes, { ...context, leaveOwnProfile: true }),
      profile: () => serviceProfile.plan(winner, own, context),
      profileCleanup: () => serviceProfile.cleanup(own),
      routesCleanup: () => httpRoute.cleanup(world?.routes),
    };
    const cut =
      target === "httproute"
        ? planCutOverToRoutes(winner, own, world?.routes, context, planners)
        : planCutOverToProfile(winner, own, world?.routes, context, planners);
    if (cut !== undefined) {
      const action = combine(target, cut.profile, cut.routes);
      const events = [...note, ...cut.events];
      if (cut.waiting !== undefined)
        events.push({
          type: "Normal",
          reason: Reason.CutOverPending,
          message: `Service ${winner.parsed.service} is ${cut.waiting}.`,
        });
      return {
        action,
        result:
          action.kind === "none"
            ? "unchanged"
            : own === undefined && cut.profile.kind === "apply"
              ? "created"
              : "updated",
        events,
        state:
          cut.waiting !== undefined
            ? { state: "CutOverPending", reason: cut.waiting }
            : { state: "Pending", reason: "the cut-over finishes: the old side goes" },
      };
    }
    if (target === "httproute") {
      const routes = httpRoute.plan(winner, world?.routes, context);
      // The route planner cleans up a profile of the adaptor's that no longer shadows anything.
      const action: TargetedAction =
        routes.action.kind === "none"
          ? { kind: "none" }
          : { kind: "write", target, profile: routes.action.profile, routes: routes.action };
      return { ...routes, action, events: [...note, ...routes.events] };
    }
    const profile = serviceProfile.plan(winner, own, context);
    return {
      ...profile,
      action: combine(target, profile.action, { kind: "none" }),
      events: [...note, ...profile.events],
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
