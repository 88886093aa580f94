import { describe, expect, it } from "vitest";
import {
  decideApex,
  httpRouteOutput,
  type HttpRoute,
  type Route,
  type RouteAction,
  type RouteWorld,
  type ServiceLike,
  type TrafficSplitObject,
} from "../index.js";
import { profile } from "../../test/profiles.js";

// Every expected route below is written by hand from the rules and Gateway API v1.2.1;
// none is computed by the code under test.

const NS = "shop";
const output = httpRouteOutput();

function split(
  name: string,
  apiVersion: string,
  service: string,
  backends: [string, number | string][],
  extra: { matches?: { kind: string; name: string }[]; created?: string } = {},
): TrafficSplitObject {
  return {
    apiVersion,
    kind: "TrafficSplit",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      creationTimestamp: extra.created ?? "2026-01-01T00:00:00Z",
    },
    spec: {
      service,
      backends: backends.map(([s, weight]) => ({ service: s, weight })),
      ...(extra.matches === undefined ? {} : { matches: extra.matches }),
    },
  };
}

function svc(
  name: string,
  ports: { port: number; appProtocol?: string; protocol?: string }[],
  annotations?: Record<string, string>,
): ServiceLike {
  return {
    metadata: { name, namespace: NS, ...(annotations === undefined ? {} : { annotations }) },
    spec: { clusterIP: "10.0.0.1", ports },
  };
}

function world(service: ServiceLike | undefined, extra: Partial<RouteWorld> = {}): RouteWorld {
  const apex = service?.metadata?.name ?? "missing";
  return { namespace: NS, apex, service, routes: [], ...extra };
}

const labels = (apex: string) => ({
  "app.kubernetes.io/managed-by": "smi-adaptor",
  "smi.linkerd.io/apex": apex,
});
const owner = (name: string, apiVersion: string) => [
  { apiVersion, kind: "TrafficSplit", name, uid: `uid-${name}`, controller: true },
];
const root = { path: { type: "PathPrefix", value: "/" } };

function applied(action: RouteAction): readonly Route[] {
  if (action.kind !== "sync") throw new Error(`expected a sync, got ${action.kind}`);
  return action.apply;
}

describe("httpRouteOutput: routes of the scenarios", () => {
  it("the seeds' backend-split (v1alpha2, 500/500, the apex is a backend)", () => {
    const s = split("backend-split", "split.smi-spec.io/v1alpha2", "backend-svc", [
      ["backend-svc", 500],
      ["failing-svc", 500],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "backend-svc",
        splits: [s],
        existing: world(svc("backend-svc", [{ port: 8080 }])),
      },
      output,
    );
    expect(d.result).toBe("created");
    expect(applied(d.action)).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
          name: "backend-svc-smi-8080",
          namespace: NS,
          labels: labels("backend-svc"),
          annotations: { "smi.linkerd.io/traffic-split": "backend-split" },
          ownerReferences: owner("backend-split", "split.smi-spec.io/v1alpha2"),
        },
        spec: {
          parentRefs: [{ group: "core", kind: "Service", name: "backend-svc", port: 8080 }],
          rules: [
            {
              matches: [root],
              backendRefs: [
                { group: "", kind: "Service", name: "backend-svc", port: 8080, weight: 500 },
                { group: "", kind: "Service", name: "failing-svc", port: 8080, weight: 500 },
              ],
            },
          ],
        },
      },
    ]);
    expect(d.splits[0]?.state).toBe("Pending");
  });

  it("Flagger (v1alpha1 quantities, -primary/-canary) on podinfo:9898", () => {
    const s = split("podinfo", "split.smi-spec.io/v1alpha1", "podinfo", [
      ["podinfo-primary", "90"],
      ["podinfo-canary", "10"],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "podinfo",
        splits: [s],
        existing: world(svc("podinfo", [{ port: 9898 }])),
      },
      output,
    );
    const [route] = applied(d.action);
    expect(route?.metadata.ownerReferences).toEqual(owner("podinfo", "split.smi-spec.io/v1alpha1"));
    expect(route?.spec.rules).toEqual([
      {
        matches: [root],
        backendRefs: [
          { group: "", kind: "Service", name: "podinfo-primary", port: 9898, weight: 90 },
          { group: "", kind: "Service", name: "podinfo-canary", port: 9898, weight: 10 },
        ],
      },
    ]);
  });

  it("v1alpha1 fractional quantities 500m / 0.25 / 1Ki keep their ratio", () => {
    const s = split("q", "split.smi-spec.io/v1alpha1", "web", [
      ["a", "500m"],
      ["b", "0.25"],
      ["c", "1Ki"],
    ]);
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [s], existing: world(svc("web", [{ port: 80 }])) },
      output,
    );
    // In thousandths: 500, 250, 1,024,000 -> 1,024,000 > 1,000,000; gcd 250 -> 2, 1, 4096.
    expect(applied(d.action)[0]?.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([
      2, 1, 4096,
    ]);
  });

  it("Argo Rollouts: the apex is a backend, three backends", () => {
    const s = split("rollouts-demo", "split.smi-spec.io/v1alpha3", "rollouts-demo", [
      ["rollouts-demo", 50],
      ["rollouts-demo-canary", 30],
      ["rollouts-demo-stable", 20],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "rollouts-demo",
        splits: [s],
        existing: world(svc("rollouts-demo", [{ port: 80 }])),
      },
      output,
    );
    expect(applied(d.action)[0]?.spec.rules[0]?.backendRefs).toEqual([
      { group: "", kind: "Service", name: "rollouts-demo", port: 80, weight: 50 },
      { group: "", kind: "Service", name: "rollouts-demo-canary", port: 80, weight: 30 },
      { group: "", kind: "Service", name: "rollouts-demo-stable", port: 80, weight: 20 },
    ]);
  });

  it("linkerd-failover 1/0 flips: the route follows, and all-zero sends traffic to the apex", () => {
    const apexSvc = svc("db", [{ port: 8080 }]);
    const first = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [
          split("db", "split.smi-spec.io/v1alpha2", "db", [
            ["db", 1],
            ["db-remote", 0],
          ]),
        ],
        existing: world(apexSvc),
      },
      output,
    );
    const [route] = applied(first.action);
    expect(route?.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight])).toEqual([
      ["db", 1],
      ["db-remote", 0],
    ]);
    // The flip, against the route as the API server stores it.
    const stored = {
      ...route,
      metadata: { ...route?.metadata, uid: "r1", resourceVersion: "7" },
    } as Route;
    const flipped = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [
          split("db", "split.smi-spec.io/v1alpha2", "db", [
            ["db", 0],
            ["db-remote", 1],
          ]),
        ],
        existing: world(apexSvc, { routes: [stored] }),
      },
      output,
    );
    expect(flipped.result).toBe("updated");
    expect(
      applied(flipped.action)[0]?.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight]),
    ).toEqual([
      ["db", 0],
      ["db-remote", 1],
    ]);
    const zero = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [
          split("db", "split.smi-spec.io/v1alpha2", "db", [
            ["db", 0],
            ["db-remote", 0],
          ]),
        ],
        existing: world(apexSvc, { routes: [stored] }),
      },
      output,
    );
    expect(applied(zero.action)[0]?.spec.rules[0]?.backendRefs).toEqual([
      { group: "", kind: "Service", name: "db", port: 8080, weight: 1 },
    ]);
    expect(zero.events.map((e) => e.reason)).toContain("AllWeightsZero");
  });

  it("a multi-port apex gets one route per TCP port; UDP ports get none", () => {
    const s = split("web", "split.smi-spec.io/v1alpha2", "web", [
      ["web-v1", 3],
      ["web-v2", 1],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(
          svc("web", [
            { port: 80 },
            { port: 9090, appProtocol: "kubernetes.io/h2c" },
            { port: 53, protocol: "UDP" },
          ]),
        ),
      },
      output,
    );
    const routes = applied(d.action);
    expect(routes.map((r) => [r.kind, r.metadata.name, r.spec.parentRefs])).toEqual([
      ["HTTPRoute", "web-smi-80", [{ group: "core", kind: "Service", name: "web", port: 80 }]],
      ["HTTPRoute", "web-smi-9090", [{ group: "core", kind: "Service", name: "web", port: 9090 }]],
    ]);
    expect(routes[1]?.spec.rules[0]?.backendRefs.map((b) => [b.name, b.port, b.weight])).toEqual([
      ["web-v1", 9090, 3],
      ["web-v2", 9090, 1],
    ]);
  });

  it("opaque ports get a TCPRoute: appProtocol, annotation, Linkerd's defaults; appProtocol wins", () => {
    const s = split("db", "split.smi-spec.io/v1alpha2", "db", [
      ["db-a", 1],
      ["db-b", 1],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [s],
        existing: world(
          svc(
            "db",
            [
              { port: 5000, appProtocol: "linkerd.io/opaque" },
              { port: 6000 },
              { port: 3306 },
              { port: 7000, appProtocol: "http" },
            ],
            { "config.linkerd.io/opaque-ports": "6000,7000" },
          ),
        ),
      },
      output,
    );
    const routes = applied(d.action);
    // 3306 is a Linkerd default, but the annotation replaces the defaults; 7000 has an appProtocol.
    expect(routes.map((r) => [r.apiVersion, r.kind, r.metadata.name])).toEqual([
      ["gateway.networking.k8s.io/v1alpha2", "TCPRoute", "db-smi-5000"],
      ["gateway.networking.k8s.io/v1alpha2", "TCPRoute", "db-smi-6000"],
      ["gateway.networking.k8s.io/v1", "HTTPRoute", "db-smi-3306"],
      ["gateway.networking.k8s.io/v1", "HTTPRoute", "db-smi-7000"],
    ]);
    expect(routes[0]?.spec).toEqual({
      parentRefs: [{ group: "core", kind: "Service", name: "db", port: 5000 }],
      rules: [
        {
          backendRefs: [
            { group: "", kind: "Service", name: "db-a", port: 5000, weight: 1 },
            { group: "", kind: "Service", name: "db-b", port: 5000, weight: 1 },
          ],
        },
      ],
    });
    const withoutAnnotation = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [s],
        existing: world(svc("db", [{ port: 3306 }]), { tcpRouteServed: false }),
      },
      output,
    );
    // Linkerd's default opaque port, and no TCPRoute CRD: no route, a Warning naming the CRD.
    expect(withoutAnnotation.action).toEqual({ kind: "none" });
    const crd = withoutAnnotation.events.find((e) => e.reason === "CRDMissing");
    expect(crd?.message).toContain("tcproutes.gateway.networking.k8s.io");
  });

  it("writes v1beta1 when asked", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split("web", "split.smi-spec.io/v1alpha2", "web", [["a", 1]])],
        existing: world(svc("web", [{ port: 80 }])),
      },
      httpRouteOutput({ apiVersion: "v1beta1" }),
    );
    expect(applied(d.action)[0]?.apiVersion).toBe("gateway.networking.k8s.io/v1beta1");
  });

  it("a backend that does not expose the apex's port is left out of that port's route", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [
          split("web", "split.smi-spec.io/v1alpha2", "web", [
            ["a", 1],
            ["b", 1],
          ]),
        ],
        existing: world(svc("web", [{ port: 80 }, { port: 81 }]), {
          backendPorts: (name) => (name === "a" ? [80, 81] : name === "b" ? [80] : undefined),
        }),
      },
      output,
    );
    const routes = applied(d.action);
    expect(routes[1]?.spec.rules[0]?.backendRefs.map((b) => b.name)).toEqual(["a"]);
    expect(d.events.find((e) => e.reason === "BackendPortMissing")?.message).toContain(
      "b does not expose port 81",
    );
  });
});

describe("httpRouteOutput: HTTPRouteGroup matches", () => {
  const group = {
    apiVersion: "specs.smi-spec.io/v1alpha4",
    kind: "HTTPRouteGroup",
    metadata: { name: "ios", namespace: NS },
    spec: {
      matches: [
        {
          name: "api",
          pathRegex: "/api/.*",
          methods: ["GET", "POST"],
          headers: { "user-agent": ".*iPhone.*" },
        },
        { name: "all", methods: ["*"] },
      ],
    },
  };
  const v1alpha2Group = {
    apiVersion: "specs.smi-spec.io/v1alpha2",
    kind: "HTTPRouteGroup",
    metadata: { name: "old", namespace: NS },
    matches: [{ name: "metrics", pathRegex: "/metrics" }],
  };
  const groups = (name: string) =>
    name === "ios" ? group : name === "old" ? v1alpha2Group : undefined;

  it("matching requests go to the weighted backends, the rest to the apex", () => {
    const s = split(
      "web",
      "split.smi-spec.io/v1alpha4",
      "web",
      [
        ["web-v1", 80],
        ["web-v2", 20],
      ],
      {
        matches: [
          { kind: "HTTPRouteGroup", name: "ios" },
          { kind: "HTTPRouteGroup", name: "old" },
        ],
      },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc("web", [{ port: 80 }]), { routeGroup: groups }),
      },
      output,
    );
    const header = [{ type: "RegularExpression", name: "user-agent", value: ".*iPhone.*" }];
    const regex = { type: "RegularExpression", value: "/api/.*" };
    expect(applied(d.action)[0]?.spec.rules).toEqual([
      {
        matches: [
          { path: regex, method: "GET", headers: header },
          { path: regex, method: "POST", headers: header },
          { path: { type: "PathPrefix", value: "/" } },
          { path: { type: "RegularExpression", value: "/metrics" } },
        ],
        backendRefs: [
          { group: "", kind: "Service", name: "web-v1", port: 80, weight: 80 },
          { group: "", kind: "Service", name: "web-v2", port: 80, weight: 20 },
        ],
      },
      {
        matches: [root],
        backendRefs: [{ group: "", kind: "Service", name: "web", port: 80, weight: 1 }],
      },
    ]);
  });

  it("a missing HTTPRouteGroup blocks the write and says which", () => {
    const s = split("web", "split.smi-spec.io/v1alpha4", "web", [["web-v1", 1]], {
      matches: [{ kind: "HTTPRouteGroup", name: "nope" }],
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc("web", [{ port: 80 }]), { routeGroup: groups }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.splits[0]?.state).toBe("Pending");
    expect(d.events[0]?.reason).toBe("RoutesBlocked");
    expect(d.events[0]?.message).toContain(
      "HTTPRouteGroup nope, which does not exist in namespace shop",
    );
  });

  it("a method Gateway API does not know blocks the write", () => {
    const bad = { ...group, spec: { matches: [{ name: "x", methods: ["FETCH"] }] } };
    const s = split("web", "split.smi-spec.io/v1alpha4", "web", [["web-v1", 1]], {
      matches: [{ kind: "HTTPRouteGroup", name: "ios" }],
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc("web", [{ port: 80 }]), { routeGroup: () => bad }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events[0]?.message).toContain('"FETCH"');
  });
});

describe("httpRouteOutput: cut-over and ownership", () => {
  const PROFILE = "web.shop.svc.cluster.local";
  const s = split("web", "split.smi-spec.io/v1alpha2", "web", [
    ["web-v1", 1],
    ["web-v2", 1],
  ]);
  const apexSvc = svc("web", [{ port: 80 }]);
  const overrides = [
    { authority: "web-v1.shop.svc.cluster.local", weight: "1" },
    { authority: "web-v2.shop.svc.cluster.local", weight: "1" },
  ];

  it("deletes the profile the adaptor created, and says proxies may cache their choice", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, {
          profiles: [profile(PROFILE, NS, { dstOverrides: overrides }, ["smi-adaptor"])],
        }),
      },
      output,
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({
      kind: "delete",
      namespace: NS,
      name: PROFILE,
      uid: `uid-${NS}-${PROFILE}`,
      resourceVersion: "3",
    });
    const cut = d.events.find((e) => e.reason === "CutOver");
    expect(cut?.message).toContain("linkerd/linkerd2#11032");
    expect(cut?.message).toContain("rollout restart");
    expect(d.events.some((e) => e.reason === "ShadowedByServiceProfile")).toBe(false);
  });

  it("clears only dstOverrides of a profile with user routes, and warns that its routes shadow ours", () => {
    const routes = [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }];
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, {
          profiles: [
            profile(PROFILE, NS, { dstOverrides: overrides, routes }, ["smi-adaptor", "kubectl"]),
            profile(PROFILE, "clients", { dstOverrides: [{ authority: "x", weight: "0" }] }, [
              "kubectl",
            ]),
          ],
        }),
      },
      output,
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({
      kind: "clear",
      namespace: NS,
      name: PROFILE,
      resourceVersion: "3",
    });
    const shadows = d.events.filter((e) => e.reason === "ShadowedByServiceProfile");
    // Only the profile with routes shadows; the client-side one has only a zero weight.
    expect(shadows).toHaveLength(1);
    expect(shadows[0]?.message).toContain(`ServiceProfile ${PROFILE} in namespace shop has routes`);
    expect(d.splits[0]?.state).toBe("Pending");
  });

  it("never touches a profile it did not write, but reports one that shadows the route", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, {
          profiles: [
            profile(PROFILE, "clients", { dstOverrides: [{ authority: "x", weight: "500m" }] }, [
              "kubectl",
            ]),
          ],
        }),
      },
      output,
    );
    if (d.action.kind !== "sync") throw new Error("expected a sync");
    expect(d.action.profile).toEqual({ kind: "none" });
    expect(d.events.find((e) => e.reason === "ShadowedByServiceProfile")?.message).toContain(
      "in namespace clients has non-zero dstOverrides",
    );
  });

  function stored(route: Route, status?: HttpRoute["status"]): Route {
    // As the API server returns it: uid, version, and defaults we wrote explicitly anyway.
    return {
      ...route,
      metadata: { ...route.metadata, uid: "r-uid", resourceVersion: "9" },
      ...(status === undefined ? {} : { status }),
    };
  }

  it("writes nothing when the routes are in step, and reports a route Linkerd did not accept", () => {
    const first = applied(
      decideApex({ namespace: NS, apex: "web", splits: [s], existing: world(apexSvc) }, output)
        .action,
    );
    const accepted = stored(first[0] as Route, {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
          controllerName: "linkerd.io/policy-controller",
          conditions: [
            { type: "Accepted", status: "True", reason: "Accepted" },
            { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
          ],
        },
      ],
    });
    const quiet = decideApex(
      { namespace: NS, apex: "web", splits: [s], existing: world(apexSvc, { routes: [accepted] }) },
      output,
    );
    expect(quiet.action).toEqual({ kind: "none" });
    expect(quiet.result).toBe("unchanged");
    expect(quiet.splits[0]?.state).toBe("Synced");
    const rejected = stored(first[0] as Route, {
      parents: [
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
      ],
    });
    const loud = decideApex(
      { namespace: NS, apex: "web", splits: [s], existing: world(apexSvc, { routes: [rejected] }) },
      output,
    );
    expect(loud.action).toEqual({ kind: "none" });
    expect(loud.splits[0]?.state).toBe("Pending");
    expect(loud.events.find((e) => e.reason === "RouteNotAccepted")?.message).toContain(
      "Accepted=False (NoMatchingParent: parent service must have a ClusterIP)",
    );
  });

  it("a route Accepted with ResolvedRefs False is used by Linkerd: Synced, with a BackendNotFound warning", () => {
    // What linkerd2's policy controller writes when a backend Service is missing: it still
    // serves the route (its outbound index checks Accepted only) and the missing backend
    // answers HTTP 500 for its share.
    const first = applied(
      decideApex({ namespace: NS, apex: "web", splits: [s], existing: world(apexSvc) }, output)
        .action,
    );
    const unresolved = stored(first[0] as Route, {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
          controllerName: "linkerd.io/policy-controller",
          conditions: [
            { type: "Accepted", status: "True", reason: "Accepted" },
            {
              type: "ResolvedRefs",
              status: "False",
              reason: "BackendNotFound",
              message: "backend web-v2 not found",
            },
          ],
        },
      ],
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, { routes: [unresolved] }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.splits[0]?.state).toBe("Synced");
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "BackendNotFound"]]);
    expect(d.events[0]?.message).toContain(
      "is used by Linkerd, but linkerd.io/policy-controller cannot resolve all its backends: ResolvedRefs=False (BackendNotFound: backend web-v2 not found)",
    );
  });

  it("reads only Linkerd's policy controller's entry: another controller's refusal is not Linkerd's", () => {
    const first = applied(
      decideApex({ namespace: NS, apex: "web", splits: [s], existing: world(apexSvc) }, output)
        .action,
    );
    const refusedElsewhere = stored(first[0] as Route, {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
          controllerName: "example.com/gateway-controller",
          conditions: [{ type: "Accepted", status: "False", reason: "NotAllowedByListeners" }],
        },
      ],
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, { routes: [refusedElsewhere] }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.splits[0]?.state).toBe("Synced");
    expect(d.events).toEqual([]);
  });

  it("a spec the API server defaulted compares equal (backendRef group/kind, match path type)", () => {
    const first = applied(
      decideApex({ namespace: NS, apex: "web", splits: [s], existing: world(apexSvc) }, output)
        .action,
    )[0] as HttpRoute;
    const sparse = stored({
      ...first,
      spec: {
        parentRefs: first.spec.parentRefs,
        rules: [
          {
            backendRefs: first.spec.rules[0]?.backendRefs.map(({ name, port, weight }) => ({
              name,
              port,
              weight,
            })),
          },
        ],
      },
    } as unknown as Route);
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [s], existing: world(apexSvc, { routes: [sparse] }) },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
  });

  it("never touches someone else's route: same name blocks the port, same parent is reported", () => {
    const theirs: Route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "web-smi-80", namespace: NS, uid: "t1", resourceVersion: "1" },
      spec: { parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }], rules: [] },
    };
    const other: Route = {
      ...theirs,
      metadata: { ...theirs.metadata, name: "web-canary-by-hand", uid: "t2" },
    };
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, { routes: [theirs, other] }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(
      d.events.filter((e) => e.reason === "RouteConflict").map((e) => e.message.split(" ")[1]),
    ).toEqual(["web-smi-80"]);
    expect(
      d.events.filter((e) => e.reason === "OtherRoute").map((e) => e.message.split(" ")[1]),
    ).toEqual(["web-smi-80", "web-canary-by-hand"]);
  });

  it("deletes its routes for a port that is gone, and all of them (only them) when no split is left", () => {
    const first = applied(
      decideApex(
        {
          namespace: NS,
          apex: "web",
          splits: [s],
          existing: world(svc("web", [{ port: 80 }, { port: 81 }])),
        },
        output,
      ).action,
    ).map((r) => stored(r));
    const theirs: Route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "by-hand", namespace: NS, uid: "t", resourceVersion: "1" },
      spec: { parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }], rules: [] },
    };
    const shrunk = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(apexSvc, { routes: [...first, theirs] }),
      },
      output,
    );
    if (shrunk.action.kind !== "sync") throw new Error("expected a sync");
    expect(shrunk.action.apply).toEqual([]);
    expect(shrunk.action.delete.map((r) => r.name)).toEqual(["web-smi-81"]);
    const gone = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [],
        existing: world(apexSvc, { routes: [...first, theirs] }),
      },
      output,
    );
    if (gone.action.kind !== "sync") throw new Error("expected a sync");
    expect(gone.result).toBe("deleted");
    expect(gone.action.delete).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        namespace: NS,
        name: "web-smi-80",
        uid: "r-uid",
        resourceVersion: "9",
      },
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        namespace: NS,
        name: "web-smi-81",
        uid: "r-uid",
        resourceVersion: "9",
      },
    ]);
  });

  it("a missing apex Service blocks the write; more than 16 backends make the split invalid here", () => {
    const missing = decideApex(
      { namespace: NS, apex: "web", splits: [s], existing: world(undefined) },
      output,
    );
    expect(missing.action).toEqual({ kind: "none" });
    expect(missing.events[0]?.message).toContain("Service web does not exist in namespace shop");
    const many = split(
      "web",
      "split.smi-spec.io/v1alpha2",
      "web",
      Array.from({ length: 17 }, (_, i): [string, number] => [`b${i}`, 1]),
    );
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [many], existing: world(apexSvc) },
      output,
    );
    expect(d.splits[0]?.state).toBe("Invalid");
    expect(d.splits[0]?.reason).toContain("allows 16 backendRefs");
  });
});
