#!/usr/bin/env node
/**
 * `pnpm --filter @linkerd-smi/bench bench:idle`: the bundled adaptor's idle RSS, as the image
 * runs it (apps/controller's dist/bundle/smi-adaptor.mjs with the image's Node flags), against a
 * fresh testenv control plane with no TrafficSplits. It waits until the adaptor is ready, then
 * `--seconds` (default 20) more, and prints RSS (and its anonymous and file-backed parts), peak
 * RSS and CPU seconds, in MiB, and a bare `node` process's peak for the floor.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { startEnvironment } from "@linkerd-smi/testenv";
import { AdaptorProcess, bareNodePeakRss } from "./adaptor-process.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
  options: { seconds: { type: "string", default: "20" } },
});

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const env = await startEnvironment({ log: () => undefined });
try {
  const adaptor = new AdaptorProcess(env.kubeconfig);
  try {
    await adaptor.waitReady();
    await sleep(Number(values.seconds) * 1000);
    const u = adaptor.usage();
    process.stdout.write(
      `Node ${process.version}, kube-apiserver ${env.version}: idle adaptor ${values.seconds}s after ready: ` +
        `RSS ${mib(u.rssBytes)} MiB (anon ${mib(u.rssAnonBytes)}, file ${mib(u.rssFileBytes)}), ` +
        `peak ${mib(u.peakRssBytes)} MiB, CPU ${u.cpuSeconds.toFixed(2)} s; ` +
        `bare node peak ${mib(await bareNodePeakRss())} MiB\n`,
    );
  } finally {
    await adaptor.stop();
  }
} finally {
  await env.plane.stop();
}
