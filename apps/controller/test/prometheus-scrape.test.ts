/**
 * A real Prometheus scrapes the adaptor's admin port after it has reconciled a split, and
 * queries what it stored: the adaptor's own series with their labels, and prom-client's
 * default metrics under the `smi_adaptor_` prefix.
 */
import { Prometheus, eventually, type PromSample } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applySplit,
  createNamespace,
  deleteNamespace,
  fqdn,
  profileBecomes,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

let adaptor: RunningAdaptor;
let prometheus: Prometheus | undefined;
let ns: string;

beforeAll(async () => {
  ns = await createNamespace("scrape", ["web", "web-v1", "web-v2"]);
  adaptor = await runAdaptor();
});
afterAll(async () => {
  await prometheus?.stop();
  await adaptor.stop();
  await deleteNamespace(ns);
});

/** The rows of `promql` without Prometheus's own job label, sorted by their labels. */
async function rows(promql: string): Promise<PromSample[]> {
  return ((await prometheus?.query(promql)) ?? [])
    .map((r) => ({ metric: r.metric, value: r.value }))
    .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
}

describe("Prometheus scraping the adaptor", () => {
  it(
    "stores the reconcile counters, the backend weights and the default metrics",
    {
      timeout: 180_000,
    },
    async () => {
      await applySplit(
        ns,
        splitManifest("web-split", "web", [
          ["web-v1", 900],
          ["web-v2", 100],
        ]),
      );
      await profileBecomes(ns, fqdn("web", ns), [
        { authority: fqdn("web-v1", ns), weight: "900" },
        { authority: fqdn("web-v2", ns), weight: "100" },
      ]);

      prometheus = await Prometheus.start({
        targets: [adaptor.adminAddress],
        scrapeInterval: "1s",
      });
      await prometheus.waitForScrapes(2);
      const instance = adaptor.adminAddress;
      const job = "linkerd-proxy";

      expect(await rows("up")).toEqual([{ metric: { __name__: "up", instance, job }, value: 1 }]);

      // The split's two backends, 900 and 100 of 1000.
      expect(await rows(`smi_adaptor_backend_weight_ratio{namespace="${ns}"}`)).toEqual([
        {
          metric: {
            __name__: "smi_adaptor_backend_weight_ratio",
            apex: "web",
            backend: "web-v1",
            instance,
            job,
            namespace: ns,
            trafficsplit: "web-split",
          },
          value: 0.9,
        },
        {
          metric: {
            __name__: "smi_adaptor_backend_weight_ratio",
            apex: "web",
            backend: "web-v2",
            instance,
            job,
            namespace: ns,
            trafficsplit: "web-split",
          },
          value: 0.1,
        },
      ]);

      // The adaptor created the profile: at least that one reconcile counts as created (other
      // test files' namespaces may still be going away, and count too).
      const created = await rows(`smi_adaptor_reconciles_total{result="created"}`);
      expect(created.map((r) => r.metric)).toEqual([
        { __name__: "smi_adaptor_reconciles_total", instance, job, result: "created" },
      ]);
      expect(created[0]?.value).toBeGreaterThanOrEqual(1);
      // A histogram by result: its count is the counter's (both move in the same reconcile).
      const durations = await rows(
        `smi_adaptor_reconcile_duration_seconds_count{result="created"} - on(result) smi_adaptor_reconciles_total{result="created"}`,
      );
      expect(durations.map((r) => [r.metric["result"], r.value])).toEqual([["created", 0]]);
      expect(await rows(`smi_adaptor_leader`)).toEqual([
        { metric: { __name__: "smi_adaptor_leader", instance, job }, value: 1 },
      ]);
      // Writes went to the apiserver, by resource.
      const writes = await rows(`smi_adaptor_api_writes_total{resource="serviceprofiles"}`);
      expect(writes[0]?.value).toBeGreaterThanOrEqual(1);

      // prom-client's default metrics, as a process of this size reports them.
      const value = async (promql: string) => {
        const [row, ...more] = await rows(promql);
        expect([promql, more]).toEqual([promql, []]);
        return row?.value;
      };
      expect(await value("smi_adaptor_process_resident_memory_bytes")).toBeGreaterThan(
        10 * 2 ** 20,
      );
      expect(await value("smi_adaptor_process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(await value("smi_adaptor_nodejs_heap_size_used_bytes")).toBeGreaterThan(2 ** 20);
      expect(await value("smi_adaptor_nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
      expect(await value("smi_adaptor_nodejs_active_handles_total")).toBeGreaterThan(0);
      expect(
        await value(`smi_adaptor_nodejs_heap_space_size_used_bytes{space="old"}`),
      ).toBeGreaterThan(0);
      expect(await value(`sum(smi_adaptor_nodejs_gc_duration_seconds_count)`)).toBeGreaterThan(0);
      expect(await value(`smi_adaptor_nodejs_version_info{version="${process.version}"}`)).toBe(1);

      // A change of weights: the next scrapes carry the new shares and an updated reconcile.
      await applySplit(
        ns,
        splitManifest("web-split", "web", [
          ["web-v1", 500],
          ["web-v2", 500],
        ]),
      );
      await eventually(
        "Prometheus to store the new weights",
        async () => {
          const now = await rows(`smi_adaptor_backend_weight_ratio{namespace="${ns}"}`);
          return now.length === 2 && now.every((r) => r.value === 0.5) ? now : undefined;
        },
        30_000,
        250,
      );
      const updated = await rows(`smi_adaptor_reconciles_total{result="updated"}`);
      expect(updated[0]?.value).toBeGreaterThanOrEqual(1);
    },
  );
});
