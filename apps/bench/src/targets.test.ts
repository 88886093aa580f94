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
  it("says which of issue 14's targets a run meets, with the figures", () => {
    const checks = checkTargets({
      ours: [
        result(100, { peakRssMiB: 52 }),
        result(1000, { peakRssMiB: 64, cpuSeconds: 4.2, convergenceSeconds: 11 }),
        result(5000, { peakRssMiB: 97, latencyMs: { p50: 9, p95: 30, p99: 51, samples: 200 } }),
      ],
      reference: [result(1000, { cpuSeconds: 4.1 })],
      bareNodeMiB: 40,
      chartLimitMiB: 192,
    });
    expect(checks.map((c) => [c.measured, c.met])).toEqual([
      ["52 MiB", true], // 1.3 × 40 = 52
      ["64 MiB", true],
      ["97 MiB", false],
      ["4.2 s vs 4.1 s", false],
      ["10 s vs 8 s (× 1.25)", true],
      ["11 s vs 8 s (× 1.38)", false],
      ["10 s vs 8 s (× 1.25)", true],
      ["51 ms", false],
      ["97 MiB (× 1.98 headroom)", false],
    ]);
    expect(checks[0]?.target).toBe(
      "Peak RSS at N = 100 ≤ 1.3 × a bare Node process (40 MiB → 52 MiB)",
    );
  });

  it("marks what was not run as not measured rather than met", () => {
    const checks = checkTargets({
      ours: [result(100)],
      reference: [],
      bareNodeMiB: 40,
      chartLimitMiB: 256,
    });
    const byTarget = Object.fromEntries(checks.map((c) => [c.target, c.met]));
    expect(byTarget["Peak RSS at N = 5,000 ≤ 96 MiB"]).toBeUndefined();
    expect(byTarget["Adaptor CPU seconds at N = 1,000 ≤ the reference adaptor's"]).toBeUndefined();
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
