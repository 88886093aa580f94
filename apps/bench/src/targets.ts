import type { ScenarioResult } from "./scenario.js";

/** One of issue 29's targets, as measured: `met` is undefined when it could not be measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface TargetInputs {
  ours: readonly ScenarioResult[];
  /** The reference adaptor's runs (empty when none was given). */
  reference: readonly ScenarioResult[];
  /** The chart's memory limit of the adaptor container. */
  chartLimitMiB: number;
}

/** Issue 29's limits: idle RSS, peak RSS by N, CPU at 1,000 against the reference's, p99 at 5,000. */
export const TARGETS = {
  idleRssMiB: 70,
  peakRssMiB: [
    [100, 75],
    [1000, 96],
    [5000, 150],
  ],
  cpuRatioToReference: 1.3,
  convergenceRatioToLimit: 1.3,
  p99Ms: 50,
} as const;

const mib = (v: number) => `${String(v)} MiB`;

/** Issue 29's targets, each against the figures of this run. */
export function checkTargets(inputs: TargetInputs): TargetCheck[] {
  const at = (n: number) => inputs.ours.find((r) => r.n === n);
  const refAt = (n: number) => inputs.reference.find((r) => r.n === n);
  const notRun = (n: number) => `N = ${n.toLocaleString("en-US")} not run`;
  const checks: TargetCheck[] = [];

  // Idle: the adaptor ready, before any TrafficSplit, in the smallest cluster (N = 100's 300
  // Services; every run reads it, with 3 × N Services cached).
  const small = at(100);
  const idle = small?.idleRssMiB ?? undefined;
  checks.push({
    target: `Idle RSS at N = 100 (ready, no TrafficSplits yet) ≤ ${mib(TARGETS.idleRssMiB)}`,
    measured: small === undefined ? notRun(100) : idle === undefined ? "not measured" : mib(idle),
    met: idle === undefined ? undefined : idle <= TARGETS.idleRssMiB,
  });
  for (const [n, limit] of TARGETS.peakRssMiB) {
    const r = at(n);
    checks.push({
      target: `Peak RSS at N = ${n.toLocaleString("en-US")} ≤ ${mib(limit)}`,
      measured: r === undefined ? notRun(n) : mib(r.peakRssMiB),
      met: r === undefined ? undefined : r.peakRssMiB <= limit,
    });
  }

  const ours1000 = at(1000);
  const ref1000 = refAt(1000);
  const cpuRatio =
    ours1000 === undefined || ref1000 === undefined
      ? undefined
      : ours1000.cpuSeconds / ref1000.cpuSeconds;
  checks.push({
    target: `Adaptor CPU seconds at N = 1,000 ≤ ${String(TARGETS.cpuRatioToReference)} × the reference adaptor's`,
    measured:
      ours1000 === undefined
        ? notRun(1000)
        : ref1000 === undefined || cpuRatio === undefined
          ? `${String(ours1000.cpuSeconds)} s; no reference run at N = 1,000`
          : `${String(ours1000.cpuSeconds)} s vs ${String(ref1000.cpuSeconds)} s (× ${cpuRatio.toFixed(2)})`,
    met: cpuRatio === undefined ? undefined : cpuRatio <= TARGETS.cpuRatioToReference,
  });

  for (const r of inputs.ours) {
    const ratio = r.convergenceSeconds / r.physicalLimitSeconds;
    checks.push({
      target: `Convergence at N = ${r.n.toLocaleString("en-US")} ≤ ${String(TARGETS.convergenceRatioToLimit)} × the physical limit`,
      measured: `${String(r.convergenceSeconds)} s vs ${String(r.physicalLimitSeconds)} s (× ${ratio.toFixed(2)})`,
      met: ratio <= TARGETS.convergenceRatioToLimit,
    });
  }

  const big = at(5000);
  checks.push({
    target: `Apply-to-profile p99 at N = 5,000 under churn ≤ ${String(TARGETS.p99Ms)} ms`,
    measured: big === undefined ? notRun(5000) : `${String(big.latencyMs.p99)} ms`,
    met: big === undefined ? undefined : big.latencyMs.p99 <= TARGETS.p99Ms,
  });
  checks.push({
    target: `The chart's memory limit (${mib(inputs.chartLimitMiB)}) ≥ 2 × the peak RSS at N = 5,000`,
    measured:
      big === undefined
        ? notRun(5000)
        : `${mib(big.peakRssMiB)} (× ${(inputs.chartLimitMiB / big.peakRssMiB).toFixed(2)} headroom)`,
    met: big === undefined ? undefined : inputs.chartLimitMiB >= 2 * big.peakRssMiB,
  });
  return checks;
}

/** The chart's limit is exceeded at N = 5,000: the message to fail with, else undefined. */
export function chartLimitExceeded(
  ours: readonly ScenarioResult[],
  chartLimitMiB: number,
): string | undefined {
  const big = ours.find((r) => r.n === 5000);
  if (big === undefined || big.peakRssMiB <= chartLimitMiB) return undefined;
  return (
    `the adaptor's peak RSS at N = 5,000 (${mib(big.peakRssMiB)}) exceeds the chart's memory ` +
    `limit (${mib(chartLimitMiB)}): a cluster of that size gets it OOM-killed. Raise ` +
    "adaptor.resources.limits.memory in charts/linkerd-smi/values.yaml or cut the adaptor's memory"
  );
}

/** A Kubernetes memory quantity (`256Mi`, `1Gi`, `500M`, `1000`) in MiB. */
export function quantityMiB(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity.trim());
  if (m === null)
    throw new Error(
      `"${quantity}" is not a memory quantity such as 256Mi, 1Gi or 500M (adaptor.resources.limits.memory)`,
    );
  const factor: Record<string, number> = {
    "": 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return (Number(m[1]) * (factor[m[2] ?? ""] ?? 1)) / 2 ** 20;
}
