import { describe, expect, it } from "vitest";
import type {
  Route,
  ServiceLike,
  ServiceProfile,
  TrafficSplitObject as TrafficSplit,
} from "@linkerd-smi/core";
import { serviceProfile, trafficSplit } from "../../test/fixtures.js";
import { clusterDomainFromArgs, splitStatuses, type ClusterView } from "./collect.js";

describe("clusterDomainFromArgs", () => {
  it.each<[string[], string | undefined]>([
    [["-cluster-domain=cluster.local"], "cluster.local"],
    [["-worker-threads=2", "--cluster-domain=example.org"], "example.org"],
    [["-cluster-domain", "example.org"], "example.org"],
    [["--cluster-domain"], undefined],
    [["-log-level=debug"], undefined],
    [[], undefined],
  ])("%j -> %j", (args, domain) => {
    expect(clusterDomainFromArgs(args)).toBe(domain);
  });
});

// Splits as status reads them from the cluster: no kind, created in 2024.
const split = (
  namespace: string,
  name: string,
  service: string,
  created = "2024-01-01T00:00:00Z",
) =>
  trafficSplit(namespace, name, service, [[`${service}-v1`, 1]], {
    apiVersion: null,
    kind: false,
    created,
  }) as TrafficSplit;

describe("splitStatuses", () => {
  it("judges each split within its namespace and sorts by namespace, then name", () => {
    const profiles: ServiceProfile[] = [serviceProfile("b", "web", [["web-v1", "1"]])];
    const rows = splitStatuses(
      [
        split("b", "web", "web"),
        split("a", "zeta", "web"),
        split("a", "alpha", "web", "2024-02-01T00:00:00Z"),
      ],
      profiles,
    );
    expect(rows.map((r) => [r.namespace, r.name, r.state])).toEqual([
      ["a", "alpha", "Conflict"],
      ["a", "zeta", "Pending"],
      ["b", "web", "Synced"],
    ]);
    expect(rows[2]).toEqual({
      namespace: "b",
      name: "web",
      apex: "web",
      target: "serviceprofile",
      targetSource: "default",
      serviceProfile: "web.b.svc.cluster.local",
      backends: [{ service: "web-v1", weight: "1", percent: 100 }],
      state: "Synced",
      reason: "ServiceProfile web.b.svc.cluster.local has the split's dstOverrides",
    });
  });

  it("looks for profiles under the given cluster domain", () => {
    const rows = splitStatuses([split("b", "web", "web")], [], "example.org");
    expect(rows[0]?.reason).toContain("web.b.svc.example.org does not exist yet");
  });
});

describe("splitStatuses: the weights Linkerd uses", () => {
  const big = (weights: (number | string)[], apiVersion = "split.smi-spec.io/v1alpha2") =>
    trafficSplit(
      "shop",
      "big",
      "web",
      weights.map((weight, i) => [`web-v${i + 1}`, weight] as const),
      { apiVersion, kind: false, created: "2024-01-01T00:00:00Z" },
    ) as TrafficSplit;

  it("shows the scaled weights the ServiceProfile carries when the total overflows", () => {
    // 1e9m + 3e9m is over 429496729m; the reduced ratio 1:3 scales by 429496729 / 4 = 107374182.
    const [row] = splitStatuses([big([1000000, 3000000])], []);
    expect(row?.weightsScaled).toBe(true);
    expect(row?.backends).toEqual([
      // The split's weights as status has always shown them (canonical quantities).
      { service: "web-v1", weight: "1M", percent: 25, written: "107374182m" },
      { service: "web-v2", weight: "3M", percent: 75, written: "322122546m" },
    ]);
  });

  it("keeps a 1m weight non-zero when the ratio cannot be kept exactly", () => {
    const [row] = splitStatuses([big(["429496729m", "1m"], "split.smi-spec.io/v1alpha1")], []);
    expect(row?.backends.map((b) => b.written)).toEqual(["429496726m", "1m"]);
  });

  it("says nothing when the weights fit", () => {
    const [row] = splitStatuses([big([429496, 0])], []);
    expect(row?.weightsScaled).toBeUndefined();
    expect(row?.backends.map((b) => b.written)).toEqual([undefined, undefined]);
  });
});

describe("splitStatuses: httproute splits", () => {
  const ns = "shop";
  const svc = (name: string, ports = [80]): ServiceLike => ({
    metadata: { name, namespace: ns },
    spec: { clusterIP: "10.0.0.1", ports: ports.map((port) => ({ port })) },
  });
  const services = new Map(
    [svc("web"), svc("web-v1"), svc("web-v2")].map((s) => [`${ns}/${s.metadata?.name ?? ""}`, s]),
  );
  const canary = (annotations?: Record<string, string>, matches?: unknown[]) =>
    trafficSplit(
      ns,
      "canary",
      "web",
      [
        ["web-v1", 900],
        ["web-v2", 100],
      ],
      {
        kind: false,
        created: "2024-01-01T00:00:00Z",
        annotations,
        spec: matches === undefined ? undefined : { matches },
      },
    ) as TrafficSplit;
  const accepted = [
    { type: "Accepted", status: "True", reason: "Accepted", message: "" },
    { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs", message: "" },
  ];
  // The route the adaptor writes for port 80 of web, as Linkerd's policy controller sees it.
  type Condition = { type: string; status: string; reason?: string; message?: string };
  const route = (
    conditions?: Condition[],
    controllerName = "linkerd.io/policy-controller",
  ): Route => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: "web-smi-80",
      namespace: ns,
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
      annotations: { "smi.linkerd.io/traffic-split": "canary" },
    },
    spec: {
      parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { group: "", kind: "Service", name: "web-v1", port: 80, weight: 900 },
            { group: "", kind: "Service", name: "web-v2", port: 80, weight: 100 },
          ],
        },
      ],
    },
    ...(conditions === undefined
      ? {}
      : {
          status: {
            parents: [
              {
                parentRef: { group: "core", kind: "Service", namespace: ns, name: "web", port: 80 },
                controllerName,
                conditions: conditions.map((c) => ({
                  lastTransitionTime: "2024-01-01T00:00:00Z",
                  ...c,
                })),
              },
            ],
          },
        }),
  });
  const view = (routes: Route[], over: Partial<ClusterView> = {}): ClusterView => ({
    services,
    routes,
    gatewayApi: { httpRoute: "v1", tcpRoute: true, httpRouteGroup: false },
    ...over,
  });
  const judge = (split: TrafficSplit, v: ClusterView, profiles: ServiceProfile[] = []) =>
    splitStatuses([split], profiles, "cluster.local", new Set(services.keys()), v)[0];

  it("RouteAccepted when the policy controller accepted the route and resolved its backends", () => {
    const row = judge(canary({ "smi.linkerd.io/target": "httproute" }), view([route(accepted)]));
    expect(row?.target).toBe("httproute");
    expect(row?.targetSource).toBe("annotation");
    expect(row?.state).toBe("RouteAccepted");
    expect(row?.serviceProfile).toBeUndefined();
    expect(row?.routes).toEqual([
      {
        kind: "HTTPRoute",
        name: "web-smi-80",
        port: 80,
        state: "RouteAccepted",
        conditions: [
          { type: "Accepted", status: "True", reason: "Accepted" },
          { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
        ],
      },
    ]);
    expect(row?.reason).toBe("HTTPRoute web-smi-80 is accepted by linkerd.io/policy-controller");
  });

  it("RouteNotAccepted with the condition's reason and message", () => {
    const row = judge(
      canary(),
      view(
        [
          route([
            {
              type: "Accepted",
              status: "False",
              reason: "NoMatchingParent",
              message: "parent service must have a ClusterIP",
            },
            { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
          ]),
        ],
        { adaptorTarget: "httproute" },
      ),
    );
    expect(row?.targetSource).toBe("adaptor");
    expect(row?.state).toBe("RouteNotAccepted");
    expect(row?.reason).toBe(
      "HTTPRoute web-smi-80 is not accepted by linkerd.io/policy-controller: Accepted=False (NoMatchingParent: parent service must have a ClusterIP); Linkerd does not use it",
    );
  });

  it("RouteRefsNotResolved when Accepted but a backend does not resolve: Linkerd still serves the route", () => {
    const row = judge(
      canary(),
      view(
        [
          route([
            { type: "Accepted", status: "True", reason: "Accepted" },
            { type: "ResolvedRefs", status: "False", reason: "BackendNotFound" },
          ]),
        ],
        { adaptorTarget: "httproute" },
      ),
    );
    expect(row?.state).toBe("RouteRefsNotResolved");
    expect(row?.reason).toBe(
      "HTTPRoute web-smi-80 is used by Linkerd, but linkerd.io/policy-controller cannot resolve all its backends: ResolvedRefs=False (BackendNotFound); requests sent to those backends fail with HTTP 500",
    );
  });

  it("RoutePending before the policy controller wrote a status, or when only another controller did", () => {
    const split = canary({ "smi.linkerd.io/target": "httproute" });
    expect(judge(split, view([route()]))?.state).toBe("RoutePending");
    const other = judge(split, view([route(accepted, "example.com/gateway-controller")]));
    expect(other?.state).toBe("RoutePending");
    expect(other?.reason).toBe(
      "HTTPRoute web-smi-80 has no status from linkerd.io/policy-controller yet: is Linkerd 2.15 or later installed, and its policy controller running?",
    );
  });

  it("Pending when the adaptor has not written the route yet, or the CRD is not served", () => {
    const split = canary({ "smi.linkerd.io/target": "httproute" });
    const row = judge(split, view([]));
    expect(row?.state).toBe("Pending");
    expect(row?.reason).toContain("HTTPRoute web-smi-80 does not exist yet");
    const noCrd = judge(
      split,
      view([], { gatewayApi: { tcpRoute: false, httpRouteGroup: false } }),
    );
    expect(noCrd?.state).toBe("Pending");
    expect(noCrd?.reason).toContain(
      "does not serve httproutes.gateway.networking.k8s.io (v1 or v1beta1)",
    );
  });

  it("names a ServiceProfile that shadows the routes", () => {
    const shadow: ServiceProfile = {
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: { namespace: "clients", name: "web.shop.svc.cluster.local" },
      spec: { routes: [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }] },
    };
    const row = judge(
      canary({ "smi.linkerd.io/target": "httproute" }),
      view([route(accepted)], { allProfiles: [shadow] }),
    );
    expect(row?.shadowedBy).toEqual([
      { profile: "clients/web.shop.svc.cluster.local", why: "routes" },
    ]);
  });

  it("an invalid annotation falls back to the adaptor's target and says so", () => {
    const row = judge(canary({ "smi.linkerd.io/target": "gateway" }), view([]));
    expect(row?.target).toBe("serviceprofile");
    expect(row?.targetSource).toBe("default");
    expect(row?.reason).toContain(
      'annotation smi.linkerd.io/target: "gateway" is not one of serviceprofile, httproute',
    );
  });

  it("a serviceprofile split with matches says to use httproute", () => {
    const row = judge(canary(undefined, [{ kind: "HTTPRouteGroup", name: "api" }]), view([]));
    expect(row?.target).toBe("serviceprofile");
    expect(row?.matchesIgnored).toBe(true);
    expect(row?.reason).toContain(
      "spec.matches cannot be expressed in a ServiceProfile, so the split applies to every request to web: set the annotation smi.linkerd.io/target: httproute",
    );
  });
});
