import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "./scenario.js";
import { chartLimitExceeded, checkTargets, quantityMiB } from "./targets.js";

function result(n: number, over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    n,
    convergenceSeconds: 10,
    latencyMs: { p50: 5, p95: 20, p99: 40, samples: 200 },
    requests: { perSplitCreated: 1, perUpdate: 1, idleResync: 2, idleResyncWrites: 0 },
    peakRssMiB: 50,
    heapUsedMiB: 10,
    cpuSeconds: 3,
    startupSeconds: 1,
    physicalLimitSeconds: 8,
    churnRequests: {},
    ...over,
  };
}

describe("checkTargets", () => {
  it("says which of issue 29's targets a run meets, with the figures", () => {
    const checks = checkTargets({
      ours: [
        result(100, { peakRssMiB: 75, idleRssMiB: 70 }),
        result(1000, {
          peakRssMiB: 96.1,
          idleRssMiB: 75, // with 3,000 Services cached: not the idle target's
          cpuSeconds: 5.2,
          convergenceSeconds: 11,
        }),
        result(5000, {
          peakRssMiB: 150,
          idleRssMiB: 68,
          latencyMs: { p50: 9, p95: 30, p99: 51, samples: 200 },
        }),
      ],
      reference: [result(1000, { cpuSeconds: 4 })],
      chartLimitMiB: 299,
    });
    expect(checks.map((c) => [c.target, c.measured, c.met])).toEqual([
      ["Idle RSS at N = 100 (ready, no TrafficSplits yet) ≤ 70 MiB", "70 MiB", true],
      ["Peak RSS at N = 100 ≤ 75 MiB", "75 MiB", true],
      ["Peak RSS at N = 1,000 ≤ 96 MiB", "96.1 MiB", false],
      ["Peak RSS at N = 5,000 ≤ 150 MiB", "150 MiB", true],
      [
        "Adaptor CPU seconds at N = 1,000 ≤ 1.3 × the reference adaptor's",
        "5.2 s vs 4 s (× 1.30)", // 1.3 × 4 = 5.2
        true,
      ],
      ["Convergence at N = 100 ≤ 1.3 × the physical limit", "10 s vs 8 s (× 1.25)", true],
      ["Convergence at N = 1,000 ≤ 1.3 × the physical limit", "11 s vs 8 s (× 1.38)", false],
      ["Convergence at N = 5,000 ≤ 1.3 × the physical limit", "10 s vs 8 s (× 1.25)", true],
      ["Apply-to-profile p99 at N = 5,000 under churn ≤ 50 ms", "51 ms", false],
      [
        "The chart's memory limit (299 MiB) ≥ 2 × the peak RSS at N = 5,000",
        "150 MiB (× 1.99 headroom)",
        false,
      ],
    ]);
  });

  it("fails idle and CPU just past their limits", () => {
    const checks = checkTargets({
      ours: [result(100, { idleRssMiB: 70.1 }), result(1000, { cpuSeconds: 5.3 })],
      reference: [result(1000, { cpuSeconds: 4 })],
      chartLimitMiB: 320,
    });
    const byTarget = Object.fromEntries(checks.map((c) => [c.target, [c.measured, c.met]]));
    expect(byTarget["Idle RSS at N = 100 (ready, no TrafficSplits yet) ≤ 70 MiB"]).toEqual([
      "70.1 MiB",
      false,
    ]);
    expect(byTarget["Adaptor CPU seconds at N = 1,000 ≤ 1.3 × the reference adaptor's"]).toEqual([
      "5.3 s vs 4 s (× 1.32)",
      false,
    ]);
  });

  it("marks what was not run as not measured rather than met", () => {
    const checks = checkTargets({
      ours: [result(100)],
      reference: [],
      chartLimitMiB: 256,
    });
    const byTarget = Object.fromEntries(checks.map((c) => [c.target, c.met]));
    expect(byTarget["Idle RSS at N = 100 (ready, no TrafficSplits yet) ≤ 70 MiB"]).toBeUndefined();
    expect(byTarget["Peak RSS at N = 5,000 ≤ 150 MiB"]).toBeUndefined();
    expect(
      byTarget["Adaptor CPU seconds at N = 1,000 ≤ 1.3 × the reference adaptor's"],
    ).toBeUndefined();
    expect(byTarget["Apply-to-profile p99 at N = 5,000 under churn ≤ 50 ms"]).toBeUndefined();
  });
});

describe("chartLimitExceeded", () => {
  it("fails only when the peak at N = 5,000 is above the chart's limit", () => {
    expect(chartLimitExceeded([result(5000, { peakRssMiB: 256 })], 256)).toBeUndefined();
    expect(chartLimitExceeded([result(1000, { peakRssMiB: 900 })], 256)).toBeUndefined();
    expect(chartLimitExceeded([result(5000, { peakRssMiB: 257 })], 256)).toMatch(
      /peak RSS at N = 5,000 \(257 MiB\) exceeds the chart's memory limit \(256 MiB\)/,
    );
  });
});

describe("quantityMiB", () => {
  it("reads the chart's memory quantities", () => {
    expect(quantityMiB("256Mi")).toBe(256);
    expect(quantityMiB("1Gi")).toBe(1024);
    expect(quantityMiB("1048576")).toBe(1);
    expect(quantityMiB("512Ki")).toBe(0.5);
    expect(() => quantityMiB("lots")).toThrow(/"lots" is not a memory quantity/);
  });
});
