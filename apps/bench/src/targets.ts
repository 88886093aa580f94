import type { ScenarioResult } from "./scenario.js";

/** One of issue 14's targets, as measured: `met` is undefined when it could not be measured. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface TargetInputs {
  ours: readonly ScenarioResult[];
  /** The reference adaptor's runs (empty when none was given). */
  reference: readonly ScenarioResult[];
  /** Peak RSS of a bare Node process of the same binary. */
  bareNodeMiB: number;
  /** The chart's memory limit of the adaptor container. */
  chartLimitMiB: number;
}

const mib = (v: number) => `${String(v)} MiB`;

/** Issue 14's targets, each against the figures of this run. */
export function checkTargets(inputs: TargetInputs): TargetCheck[] {
  const at = (n: number) => inputs.ours.find((r) => r.n === n);
  const refAt = (n: number) => inputs.reference.find((r) => r.n === n);
  const notRun = (n: number) => `N = ${n.toLocaleString("en-US")} not run`;
  const checks: TargetCheck[] = [];

  const small = at(100);
  const bareLimit = Math.round(inputs.bareNodeMiB * 1.3 * 10) / 10;
  checks.push({
    target: `Peak RSS at N = 100 ≤ 1.3 × a bare Node process (${mib(inputs.bareNodeMiB)} → ${mib(bareLimit)})`,
    measured: small === undefined ? notRun(100) : mib(small.peakRssMiB),
    met: small === undefined ? undefined : small.peakRssMiB <= bareLimit,
  });
  for (const [n, limit] of [
    [1000, 64],
    [5000, 96],
  ] as const) {
    const r = at(n);
    checks.push({
      target: `Peak RSS at N = ${n.toLocaleString("en-US")} ≤ ${mib(limit)}`,
      measured: r === undefined ? notRun(n) : mib(r.peakRssMiB),
      met: r === undefined ? undefined : r.peakRssMiB <= limit,
    });
  }

  const ours1000 = at(1000);
  const ref1000 = refAt(1000);
  checks.push({
    target: "Adaptor CPU seconds at N = 1,000 ≤ the reference adaptor's",
    measured:
      ours1000 === undefined
        ? notRun(1000)
        : ref1000 === undefined
          ? `${String(ours1000.cpuSeconds)} s; no reference run at N = 1,000`
          : `${String(ours1000.cpuSeconds)} s vs ${String(ref1000.cpuSeconds)} s`,
    met:
      ours1000 === undefined || ref1000 === undefined
        ? undefined
        : ours1000.cpuSeconds <= ref1000.cpuSeconds,
  });

  for (const r of inputs.ours) {
    const ratio = r.convergenceSeconds / r.physicalLimitSeconds;
    checks.push({
      target: `Convergence at N = ${r.n.toLocaleString("en-US")} ≤ 1.3 × the physical limit`,
      measured: `${String(r.convergenceSeconds)} s vs ${String(r.physicalLimitSeconds)} s (× ${ratio.toFixed(2)})`,
      met: ratio <= 1.3,
    });
  }

  const big = at(5000);
  checks.push({
    target: "Apply-to-profile p99 at N = 5,000 under churn ≤ 50 ms",
    measured: big === undefined ? notRun(5000) : `${String(big.latencyMs.p99)} ms`,
    met: big === undefined ? undefined : big.latencyMs.p99 <= 50,
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
