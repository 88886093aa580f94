import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.js";

/** Each metric's block in an exposition: HELP, TYPE and the sample lines. */
function parse(text: string) {
  const metrics = new Map<
    string,
    { help?: string; type?: string; samples: { name: string; labels: string; value: number }[] }
  >();
  const get = (name: string) => {
    let m = metrics.get(name);
    if (m === undefined) metrics.set(name, (m = { samples: [] }));
    return m;
  };
  let current = "";
  for (const line of text.split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind = "", name = "", rest = ""] = meta;
      current = name;
      if (kind === "HELP") get(name).help = rest;
      else get(name).type = rest;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (sample !== null) {
      const [, name = "", labels = "", value = ""] = sample;
      get(current).samples.push({ name, labels, value: Number(value) });
    }
  }
  return metrics;
}

/** The label names of a sample, in order (`le` included). */
const labelNames = (labels: string) => [...labels.matchAll(/([a-zA-Z_]\w*)="/g)].map((m) => m[1]);

describe("the adaptor's metrics", () => {
  it("keep every smi_adaptor_* name, type, help, labels and buckets", async () => {
    const m = createMetrics({ defaultMetrics: false });
    // One of each, so that every labelled series shows its labels.
    m.reconciles.inc({ result: "created" });
    m.reconcileDuration.observe({ result: "created" }, 0.003);
    m.queueDepth.set(2);
    m.queueAdds.inc();
    m.queueRetries.inc();
    m.queueLatency.observe(0.02);
    m.leader.set(1);
    m.watchRestarts.inc({ resource: "trafficsplits", reason: "expired" });
    m.cacheSynced.set({ resource: "services" }, 1);
    m.apiWrites.inc({ resource: "serviceprofiles" });
    m.permanentErrors.inc({ kind: "forbidden" });
    m.backendWeight.set({ namespace: "ns", trafficsplit: "s", apex: "a", backend: "b" }, 0.25);
    const got = parse(await m.registry.metrics());

    // By hand, from the README's table and the series as they were before (issue 29).
    const want: [name: string, type: string, labels: string[], help: string][] = [
      [
        "smi_adaptor_reconciles_total",
        "counter",
        ["result"],
        "Reconciles of an apex service's ServiceProfile, by result.",
      ],
      [
        "smi_adaptor_reconcile_duration_seconds",
        "histogram",
        ["result"],
        "Time to reconcile one apex service, by result.",
      ],
      ["smi_adaptor_workqueue_depth", "gauge", [], "Keys waiting in the workqueue."],
      ["smi_adaptor_workqueue_adds_total", "counter", [], "Keys added to the workqueue."],
      [
        "smi_adaptor_workqueue_retries_total",
        "counter",
        [],
        "Keys requeued with backoff after a failed reconcile.",
      ],
      [
        "smi_adaptor_workqueue_queue_duration_seconds",
        "histogram",
        [],
        "Time a key waits in the workqueue before a worker takes it.",
      ],
      [
        "smi_adaptor_leader",
        "gauge",
        [],
        "1 while this replica holds the leader Lease (or leader election is off), else 0.",
      ],
      [
        "smi_adaptor_watch_restarts_total",
        "counter",
        ["resource", "reason"],
        "Watches restarted after they ended or failed, by resource and reason.",
      ],
      [
        "smi_adaptor_cache_synced",
        "gauge",
        ["resource"],
        "1 when the informer cache of a resource is synced and its watch is up.",
      ],
      [
        "smi_adaptor_permanent_errors_total",
        "counter",
        ["kind"],
        "Writes the apiserver refused for a reason retrying cannot fix (forbidden, invalid), by kind; each is reported in a WriteRejected Event and not retried until something changes.",
      ],
      [
        "smi_adaptor_api_writes_total",
        "counter",
        ["resource"],
        "Write requests (create, apply, patch, delete) the adaptor sent to the apiserver, by resource.",
      ],
      [
        "smi_adaptor_backend_weight_ratio",
        "gauge",
        ["namespace", "trafficsplit", "apex", "backend"],
        "Share of an apex service's traffic each backend receives (0 to 1), per TrafficSplit.",
      ],
    ];
    expect([...got.keys()].sort()).toEqual(want.map(([name]) => name).sort());
    for (const [name, type, labels, help] of want) {
      const metric = got.get(name);
      expect({ name, type: metric?.type, help: metric?.help }).toEqual({ name, type, help });
      const samples = metric?.samples ?? [];
      expect(samples.length, name).toBeGreaterThan(0);
      // Prometheus does not care about label order (prom-client puts `le` first).
      for (const sample of samples) {
        const le = sample.name.endsWith("_bucket") ? ["le"] : [];
        expect([sample.name, labelNames(sample.labels).sort()]).toEqual([
          sample.name,
          [...labels, ...le].sort(),
        ]);
      }
    }

    const buckets = (name: string) =>
      got
        .get(name)
        ?.samples.filter((s) => s.name === `${name}_bucket`)
        .map((s) => /le="([^"]+)"/.exec(s.labels)?.[1]);
    expect(buckets("smi_adaptor_reconcile_duration_seconds")).toEqual(
      [
        "0.0005",
        "0.001",
        "0.0025",
        "0.005",
        "0.01",
        "0.025",
        "0.05",
        "0.1",
        "0.25",
        "0.5",
        "1",
        "2.5",
        "5",
      ].concat("+Inf"),
    );
    expect(buckets("smi_adaptor_workqueue_queue_duration_seconds")).toEqual([
      "0.001",
      "0.005",
      "0.01",
      "0.05",
      "0.1",
      "0.5",
      "1",
      "5",
      "10",
      "60",
      "+Inf",
    ]);
    // The values as set: 0.003 falls in le="0.005" and above, 0.02 in le="0.05" and above.
    const series = (name: string) =>
      got
        .get(name.replace(/_(bucket|sum|count)$/, ""))
        ?.samples.filter((s) => s.name === name)
        .map((s) => `${s.labels} ${s.value}`);
    expect(series("smi_adaptor_reconcile_duration_seconds_bucket")?.slice(2, 4)).toEqual([
      '{le="0.0025",result="created"} 0',
      '{le="0.005",result="created"} 1',
    ]);
    expect(series("smi_adaptor_workqueue_queue_duration_seconds_count")).toEqual([" 1"]);
    expect(series("smi_adaptor_backend_weight_ratio")).toEqual([
      '{namespace="ns",trafficsplit="s",apex="a",backend="b"} 0.25',
    ]);
  });

  it("remove drops one backend's series", async () => {
    const m = createMetrics({ defaultMetrics: false });
    const a = { namespace: "ns", trafficsplit: "s", apex: "a", backend: "a-v1" };
    const b = { namespace: "ns", trafficsplit: "s", apex: "a", backend: "a-v2" };
    m.backendWeight.set(a, 0.9);
    m.backendWeight.set(b, 0.1);
    m.backendWeight.remove(a);
    const text = await m.registry.metrics();
    expect(text).not.toContain('backend="a-v1"');
    expect(text).toContain(
      'smi_adaptor_backend_weight_ratio{namespace="ns",trafficsplit="s",apex="a",backend="a-v2"} 0.1\n',
    );
  });

  it("include prom-client's default metrics under the smi_adaptor_ prefix", async () => {
    const m = createMetrics();
    // Garbage for the GC histogram to time: 300,000 objects, dropped at once.
    const junk: unknown[] = [];
    for (let i = 0; i < 300_000; i++) junk.push({ i });
    junk.length = 0;
    await new Promise((r) => setTimeout(r, 50));
    const got = parse(await m.registry.metrics());
    const want: [name: string, type: string][] = [
      ["process_cpu_user_seconds_total", "counter"],
      ["process_cpu_system_seconds_total", "counter"],
      ["process_cpu_seconds_total", "counter"],
      ["process_start_time_seconds", "gauge"],
      ["process_resident_memory_bytes", "gauge"],
      ["process_virtual_memory_bytes", "gauge"],
      ["process_heap_bytes", "gauge"],
      ["process_open_fds", "gauge"],
      ["process_max_fds", "gauge"],
      ["nodejs_eventloop_lag_seconds", "gauge"],
      ["nodejs_eventloop_lag_min_seconds", "gauge"],
      ["nodejs_eventloop_lag_max_seconds", "gauge"],
      ["nodejs_eventloop_lag_mean_seconds", "gauge"],
      ["nodejs_eventloop_lag_stddev_seconds", "gauge"],
      ["nodejs_eventloop_lag_p50_seconds", "gauge"],
      ["nodejs_eventloop_lag_p90_seconds", "gauge"],
      ["nodejs_eventloop_lag_p99_seconds", "gauge"],
      ["nodejs_active_resources", "gauge"],
      ["nodejs_active_resources_total", "gauge"],
      ["nodejs_active_handles", "gauge"],
      ["nodejs_active_handles_total", "gauge"],
      ["nodejs_active_requests", "gauge"],
      ["nodejs_active_requests_total", "gauge"],
      ["nodejs_heap_size_total_bytes", "gauge"],
      ["nodejs_heap_size_used_bytes", "gauge"],
      ["nodejs_external_memory_bytes", "gauge"],
      ["nodejs_heap_space_size_total_bytes", "gauge"],
      ["nodejs_heap_space_size_used_bytes", "gauge"],
      ["nodejs_heap_space_size_available_bytes", "gauge"],
      ["nodejs_version_info", "gauge"],
      ["nodejs_gc_duration_seconds", "histogram"],
    ];
    for (const [name, type] of want) {
      expect([name, got.get(`smi_adaptor_${name}`)?.type]).toEqual([name, type]);
    }
    const value = (name: string, labels = "") =>
      got
        .get(`smi_adaptor_${name}`)
        ?.samples.find((s) => s.name === `smi_adaptor_${name}` && s.labels === labels)?.value;
    // Plausible, not computed by the code under test: this process has used CPU, holds more
    // than 10 MiB resident, started within the last day and uses its heap.
    expect(value("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
    expect(Date.now() / 1000 - (value("process_start_time_seconds") ?? 0)).toBeLessThan(86_400);
    expect(value("nodejs_heap_size_used_bytes")).toBeGreaterThan(2 ** 20);
    expect(value("nodejs_heap_space_size_used_bytes", '{space="old"}')).toBeGreaterThan(0);
    expect(value("nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
    const [major, minor, patch] = process.versions.node.split(".");
    expect(
      value(
        "nodejs_version_info",
        `{version="v${process.versions.node}",major="${major}",minor="${minor}",patch="${patch}"}`,
      ),
    ).toBe(1);
    // 300,000 objects thrown away: at least one scavenge, timed by kind.
    expect(
      got
        .get("smi_adaptor_nodejs_gc_duration_seconds")
        ?.samples.find(
          (s) =>
            s.name === "smi_adaptor_nodejs_gc_duration_seconds_count" &&
            s.labels === '{kind="minor"}',
        )?.value,
    ).toBeGreaterThan(0);
    if (process.platform === "linux") {
      expect(value("process_open_fds")).toBeGreaterThan(2);
      expect(value("process_max_fds")).toBeGreaterThan(0);
    }
  });
});
