import type { ApexDecision, SplitStatus, TrafficSplitObject } from "@linkerd-smi/core";
import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.js";
import { ShareGauges } from "./share-gauges.js";

function decision(
  split: string,
  shares: [string, number][] | undefined,
  state: SplitStatus<TrafficSplitObject>["state"] = "Synced",
): ApexDecision<TrafficSplitObject, unknown> {
  const status = {
    split: { metadata: { name: split, namespace: "shop" } } as TrafficSplitObject,
    state,
    reason: "",
    ...(shares === undefined
      ? {}
      : {
          shares: shares.map(([service, percent]) => ({
            service,
            weight: String(percent),
            milli: BigInt(percent * 1000),
            percent,
          })),
        }),
  };
  return {
    namespace: "shop",
    apex: "web",
    action: undefined,
    result: "unchanged",
    events: [],
    splits: [status],
  };
}

type Labels = Record<"namespace" | "trafficsplit" | "apex" | "backend", string>;

/** The real gauge, with its writes counted. */
function counted() {
  const metrics = createMetrics({ defaultMetrics: false });
  const writes = { set: 0, remove: 0 };
  const gauge = metrics.backendWeight;
  const spy = {
    set: (labels: Labels, value: number) => {
      writes.set++;
      gauge.set(labels, value);
    },
    remove: (labels: Labels) => {
      writes.remove++;
      gauge.remove(labels);
    },
  } as unknown as typeof gauge;
  const series = async () =>
    (await metrics.registry.metrics())
      .split("\n")
      .filter((l) => l.startsWith("smi_adaptor_backend_weight_ratio{"));
  return { shares: new ShareGauges(spy), writes, series };
}

const line = (split: string, backend: string, ratio: number) =>
  `smi_adaptor_backend_weight_ratio{namespace="shop",trafficsplit="${split}",apex="web",backend="${backend}"} ${String(ratio)}`;

describe("ShareGauges", () => {
  it("leaves the series alone when a reconcile finds the same shares", async () => {
    const { shares, writes, series } = counted();
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 90],
        ["web-v2", 10],
      ]),
    );
    expect(writes).toEqual({ set: 2, remove: 0 });
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 90],
        ["web-v2", 10],
      ]),
    );
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 90],
        ["web-v2", 10],
      ]),
    );
    expect(writes).toEqual({ set: 2, remove: 0 });
    expect(await series()).toEqual([
      line("web-split", "web-v1", 0.9),
      line("web-split", "web-v2", 0.1),
    ]);
  });

  it("replaces the series when a share, a backend or the deciding split changes, and drops them when invalid", async () => {
    const { shares, series } = counted();
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 90],
        ["web-v2", 10],
      ]),
    );
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 50],
        ["web-v2", 50],
      ]),
    );
    expect(await series()).toEqual([
      line("web-split", "web-v1", 0.5),
      line("web-split", "web-v2", 0.5),
    ]);
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 50],
        ["web-v3", 50],
      ]),
    );
    expect(await series()).toEqual([
      line("web-split", "web-v1", 0.5),
      line("web-split", "web-v3", 0.5),
    ]);
    shares.publish(
      "shop/web",
      decision("web-split", [
        ["web-v1", 50],
        ["web-v3", 50],
        ["web-v4", 0],
      ]),
    );
    expect(await series()).toHaveLength(3);
    shares.publish(
      "shop/web",
      decision("older-split", [
        ["web-v1", 50],
        ["web-v3", 50],
        ["web-v4", 0],
      ]),
    );
    expect(await series()).toEqual([
      line("older-split", "web-v1", 0.5),
      line("older-split", "web-v3", 0.5),
      line("older-split", "web-v4", 0),
    ]);
    shares.publish("shop/web", decision("older-split", [["web-v1", 50]], "Invalid"));
    expect(await series()).toEqual([]);
    shares.publish("shop/web", decision("older-split", [["web-v1", 100]]));
    expect(await series()).toEqual([line("older-split", "web-v1", 1)]);
  });
});
