/**
 * The image under load, within the chart's memory limit: apps/bench's
 * scenario at N = 1,000 TrafficSplits (create and converge, weight churn, an
 * idle resync, a restart with every split present) with the adaptor run as
 * the chart's pod (test/pod.ts) instead of a plain process. The container's
 * memory cgroup must carry the chart's limit, stay under it, and never kill:
 * its own oom_kill counter stays 0 and the adaptor exits 0 on SIGTERM (podman's
 * OOMKilled flag alone misses kernel OOM kills under cgroup v1 here; such a
 * kill shows as exit code 137).
 */
import { runScenario, type BenchAdaptor } from "@linkerd-smi/bench/scenario";
import type { TestEnvironment } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import { pullPlatform } from "./built.js";
import { AdaptorPod, applyIdentity, renderForTest, type Chart } from "./pod.js";

const N = 1000;
const pods: AdaptorPod[] = [];
afterAll(async () => {
  for (const pod of pods) await pod.remove();
});

/** The chart's args with the scenario's flags in place of the chart's own values for them. */
function withFlags(chart: Chart, flags: readonly string[]): Chart {
  const name = (arg: string) => arg.replace(/=.*$/, "");
  const args = chart.container.args.filter((a) => !flags.some((f) => name(f) === name(a)));
  return { ...chart, container: { ...chart.container, args: [...args, ...flags] } };
}

describe(`the image through apps/bench's N = ${String(N)} scenario`, () => {
  it("stays under the chart's memory limit and is never OOM-killed", async () => {
    const imageId = await pullPlatform("amd64");
    const chart = await renderForTest("linkerd-smi");
    const startAdaptor = async (
      env: TestEnvironment,
      flags: readonly string[],
    ): Promise<BenchAdaptor> => {
      const admin = env.plane.admin();
      await applyIdentity(admin, chart);
      const pod = await AdaptorPod.start(
        { admin, server: env.plane.server, caPem: env.plane.caPem },
        withFlags(chart, flags),
        { imageId },
      );
      pods.push(pod);
      return pod;
    };
    const result = await runScenario({
      n: N,
      churnUpdates: 200,
      churnRatePerSecond: 20,
      resyncSeconds: 20,
      concurrency: 8,
      log: (m) => console.log(`[bench] ${m}`),
      startAdaptor,
    });

    expect(pods.length).toBe(2); // the run, then the restart with every split present
    for (const pod of pods) {
      const state = await pod.inspect();
      // On a failure, the end of the adaptor's log says why it exited.
      const tail = state.ExitCode === 0 ? "" : (await pod.logs()).split("\n").slice(-15).join("\n");
      expect(state, `${pod.name} exited ${String(state.ExitCode)}:\n${tail}`).toMatchObject({
        Running: false,
        ExitCode: 0,
        OOMKilled: false,
      });
      const memory = pod.finalMemory;
      expect(memory, `${pod.name}: no memory sample before it stopped`).toBeDefined();
      if (memory === undefined) continue;
      expect(memory.limitBytes).toBe(chart.memoryLimitBytes);
      expect(memory.oomKills).toBe(0);
      expect(memory.peakBytes).toBeLessThan(chart.memoryLimitBytes);
      console.log(
        `${pod.name}: cgroup peak ${(memory.peakBytes / 2 ** 20).toFixed(1)} MiB of the chart's ` +
          `${(chart.memoryLimitBytes / 2 ** 20).toFixed(0)} MiB limit`,
      );
    }
    console.log(
      `image at N=${String(N)}: converged in ${String(result.convergenceSeconds)} s, peak RSS ` +
        `${String(result.peakRssMiB)} MiB, heap ${String(result.heapUsedMiB)} MiB, start-up with every ` +
        `split present ${String(result.startupSeconds)} s, latency p50/p95/p99 ` +
        `${String(result.latencyMs.p50)}/${String(result.latencyMs.p95)}/${String(result.latencyMs.p99)} ms`,
    );
    expect(result.n).toBe(N);
    // The process's own peak resident set (file pages shared with other containers included) fits too.
    expect(result.peakRssMiB * 2 ** 20).toBeLessThan(chart.memoryLimitBytes);
  });
});
