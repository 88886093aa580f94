import { describe, expect, it } from "vitest";
import { storedRoute } from "../../test/fixtures.js";
import type { Route, RouteCondition, RouteParentStatus } from "../gateway-types.js";
import {
  describeRouteConditions,
  routeAcceptance,
  routeAcceptanceMessage,
  type RouteState,
} from "./route-acceptance.js";

// One decision of where a route stands with Linkerd, and one way to say it, for the adaptor's
// Events and the CLI's status and check. Expected states from linkerd2's policy controller
// (its outbound index serves a route whose Accepted is True, whatever ResolvedRefs says).

function routeWith(conditions: RouteCondition[]): Route {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web-smi-80", namespace: "shop" },
    spec: { parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }] },
    status: {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
          controllerName: "linkerd.io/policy-controller",
          conditions,
        },
      ],
    },
  } as Route;
}

const accepted = (status: string): RouteCondition => ({ type: "Accepted", status, reason: "R" });
const resolved = (status: string): RouteCondition => ({
  type: "ResolvedRefs",
  status,
  reason: "R",
});

describe("routeAcceptance: the state", () => {
  it.each<[string, RouteState, RouteCondition[]]>([
    ["both True", "RouteAccepted", [accepted("True"), resolved("True")]],
    ["Accepted False", "RouteNotAccepted", [accepted("False"), resolved("True")]],
    ["both False", "RouteNotAccepted", [accepted("False"), resolved("False")]],
    ["Accepted False alone", "RouteNotAccepted", [accepted("False")]],
    ["Accepted Unknown", "RouteNotAccepted", [accepted("Unknown"), resolved("True")]],
    ["ResolvedRefs False", "RouteRefsNotResolved", [accepted("True"), resolved("False")]],
    ["ResolvedRefs Unknown", "RouteRefsNotResolved", [accepted("True"), resolved("Unknown")]],
    ["Accepted alone", "RoutePending", [accepted("True")]],
    ["ResolvedRefs False alone", "RoutePending", [resolved("False")]],
    ["no conditions", "RoutePending", []],
  ])("%s: %s", (_what, state, conditions) => {
    expect(routeAcceptance(routeWith(conditions), "web", 80).state).toBe(state);
  });
});

describe("describeRouteConditions", () => {
  it("lists the conditions not True, with reason and message when given", () => {
    expect(
      describeRouteConditions([
        { type: "Accepted", status: "True", reason: "Accepted" },
        { type: "ResolvedRefs", status: "False", reason: "BackendNotFound", message: "no web-v2" },
        { type: "Other", status: "Unknown", reason: "", message: "" },
      ]),
    ).toBe("ResolvedRefs=False (BackendNotFound: no web-v2), Other=Unknown");
  });
});

describe("routeAcceptanceMessage", () => {
  const refused = [
    {
      type: "Accepted",
      status: "False",
      reason: "NoMatchingParent",
      message: "parent service must have a ClusterIP",
    },
  ];
  it("says each state one way", () => {
    const what = "HTTPRoute web-smi-80";
    expect(routeAcceptanceMessage(what, { state: "RouteAccepted" })).toBe(
      "HTTPRoute web-smi-80 is accepted by linkerd.io/policy-controller",
    );
    expect(routeAcceptanceMessage(what, { state: "RouteNotAccepted", conditions: refused })).toBe(
      "HTTPRoute web-smi-80 is not accepted by linkerd.io/policy-controller: Accepted=False (NoMatchingParent: parent service must have a ClusterIP); Linkerd does not use it",
    );
    expect(
      routeAcceptanceMessage(what, {
        state: "RouteRefsNotResolved",
        conditions: [{ type: "ResolvedRefs", status: "False", reason: "BackendNotFound" }],
      }),
    ).toBe(
      "HTTPRoute web-smi-80 is used by Linkerd, but linkerd.io/policy-controller cannot resolve all its backends: ResolvedRefs=False (BackendNotFound); requests sent to those backends fail with HTTP 500",
    );
    expect(routeAcceptanceMessage(what, { state: "RoutePending" })).toBe(
      "HTTPRoute web-smi-80 has no status from linkerd.io/policy-controller yet: is Linkerd 2.15 or later installed, and its policy controller running?",
    );
  });
});

describe("routeAcceptance: the status entry it reads", () => {
  const LINKERD = "linkerd.io/policy-controller";
  const ACCEPTED = { type: "Accepted", status: "True", reason: "Accepted" };
  const RESOLVED = { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" };
  const REFUSED = { type: "Accepted", status: "False", reason: "NoMatchingParent", message: "m" };
  const entry = (
    parentRef: RouteParentStatus["parentRef"],
    conditions: RouteCondition[] = [REFUSED],
  ): RouteParentStatus => ({
    parentRef,
    controllerName: LINKERD,
    conditions,
  });

  it("no status, or no entry: nothing known", () => {
    expect(routeAcceptance(storedRoute(80), "web", 80)).toEqual({ state: "RoutePending" });
    expect(routeAcceptance(storedRoute(80, []), "web", 80)).toEqual({ state: "RoutePending" });
  });

  it("reads only the entry for the Service apex (group empty or core) at the port or any port", () => {
    const notOurs = [
      entry({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "web" }),
      entry({ kind: "Gateway", name: "web" }),
      entry({ group: "gateway.networking.k8s.io", kind: "Service", name: "web" }),
      entry({ group: "core", kind: "Service", name: "api", port: 80 }),
      entry({ group: "core", kind: "Service", name: "web", port: 81 }),
      entry({ group: "core", name: "web", port: 80 }),
    ];
    expect(routeAcceptance(storedRoute(80, notOurs), "web", 80)).toEqual({ state: "RoutePending" });
    for (const parentRef of [
      { kind: "Service", name: "web" },
      { group: "", kind: "Service", name: "web", port: 80 },
      { group: "core", kind: "Service", name: "web", port: 80 },
    ]) {
      expect(routeAcceptance(storedRoute(80, [...notOurs, entry(parentRef)]), "web", 80)).toEqual({
        state: "RouteNotAccepted",
        controller: LINKERD,
        conditions: [REFUSED],
        accepted: false,
      });
    }
  });

  it("keeps only the Accepted and ResolvedRefs conditions; both True is accepted", () => {
    const programmed = { type: "Programmed", status: "False", reason: "Pending" };
    expect(
      routeAcceptance(
        storedRoute(80, [
          entry({ kind: "Service", name: "web" }, [programmed, ACCEPTED, RESOLVED]),
        ]),
        "web",
        80,
      ),
    ).toEqual({
      state: "RouteAccepted",
      controller: LINKERD,
      conditions: [ACCEPTED, RESOLVED],
      accepted: true,
      resolvedRefs: true,
    });
  });

  it("an entry without conditions says nothing of acceptance", () => {
    const bare = { parentRef: { kind: "Service", name: "web" }, controllerName: LINKERD };
    expect(routeAcceptance(storedRoute(80, [bare]), "web", 80)).toEqual({
      state: "RoutePending",
      controller: LINKERD,
      conditions: [],
    });
  });

  it("Accepted with ResolvedRefs not True (Unknown too) is RouteRefsNotResolved", () => {
    const unknown = { type: "ResolvedRefs", status: "Unknown" };
    expect(
      routeAcceptance(
        storedRoute(80, [entry({ kind: "Service", name: "web" }, [ACCEPTED, unknown])]),
        "web",
        80,
      ),
    ).toEqual({
      controller: LINKERD,
      conditions: [ACCEPTED, unknown],
      state: "RouteRefsNotResolved",
      accepted: true,
      resolvedRefs: false,
    });
  });
});
