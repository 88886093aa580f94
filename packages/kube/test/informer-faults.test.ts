import { startEnvironment, type TestEnvironment } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Informer,
  KubeClient,
  loadKubeConfig,
  objectKey,
  ResourceClient,
  type InformerOptions,
  type WatchRestartReason,
} from "../src/index.js";
import {
  createNamespace,
  eventually,
  split,
  TrafficSplitV1Alpha2,
  type TrafficSplit,
} from "./helpers.js";

// Its own control plane: these tests stop the apiserver and compact etcd.
// Without the watch cache, a watch resuming from a compacted
// resourceVersion reaches etcd and gets a real 410 Gone.
let env: TestEnvironment;
let kube: KubeClient;

beforeAll(async () => {
  env = await startEnvironment({ apiServerArgs: ["--watch-cache=false"], log: () => undefined });
  kube = new KubeClient(loadKubeConfig({ kubeconfig: env.kubeconfig }));
});

afterAll(async () => {
  kube.close();
  await env.plane.stop();
});

function recorded(options: InformerOptions<TrafficSplit>) {
  const informer = new Informer(new ResourceClient(kube, TrafficSplitV1Alpha2), {
    watchTimeoutSeconds: 60,
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...options,
  });
  const log: string[] = [];
  const restarts: WatchRestartReason[] = [];
  const weights = (s: TrafficSplit) => s.spec?.backends.map((b) => b.weight).join(",") ?? "";
  informer.addHandlers({
    onAdd: (s) => log.push(`add ${s.metadata?.name ?? ""} ${weights(s)}`),
    onUpdate: (o, n) => log.push(`update ${n.metadata?.name ?? ""} ${weights(o)} -> ${weights(n)}`),
    onDelete: (s, info) =>
      log.push(
        `delete ${s.metadata?.name ?? ""}${info.finalStateUnknown ? " (final state unknown)" : ""}`,
      ),
  });
  informer.onWatchRestart((reason) => restarts.push(reason));
  return { informer, log, restarts };
}

async function expectCacheMatchesServer(
  informer: Informer<TrafficSplit>,
  ns: string,
): Promise<void> {
  const server = await new ResourceClient(kube, TrafficSplitV1Alpha2).list(ns);
  const fromServer = Object.fromEntries(
    server.items.map((o) => [objectKey(o), o.metadata?.resourceVersion]),
  );
  const fromCache = Object.fromEntries(
    informer.list(ns).map((o) => [objectKey(o), o.metadata?.resourceVersion]),
  );
  expect(fromCache).toEqual(fromServer);
}

const fifty = [
  { service: "v1", weight: 50 },
  { service: "v2", weight: 50 },
];

describe("Informer under faults", () => {
  it("survives an apiserver restart: unhealthy while down, then converges on later changes", async () => {
    const ns = await createNamespace(kube, "restart");
    const ts = new ResourceClient(kube, TrafficSplitV1Alpha2);
    await ts.create(split(ns, "a"));
    const b = await ts.create(split(ns, "b"));
    const { informer, log, restarts } = recorded({ namespace: ns });
    informer.start();
    try {
      await informer.waitForSync();
      await eventually(() => {
        expect(informer.health().watching).toBe(true);
      });
      log.length = 0;

      await env.plane.stopApiServer();
      await eventually(() => {
        const health = informer.health();
        expect(health.watching).toBe(false);
        expect(health.restarts).toBeGreaterThan(0);
        expect(health.lastError?.kind).toBe("transient");
      });
      expect(restarts).toContain("error");
      // The cache keeps serving what it had.
      expect(informer.keys().sort()).toEqual([`${ns}/a`, `${ns}/b`]);
      expect(informer.hasSynced()).toBe(true);

      await env.plane.startApiServer();
      await ts.create(split(ns, "c"));
      await ts.replace({ ...b, spec: { service: "b", backends: fifty } });
      await ts.delete(ns, "a");
      await eventually(
        async () => {
          expect(informer.health().watching).toBe(true);
          expect(log).toEqual(["add c 90,10", "update b 90,10 -> 50,50", "delete a"]);
          await expectCacheMatchesServer(informer, ns);
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await informer.stop();
    }
  });

  it("relists after 410 Gone and reconciles the cache, deletes in the gap included", async () => {
    const ns = await createNamespace(kube, "gone");
    const ts = new ResourceClient(kube, TrafficSplitV1Alpha2);
    for (const name of ["a", "b", "c"]) await ts.create(split(ns, name));
    // What an informer had before its watch fell behind.
    const snapshot = await ts.list(ns);
    // Changes it missed...
    await ts.delete(ns, "b");
    const c = await ts.get(ns, "c");
    if (c === undefined) throw new Error("c vanished");
    await ts.replace({ ...c, spec: { service: "c", backends: fifty } });
    await ts.create(split(ns, "d"));
    // ...and etcd forgets the history it would need to replay them.
    const compactedAt = await env.plane.compactEtcd();
    expect(compactedAt).toBeGreaterThan(Number(snapshot.resourceVersion));

    const { informer, log, restarts } = recorded({
      namespace: ns,
      initialState: { items: snapshot.items, resourceVersion: snapshot.resourceVersion },
    });
    informer.start();
    try {
      await eventually(
        async () => {
          expect(informer.health().relists).toBe(1);
          expect(informer.health().watching).toBe(true);
          await expectCacheMatchesServer(informer, ns);
        },
        { timeoutMs: 30_000 },
      );
      expect(restarts).toEqual(["gone"]);
      expect(informer.health().lastError?.kind).toBe("gone");
      expect(log).toEqual([
        "add a 90,10",
        "add b 90,10",
        "add c 90,10",
        "delete b (final state unknown)",
        "update c 90,10 -> 50,50",
        "add d 90,10",
      ]);
      // And it watches normally from the fresh list.
      await ts.delete(ns, "d");
      await eventually(() => {
        expect(log.at(-1)).toBe("delete d");
      });
    } finally {
      await informer.stop();
    }
  });
});
