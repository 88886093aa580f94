/**
 * `smi_adaptor_backend_weight`: each backend's share of its split, per apex, published after
 * every reconcile; series of splits that no longer decide (or became invalid) are removed.
 */
import type { ApexDecision, TrafficSplitObject } from "@linkerd-smi/core";
import type { AdaptorMetrics } from "./metrics.js";

type Labels = Record<"namespace" | "trafficsplit" | "apex" | "backend", string>;

export class ShareGauges {
  private readonly labels = new Map<string, Labels[]>();

  constructor(private readonly gauge: AdaptorMetrics["backendWeight"]) {}

  publish(key: string, decision: ApexDecision<TrafficSplitObject, unknown>): void {
    for (const labels of this.labels.get(key) ?? []) this.gauge.remove(labels);
    this.labels.delete(key);
    const winner = decision.splits[0];
    if (winner === undefined || winner.state === "Invalid" || winner.shares === undefined) return;
    const sets = winner.shares.map((share) => ({
      labels: {
        namespace: decision.namespace,
        trafficsplit: winner.split.metadata.name,
        apex: decision.apex,
        backend: share.service,
      },
      ratio: share.percent / 100,
    }));
    for (const s of sets) this.gauge.set(s.labels, s.ratio);
    this.labels.set(
      key,
      sets.map((s) => s.labels),
    );
  }
}
