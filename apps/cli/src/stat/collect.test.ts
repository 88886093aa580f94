import { describe, expect, it } from "vitest";
import type { SplitStatus } from "../status/collect.js";
import { assembleStats, shareDrifts, type SplitStat } from "./collect.js";

const canary: SplitStatus = {
  namespace: "shop",
  name: "canary",
  apex: "web",
  target: "serviceprofile",
  targetSource: "default",
  backends: [
    { service: "web-v1", weight: "900", percent: 90 },
    { service: "web-v2", weight: "100", percent: 10 },
  ],
  state: "Synced",
  reason: "",
};

const rb = (backend: string, status: string, error: string, value: number, parent = "web") => ({
  metric: {
    parent_namespace: "shop",
    parent_name: parent,
    backend_namespace: "shop",
    backend_name: backend,
    http_status: status,
    error,
  },
  value,
});
const lat = (backend: string, seconds: number) => ({
  metric: {
    parent_namespace: "shop",
    parent_name: "web",
    backend_namespace: "shop",
    backend_name: backend,
  },
  value: seconds,
});

const empty = {
  statuses: [],
  routeLatency: [[], [], []],
  responses: [],
  endpointLatency: [[], [], []],
  windowSeconds: 10,
  clusterDomain: "cluster.local",
};

describe("assembleStats", () => {
  it("reads a Gateway API split from the route-backend series of its apex", () => {
    const [s] = assembleStats([canary], {
      ...empty,
      statuses: [
        rb("web-v1", "200", "", 90),
        rb("web-v2", "200", "", 8),
        rb("web-v2", "500", "", 1.5),
        rb("web-v2", "", "FAIL_FAST", 0.5),
        // Another parent's traffic to the same backend is not this split's.
        rb("web-v2", "200", "", 50, "other"),
      ],
      routeLatency: [
        [lat("web-v1", 0.0375), lat("web-v2", 0.1)],
        [lat("web-v1", 0.04875), lat("web-v2", Number.NaN)],
        [],
      ],
    });
    expect(s?.source).toBe("route-backend");
    expect(s?.rps).toBe(100);
    expect(
      s?.backends.map((b) => [b.service, b.rps, b.observedShare, b.successRate, b.requests]),
    ).toEqual([
      ["web-v1", 90, 90, 1, 900],
      ["web-v2", 10, 10, 0.8, 100],
    ]);
    expect(s?.backends[0]?.latencyMs).toEqual({ p50: 37.5, p95: 48.75 });
    // NaN (no observations) is not a latency.
    expect(s?.backends[1]?.latencyMs).toEqual({ p50: 100 });
  });

  it("reports what the apex sent to services the split does not name", () => {
    const [s] = assembleStats([canary], {
      ...empty,
      statuses: [
        rb("web-v1", "200", "", 4),
        rb("web-old", "200", "", 6),
        rb("web-gone", "503", "", 0),
      ],
    });
    expect(s?.backends[0]?.observedShare).toBe(100);
    expect(s?.elsewhere).toEqual([{ service: "web-old", rps: 6 }]);
    const [quiet] = assembleStats([canary], { ...empty, statuses: [rb("web-v1", "200", "", 4)] });
    expect(quiet).not.toHaveProperty("elsewhere");
  });

  it("gives a backend without series 0 requests when its split has traffic", () => {
    const [s] = assembleStats([canary], { ...empty, statuses: [rb("web-v1", "200", "", 4)] });
    expect(s?.backends[1]).toEqual({
      service: "web-v2",
      weight: "100",
      share: 10,
      rps: 0,
      requests: 0,
      observedShare: 0,
      latencyMs: {},
    });
  });

  it("reads a ServiceProfile split from the endpoint series of its backends, any port", () => {
    const [s] = assembleStats([canary], {
      ...empty,
      responses: [
        {
          metric: { authority: "web-v1.shop.svc.cluster.local:80", classification: "success" },
          value: 3,
        },
        {
          metric: { authority: "web-v1.shop.svc.cluster.local:8080", classification: "failure" },
          value: 1,
        },
        {
          metric: { authority: "web-v2.shop.svc.cluster.local:80", classification: "success" },
          value: 1,
        },
      ],
      endpointLatency: [
        [{ metric: { authority: "web-v1.shop.svc.cluster.local:80" }, value: 7 }],
        [],
        [],
      ],
    });
    expect(s?.source).toBe("endpoint");
    expect(s?.backends.map((b) => [b.rps, b.observedShare, b.successRate])).toEqual([
      [4, 80, 0.75],
      [1, 20, 1],
    ]);
    expect(s?.backends[0]?.latencyMs).toEqual({ p50: 7 });
  });

  it("has no numbers at all for a split without series", () => {
    const [s] = assembleStats([canary], empty);
    expect(s?.source).toBeUndefined();
    expect(s?.rps).toBeUndefined();
    expect(s?.backends.map((b) => [b.rps, b.observedShare, b.successRate])).toEqual([
      [undefined, undefined, undefined],
      [undefined, undefined, undefined],
    ]);
  });

  it("has rps 0 and no shares when the series are there but idle", () => {
    const [s] = assembleStats([canary], { ...empty, statuses: [rb("web-v1", "200", "", 0)] });
    expect(s?.rps).toBe(0);
    expect(s?.backends[0]?.observedShare).toBeUndefined();
    expect(s?.backends[0]?.successRate).toBeUndefined();
  });
});

describe("shareDrifts", () => {
  const split = (observed: [number, number], requests: number): SplitStat => ({
    namespace: "shop",
    name: "canary",
    apex: "web",
    source: "route-backend",
    rps: 1,
    backends: [
      {
        service: "a",
        weight: "900",
        share: 90,
        observedShare: observed[0],
        requests: (requests * observed[0]) / 100,
        latencyMs: {},
      },
      {
        service: "b",
        weight: "100",
        share: 10,
        observedShare: observed[1],
        requests: (requests * observed[1]) / 100,
        latencyMs: {},
      },
    ],
  });

  it("ignores what chance explains and flags what it does not", () => {
    // 1000 requests: sigma of a 10% share is 0.95 points; 4 points off is under the 5-point floor.
    expect(shareDrifts([split([86, 14], 1000)])).toEqual([]);
    // 8 points off: over 5 points and over 3 sigma.
    expect(shareDrifts([split([82, 18], 1000)]).map((d) => d.backend)).toEqual(["a", "b"]);
    // 30 requests: sigma is 5.5 points, 3 sigma 16.4; 15 points off is chance.
    expect(shareDrifts([split([75, 25], 30)])).toEqual([]);
    // Under 20 requests nothing is flagged.
    expect(shareDrifts([split([50, 50], 10)])).toEqual([]);
  });
});
