/**
 * One transport's run of the transport benchmark (`transport.ts` starts it as its own process,
 * so that its RSS holds that transport's imports only). Prints one JSON line.
 *
 *     node transport-worker.js pool|client-node KUBECONFIG NAMESPACE LISTS PATCHES WATCHES
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface TransportFigures {
  transport: string;
  /** Lists of the namespace's ConfigMaps per second, one at a time. */
  listsPerSecond: number;
  /** Server-side applies per second, four in flight. */
  patchesPerSecond: number;
  /** Watch events per second delivered by a watch from resourceVersion 0 (the initial ADDED events). */
  watchEventsPerSecond: number;
  /** RSS after the run and a GC, MiB. */
  rssMiB: number;
  /** Peak RSS, MiB. */
  peakRssMiB: number;
}

interface Transport {
  /** Lists the namespace's ConfigMaps; resolves with how many there are. */
  list(): Promise<number>;
  apply(name: string, value: string): Promise<void>;
  /** Watches from resourceVersion 0 until `count` events arrived. */
  watchAll(count: number): Promise<void>;
}

const FIELD_MANAGER = "transport-bench";

async function pool(kubeconfig: string, namespace: string): Promise<Transport> {
  const { ConfigMapV1, KubeClient, loadKubeConfig, ResourceClient } =
    await import("@linkerd-smi/kube");
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  const maps = new ResourceClient(client, ConfigMapV1);
  return {
    list: async () => (await maps.list(namespace)).items.length,
    apply: async (name, value) => {
      await maps.apply(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { value } },
        { fieldManager: FIELD_MANAGER, force: true },
      );
    },
    watchAll: async (count) => {
      const controller = new AbortController();
      let seen = 0;
      await maps
        .watch(namespace, { resourceVersion: "0", signal: controller.signal }, (event) => {
          if (event.type === "ADDED" && ++seen === count) controller.abort();
        })
        .catch((error: unknown) => {
          if (!controller.signal.aborted) throw error;
        });
    },
  };
}

async function clientNode(kubeconfig: string, namespace: string): Promise<Transport> {
  const { KubeConfig, KubernetesObjectApi, PatchStrategy, Watch } =
    await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const watch = new Watch(kc);
  return {
    list: async () => (await objects.list("v1", "ConfigMap", namespace)).items.length,
    apply: async (name, value) => {
      await objects.patch(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { value } },
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    },
    watchAll: (count) =>
      new Promise<void>((resolve, reject) => {
        let seen = 0;
        let request: AbortController | undefined;
        let done = false;
        void watch
          .watch(
            `/api/v1/namespaces/${namespace}/configmaps`,
            { resourceVersion: "0", allowWatchBookmarks: true },
            (type) => {
              if (type === "ADDED" && ++seen === count) {
                done = true;
                request?.abort();
                resolve();
              }
            },
            (error: unknown) => {
              if (!done) reject(error instanceof Error ? error : new Error(String(error)));
            },
          )
          .then((c) => {
            request = c;
            if (done) c.abort();
          });
      }),
  };
}

async function timed(what: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await what();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const [kind, kubeconfig, namespace, lists, patches, watches] = process.argv.slice(2);
  if (kubeconfig === undefined || namespace === undefined)
    throw new Error("usage: transport-worker pool|client-node KUBECONFIG NAMESPACE ...");
  const t =
    kind === "pool" ? await pool(kubeconfig, namespace) : await clientNode(kubeconfig, namespace);
  const objects = await t.list(); // warms the connection (and client-node's discovery)

  const listSeconds = await timed(async () => {
    for (let i = 0; i < Number(lists); i++) await t.list();
  });

  let next = 0;
  const total = Number(patches);
  const patchSeconds = await timed(() =>
    Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < total; i = next++) await t.apply(`cm-${i % objects}`, `v${i}`);
      }),
    ),
  );

  const watchSeconds = await timed(async () => {
    for (let i = 0; i < Number(watches); i++) await t.watchAll(objects);
  });

  await sleep(100);
  globalThis.gc?.();
  const figures: TransportFigures = {
    transport: kind ?? "",
    listsPerSecond: Number(lists) / listSeconds,
    patchesPerSecond: total / patchSeconds,
    watchEventsPerSecond: (Number(watches) * objects) / watchSeconds,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

await main();
