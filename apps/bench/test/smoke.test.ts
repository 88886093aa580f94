import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AdaptorProcess, adaptorMain, freePort } from "../src/adaptor-process.js";
import { markdown, machine, svgChart } from "../src/report.js";
import { runScenario } from "../src/scenario.js";
import { checkTargets } from "../src/targets.js";

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

describe("a reference adaptor beside ours (--reference-adaptor)", () => {
  it("runs any executable with linkerd-smi's flags through the scenario and gets its column and ratios", async () => {
    // Our own adaptor behind a shell script stands in for linkerd-smi v0.2.7: an
    // executable that takes -kubeconfig and -metrics-addr and nothing else.
    const dir = mkdtempSync(join(tmpdir(), "bench-reference-"));
    const script = join(dir, "reference-adaptor");
    writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${adaptorMain()}" "$@"\n`, {
      mode: 0o755,
    });
    try {
      const reference = await runScenario({
        n: 5,
        churnUpdates: 5,
        churnRatePerSecond: 20,
        resyncSeconds: 1,
        concurrency: 4,
        log: () => undefined,
        startAdaptor: async (env) =>
          new AdaptorProcess(env.kubeconfig, [], { executable: script, port: await freePort() }),
      });
      expect(reference.convergenceSeconds).toBeGreaterThan(0);
      expect(reference.latencyMs.samples).toBe(5);
      expect(reference.peakRssMiB).toBeGreaterThan(10);
      expect(reference.cpuSeconds).toBeGreaterThan(0);
      expect(reference.idleRssMiB).toBeGreaterThan(1);
      // What needs our own metrics is not measured for a reference.
      expect(reference.requests.idleResync).toBeNull();
      expect(reference.heapUsedMiB).toBeNull();
      expect(reference.startupSeconds).toBeNull();

      const ours = { ...reference, n: 5, peakRssMiB: 2 * reference.peakRssMiB };
      const table = markdown([ours], machine("v1.36.3"), {
        reference: [reference],
        referenceName: "v0.2.7",
        targets: checkTargets({
          ours: [ours],
          reference: [reference],
          chartLimitMiB: 256,
        }),
      });
      expect(table).toContain("| | N = 5 ours | N = 5 v0.2.7 | ratio |");
      expect(table).toContain(
        `| Peak RSS (MiB) / heap used (MiB) | ${String(ours.peakRssMiB)} / n/m | ${String(reference.peakRssMiB)} / n/m | 2.00 |`,
      );
      expect(table).toContain(
        "| Start-up with N splits: process start → all verified (s) | n/m | n/m |",
      );
      expect(table).toContain(
        `| Idle RSS: ready, no TrafficSplits, 10 s on (MiB) | ${String(reference.idleRssMiB)} | ${String(reference.idleRssMiB)} | 1.00 |`,
      );
      expect(table).toContain("| Target | Measured | Met |");
      expect(svgChart([ours], { reference: [reference], referenceName: "v0.2.7" })).toContain(
        ">v0.2.7</text>",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
