#!/usr/bin/env node
/**
 * `pnpm bench:transport`: the two ways @linkerd-smi/kube can talk to the apiserver, side by
 * side on one fresh control plane (testenv's real kube-apiserver + etcd):
 *
 * - `pool`: kube's `KubeClient`, node:https over one keep-alive agent built from the TLS
 *   settings client-node's `KubeConfig.applyToHTTPSOptions` applies (what kube uses);
 * - `client-node`: client-node's own `KubernetesObjectApi` (list, server-side apply) and
 *   `Watch`, over node-fetch with `applyToFetchOptions`.
 *
 * Each run is its own process (`transport-worker.ts`), so that its RSS holds one transport's
 * imports; the runs alternate, `--rounds` times each, and the median of each figure is printed.
 * Options: `--objects 500 --lists 200 --patches 1000 --watches 10 --rounds 3`.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { startEnvironment } from "@linkerd-smi/testenv";
import {
  ConfigMapV1,
  KubeClient,
  loadKubeConfig,
  NamespaceV1,
  ResourceClient,
} from "@linkerd-smi/kube";
import type { TransportFigures } from "./transport-worker.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
  options: {
    objects: { type: "string", default: "500" },
    lists: { type: "string", default: "200" },
    patches: { type: "string", default: "1000" },
    watches: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});

const TRANSPORTS = ["pool", "client-node"] as const;
const worker = fileURLToPath(new URL("transport-worker.js", import.meta.url));
const run = promisify(execFile);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const env = await startEnvironment({ log: () => undefined });
try {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: env.kubeconfig }));
  const namespace = "transport-bench";
  await new ResourceClient(client, NamespaceV1).create({ metadata: { name: namespace } });
  const maps = new ResourceClient(client, ConfigMapV1);
  const objects = Number(values.objects);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < objects; i = next++)
        await maps.create({
          metadata: { name: `cm-${i}`, namespace },
          data: { value: "x".repeat(200) },
        });
    }),
  );
  client.close();

  const results = new Map<string, TransportFigures[]>(TRANSPORTS.map((t) => [t, []]));
  for (let round = 0; round < Number(values.rounds); round++)
    for (const transport of TRANSPORTS) {
      const { stdout } = await run(process.execPath, [
        "--expose-gc",
        worker,
        transport,
        env.kubeconfig,
        namespace,
        values.lists,
        values.patches,
        values.watches,
      ]);
      const figures = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as TransportFigures;
      results.get(transport)?.push(figures);
      process.stderr.write(`round ${round + 1} ${transport}: ${JSON.stringify(figures)}\n`);
    }

  const keys = [
    "listsPerSecond",
    "patchesPerSecond",
    "watchEventsPerSecond",
    "rssMiB",
    "peakRssMiB",
  ] as const;
  process.stdout.write(
    `Node ${process.version}, kube-apiserver ${env.version}, ${objects} ConfigMaps, ` +
      `${values.lists} lists, ${values.patches} applies (4 in flight), ${values.watches} watches ` +
      `from resourceVersion 0; median of ${values.rounds} runs\n\n`,
  );
  process.stdout.write(
    `| transport | ${keys.join(" | ")} |\n|---|${keys.map(() => "---|").join("")}\n`,
  );
  for (const [transport, runs] of results)
    process.stdout.write(
      `| ${transport} | ${keys.map((k) => median(runs.map((r) => r[k])).toFixed(1)).join(" | ")} |\n`,
    );
} finally {
  await env.plane.stop();
}
