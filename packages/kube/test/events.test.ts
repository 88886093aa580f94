import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventRecorder,
  EventV1,
  ResourceClient,
  type Clock,
  type CoreEvent,
  type Logger,
} from "../src/index.js";
import {
  client,
  createNamespace,
  deleteNamespace,
  split,
  splits,
  type TrafficSplit,
} from "./helpers.js";

const admin = client();
let ns: string;
let subject: TrafficSplit;

beforeAll(async () => {
  ns = await createNamespace(admin, "events");
  subject = await splits(admin).create(split(ns, "web"));
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

/** Events in the namespace about one object, as a user would list them. */
async function eventsAbout(name: string): Promise<CoreEvent[]> {
  const list = (await admin.request({
    method: "GET",
    path: `/api/v1/namespaces/${ns}/events`,
    query: { fieldSelector: `involvedObject.name=${name}` },
    context: { verb: "list", resource: "events" },
  })) as { items: CoreEvent[] };
  return list.items;
}

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const put = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(
      `${level} ${message} ${JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
    );
  };
  return { lines, debug: put("debug"), info: put("info"), warn: put("warn"), error: put("error") };
}

describe("EventRecorder", () => {
  it("writes each Event only when waitTurn resolves, with the time it was recorded at", async () => {
    const gated = await splits(admin).create(split(ns, "gated"));
    const turns: (() => void)[] = [];
    let calls = 0;
    const recordedAt = new Date("2026-11-30T12:00:00Z");
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      now: () => recordedAt,
      waitTurn: () => {
        calls++;
        return new Promise<void>((resolve) => turns.push(resolve));
      },
    });
    recorder.event(gated, "Normal", "Created", "first");
    recorder.event(gated, "Normal", "Created", "second");
    // The first write has reached its turn (a positive barrier), and waits there.
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
    expect(await eventsAbout("gated")).toEqual([]);
    turns.shift()?.();
    for (let i = 0; i < 200 && calls < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // The second waits for its own turn, after the first was written.
    expect(calls).toBe(2);
    expect((await eventsAbout("gated")).map((e) => e.message)).toEqual(["first"]);
    turns.shift()?.();
    await recorder.flush();
    const events = await eventsAbout("gated");
    expect(events.map((e) => e.message).sort()).toEqual(["first", "second"]);
    for (const e of events) expect(e.firstTimestamp).toBe("2026-11-30T12:00:00Z");
  });

  it("writes no faster than its rate: a burst at once, then one Event per 1/qps seconds", async () => {
    const limited = await splits(admin).create(split(ns, "limited"));
    let now = 0;
    const timers: { fn: () => void; ms: number }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => undefined,
    };
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      rate: { qps: 2, burst: 2, clock },
    });
    for (const m of ["m1", "m2", "m3", "m4"]) recorder.event(limited, "Normal", "Created", m);
    const messages = async () => (await eventsAbout("limited")).map((e) => e.message).sort();
    const timerCount = async (n: number) => {
      for (let i = 0; i < 200 && timers.length < n; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(timers).toHaveLength(n);
    };
    // The burst (2) is written at once; the third waits half a second (one token at 2 per second).
    await timerCount(1);
    expect(timers[0]?.ms).toBe(500);
    expect(await messages()).toEqual(["m1", "m2"]);
    // Half a second later its token is there; the fourth then waits another half second.
    now = 500;
    timers[0]?.fn();
    await timerCount(2);
    expect(timers[1]?.ms).toBe(500);
    expect(await messages()).toEqual(["m1", "m2", "m3"]);
    now = 1000;
    timers[1]?.fn();
    await recorder.flush();
    expect(await messages()).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("aggregates repeats into one Event with a count, about the right object", async () => {
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      host: "adaptor-0",
    });
    for (let i = 0; i < 3; i++)
      recorder.event(
        subject,
        "Warning",
        "InvalidTrafficSplit",
        "backend weights must not all be zero",
      );
    await recorder.flush();
    const events = await eventsAbout("web");
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(event).toMatchObject({
      type: "Warning",
      reason: "InvalidTrafficSplit",
      message: "backend weights must not all be zero",
      count: 3,
      source: { component: "smi-adaptor", host: "adaptor-0" },
      involvedObject: {
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        name: "web",
        namespace: ns,
        uid: subject.metadata?.uid,
        resourceVersion: subject.metadata?.resourceVersion,
      },
    });
    expect(Date.parse(event?.lastTimestamp ?? "")).toBeGreaterThanOrEqual(
      Date.parse(event?.firstTimestamp ?? ""),
    );
  });

  it("keeps different messages and types apart", async () => {
    const other = await splits(admin).create(split(ns, "api"));
    const recorder = new EventRecorder({ client: admin, component: "smi-adaptor" });
    recorder.event(
      other,
      "Normal",
      "UpdatedServiceProfile",
      "dstOverrides set to api-v1:900m, api-v2:100m",
    );
    recorder.event(
      other,
      "Normal",
      "UpdatedServiceProfile",
      "dstOverrides set to api-v1:500m, api-v2:500m",
    );
    recorder.event(
      other,
      "Warning",
      "UpdatedServiceProfile",
      "dstOverrides set to api-v1:500m, api-v2:500m",
    );
    recorder.event(
      other,
      "Normal",
      "UpdatedServiceProfile",
      "dstOverrides set to api-v1:900m, api-v2:100m",
    );
    await recorder.flush();
    const events = await eventsAbout("api");
    const summary = events.map((e) => `${e.type ?? ""} ${e.message ?? ""} x${e.count ?? 0}`).sort();
    expect(summary).toEqual([
      "Normal dstOverrides set to api-v1:500m, api-v2:500m x1",
      "Normal dstOverrides set to api-v1:900m, api-v2:100m x2",
      "Warning dstOverrides set to api-v1:500m, api-v2:500m x1",
    ]);
  });

  it("starts a new Event once the aggregation window has passed", async () => {
    const subjectOld = await splits(admin).create(split(ns, "old"));
    let now = new Date();
    const recorder = new EventRecorder({ client: admin, component: "smi-adaptor", now: () => now });
    recorder.event(subjectOld, "Normal", "Synced", "ok");
    recorder.event(subjectOld, "Normal", "Synced", "ok");
    await recorder.flush();
    now = new Date(now.getTime() + 11 * 60_000);
    recorder.event(subjectOld, "Normal", "Synced", "ok");
    await recorder.flush();
    const counts = (await eventsAbout("old")).map((e) => e.count).sort();
    expect(counts).toEqual([1, 2]);
  });

  it("recreates an aggregated Event that was deleted", async () => {
    const gone = await splits(admin).create(split(ns, "gone"));
    const recorder = new EventRecorder({ client: admin, component: "smi-adaptor" });
    recorder.event(gone, "Normal", "Synced", "ok");
    await recorder.flush();
    const [first] = await eventsAbout("gone");
    await new ResourceClient(admin, EventV1).delete(ns, first?.metadata.name ?? "");
    recorder.event(gone, "Normal", "Synced", "ok");
    await recorder.flush();
    const after = await eventsAbout("gone");
    expect(after.map((e) => e.count)).toEqual([1]);
    expect(after[0]?.metadata.name).not.toBe(first?.metadata.name);
  });

  it("drops floods from one object beyond the burst", async () => {
    const noisy = await splits(admin).create(split(ns, "noisy"));
    const logger = capturingLogger();
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      spam: { burst: 2 },
      logger,
    });
    for (let i = 0; i < 5; i++) recorder.event(noisy, "Warning", "Flapping", "again");
    await recorder.flush();
    expect((await eventsAbout("noisy")).map((e) => e.count)).toEqual([2]);
    expect(logger.lines.filter((l) => l.includes("spam filter"))).toHaveLength(3);
  });

  it("filters each reason of an object on its own: a flood of one does not silence a Warning", async () => {
    const busy = await splits(admin).create(split(ns, "busy"));
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      spam: { burst: 2 },
    });
    for (let i = 0; i < 5; i++) recorder.event(busy, "Normal", "Updated", `weights ${String(i)}`);
    recorder.event(busy, "Warning", "CutOver", "forced: proxies on the profile send to the apex");
    await recorder.flush();
    const events = await eventsAbout("busy");
    expect(events.map((e) => [e.reason, e.type]).sort()).toEqual([
      ["CutOver", "Warning"],
      ["Updated", "Normal"],
      ["Updated", "Normal"],
    ]);
  });

  it("a bounded flush stops waiting at its deadline and drops, unwritten, what still waits", async () => {
    const slow = await splits(admin).create(split(ns, "slow"));
    let turns = 0;
    const turn: (() => void)[] = [];
    const recorder = new EventRecorder({
      client: admin,
      component: "smi-adaptor",
      // The workqueue busy: every Event waits its turn until the test gives it.
      waitTurn: () => {
        turns++;
        return new Promise<void>((resolve) => turn.push(resolve));
      },
    });
    for (let i = 0; i < 3; i++) recorder.event(slow, "Normal", "Updated", `weights ${String(i)}`);
    const started = Date.now();
    expect(await recorder.flushWithin(100)).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(turns).toBe(1);
    // Its turn comes after the deadline: nothing of what waited is written.
    for (const give of turn) give();
    await new Promise((r) => setTimeout(r, 300));
    for (const give of turn) give();
    await recorder.flush();
    expect(await eventsAbout("slow")).toEqual([]);

    const quick = new EventRecorder({ client: admin, component: "smi-adaptor" });
    quick.event(slow, "Normal", "Synced", "ok");
    expect(await quick.flushWithin(5_000)).toBe(0);
    expect((await eventsAbout("slow")).map((e) => e.reason)).toEqual(["Synced"]);
  });

  it("never throws into the caller: a forbidden write is logged", async () => {
    const jane = client({ as: "jane" });
    const logger = capturingLogger();
    const recorder = new EventRecorder({ client: jane, component: "smi-adaptor", logger });
    try {
      expect(() => {
        recorder.event(subject, "Warning", "Denied", "jane may not write events");
      }).not.toThrow();
      await expect(recorder.flush()).resolves.toBeUndefined();
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toMatch(/^error could not record event .*forbidden.*jane/i);
      expect((await eventsAbout("web")).map((e) => e.reason)).not.toContain("Denied");
    } finally {
      jane.close();
    }
  });
});
