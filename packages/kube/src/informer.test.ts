/**
 * The informer's indexes through a list, watch events, an expired watch (410) and the relist
 * after it. The apiserver is a scripted KubeTransport here, so each step can be checked
 * before the next arrives; test/informer*.test.ts run the informer against a real one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Informer } from "./informer.js";
import { defineResource, ResourceClient, type KubeObject } from "./resources.js";
import type { KubeRequest, KubeTransport, StreamHandlers } from "./transport.js";

interface Split extends KubeObject {
  spec: { service: string };
}

const SplitV1 = defineResource<Split>({
  group: "example.com",
  version: "v1",
  plural: "splits",
  kind: "Split",
  namespaced: true,
});

function split(namespace: string, name: string, service: string, rv: string): Split {
  return { metadata: { namespace, name, resourceVersion: rv }, spec: { service } };
}

interface OpenWatch {
  resourceVersion: string | undefined;
  send(event: { type: string; object: unknown }): void;
}

/** Answers lists from a script and hands each watch to the test, which sends its events. */
class ScriptedApiserver implements KubeTransport {
  private readonly watchWaiters: ((w: OpenWatch) => void)[] = [];
  private readonly openWatches: OpenWatch[] = [];
  lists = 0;

  constructor(private readonly listAnswers: { items: Split[]; resourceVersion: string }[]) {}

  request(req: KubeRequest): Promise<unknown> {
    const answer = this.listAnswers[this.lists++];
    if (req.method !== "GET" || answer === undefined)
      return Promise.reject(new Error(`unscripted request ${req.method} ${req.path}`));
    return Promise.resolve({
      items: structuredClone(answer.items),
      metadata: { resourceVersion: answer.resourceVersion },
    });
  }

  stream(req: KubeRequest, handlers: StreamHandlers): Promise<void> {
    return new Promise((_resolve, reject) => {
      req.signal?.addEventListener("abort", () => {
        reject(req.signal?.reason as Error);
      });
      handlers.onOpen?.();
      const rv = req.query?.resourceVersion;
      const watch: OpenWatch = {
        resourceVersion: rv === undefined ? undefined : String(rv),
        send: (event) => {
          try {
            handlers.onLine(JSON.stringify(event));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      };
      const waiter = this.watchWaiters.shift();
      if (waiter === undefined) this.openWatches.push(watch);
      else waiter(watch);
    });
  }

  /** The next watch the informer opens. */
  nextWatch(): Promise<OpenWatch> {
    const open = this.openWatches.shift();
    if (open !== undefined) return Promise.resolve(open);
    return new Promise((resolve) => this.watchWaiters.push(resolve));
  }
}

const informers: Informer<Split>[] = [];
afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

function informerOver(api: ScriptedApiserver): Informer<Split> {
  const informer = new Informer(new ResourceClient(api, SplitV1), { watchTimeoutSeconds: 3600 });
  informers.push(informer);
  return informer;
}

const names = (objs: Split[]): string[] => objs.map((o) => o.metadata?.name ?? "").sort();
const apexOf = (s: Split): string[] => [`${s.metadata?.namespace ?? ""}/${s.spec.service}`];

describe("Informer indexes", () => {
  it("keep byIndex and list(namespace) in step with adds, updates, deletes and a relist after 410", async () => {
    const api = new ScriptedApiserver([
      {
        resourceVersion: "10",
        items: [
          split("ns1", "a", "web", "1"),
          split("ns1", "b", "web", "2"),
          split("ns2", "c", "api", "3"),
        ],
      },
      // The relist after the watch expired: a is gone (deleted on the watch), b is back on
      // web, c vanished while nobody watched, d is unchanged and e is new.
      {
        resourceVersion: "30",
        items: [
          split("ns1", "b", "web", "21"),
          split("ns2", "d", "web", "12"),
          split("ns3", "e", "web", "22"),
        ],
      },
    ]);
    const informer = informerOver(api);
    informer.addIndex("apex", apexOf);
    const deletes: string[] = [];
    informer.onDelete((s, info) =>
      deletes.push(`${s.metadata?.name ?? ""}${info.finalStateUnknown ? " unknown" : ""}`),
    );
    informer.start();
    const first = await api.nextWatch();
    expect(first.resourceVersion).toBe("10");
    expect(names(informer.byIndex("apex", "ns1/web"))).toEqual(["a", "b"]);
    expect(names(informer.byIndex("apex", "ns2/api"))).toEqual(["c"]);
    expect(names(informer.list("ns1"))).toEqual(["a", "b"]);
    expect(names(informer.list("ns2"))).toEqual(["c"]);
    expect(informer.list("ns3")).toEqual([]);

    first.send({ type: "MODIFIED", object: split("ns1", "b", "api", "11") });
    expect(names(informer.byIndex("apex", "ns1/web"))).toEqual(["a"]);
    expect(names(informer.byIndex("apex", "ns1/api"))).toEqual(["b"]);

    first.send({ type: "ADDED", object: split("ns2", "d", "web", "12") });
    expect(names(informer.byIndex("apex", "ns2/web"))).toEqual(["d"]);
    expect(names(informer.list("ns2"))).toEqual(["c", "d"]);

    first.send({ type: "DELETED", object: split("ns1", "a", "web", "13") });
    expect(informer.byIndex("apex", "ns1/web")).toEqual([]);
    expect(names(informer.list("ns1"))).toEqual(["b"]);
    expect(deletes).toEqual(["a"]);

    first.send({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
    });
    const second = await api.nextWatch();
    expect(api.lists).toBe(2);
    expect(second.resourceVersion).toBe("30");
    expect(deletes).toEqual(["a", "c unknown"]);
    expect(names(informer.byIndex("apex", "ns1/web"))).toEqual(["b"]);
    expect(informer.byIndex("apex", "ns1/api")).toEqual([]);
    expect(informer.byIndex("apex", "ns2/api")).toEqual([]);
    expect(names(informer.byIndex("apex", "ns2/web"))).toEqual(["d"]);
    expect(names(informer.byIndex("apex", "ns3/web"))).toEqual(["e"]);
    expect(names(informer.list("ns1"))).toEqual(["b"]);
    expect(names(informer.list("ns2"))).toEqual(["d"]);
    expect(names(informer.list("ns3"))).toEqual(["e"]);
    expect(names(informer.list())).toEqual(["b", "d", "e"]);
    // The objects in the buckets are the relisted ones.
    expect(informer.byIndex("apex", "ns1/web")[0]?.metadata?.resourceVersion).toBe("21");
  });

  it("builds an index added after the cache filled, and keeps it up to date", async () => {
    const api = new ScriptedApiserver([
      {
        resourceVersion: "5",
        items: [split("ns1", "a", "web", "1"), split("ns2", "b", "web", "2")],
      },
    ]);
    const informer = informerOver(api);
    informer.start();
    const watch = await api.nextWatch();
    informer.addIndex("service", (s) => [s.spec.service]);
    expect(names(informer.byIndex("service", "web"))).toEqual(["a", "b"]);
    watch.send({ type: "DELETED", object: split("ns2", "b", "web", "6") });
    watch.send({ type: "ADDED", object: split("ns2", "c", "api", "7") });
    expect(names(informer.byIndex("service", "web"))).toEqual(["a"]);
    expect(names(informer.byIndex("service", "api"))).toEqual(["c"]);
  });

  it("refuses to replace the built-in namespace index and names a missing index", () => {
    const informer = informerOver(new ScriptedApiserver([]));
    expect(() => {
      informer.addIndex("namespace", () => []);
    }).toThrow('index "namespace" already exists');
    expect(() => informer.byIndex("apex", "ns/web")).toThrow('no index named "apex"');
  });
});
