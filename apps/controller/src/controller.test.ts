import {
  serviceProfileOutput,
  type ServiceProfile,
  type ServiceProfileAction,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import { KubeError } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { createController } from "./controller.js";
import type { EventType, Involved } from "./events.js";
import type { Departed } from "./handlers.js";
import { BY_APEX } from "./informers.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import type { OutputWriter } from "./output.js";
import { ShareGauges } from "./share-gauges.js";
import { ADAPTOR_APPLY, cachedProfile, cachedSplit } from "../test/fixtures.js";

// processItem, the sync step, with core's real ServiceProfile planner and fakes for everything
// that talks to an apiserver: the split cache (its BY_APEX index), the writer, the Event sink.
// Expected actions, Events, log lines and metrics are written by hand from the README.

const PROFILE = "web.shop.svc.cluster.local";

const split = (name: string, backends: [string, number][], created = "2026-01-01T00:00:00Z") =>
  cachedSplit("shop", name, "web", backends, { uid: `uid-${name}`, created });

/** A profile the adaptor created: it alone manages it, and it holds only dstOverrides. */
const adaptorProfile = () =>
  cachedProfile("shop", PROFILE, {
    uid: "uid-profile",
    resourceVersion: "7",
    managedFields: [ADAPTOR_APPLY],
    dstOverrides: [{ authority: "web-v1.shop.svc.cluster.local", weight: "1" }],
  });

/** The writer's seam without an apiserver: what it was asked to do, and a failure to answer with. */
class FakeWriter implements OutputWriter<ServiceProfile, ServiceProfileAction> {
  readonly executed: ServiceProfileAction[] = [];
  failWith: Error | undefined;
  constructor(public profile?: ServiceProfile) {}
  existing(): ServiceProfile | undefined {
    return this.profile;
  }
  involved(existing: ServiceProfile | undefined): Involved | undefined {
    return existing;
  }
  execute(action: ServiceProfileAction): Promise<void> {
    this.executed.push(action);
    return this.failWith === undefined ? Promise.resolve() : Promise.reject(this.failWith);
  }
  written(action: ServiceProfileAction): string[] {
    return action.kind === "none" ? [] : [`serviceprofile/${action.name}`];
  }
}

function setup(splits: TrafficSplitObject[], writer = new FakeWriter()) {
  const events: { about: string; type: EventType; reason: string; message: string }[] = [];
  const lines: { level: string; msg: string }[] = [];
  const metrics = createMetrics();
  const departed: Departed = new Map();
  const cache = {
    byIndex(index: string, key: string) {
      expect(index).toBe(BY_APEX);
      return splits.filter(
        (s) => `${s.metadata.namespace}/${(s.spec as { service: string }).service}` === key,
      );
    },
  };
  const controller = createController({
    splits: cache,
    serviceExists: () => true,
    output: { planner: serviceProfileOutput({ clusterDomain: "cluster.local" }), writer },
    events: {
      record: (object, type, reason, message) =>
        events.push({ about: object.metadata.name ?? "", type, reason, message }),
    },
    metrics,
    shares: new ShareGauges(metrics.backendWeight),
    departed,
    log: createLogger({
      level: "debug",
      format: "json",
      write: (line) => {
        const { level, msg } = JSON.parse(line) as { level: string; msg: string };
        lines.push({ level, msg });
      },
    }),
  });
  const count = async (metric: "reconciles" | "permanentErrors", labels: Record<string, string>) =>
    (await metrics[metric].get()).values.find((v) =>
      Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
    )?.value ?? 0;
  return { controller, writer, events, lines, departed, count };
}

describe("processItem", () => {
  it("applies the split's dstOverrides to a new profile, then records, counts and logs it", async () => {
    const { controller, writer, events, lines, count } = setup([
      split("web-split", [
        ["web-v1", 900],
        ["web-v2", 100],
      ]),
    ]);
    expect(await controller.processItem("shop/web")).toBe("ok");
    expect(writer.executed).toEqual([
      {
        kind: "apply",
        namespace: "shop",
        name: PROFILE,
        dstOverrides: [
          { authority: "web-v1.shop.svc.cluster.local", weight: "900" },
          { authority: "web-v2.shop.svc.cluster.local", weight: "100" },
        ],
      },
    ]);
    expect(events.map((e) => [e.about, e.type, e.reason])).toEqual([
      ["web-split", "Normal", "Created"],
    ]);
    expect(lines).toEqual([
      { level: "info", msg: `created serviceprofile/${PROFILE} for trafficsplit/web-split` },
      { level: "info", msg: "Successfully synced 'shop/web-split'" },
    ]);
    expect(await count("reconciles", { result: "created" })).toBe(1);
  });

  it("retries a transient error, with no Event and nothing parked", async () => {
    const writer = new FakeWriter();
    writer.failWith = new KubeError({
      status: 503,
      message: "etcd leader changed",
      context: { verb: "apply", resource: "serviceprofiles", name: PROFILE },
    });
    const { controller, events, lines, count } = setup(
      [split("web-split", [["web-v1", 1]])],
      writer,
    );
    expect(await controller.processItem("shop/web")).toBe("retry");
    expect(events).toEqual([]);
    expect(controller.parked()).toEqual([]);
    expect(lines.map((l) => l.level)).toEqual(["error"]);
    expect(lines[0]?.msg).toMatch(
      /^error syncing 'shop\/web': .*etcd leader changed.*, requeuing$/,
    );
    expect(await count("reconciles", { result: "error" })).toBe(1);
  });

  it("parks a key the apiserver refuses for good, with a WriteRejected Warning saying what to do", async () => {
    const writer = new FakeWriter();
    writer.failWith = new KubeError({
      status: 403,
      reason: "Forbidden",
      message: "serviceprofiles is forbidden",
      context: { verb: "patch", resource: "serviceprofiles", name: PROFILE },
    });
    const { controller, events, count } = setup([split("web-split", [["web-v1", 1]])], writer);
    expect(await controller.processItem("shop/web")).toBe("drop");
    expect(controller.parked()).toEqual(["shop/web"]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      about: "web-split",
      type: "Warning",
      reason: "WriteRejected",
    });
    expect(events[0]?.message).toMatch(
      new RegExp(
        `^The API server refused to apply ServiceProfile ${PROFILE.replaceAll(".", "\\.")} \\(forbidden\\): .*serviceprofiles is forbidden.*\\. To fix: grant the smi-adaptor's ServiceAccount this verb`,
      ),
    );
    expect(await count("permanentErrors", { kind: "forbidden" })).toBe(1);
    // Once the write goes through, the key is no longer parked.
    writer.failWith = undefined;
    expect(await controller.processItem("shop/web")).toBe("ok");
    expect(controller.parked()).toEqual([]);
  });

  it("deletes the profile of a split that left, names the split, and forgets it", async () => {
    const gone = split("web-split", [["web-v1", 1]]);
    const { controller, writer, events, lines, departed } = setup(
      [],
      new FakeWriter(adaptorProfile()),
    );
    departed.set("shop/web", gone);
    expect(await controller.processItem("shop/web")).toBe("ok");
    expect(writer.executed).toEqual([
      {
        kind: "delete",
        namespace: "shop",
        name: PROFILE,
        uid: "uid-profile",
        resourceVersion: "7",
      },
    ]);
    expect(events.map((e) => [e.about, e.type, e.reason])).toEqual([
      ["web-split", "Normal", "Deleted"],
    ]);
    expect(lines).toEqual([
      { level: "info", msg: `deleted serviceprofile/${PROFILE}: no trafficsplit targets it` },
      { level: "info", msg: "Successfully synced 'shop/web-split'" },
    ]);
    expect(departed.size).toBe(0);
  });

  it("takes a 404 on a delete as done: someone removed the profile first", async () => {
    const writer = new FakeWriter(adaptorProfile());
    writer.failWith = new KubeError({
      status: 404,
      reason: "NotFound",
      message: "not found",
      context: { verb: "delete", resource: "serviceprofiles", name: PROFILE },
    });
    const { controller, events } = setup([], writer);
    expect(await controller.processItem("shop/web")).toBe("ok");
    expect(writer.executed.map((a) => a.kind)).toEqual(["delete"]);
    expect(events).toEqual([]);
  });

  it("says the Conflict winner is older, or as old and first by name, as the timestamps are", async () => {
    const older = setup([
      split("b-old", [["web-v1", 1]], "2026-01-01T00:00:00Z"),
      split("a-new", [["web-v2", 1]], "2026-01-02T00:00:00Z"),
    ]);
    await older.controller.processItem("shop/web");
    const olderConflict = older.events.find((e) => e.reason === "Conflict");
    expect(olderConflict?.about).toBe("a-new");
    expect(olderConflict?.message).toBe(
      `TrafficSplit b-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it is the oldest. Delete one of them or point this one at another service.`,
    );

    const tie = setup([
      split("b-same", [["web-v1", 1]], "2026-01-01T00:00:00Z"),
      split("a-same", [["web-v2", 1]], "2026-01-01T00:00:00Z"),
    ]);
    await tie.controller.processItem("shop/web");
    const tieConflict = tie.events.find((e) => e.reason === "Conflict");
    expect(tieConflict?.about).toBe("b-same");
    expect(tieConflict?.message).toBe(
      `TrafficSplit a-same also splits service web and is as old and comes first by name, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it comes first (the oldest split decides, then the first by name). Delete one of them or point this one at another service.`,
    );
  });
});
