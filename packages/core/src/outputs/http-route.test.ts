import { describe, expect, it } from "vitest";
import {
  NS,
  PROFILE,
  profileManagedBy as profile,
  routeWorld as world,
  serviceLike as svc,
  storedRoute as stored,
  trafficSplit,
  USER_ROUTES,
} from "../../test/fixtures.js";
import {
  decideApex,
  httpRouteOutput,
  isAdaptorRoute,
  shadowingOf,
  type HttpRoute,
  type Route,
  type RouteAction,
  type RouteWorld,
  type ServiceProfile,
  type Winner,
} from "../index.js";
import type { ParsedTrafficSplit } from "../parse.js";

// The Gateway API output. Every expected route and value below is written by hand from the
// issue's rules, design.md (Outputs: Gateway API; precedence and cut-over), Gateway API v1.2.1
// and what Linkerd's policy controller and proxy do with routes and profiles; none is computed
// by the code under test.

const output = httpRouteOutput();
const CACHE =
  "Client proxies that already resolved the service may keep using what they chose before until their cache entry expires (linkerd/linkerd2#11032); restart the client workloads (kubectl rollout restart) to make them switch now.";

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

// The 9/1 split web-split of web, and what the adaptor writes for it.
const webSplit = () =>
  trafficSplit("web-split", [
    ["web-v1", 9],
    ["web-v2", 1],
  ]);
const LABELS = labels("web");
const OWNER = {
  apiVersion: "split.smi-spec.io/v1alpha2",
  kind: "TrafficSplit",
  name: "web-split",
  uid: "uid-web-split",
  controller: true,
};
const OWNERS = [OWNER];
const ref = (name: string, port: number, weight: number) => ({
  group: "" as const,
  kind: "Service" as const,
  name,
  port,
  weight,
});

function decide(existing: RouteWorld, extra: { serviceExists?: (n: string) => boolean } = {}) {
  return decideApex(
    { namespace: NS, apex: "web", splits: [webSplit()], existing, ...extra },
    output,
  );
}

const OVERRIDES = [
  { authority: "web-v1.shop.svc.cluster.local", weight: "9" },
  { authority: "web-v2.shop.svc.cluster.local", weight: "1" },
];

const CREATED_80 = {
  type: "Normal",
  reason: "Created",
  message: "Created HTTPRoute web-smi-80 (web-v1:9, web-v2:1 on port 80).",
};

describe("httpRouteOutput: routes of the scenarios", () => {
  it("the seeds' backend-split (v1alpha2, 500/500, the apex is a backend)", () => {
    const s = trafficSplit(
      "backend-split",
      [
        ["backend-svc", 500],
        ["failing-svc", 500],
      ],
      { service: "backend-svc" },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "backend-svc",
        splits: [s],
        existing: world(svc([{ port: 8080 }], { name: "backend-svc" })),
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
    const s = trafficSplit(
      "podinfo",
      [
        ["podinfo-primary", "90"],
        ["podinfo-canary", "10"],
      ],
      { apiVersion: "split.smi-spec.io/v1alpha1", service: "podinfo" },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "podinfo",
        splits: [s],
        existing: world(svc([{ port: 9898 }], { name: "podinfo" })),
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
    const s = trafficSplit(
      "q",
      [
        ["a", "500m"],
        ["b", "0.25"],
        ["c", "1Ki"],
      ],
      { apiVersion: "split.smi-spec.io/v1alpha1" },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc([{ port: 80 }], { name: "web" })),
      },
      output,
    );
    // In thousandths: 500, 250, 1,024,000 -> 1,024,000 > 1,000,000; gcd 250 -> 2, 1, 4096.
    expect(applied(d.action)[0]?.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([
      2, 1, 4096,
    ]);
  });

  it("Argo Rollouts: the apex is a backend, three backends", () => {
    const s = trafficSplit(
      "rollouts-demo",
      [
        ["rollouts-demo", 50],
        ["rollouts-demo-canary", 30],
        ["rollouts-demo-stable", 20],
      ],
      { apiVersion: "split.smi-spec.io/v1alpha3", service: "rollouts-demo" },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "rollouts-demo",
        splits: [s],
        existing: world(svc([{ port: 80 }], { name: "rollouts-demo" })),
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
    const apexSvc = svc([{ port: 8080 }], { name: "db" });
    const first = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [
          trafficSplit(
            "db",
            [
              ["db", 1],
              ["db-remote", 0],
            ],
            { service: "db" },
          ),
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
          trafficSplit(
            "db",
            [
              ["db", 0],
              ["db-remote", 1],
            ],
            { service: "db" },
          ),
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
          trafficSplit(
            "db",
            [
              ["db", 0],
              ["db-remote", 0],
            ],
            { service: "db" },
          ),
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
    const s = trafficSplit("web", [
      ["web-v1", 3],
      ["web-v2", 1],
    ]);
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(
          svc(
            [
              { port: 80 },
              { port: 9090, appProtocol: "kubernetes.io/h2c" },
              { port: 53, protocol: "UDP" },
            ],
            { name: "web" },
          ),
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
    const s = trafficSplit(
      "db",
      [
        ["db-a", 1],
        ["db-b", 1],
      ],
      { service: "db" },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "db",
        splits: [s],
        existing: world(
          svc(
            [
              { port: 5000, appProtocol: "linkerd.io/opaque" },
              { port: 6000 },
              { port: 3306 },
              { port: 7000, appProtocol: "http" },
            ],
            { name: "db", annotations: { "config.linkerd.io/opaque-ports": "6000,7000" } },
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
        existing: world(svc([{ port: 3306 }], { name: "db" }), { tcpRouteServed: false }),
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
        splits: [trafficSplit("web", [["a", 1]])],
        existing: world(svc([{ port: 80 }], { name: "web" })),
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
          trafficSplit("web", [
            ["a", 1],
            ["b", 1],
          ]),
        ],
        existing: world(svc([{ port: 80 }, { port: 81 }], { name: "web" }), {
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
    const s = trafficSplit(
      "web",
      [
        ["web-v1", 80],
        ["web-v2", 20],
      ],
      {
        apiVersion: "split.smi-spec.io/v1alpha4",
        spec: {
          matches: [
            { kind: "HTTPRouteGroup", name: "ios" },
            { kind: "HTTPRouteGroup", name: "old" },
          ],
        },
      },
    );
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc([{ port: 80 }], { name: "web" }), { routeGroup: groups }),
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
    const s = trafficSplit("web", [["web-v1", 1]], {
      apiVersion: "split.smi-spec.io/v1alpha4",
      spec: { matches: [{ kind: "HTTPRouteGroup", name: "nope" }] },
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc([{ port: 80 }], { name: "web" }), { routeGroup: groups }),
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
    const s = trafficSplit("web", [["web-v1", 1]], {
      apiVersion: "split.smi-spec.io/v1alpha4",
      spec: { matches: [{ kind: "HTTPRouteGroup", name: "ios" }] },
    });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [s],
        existing: world(svc([{ port: 80 }], { name: "web" }), { routeGroup: () => bad }),
      },
      output,
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.events[0]?.message).toContain('"FETCH"');
  });
});

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
          rules: [{ matches: [root], backendRefs: [ref("web-v1", 80, 8), ref("web-v2", 80, 2)] }],
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
            ...webSplit(),
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
        splits: [webSplit()],
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

describe("httpRouteOutput: cut-over and ownership", () => {
  const s = trafficSplit("web", [
    ["web-v1", 1],
    ["web-v2", 1],
  ]);
  const apexSvc = svc([{ port: 80 }], { name: "web" });
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

  function asStored(route: Route, status?: HttpRoute["status"]): Route {
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
    const accepted = asStored(first[0] as Route, {
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
    const rejected = asStored(first[0] as Route, {
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
    const unresolved = asStored(first[0] as Route, {
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
    const refusedElsewhere = asStored(first[0] as Route, {
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
    const sparse = asStored({
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
          existing: world(svc([{ port: 80 }, { port: 81 }], { name: "web" })),
        },
        output,
      ).action,
    ).map((r) => asStored(r));
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
      { namespace: NS, apex: "web", splits: [s], existing: world(undefined, { apex: "missing" }) },
      output,
    );
    expect(missing.action).toEqual({ kind: "none" });
    expect(missing.events[0]?.message).toContain("Service web does not exist in namespace shop");
    const many = trafficSplit(
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
        splits: [webSplit()],
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
