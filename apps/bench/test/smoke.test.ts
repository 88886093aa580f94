import { describe, expect, it } from "vitest";
import { markdown, machine, svgChart } from "../src/report.js";
import { runScenario } from "../src/scenario.js";

describe("the benchmark at a tiny size (pnpm bench runs 100, 1000, 5000)", () => {
  it("measures convergence, latency, requests, memory, CPU and start-up against a real control plane", async () => {
    const result = await runScenario({
      n: 5,
      churnUpdates: 5,
      churnRatePerSecond: 20,
      resyncSeconds: 2,
      concurrency: 4,
      log: () => undefined,
    });
    console.log(JSON.stringify(result));
    expect(result.n).toBe(5);
    expect(result.convergenceSeconds).toBeGreaterThan(0);
    expect(result.latencyMs.samples).toBe(5);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    // One apply per profile, at most a retry or two: never a flood.
    expect(result.requests.perSplitCreated).toBeGreaterThanOrEqual(1);
    expect(result.requests.perSplitCreated).toBeLessThan(4);
    expect(result.requests.idleResyncWrites).toBe(0);
    expect(result.peakRssMiB).toBeGreaterThan(10);
    expect(result.cpuSeconds).toBeGreaterThan(0);
    expect(result.startupSeconds).toBeGreaterThan(0);
    expect(result.physicalLimitSeconds).toBeGreaterThan(0);
    const table = markdown([result], machine("v1.36.3"));
    expect(table).toContain("| Convergence: create N splits → every profile right (s) | ");
    expect(svgChart([result])).toContain("<polyline");
  });
});
