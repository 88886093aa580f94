import { describe, expect, it } from "vitest";
import {
  decideApex,
  httpRouteOutput,
  isAdaptorRoute,
  routeAcceptance,
  shadowingOf,
  type Route,
  type RouteCondition,
  type RouteParentStatus,
  type RouteWorld,
  type ServiceLike,
  type ServiceProfile,
  type TrafficSplitObject,
  type Winner,
} from "../index.js";
import { profile } from "../../test/profiles.js";
import type { ParsedTrafficSplit } from "../parse.js";

// Edges of the Gateway API output. Every expected value is written by hand from design.md
// (Outputs: Gateway API; precedence and cut-over), Gateway API v1.2.1 and what Linkerd's policy
// controller and proxy do with routes and profiles; none is computed by the code under test.

const NS = "shop";
const output = httpRouteOutput();
const CACHE =
  "Client proxies that already resolved the service may keep using what they chose before until their cache entry expires (linkerd/linkerd2#11032); restart the client workloads (kubectl rollout restart) to make them switch now.";
const PROFILE = "web.shop.svc.cluster.local";

function split(
  backends: [string, number][] = [
    ["web-v1", 9],
    ["web-v2", 1],
  ],
): TrafficSplitObject {
  return {
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: {
      name: "web-split",
      namespace: NS,
      uid: "uid-web-split",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: { service: "web", backends: backends.map(([service, weight]) => ({ service, weight })) },
  };
}

function svc(ports: { port: number; appProtocol?: string }[]): ServiceLike {
  return { metadata: { name: "web", namespace: NS }, spec: { clusterIP: "10.0.0.1", ports } };
}

const LABELS = { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" };
const OWNER = {
  apiVersion: "split.smi-spec.io/v1alpha2",
  kind: "TrafficSplit",
  name: "web-split",
  uid: "uid-web-split",
  controller: true,
};
const OWNERS = [OWNER];
const ROOT = { path: { type: "PathPrefix" as const, value: "/" } };
const ref = (name: string, port: number, weight: number) => ({
  group: "" as const,
  kind: "Service" as const,
  name,
  port,
  weight,
});

/** The HTTPRoute the adaptor writes for web:port of the 9/1 split, as the API server stores it. */
function stored(port: number, status?: RouteParentStatus[]): Route {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: `web-smi-${port}`,
      namespace: NS,
      uid: `r${port}`,
      resourceVersion: "5",
      labels: { ...LABELS },
      annotations: { "smi.linkerd.io/traffic-split": "web-split" },
      ownerReferences: OWNERS.map((o) => ({ ...o })),
    },
    spec: {
      parentRefs: [{ group: "core", kind: "Service", name: "web", port }],
      rules: [{ matches: [ROOT], backendRefs: [ref("web-v1", port, 9), ref("web-v2", port, 1)] }],
    },
    ...(status === undefined ? {} : { status: { parents: status } }),
  };
}

function world(service: ServiceLike | undefined, extra: Partial<RouteWorld> = {}): RouteWorld {
  return { namespace: NS, apex: "web", service, routes: [], ...extra };
}

function decide(existing: RouteWorld, extra: { serviceExists?: (n: string) => boolean } = {}) {
  return decideApex({ namespace: NS, apex: "web", splits: [split()], existing, ...extra }, output);
}

const OVERRIDES = [
  { authority: "web-v1.shop.svc.cluster.local", weight: "9" },
  { authority: "web-v2.shop.svc.cluster.local", weight: "1" },
];
const USER_ROUTES = [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }];

const CREATED_80 = {
  type: "Normal",
  reason: "Created",
  message: "Created HTTPRoute web-smi-80 (web-v1:9, web-v2:1 on port 80).",
};

describe("httpRouteOutput: its fixed parts", () => {
  it("target, kind, the name pattern and the empty action", () => {
    expect(output.target).toBe("httproute");
    expect(output.kind).toBe("HTTPRoute");
    expect(output.nameOf(NS, "web")).toBe("web-smi-<port>");
    expect(output.none).toEqual({ kind: "none" });
  });

  it("check: 16 backends fit an HTTPRoute rule, 17 are an error that names the way out", () => {
    const winner = (n: number): Winner<unknown> => {
      const parsed: ParsedTrafficSplit = {
        apiVersion: "split.smi-spec.io/v1alpha2",
        name: "web-split",
        service: "web",
        backends: Array.from({ length: n }, (_, i) => ({
          service: `b${i}`,
          weight: "1",
          milli: 1000n,
        })),
        allWeightsZero: false,
      };
      return { split: {}, parsed, namespace: NS, missingBackends: [] };
    };
    expect(output.check(winner(16))).toEqual([]);
    expect(output.check(winner(17))).toEqual([
      {
        severity: "error",
        code: "too-many-backends",
        path: "spec.backends",
        message:
          "spec.backends has 17 entries; an HTTPRoute rule allows 16 backendRefs (Gateway API v1.2.1), so split across fewer backends or use -target serviceprofile",
      },
    ]);
  });
});

describe("httpRouteOutput: cleanup when no split is left", () => {
  it("nothing known, or no route of ours: nothing to do", () => {
    expect(output.cleanup(undefined)).toEqual({
      action: { kind: "none" },
      result: "absent",
      events: [],
    });
    const theirs: Route = { ...stored(80), metadata: { name: "web-smi-80", namespace: NS } };
    expect(output.cleanup(world(svc([{ port: 80 }]), { routes: [theirs] }))).toEqual({
      action: { kind: "none" },
      result: "absent",
      events: [],
    });
  });

  it("deletes the routes of ours for this apex only, each with an Event", () => {
    const api: Route = {
      ...stored(80),
      metadata: {
        name: "api-smi-80",
        namespace: NS,
        uid: "a80",
        resourceVersion: "1",
        labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "api" },
      },
    };
    expect(output.cleanup(world(svc([{ port: 80 }]), { routes: [stored(80), api] }))).toEqual({
      action: {
        kind: "sync",
        namespace: NS,
        apply: [],
        delete: [
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            namespace: NS,
            name: "web-smi-80",
            uid: "r80",
            resourceVersion: "5",
          },
        ],
        profile: { kind: "none" },
      },
      result: "deleted",
      events: [
        {
          type: "Normal",
          reason: "Deleted",
          message:
            "Deleted HTTPRoute web-smi-80: no TrafficSplit routes service web through Gateway API routes any more.",
        },
      ],
    });
  });
});

describe("isAdaptorRoute", () => {
  it("needs our field manager label, and the apex label when an apex is given", () => {
    const ours = stored(80);
    expect(isAdaptorRoute(ours)).toBe(true);
    expect(isAdaptorRoute(ours, "web")).toBe(true);
    expect(isAdaptorRoute(ours, "api")).toBe(false);
    const kubectl: Route = {
      ...ours,
      metadata: { ...ours.metadata, labels: { ...LABELS, "app.kubernetes.io/managed-by": "helm" } },
    };
    expect(isAdaptorRoute(kubectl)).toBe(false);
    expect(isAdaptorRoute({ ...ours, metadata: { name: "x" } })).toBe(false);
  });
});

describe("routeAcceptance", () => {
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
    expect(routeAcceptance(stored(80), "web", 80)).toEqual({ state: "RoutePending" });
    expect(routeAcceptance(stored(80, []), "web", 80)).toEqual({ state: "RoutePending" });
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
    expect(routeAcceptance(stored(80, notOurs), "web", 80)).toEqual({ state: "RoutePending" });
    for (const parentRef of [
      { kind: "Service", name: "web" },
      { group: "", kind: "Service", name: "web", port: 80 },
      { group: "core", kind: "Service", name: "web", port: 80 },
    ]) {
      expect(routeAcceptance(stored(80, [...notOurs, entry(parentRef)]), "web", 80)).toEqual({
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
        stored(80, [entry({ kind: "Service", name: "web" }, [programmed, ACCEPTED, RESOLVED])]),
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
    expect(routeAcceptance(stored(80, [bare]), "web", 80)).toEqual({
      state: "RoutePending",
      controller: LINKERD,
      conditions: [],
    });
  });

  it("Accepted with ResolvedRefs not True (Unknown too) is RouteRefsNotResolved", () => {
    const unknown = { type: "ResolvedRefs", status: "Unknown" };
    expect(
      routeAcceptance(
        stored(80, [entry({ kind: "Service", name: "web" }, [ACCEPTED, unknown])]),
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

describe("shadowingOf", () => {
  it("routes, non-zero dstOverrides, both, or neither", () => {
    const p = (spec: ServiceProfile["spec"]) => profile(PROFILE, NS, spec, ["kubectl"]);
    expect(shadowingOf(p({ routes: [] }))).toBeUndefined();
    expect(shadowingOf(p({ routes: USER_ROUTES }))).toBe("routes");
    expect(shadowingOf(p({ dstOverrides: OVERRIDES }))).toBe("non-zero dstOverrides");
    expect(shadowingOf(p({ routes: USER_ROUTES, dstOverrides: OVERRIDES }))).toBe(
      "routes and non-zero dstOverrides",
    );
    expect(
      shadowingOf(
        p({
          dstOverrides: [
            { authority: "a", weight: "0" },
            { authority: "b", weight: "1" },
          ],
        }),
      ),
    ).toBe("non-zero dstOverrides");
    expect(shadowingOf(p({ dstOverrides: [{ authority: "a", weight: "0" }] }))).toBeUndefined();
    // A weight Linkerd cannot read counts as non-zero, to be safe.
    expect(shadowingOf(p({ dstOverrides: [{ authority: "a", weight: "lots" }] }))).toBe(
      "non-zero dstOverrides",
    );
    expect(shadowingOf({ ...p({}), spec: undefined } as unknown as ServiceProfile)).toBeUndefined();
  });

  it("ignoring dstOverrides (the adaptor clears them) leaves only routes", () => {
    const p = (spec: ServiceProfile["spec"]) => profile(PROFILE, NS, spec, ["kubectl"]);
    expect(shadowingOf(p({ dstOverrides: OVERRIDES }), true)).toBeUndefined();
    expect(shadowingOf(p({ routes: USER_ROUTES, dstOverrides: OVERRIDES }), true)).toBe("routes");
  });
});

describe("httpRouteOutput: plan, routes in step or not", () => {
  it("in step: nothing to write, Synced, the reason names the route", () => {
    const d = decide(world(svc([{ port: 80 }]), { routes: [stored(80)] }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events).toEqual([]);
    expect(d.splits[0]?.state).toBe("Synced");
    expect(d.splits[0]?.reason).toBe("HTTPRoute web-smi-80 has the split's backends");
  });

  it("two routes in step: they have the split's backends", () => {
    const d = decide(
      world(svc([{ port: 80 }, { port: 81 }]), { routes: [stored(80), stored(81)] }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.splits[0]?.reason).toBe(
      "HTTPRoute web-smi-80, HTTPRoute web-smi-81 have the split's backends",
    );
  });

  it("no port can carry a route: nothing to write, and the reason says so", () => {
    const d = decide(world(svc([{ port: 5432 }]), { tcpRouteServed: false }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events.map((e) => e.reason)).toEqual(["CRDMissing"]);
    expect(d.splits[0]?.state).toBe("Synced");
    expect(d.splits[0]?.reason).toBe("no port of web can carry a route");
  });

  it("new routes: Created Events, Pending until they exist", () => {
    const d = decide(world(svc([{ port: 80 }, { port: 81 }])));
    expect(d.result).toBe("created");
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.apply.map((r) => r.metadata.name)).toEqual(["web-smi-80", "web-smi-81"]);
    expect(d.action.delete).toEqual([]);
    expect(d.action.profile).toEqual({ kind: "none" });
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      CREATED_80,
      {
        type: "Normal",
        reason: "Created",
        message: "Created HTTPRoute web-smi-81 (web-v1:9, web-v2:1 on port 81).",
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.splits[0]?.reason).toBe(
      "HTTPRoute web-smi-80 does not exist yet (is the smi-adaptor running?); HTTPRoute web-smi-81 does not exist yet (is the smi-adaptor running?)",
    );
  });

  it("a new route next to another apex's HTTPRoute in the namespace is Created, not Updated", () => {
    const apiByHand: Route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "api-canary", namespace: NS, uid: "h1", resourceVersion: "1" },
      spec: { parentRefs: [{ group: "core", kind: "Service", name: "api", port: 80 }], rules: [] },
    };
    const d = decide(world(svc([{ port: 80 }]), { routes: [apiByHand] }));
    expect(d.result).toBe("created");
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      CREATED_80,
    ]);
  });

  const route = stored(80);
  const apiRoute: Route = {
    ...stored(80),
    metadata: {
      name: "api-smi-80",
      namespace: NS,
      uid: "a80",
      resourceVersion: "1",
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "api" },
    },
  };
  const stale: [string, Route][] = [
    [
      "the version (v1beta1)",
      { ...route, apiVersion: "gateway.networking.k8s.io/v1beta1" } as Route,
    ],
    [
      "the apex label",
      {
        ...route,
        metadata: { ...route.metadata, labels: { ...LABELS, "smi.linkerd.io/apex": "x" } },
      },
    ],
    [
      "the split annotation",
      {
        ...route,
        metadata: {
          ...route.metadata,
          annotations: { "smi.linkerd.io/traffic-split": "old-split" },
        },
      },
    ],
    [
      "the owner's uid",
      {
        ...route,
        metadata: { ...route.metadata, ownerReferences: [{ ...OWNER, uid: "uid-old" }] },
      },
    ],
    [
      "the owner is not the controller",
      {
        ...route,
        metadata: { ...route.metadata, ownerReferences: [{ ...OWNER, controller: false }] },
      },
    ],
    [
      "a weight",
      {
        ...route,
        spec: {
          ...route.spec,
          rules: [{ matches: [ROOT], backendRefs: [ref("web-v1", 80, 8), ref("web-v2", 80, 2)] }],
        },
      } as Route,
    ],
  ];
  for (const [what, old] of stale) {
    it(`a route of ours that differs in ${what} is applied again (Updated)`, () => {
      const d = decide(world(svc([{ port: 80 }]), { routes: [apiRoute, old] }));
      if (d.action.kind !== "sync") throw new Error("expected a sync");
      expect(d.action.apply).toEqual([
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: {
            name: "web-smi-80",
            namespace: NS,
            labels: LABELS,
            annotations: { "smi.linkerd.io/traffic-split": "web-split" },
            ownerReferences: OWNERS,
          },
          spec: route.spec,
        },
      ]);
      expect(d.action.delete).toEqual([]);
      expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
        {
          type: "Normal",
          reason: "Updated",
          message: "Updated HTTPRoute web-smi-80 (web-v1:9, web-v2:1 on port 80).",
        },
      ]);
      expect(d.splits[0]?.state).toBe("Pending");
      expect(d.splits[0]?.reason).toBe("HTTPRoute web-smi-80 is not in step with the split");
    });
  }

  it("another owner next to ours, and extra labels, leave a route in step", () => {
    const more: Route = {
      ...route,
      metadata: {
        ...route.metadata,
        labels: { ...LABELS, team: "shop" },
        ownerReferences: [
          ...OWNERS,
          { apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "uid-x", controller: false },
        ],
      },
    };
    const d = decide(world(svc([{ port: 80 }]), { routes: [more] }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.splits[0]?.state).toBe("Synced");
  });

  it("a port that changed kind: the TCPRoute of ours goes, the HTTPRoute of the same name comes", () => {
    const tcp: Route = {
      apiVersion: "gateway.networking.k8s.io/v1alpha2",
      kind: "TCPRoute",
      metadata: { ...stored(80).metadata, uid: "t80", resourceVersion: "2" },
      spec: {
        parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }],
        rules: [{ backendRefs: [ref("web-v1", 80, 9), ref("web-v2", 80, 1)] }],
      },
    };
    const d = decide(world(svc([{ port: 80 }]), { routes: [tcp] }));
    expect(d.result).toBe("updated");
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.apply.map((r) => [r.kind, r.metadata.name])).toEqual([
      ["HTTPRoute", "web-smi-80"],
    ]);
    expect(d.action.delete).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1alpha2",
        kind: "TCPRoute",
        namespace: NS,
        name: "web-smi-80",
        uid: "t80",
        resourceVersion: "2",
      },
    ]);
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      CREATED_80,
      {
        type: "Normal",
        reason: "Deleted",
        message:
          "Deleted TCPRoute web-smi-80: service web no longer has that port, or it changed kind.",
      },
    ]);
    expect(d.splits[0]?.reason).toBe(
      "HTTPRoute web-smi-80 does not exist yet (is the smi-adaptor running?)",
    );
  });

  it("someone else's route with our name blocks the port and is reported", () => {
    const theirs: Route = {
      ...stored(80),
      metadata: { name: "web-smi-80", namespace: NS, uid: "t1", resourceVersion: "1" },
    };
    const d = decide(world(svc([{ port: 80 }]), { routes: [theirs] }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Warning",
        reason: "RouteConflict",
        message:
          "HTTPRoute web-smi-80 exists and was not written by the smi-adaptor, so it is left as it is and port 80 of web is not split; rename or delete that route.",
      },
      {
        type: "Warning",
        reason: "OtherRoute",
        message:
          "HTTPRoute web-smi-80 also routes service web and was not written by the smi-adaptor; Linkerd merges its rules with the split's, and the more specific match wins; between equally specific matches for the same port, Linkerd uses the route created first (older creationTimestamp, then name). A route the smi-adaptor re-creates (as at a cut-over) is newer and loses such ties. It is left as it is.",
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.splits[0]?.reason).toBe("HTTPRoute web-smi-80 belongs to someone else");
  });

  it("reports other routes only when a parent is the apex Service (group empty or core)", () => {
    const by = (name: string, parentRefs: unknown): Route =>
      ({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name, namespace: NS, uid: name, resourceVersion: "1" },
        spec: { ...(parentRefs === undefined ? {} : { parentRefs }), rules: [] },
      }) as unknown as Route;
    const routes = [
      stored(80),
      by("no-parents", undefined),
      by("gateway", [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "web" }]),
      by("kindless", [{ name: "web", port: 80 }]),
      by("other-group", [{ group: "gateway.networking.k8s.io", kind: "Service", name: "web" }]),
      by("other-service", [{ group: "core", kind: "Service", name: "api" }]),
      by("no-group", [{ kind: "Service", name: "web" }]),
      by("empty-group", [{ group: "", kind: "Service", name: "web", port: 80 }]),
      by("second-parent", [
        { kind: "Gateway", name: "gw" },
        { group: "core", kind: "Service", name: "web" },
      ]),
    ];
    const d = decide(world(svc([{ port: 80 }]), { routes }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.filter((e) => e.reason === "OtherRoute").map((e) => e.message)).toEqual(
      ["no-group", "empty-group", "second-parent"].map(
        (name) =>
          `HTTPRoute ${name} also routes service web and was not written by the smi-adaptor; Linkerd merges its rules with the split's, and the more specific match wins; between equally specific matches for the same port, Linkerd uses the route created first (older creationTimestamp, then name). A route the smi-adaptor re-creates (as at a cut-over) is newer and loses such ties. It is left as it is.`,
      ),
    );
    expect(d.events).toHaveLength(3);
  });

  it("OtherRoute says which route wins ties for the same port: older creationTimestamp, then name", () => {
    const theirs = (name: string, port: number | undefined, created: string): Route =>
      ({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
          name,
          namespace: NS,
          uid: name,
          resourceVersion: "1",
          creationTimestamp: created,
        },
        spec: {
          parentRefs: [
            {
              group: "core",
              kind: "Service",
              name: "web",
              ...(port === undefined ? {} : { port }),
            },
          ],
          rules: [],
        },
      }) as unknown as Route;
    const ours = (created: string): Route => ({
      ...stored(80),
      metadata: { ...stored(80).metadata, creationTimestamp: created },
    });
    const other = (routes: Route[]) =>
      decide(world(svc([{ port: 80 }]), { routes }))
        .events.filter((e) => e.reason === "OtherRoute")
        .map((e) => e.message);
    const rule =
      "also routes service web and was not written by the smi-adaptor; Linkerd merges its rules with the split's, and the more specific match wins; between equally specific matches for the same port, Linkerd uses the route created first (older creationTimestamp, then name)";
    const tail =
      ". A route the smi-adaptor re-creates (as at a cut-over) is newer and loses such ties. It is left as it is.";
    // The user's route is older: it wins.
    expect(
      other([theirs("by-hand", 80, "2026-01-01T00:00:00Z"), ours("2026-02-01T00:00:00Z")]),
    ).toEqual([
      `HTTPRoute by-hand ${rule}: on port 80 by-hand wins over web-smi-80 (created 2026-01-01T00:00:00Z, before 2026-02-01T00:00:00Z)${tail}`,
    ]);
    // Ours is older: it wins; a parentRef without a port covers every port.
    expect(
      other([theirs("by-hand", undefined, "2026-03-01T00:00:00Z"), ours("2026-02-01T00:00:00Z")]),
    ).toEqual([
      `HTTPRoute by-hand ${rule}: on port 80 web-smi-80 wins over by-hand (created 2026-02-01T00:00:00Z, before 2026-03-01T00:00:00Z)${tail}`,
    ]);
    // Same second: the name decides ("a-route" < "web-smi-80" < "zz-route").
    expect(
      other([
        theirs("a-route", 80, "2026-02-01T00:00:00Z"),
        theirs("zz-route", 80, "2026-02-01T00:00:00Z"),
        ours("2026-02-01T00:00:00Z"),
      ]),
    ).toEqual([
      `HTTPRoute a-route ${rule}: on port 80 a-route wins over web-smi-80 (both created 2026-02-01T00:00:00Z; a-route sorts first by name)${tail}`,
      `HTTPRoute zz-route ${rule}: on port 80 web-smi-80 wins over zz-route (both created 2026-02-01T00:00:00Z; web-smi-80 sorts first by name)${tail}`,
    ]);
    // Ours is not written yet (a re-creation): it will be the newer one.
    expect(other([theirs("by-hand", 80, "2026-03-01T00:00:00Z")])).toEqual([
      `HTTPRoute by-hand ${rule}: on port 80 by-hand wins over web-smi-80, which the smi-adaptor has yet to create and which will be newer${tail}`,
    ]);
    // Another port of the apex: no tie with the split's route.
    expect(
      other([theirs("by-hand", 9090, "2026-01-01T00:00:00Z"), ours("2026-02-01T00:00:00Z")]),
    ).toEqual([`HTTPRoute by-hand ${rule}${tail}`]);
  });

  it("a route Linkerd did not accept: a Warning naming the controller and the reason; Pending", () => {
    const rejected = stored(80, [
      {
        parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
        controllerName: "linkerd.io/policy-controller",
        conditions: [
          {
            type: "Accepted",
            status: "False",
            reason: "NoMatchingParent",
            message: "parent service must have a ClusterIP",
          },
        ],
      },
    ]);
    const d = decide(world(svc([{ port: 80 }]), { routes: [rejected] }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Warning",
        reason: "RouteNotAccepted",
        message:
          "HTTPRoute web-smi-80 is not accepted by linkerd.io/policy-controller: Accepted=False (NoMatchingParent: parent service must have a ClusterIP); Linkerd does not use it.",
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.splits[0]?.reason).toBe(
      "HTTPRoute web-smi-80: Accepted=False (NoMatchingParent: parent service must have a ClusterIP)",
    ); // A route status is what a policy-controller restart rewrites: the adaptor settles it first.
    expect(d.events.map((e) => e.settle)).toEqual(["HTTPRoute/web-smi-80/Accepted"]);
  });

  it("ResolvedRefs False: used by Linkerd, a Warning with the whole advice; Synced", () => {
    const unresolved = stored(80, [
      {
        parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
        controllerName: "linkerd.io/policy-controller",
        conditions: [
          { type: "Accepted", status: "True", reason: "Accepted" },
          { type: "ResolvedRefs", status: "False", reason: "BackendNotFound", message: "x" },
        ],
      },
    ]);
    const d = decide(world(svc([{ port: 80 }]), { routes: [unresolved] }));
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Warning",
        reason: "BackendNotFound",
        message:
          "HTTPRoute web-smi-80 is used by Linkerd, but linkerd.io/policy-controller cannot resolve all its backends: ResolvedRefs=False (BackendNotFound: x); requests sent to those backends fail with HTTP 500. Create the backend Services, or remove them from the split.",
      },
    ]);
    expect(d.splits[0]?.state).toBe("Synced");
    expect(d.events.map((e) => e.settle)).toEqual(["HTTPRoute/web-smi-80/ResolvedRefs"]);
  });

  it("a split the routes cannot express: every problem in one Warning, nothing written", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [
          {
            ...split(),
            apiVersion: "split.smi-spec.io/v1alpha4",
            spec: {
              service: "web",
              backends: [{ service: "web-v1", weight: 1 }],
              matches: [{ kind: "HTTPRouteGroup", name: "nope" }],
            },
          },
        ],
        existing: world(svc([])),
      },
      output,
    );
    const why =
      "Service web in namespace shop has no TCP port: a route's parent is a Service port; add one; spec.matches[0] names HTTPRouteGroup nope, which does not exist in namespace shop; create it or remove the match";
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("invalid");
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Warning",
        reason: "RoutesBlocked",
        message: `${why}. The routes of service web keep their last good state.`,
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.splits[0]?.reason).toBe(why);
  });

  it("the output's default opaque ports decide which ports get a TCPRoute", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split()],
        existing: world(svc([{ port: 8080 }, { port: 3306 }])),
      },
      httpRouteOutput({ defaultOpaquePorts: [8080] }),
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.apply.map((r) => [r.kind, r.metadata.name])).toEqual([
      ["TCPRoute", "web-smi-8080"],
      ["HTTPRoute", "web-smi-3306"],
    ]);
  });
});

describe("httpRouteOutput: backends that do not exist", () => {
  it("one missing backend: a Warning when routes are written", () => {
    const d = decide(world(svc([{ port: 80 }])), { serviceExists: (n) => n !== "web-v2" });
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Warning",
        reason: "BackendNotFound",
        message:
          "backend Service web-v2 not found in namespace shop; the routes name it anyway, and Linkerd fails requests sent there until it exists.",
      },
      CREATED_80,
    ]);
    // Not a route status: reported at once.
    expect(d.events.map((e) => e.settle)).toEqual([undefined, undefined]);
  });

  it("two missing backends: the plural", () => {
    const d = decide(world(svc([{ port: 80 }])), { serviceExists: () => false });
    expect(d.events[0]?.message).toBe(
      "backend Services web-v1, web-v2 not found in namespace shop; the routes name them anyway, and Linkerd fails requests sent there until they exist.",
    );
  });

  it("routes in step: no Warning again; a delete alone: the Warning again", () => {
    const exists = { serviceExists: (n: string) => n !== "web-v2" };
    const quiet = decide(world(svc([{ port: 80 }]), { routes: [stored(80)] }), exists);
    expect(quiet.events).toEqual([]);
    const shrunk = decide(world(svc([{ port: 80 }]), { routes: [stored(80), stored(81)] }), exists);
    if (shrunk.action.kind !== "sync") throw new Error("expected a sync");
    expect(shrunk.action.apply).toEqual([]);
    expect(shrunk.action.delete.map((r) => r.name)).toEqual(["web-smi-81"]);
    expect(shrunk.events.map((e) => e.reason)).toEqual(["BackendNotFound", "Deleted"]);
  });
});

describe("httpRouteOutput: the cut-over from ServiceProfiles", () => {
  it("the adaptor's own profile is deleted, with the routes named in the CutOver Event", () => {
    const d = decide(
      world(svc([{ port: 80 }, { port: 5432 }]), {
        profiles: [profile(PROFILE, NS, { dstOverrides: OVERRIDES }, ["smi-adaptor"])],
      }),
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({
      kind: "delete",
      namespace: NS,
      name: PROFILE,
      uid: `uid-${NS}-${PROFILE}`,
      resourceVersion: "3",
    });
    expect(d.events.map((e) => e.reason)).toEqual(["CutOver", "Created", "Created"]);
    expect(d.events[0]?.message).toBe(
      `Service web moves from ServiceProfile ${PROFILE} to HTTPRoute web-smi-80, TCPRoute web-smi-5432: the profile the adaptor created is deleted. ${CACHE}`,
    );
  });

  it("dstOverrides the adaptor took over are given back, and then may shadow the routes", () => {
    const taken = profile(PROFILE, NS, { dstOverrides: OVERRIDES }, ["smi-adaptor"]);
    const kept = {
      ...taken,
      metadata: {
        ...taken.metadata,
        annotations: {
          "smi.linkerd.io/previous-dst-overrides":
            '{"manager":"kubectl-client-side-apply","dstOverrides":[{"authority":"web-v1.shop.svc.cluster.local","weight":"1"}]}',
        },
      },
    };
    const d = decide(world(svc([{ port: 80 }]), { profiles: [kept] }));
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({
      kind: "restore",
      namespace: NS,
      name: PROFILE,
      resourceVersion: "3",
      manager: "kubectl-client-side-apply",
      dstOverrides: [{ authority: "web-v1.shop.svc.cluster.local", weight: "1" }],
    });
    expect(d.events.map((e) => e.reason)).toEqual([
      "CutOver",
      "ShadowedByServiceProfile",
      "Created",
    ]);
    expect(d.events[0]?.message).toBe(
      `Service web moves from ServiceProfile ${PROFILE} to HTTPRoute web-smi-80: the dstOverrides the adaptor had taken over are given back to kubectl-client-side-apply (if any of them is non-zero, proxies keep using the profile: remove them to let the routes decide). ${CACHE}`,
    );
  });

  it("a profile with user routes is cleared; only its routes shadow, and another profile's overrides do", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [
          profile(PROFILE, NS, { dstOverrides: OVERRIDES, routes: USER_ROUTES }, [
            "smi-adaptor",
            "kubectl",
          ]),
          profile(PROFILE, "clients", { dstOverrides: OVERRIDES }, ["kubectl"]),
        ],
      }),
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.result).toBe("updated");
    expect(d.action.apply).toEqual([]);
    expect(d.action.delete).toEqual([]);
    expect(d.action.profile).toEqual({
      kind: "clear",
      namespace: NS,
      name: PROFILE,
      resourceVersion: "3",
    });
    expect(d.events.map(({ type, reason, message }) => ({ type, reason, message }))).toEqual([
      {
        type: "Normal",
        reason: "CutOver",
        message: `Service web moves from ServiceProfile ${PROFILE} to HTTPRoute web-smi-80: the dstOverrides the adaptor wrote are removed. ${CACHE}`,
      },
      {
        type: "Warning",
        reason: "ShadowedByServiceProfile",
        message: `ServiceProfile ${PROFILE} in namespace shop has routes, so proxies use it instead of the routes for web and ignore the split; remove its routes (or delete it) to let the routes apply. ${CACHE}`,
      },
      {
        type: "Warning",
        reason: "ShadowedByServiceProfile",
        message: `ServiceProfile ${PROFILE} in namespace clients has non-zero dstOverrides, so proxies in namespace clients use it instead of the routes for web and ignore the split; remove its non-zero dstOverrides (or delete it) to let the routes apply. ${CACHE}`,
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.splits[0]?.reason).toBe(
      `ServiceProfile ${PROFILE} in namespace shop shadows the routes; ServiceProfile ${PROFILE} in namespace clients shadows the routes`,
    );
  });

  it("routes in step and the adaptor's profile still there: the profile alone is the change", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [profile(PROFILE, NS, { dstOverrides: OVERRIDES }, ["smi-adaptor"])],
      }),
    );
    expect(d.action).toEqual({
      kind: "sync",
      namespace: NS,
      apply: [],
      delete: [],
      profile: {
        kind: "delete",
        namespace: NS,
        name: PROFILE,
        uid: `uid-${NS}-${PROFILE}`,
        resourceVersion: "3",
      },
    });
    expect(d.result).toBe("updated");
    expect(d.events.map((e) => e.reason)).toEqual(["CutOver"]);
  });

  it("the adaptor's profile name in another namespace is not its own: reported, not touched", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [profile(PROFILE, "clients", { dstOverrides: OVERRIDES }, ["smi-adaptor"])],
      }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.map((e) => e.reason)).toEqual(["ShadowedByServiceProfile"]);
  });

  it("another profile of ours in the namespace (another apex) is not touched", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [
          profile("api.shop.svc.cluster.local", NS, { dstOverrides: OVERRIDES }, ["smi-adaptor"]),
        ],
      }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.map((e) => e.reason)).toEqual(["ShadowedByServiceProfile"]);
  });

  it("the apex's profile written by someone else is never cleared; its overrides shadow", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [profile(PROFILE, NS, { dstOverrides: OVERRIDES }, ["kubectl"])],
      }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.map(({ reason, message }) => ({ reason, message }))).toEqual([
      {
        reason: "ShadowedByServiceProfile",
        message: `ServiceProfile ${PROFILE} in namespace shop has non-zero dstOverrides, so proxies use it instead of the routes for web and ignore the split; remove its non-zero dstOverrides (or delete it) to let the routes apply. ${CACHE}`,
      },
    ]);
  });

  it("the adaptor's profile with no dstOverrides left: no cut-over, its routes still shadow", () => {
    const d = decide(
      world(svc([{ port: 80 }]), {
        routes: [stored(80)],
        profiles: [
          profile(PROFILE, NS, { dstOverrides: [], routes: USER_ROUTES }, [
            "smi-adaptor",
            "kubectl",
          ]),
        ],
      }),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events.map((e) => e.reason)).toEqual(["ShadowedByServiceProfile"]);
  });

  it("another cluster domain names the adaptor's profile accordingly", () => {
    const own = "web.shop.svc.example.org";
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split()],
        existing: world(svc([{ port: 80 }]), {
          routes: [stored(80)],
          profiles: [profile(own, NS, { dstOverrides: OVERRIDES }, ["smi-adaptor"])],
        }),
      },
      httpRouteOutput({ clusterDomain: "example.org" }),
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({
      kind: "delete",
      namespace: NS,
      name: own,
      uid: `uid-${NS}-${own}`,
      resourceVersion: "3",
    });
    expect(d.events[0]?.message).toBe(
      `Service web moves from ServiceProfile ${own} to HTTPRoute web-smi-80: the profile the adaptor created is deleted. ${CACHE}`,
    );
  });
});
