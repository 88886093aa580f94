import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SplitStatus } from "../status/collect.js";
import { assembleStats, type SplitStat } from "./collect.js";
import { formatLatency, formatRps, formatSuccess, renderStatTable, statFooter } from "./table.js";

const seedSplit: SplitStatus = {
  namespace: "trafficsplit-sample",
  name: "backend-split",
  apex: "backend-svc",
  target: "serviceprofile",
  targetSource: "default",
  backends: [
    { service: "backend-svc", weight: "500", percent: 50 },
    { service: "failing-svc", weight: "500", percent: 50 },
  ],
  state: "Synced",
  reason: "",
};

const host = (svc: string) => `${svc}.trafficsplit-sample.svc.cluster.local:8080`;

describe("the seed's walkthrough", () => {
  it("prints linkerd viz stat ts's layout, plus SHARE and OBSERVED (golden)", () => {
    // What Prometheus answers for the guide's traffic: 0.5 rps to each backend, failing-svc
    // failing every request, every response within the first (1ms) bucket.
    const stats = assembleStats([seedSplit], {
      statuses: [],
      routeLatency: [[], [], []],
      responses: [
        { metric: { authority: host("backend-svc"), classification: "success" }, value: 0.5 },
        { metric: { authority: host("failing-svc"), classification: "failure" }, value: 0.5 },
      ],
      endpointLatency: [0.5, 0.95, 0.99].map((ms) => [
        { metric: { authority: host("backend-svc") }, value: ms },
        { metric: { authority: host("failing-svc") }, value: ms },
      ]),
      windowSeconds: 60,
      clusterDomain: "cluster.local",
    });
    const golden = readFileSync(new URL("testdata/seed.golden", import.meta.url), "utf8");
    expect(renderStatTable(stats, { allNamespaces: false, wide: false })).toBe(golden);
    expect(statFooter(stats, "1m")).toEqual([]);
  });
});

const stat = (over: Partial<SplitStat> = {}): SplitStat => ({
  namespace: "shop",
  name: "canary",
  apex: "web",
  source: "route-backend",
  rps: 100,
  backends: [
    {
      service: "web-v1",
      weight: "900",
      share: 90,
      observedShare: 90,
      successRate: 1,
      rps: 90,
      requests: 900,
      latencyMs: { p50: 37.5, p95: 48.75, p99: 49.75 },
    },
    {
      service: "web-v2",
      weight: "100",
      share: 10,
      observedShare: 10,
      successRate: 0.8,
      rps: 10,
      requests: 100,
      latencyMs: { p50: 100, p95: 235, p99: 247 },
    },
  ],
  ...over,
});

describe("renderStatTable", () => {
  it("adds NAMESPACE for all namespaces and REQUESTS, METRICS when wide", () => {
    expect(renderStatTable([stat()], { allNamespaces: true, wide: true })).toBe(
      [
        "NAMESPACE   NAME     APEX   LEAF     WEIGHT   SHARE   OBSERVED   SUCCESS       RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99   REQUESTS   METRICS",
        "shop        canary   web    web-v1      900   90.0%      90.0%   100.00%   90.0rps          38ms          49ms          50ms        900   route-backend",
        "shop        canary   web    web-v2      100   10.0%      10.0%    80.00%   10.0rps         100ms         235ms         247ms        100   route-backend",
        "",
      ].join("\n"),
    );
  });

  it("prints - for what was not measured, never 0", () => {
    const none = stat({
      backends: [{ service: "web-v1", weight: "1", share: 100, latencyMs: {} }],
    });
    delete none.source;
    delete none.rps;
    const line = renderStatTable([none], { allNamespaces: false, wide: false }).split("\n")[1];
    expect(line).toBe(
      "canary   web    web-v1        1   100.0%          -         -     -             -             -             -",
    );
  });
});

describe("formats", () => {
  it("rounds as viz did", () => {
    expect(formatSuccess(0.8)).toBe("80.00%");
    expect(formatSuccess(undefined)).toBe("-");
    expect(formatRps(0.04)).toBe("0.0rps");
    expect(formatRps(undefined)).toBe("-");
    expect(formatLatency(0.2)).toBe("<1ms");
    expect(formatLatency(0)).toBe("0ms");
    expect(formatLatency(1499.6)).toBe("1500ms");
    expect(formatLatency(12_345)).toBe("12.3s");
  });
});

describe("statFooter", () => {
  it("names splits without data and without requests", () => {
    const none = stat({
      name: "quiet",
      backends: [{ service: "a", weight: "1", share: 100, latencyMs: {} }],
    });
    delete none.source;
    const idle = stat({ name: "idle", rps: 0 });
    expect(statFooter([none, idle], "1m")).toEqual([
      "shop/quiet: Prometheus has no requests to web or its backends: no client proxy has sent traffic through the split, or its metrics are not scraped",
      "shop/idle: no requests in the last 1m",
    ]);
  });

  it("says where the apex's other traffic went instead of 'no requests'", () => {
    const stale = stat({ name: "stale", rps: 0, elsewhere: [{ service: "web-old", rps: 50 }] });
    expect(statFooter([stale], "1m")).toEqual([
      "shop/stale: web also sent 50.0rps to web-old, which the split does not name: the split is not (or not only) what routes web; see linkerd smi status",
    ]);
  });

  it("flags a backend whose observed share is far from the configured one", () => {
    const drift = stat();
    const [v1, v2] = drift.backends;
    if (v1 === undefined || v2 === undefined) throw new Error("fixture");
    v1.observedShare = 70;
    v2.observedShare = 30;
    expect(statFooter([drift], "1m")).toEqual([
      "shop/canary: web-v1 served 70.0% of 1000 requests in the last 1m, configured 90.0%",
      "shop/canary: web-v2 served 30.0% of 1000 requests in the last 1m, configured 10.0%",
    ]);
  });
});
