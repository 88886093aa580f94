/**
 * Whether Linkerd uses a route the adaptor wrote, decided once from the `status.parents[]` entry
 * Linkerd's policy controller writes for the apex, and said one way: for the adaptor's Events,
 * `linkerd smi status` and `linkerd smi check`.
 */
import type { Route, RouteCondition } from "../gateway-types.js";

/**
 * The controller that writes the status of routes whose parent is a Service, in Linkerd
 * (linkerd2 policy-controller). Another controller's entry says nothing about what Linkerd does.
 */
export const LINKERD_POLICY_CONTROLLER = "linkerd.io/policy-controller";

/**
 * Where a route stands with Linkerd's policy controller: `RouteAccepted` (its `Accepted` and
 * `ResolvedRefs` conditions are True), `RouteRefsNotResolved` (Accepted, but ResolvedRefs is not
 * True: Linkerd serves the route, as its outbound index checks Accepted only, and a backend it
 * cannot resolve answers HTTP 500 for its share), `RouteNotAccepted` (Accepted is not True:
 * Linkerd does not use the route), or `RoutePending` (no status for the apex yet, or not both
 * conditions).
 */
export type RouteState =
  "RouteAccepted" | "RouteRefsNotResolved" | "RouteNotAccepted" | "RoutePending";

/** What `status.parents[]` says of a route's parent `apex`:`port`. */
export interface RouteAcceptance {
  readonly state: RouteState;
  /** True or false when Linkerd's policy controller wrote `Accepted`; undefined when it did not yet. */
  readonly accepted?: boolean;
  readonly resolvedRefs?: boolean;
  /** The controller whose entry this is (Linkerd's policy controller), when there is one. */
  readonly controller?: string;
  /** The entry's `Accepted` and `ResolvedRefs` conditions, as written. */
  readonly conditions?: readonly RouteCondition[];
}

function stateOf(accepted: boolean | undefined, resolvedRefs: boolean | undefined): RouteState {
  if (accepted === false) return "RouteNotAccepted";
  if (accepted === true && resolvedRefs === false) return "RouteRefsNotResolved";
  if (accepted === true && resolvedRefs === true) return "RouteAccepted";
  return "RoutePending";
}

/**
 * Reads the status Linkerd's policy controller writes for the parent Service `apex` at `port`
 * (or a parentRef without a port) on `route`; entries of other controllers are ignored.
 */
export function routeAcceptance(route: Route, apex: string, port: number): RouteAcceptance {
  const parents = (route.status?.parents ?? []).filter(
    (p) => p.controllerName === LINKERD_POLICY_CONTROLLER,
  );
  const entry = parents.find((p) => {
    const group = p.parentRef.group ?? "";
    return (
      p.parentRef.kind === "Service" &&
      (group === "" || group === "core") &&
      p.parentRef.name === apex &&
      (p.parentRef.port === undefined || p.parentRef.port === port)
    );
  });
  if (entry === undefined) return { state: "RoutePending" };
  const conditions = (entry.conditions ?? []).filter(
    (c) => c.type === "Accepted" || c.type === "ResolvedRefs",
  );
  const of = (type: string) => {
    const c = conditions.find((x) => x.type === type);
    return c === undefined ? undefined : c.status === "True";
  };
  const accepted = of("Accepted");
  const resolvedRefs = of("ResolvedRefs");
  return {
    state: stateOf(accepted, resolvedRefs),
    controller: entry.controllerName,
    conditions,
    ...(accepted === undefined ? {} : { accepted }),
    ...(resolvedRefs === undefined ? {} : { resolvedRefs }),
  };
}

/**
 * The conditions that are not True, as `Accepted=False (NoMatchingParent: parent service must
 * have a ClusterIP)`, comma-separated.
 */
export function describeRouteConditions(
  conditions: readonly Pick<RouteCondition, "type" | "status" | "reason" | "message">[],
): string {
  return conditions
    .filter((c) => c.status !== "True")
    .map((c) => {
      const why = [c.reason, c.message].filter((x) => x !== undefined && x !== "").join(": ");
      return `${c.type}=${c.status}${why === "" ? "" : ` (${why})`}`;
    })
    .join(", ");
}

/**
 * What Linkerd does with the route called `what` (`HTTPRoute web-smi-80`) in `state`, one clause
 * without a final period: `HTTPRoute web-smi-80 is not accepted by linkerd.io/policy-controller:
 * Accepted=False (NoMatchingParent: parent service must have a ClusterIP); Linkerd does not use it`.
 */
export function routeAcceptanceMessage(
  what: string,
  acceptance: {
    readonly state: RouteState;
    readonly conditions?: readonly Pick<RouteCondition, "type" | "status" | "reason" | "message">[];
  },
): string {
  const conditions = describeRouteConditions(acceptance.conditions ?? []);
  const by = LINKERD_POLICY_CONTROLLER;
  switch (acceptance.state) {
    case "RouteAccepted":
      return `${what} is accepted by ${by}`;
    case "RouteNotAccepted":
      return `${what} is not accepted by ${by}: ${conditions}; Linkerd does not use it`;
    case "RouteRefsNotResolved":
      return `${what} is used by Linkerd, but ${by} cannot resolve all its backends: ${conditions}; requests sent to those backends fail with HTTP 500`;
    case "RoutePending":
      return `${what} has no status from ${by} yet: is Linkerd 2.15 or later installed, and its policy controller running?`;
  }
}
