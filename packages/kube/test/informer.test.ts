import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Informer, objectKey, ResourceClient, type InformerOptions } from "../src/index.js";
import {
  client,
  createNamespace,
  deleteNamespace,
  eventually,
  quantitySplit,
  split,
  splits,
  TrafficSplitV1Alpha1,
  type TrafficSplit,
} from "./helpers.js";

const admin = client();
const namespaces: string[] = [];
const informers: Informer<TrafficSplit>[] = [];

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

afterAll(async () => {
  await Promise.all(namespaces.map((ns) => deleteNamespace(admin, ns)));
  admin.close();
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(admin, prefix);
  namespaces.push(ns);
  return ns;
}

/** An informer on v1alpha2 TrafficSplits that records every event as a line. */
function recorded(options: InformerOptions<TrafficSplit>): {
  informer: Informer<TrafficSplit>;
  log: string[];
} {
  const informer = new Informer(splits(admin), { watchTimeoutSeconds: 60, ...options });
  informers.push(informer);
  const log: string[] = [];
  const weights = (s: TrafficSplit) => s.spec?.backends.map((b) => b.weight).join(",") ?? "";
  informer.addHandlers({
    onAdd: (s) => log.push(`add ${s.metadata?.name ?? ""} ${weights(s)}`),
    onUpdate: (o, n) => log.push(`update ${n.metadata?.name ?? ""} ${weights(o)} -> ${weights(n)}`),
    onDelete: (s, info) =>
      log.push(
        `delete ${s.metadata?.name ?? ""}${info.finalStateUnknown ? " (unknown final state)" : ""}`,
      ),
  });
  return { informer, log };
}

/** The cache equals what the server lists: same keys at the same resourceVersions. */
async function expectCacheMatchesServer(
  informer: Informer<TrafficSplit>,
  ns: string,
): Promise<void> {
  const server = await splits(admin).list(ns);
  const fromServer = Object.fromEntries(
    server.items.map((o) => [objectKey(o), o.metadata?.resourceVersion]),
  );
  const fromCache = Object.fromEntries(
    informer.list(ns).map((o) => [objectKey(o), o.metadata?.resourceVersion]),
  );
  expect(fromCache).toEqual(fromServer);
}

describe("Informer", () => {
  let ns: string;
  beforeAll(async () => {
    ns = await namespace("informer");
  });

  it("syncs existing objects, then delivers adds, updates and deletes in order", async () => {
    const ts = splits(admin);
    await ts.create(split(ns, "a"));
    await ts.create(split(ns, "b"));
    const { informer, log } = recorded({ namespace: ns });
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
    expect(log.sort()).toEqual(["add a 90,10", "add b 90,10"]);
    expect(informer.keys().sort()).toEqual([`${ns}/a`, `${ns}/b`]);
    log.length = 0;

    const c = await ts.create(split(ns, "c"));
    await ts.replace({
      ...c,
      spec: {
        service: "c",
        backends: [
          { service: "c-v1", weight: 50 },
          { service: "c-v2", weight: 50 },
        ],
      },
    });
    await ts.delete(ns, "a");
    await eventually(() => {
      expect(log).toEqual(["add c 90,10", "update c 90,10 -> 50,50", "delete a"]);
    });
    expect(informer.get(ns, "c")?.spec?.backends.map((b) => b.weight)).toEqual([50, 50]);
    expect(informer.get(ns, "a")).toBeUndefined();
    await expectCacheMatchesServer(informer, ns);
    const health = informer.health();
    expect(health).toMatchObject({
      synced: true,
      watching: true,
      restarts: 0,
      relists: 0,
      objects: 2,
    });
    expect(health.lastEventAt).toBeInstanceOf(Date);
  });

  it("delivers a v1alpha1 split with quantity weights through a v1alpha2 informer", async () => {
    const own = await namespace("quantities");
    const { informer, log } = recorded({ namespace: own });
    informer.start();
    await informer.waitForSync();
    await new ResourceClient(admin, TrafficSplitV1Alpha1).create(
      quantitySplit(own, "backend-split"),
    );
    await eventually(() => {
      expect(log).toEqual(["add backend-split 500m,0m"]);
    });
    const cached = informer.get(own, "backend-split");
    expect(cached?.apiVersion).toBe("split.smi-spec.io/v1alpha2");
    expect(cached?.spec?.backends).toEqual([
      { service: "backend-svc", weight: "500m" },
      { service: "failing-svc", weight: "0m" },
    ]);
  });

  it("lists in pages and filters by label", async () => {
    const own = await namespace("paged");
    const ts = splits(admin);
    for (let i = 0; i < 7; i++)
      await ts.create({
        ...split(own, `s${i}`),
        metadata: {
          name: `s${i}`,
          namespace: own,
          labels: { parity: i % 2 === 0 ? "even" : "odd" },
        },
      });
    const all = recorded({ namespace: own, pageSize: 2 });
    const even = recorded({ namespace: own, pageSize: 2, labelSelector: "parity=even" });
    all.informer.start();
    even.informer.start();
    await all.informer.waitForSync();
    await even.informer.waitForSync();
    expect(all.informer.keys()).toHaveLength(7);
    expect(even.informer.keys().sort()).toEqual(["s0", "s2", "s4", "s6"].map((n) => `${own}/${n}`));
  });

  it("replays the cache to handlers added later, and resyncs periodically", async () => {
    const own = await namespace("resync");
    await splits(admin).create(split(own, "x"));
    const informer = new Informer(splits(admin), {
      namespace: own,
      resyncPeriodMs: 200,
      watchTimeoutSeconds: 60,
    });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    const late: string[] = [];
    const resyncs: string[] = [];
    informer.onAdd((s) => late.push(s.metadata?.name ?? ""));
    informer.onUpdate((o, n) => {
      expect(o).toBe(n);
      resyncs.push(n.metadata?.name ?? "");
    });
    expect(late).toEqual(["x"]);
    await eventually(() => {
      expect(resyncs.length).toBeGreaterThanOrEqual(2);
    });
  });

  it("hands out frozen objects", async () => {
    const own = await namespace("frozen");
    await splits(admin).create(split(own, "f"));
    const informer = new Informer(splits(admin), { namespace: own, watchTimeoutSeconds: 60 });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    const cached = informer.get(own, "f");
    expect(cached).toBeDefined();
    expect(() => {
      (cached?.spec?.backends ?? []).push({ service: "evil", weight: 1 });
    }).toThrow(TypeError);
    expect(informer.get(own, "f")?.spec?.backends).toHaveLength(2);
  });

  it("recycles watches at their timeout without relisting or missing changes", async () => {
    const own = await namespace("recycle");
    const { informer, log } = recorded({ namespace: own, watchTimeoutSeconds: 1 });
    informer.start();
    await informer.waitForSync();
    const ts = splits(admin);
    for (let i = 0; i < 3; i++) {
      // Cross at least one watch timeout between changes: wait until the informer opened a
      // new watch after this change.
      const watches = informer.health().watches;
      await ts.create(split(own, `r${i}`));
      await eventually(() => {
        expect(informer.health().watches).toBeGreaterThan(watches);
      });
    }
    await eventually(() => {
      expect(log).toEqual(["add r0 90,10", "add r1 90,10", "add r2 90,10"]);
    });
    expect(informer.health()).toMatchObject({ restarts: 0, relists: 0 });
    expect(informer.health().watches).toBeGreaterThanOrEqual(2);
    await expectCacheMatchesServer(informer, own);
  });

  it("stops promptly, aborting the watch, and delivers nothing after", async () => {
    const own = await namespace("stop");
    const { informer, log } = recorded({ namespace: own, watchTimeoutSeconds: 300 });
    informer.start();
    await informer.waitForSync();
    await eventually(() => {
      expect(informer.health().watching).toBe(true);
    });
    // The watch would run for 300 s; stop must abort it rather than wait for it to end, so
    // it must return well before a tenth of that (the measured figure is printed).
    const began = performance.now();
    const stopped = await Promise.race([
      informer.stop().then(() => "stopped"),
      new Promise((r) => setTimeout(r, 30_000, "still waiting for the watch")),
    ]);
    console.log(`informer.stop() took ${Math.round(performance.now() - began)} ms`);
    expect(stopped).toBe("stopped");
    expect(informer.health().watching).toBe(false);
    // Barrier: a second informer on the namespace sees the late split, so the apiserver has
    // sent it to its watchers; only then is "the stopped one saw nothing" meaningful.
    const witness = recorded({ namespace: own });
    witness.informer.start();
    await witness.informer.waitForSync();
    await splits(admin).create(split(own, "late"));
    await eventually(() => {
      expect(witness.log).toEqual(["add late 90,10"]);
    });
    expect(log).toEqual([]);
  });

  it("caches and delivers what its transform returns, listed and watched alike", async () => {
    const own = await namespace("transform");
    const ts = splits(admin);
    await ts.create(split(own, "listed"));
    const seen: string[] = [];
    const { informer, log } = recorded({
      namespace: own,
      transform: (s) => {
        seen.push(s.metadata?.managedFields === undefined ? "bare" : "with managedFields");
        const metadata = { ...s.metadata };
        delete metadata.managedFields;
        return { ...s, metadata };
      },
    });
    informer.start();
    expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
    await ts.create(split(own, "watched"));
    await eventually(() => {
      expect(log).toEqual(["add listed 90,10", "add watched 90,10"]);
    });
    // The server sends managedFields (create records its manager); the cache holds none.
    expect(seen).toEqual(["with managedFields", "with managedFields"]);
    for (const name of ["listed", "watched"]) {
      const cached = informer.get(own, name);
      expect(cached?.metadata?.managedFields).toBeUndefined();
      expect(cached?.metadata?.resourceVersion).not.toBe("");
      expect(Object.isFrozen(cached)).toBe(true);
    }
    await expectCacheMatchesServer(informer, own);
  });

  it("waitForSync returns false when aborted before the first sync", async () => {
    const informer = new Informer(splits(admin), { namespace: ns });
    const abort = new AbortController();
    const waiting = informer.waitForSync(abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
  });
});
