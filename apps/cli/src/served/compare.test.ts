import { describe, expect, it } from "vitest";
import { compareServed } from "./compare.js";
import type { ServedPolicy, ServedRoute } from "./policy.js";
import { encodeTrafficSpec } from "./policy.js";

const svc = (name: string, port = 80) => ({
  group: "core",
  kind: "Service",
  name,
  namespace: "shop",
  port,
});

const httpRoute = (name: string, backends: [string, number][]): ServedRoute => ({
  metadata: { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name, namespace: "shop" },
  rules: [
    {
      matches: ["PathPrefix /"],
      distribution: "random_available",
      backends: backends.map(([n, weight]) => ({ metadata: svc(n), weight })),
    },
  ],
});

const detect = (routes: ServedRoute[]): ServedPolicy => ({
  protocol: "detect",
  metadata: svc("web"),
  routes: { http1: routes, http2: routes, opaque: [] },
});

// Flagger's 90/10 as the adaptor writes it: route weights 90 and 10.
const expected = {
  port: 80,
  backends: [
    { service: "web-v1", weight: "90", routeWeight: 90, percent: 90 },
    { service: "web-v2", weight: "10", routeWeight: 10, percent: 10 },
  ],
  leftOut: [],
};
const base = {
  namespace: "shop",
  split: "web-split",
  apex: "web",
  expected,
  route: { kind: "HTTPRoute" as const, name: "web-smi-80" },
};

describe("compareServed", () => {
  it("no problem when Linkerd serves the adaptor's route with the split's weights", () => {
    const c = compareServed({
      ...base,
      served: detect([
        httpRoute("web-smi-80", [
          ["web-v1", 90],
          ["web-v2", 10],
        ]),
      ]),
    });
    expect(c.problems).toEqual([]);
    expect(c.served).toEqual({
      protocol: "detect",
      route: "HTTPRoute/web-smi-80",
      backends: [
        { service: "web-v1", weight: 90, percent: 90 },
        { service: "web-v2", weight: 10, percent: 10 },
      ],
    });
    expect(c.expected.route).toBe("HTTPRoute/web-smi-80");
  });

  it("names the default route when Linkerd does not serve ours (an HTTPRoute on an opaque port)", () => {
    const c = compareServed({
      ...base,
      served: {
        protocol: "opaque",
        metadata: svc("web"),
        routes: {
          opaque: [
            {
              metadata: { default: "opaq" },
              rules: [
                {
                  matches: [],
                  distribution: "first_available",
                  backends: [{ metadata: svc("web") }],
                },
              ],
            },
          ],
        },
      },
    });
    expect(c.problems).toEqual([
      "Linkerd serves default opaq on port 80 (protocol opaque), not HTTPRoute web-smi-80",
      "on port 80 Linkerd serves web 1 (100.00%); the split asks for web-v1 90 (90.00%), web-v2 10 (10.00%)",
    ]);
    expect(c.served.backends).toEqual([{ service: "web", weight: 1, percent: 100 }]);
  });

  it("reports shares that differ (a backend dropped by Linkerd)", () => {
    const c = compareServed({
      ...base,
      served: detect([httpRoute("web-smi-80", [["web-v1", 90]])]),
    });
    expect(c.problems).toEqual([
      "on port 80 Linkerd serves web-v1 90 (100.00%); the split asks for web-v1 90 (90.00%), web-v2 10 (10.00%)",
    ]);
  });

  it("takes the rules that carry the split's backends, not the catch-all to the apex (matches)", () => {
    const route: ServedRoute = {
      ...httpRoute("web-smi-80", []),
      rules: [
        {
          matches: ["PathPrefix /api"],
          distribution: "random_available",
          backends: [
            { metadata: svc("web-v1"), weight: 90 },
            { metadata: svc("web-v2"), weight: 10 },
          ],
        },
        {
          matches: ["PathPrefix /"],
          distribution: "random_available",
          backends: [{ metadata: svc("web"), weight: 1 }],
        },
      ],
    };
    expect(compareServed({ ...base, served: detect([route]) }).problems).toEqual([]);
  });
});

describe("encodeTrafficSpec", () => {
  it("writes source_workload as field 1 and authority as field 3 (length-delimited)", () => {
    // 0x0a = field 1, wire type 2; 0x1a = field 3, wire type 2; then the lengths (3 and 10).
    expect([...encodeTrafficSpec({ sourceWorkload: "a:b", authority: "w.n.svc:80" })]).toEqual([
      0x0a,
      3,
      ..."a:b".split("").map((c) => c.charCodeAt(0)),
      0x1a,
      10,
      ..."w.n.svc:80".split("").map((c) => c.charCodeAt(0)),
    ]);
  });
});
