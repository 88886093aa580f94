/**
 * `smi_adaptor_backend_weight`: each backend's share of its split, per apex, published after
 * every reconcile; series of splits that no longer decide (or became invalid) are removed. A
 * reconcile that finds the same shares (every unchanged split of a resync) leaves the series
 * as they are: removing and setting them again cost a resync pass at 5,000 splits CPU and
 * garbage while weight updates were waiting.
 */
import type { ApexDecision, TrafficSplitObject } from "@linkerd-smi/core";
import type { AdaptorMetrics } from "./metrics.js";

type Labels = Record<"namespace" | "trafficsplit" | "apex" | "backend", string>;

interface Published {
  labels: Labels;
  ratio: number;
}

export class ShareGauges {
  private readonly published = new Map<string, Published[]>();

  constructor(private readonly gauge: AdaptorMetrics["backendWeight"]) {}

  publish(key: string, decision: ApexDecision<TrafficSplitObject, unknown>): void {
    const before = this.published.get(key);
    const winner = decision.splits[0];
    const shares = winner === undefined || winner.state === "Invalid" ? undefined : winner.shares;
    if (
      before !== undefined &&
      winner !== undefined &&
      shares !== undefined &&
      shares.length === before.length &&
      shares.every((share, i) => {
        const p = before[i];
        return (
          p !== undefined &&
          p.ratio === share.percent / 100 &&
          p.labels.backend === share.service &&
          p.labels.trafficsplit === winner.split.metadata.name &&
          p.labels.namespace === decision.namespace &&
          p.labels.apex === decision.apex
        );
      })
    )
      return;
    for (const { labels } of before ?? []) this.gauge.remove(labels);
    this.published.delete(key);
    if (winner === undefined || shares === undefined) return;
    const sets = shares.map((share) => ({
      labels: {
        namespace: decision.namespace,
        trafficsplit: winner.split.metadata.name,
        apex: decision.apex,
        backend: share.service,
      },
      ratio: share.percent / 100,
    }));
    for (const s of sets) this.gauge.set(s.labels, s.ratio);
    this.published.set(key, sets);
  }
}
