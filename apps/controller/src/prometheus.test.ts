import { describe, expect, it } from "vitest";
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  formatValue,
  registerProcessMetrics,
} from "./prometheus.js";

describe("the Prometheus text format", () => {
  it("renders counters, gauges and histograms with HELP, TYPE and escaped labels", () => {
    const registry = new Registry();
    const requests = registry.register(
      new Counter({ name: "t_requests_total", help: "Requests,\nby code.", labelNames: ["code"] }),
    );
    const up = registry.register(new Gauge({ name: "t_up", help: "Up." }));
    const info = registry.register(
      new Gauge({ name: "t_info", help: "Info.", labelNames: ["path", "kind"] }),
    );
    const took = registry.register(
      new Histogram({ name: "t_seconds", help: "Took.", buckets: [0.1, 1], labelNames: ["op"] }),
    );
    requests.inc({ code: "200" });
    requests.inc({ code: "200" }, 2);
    requests.inc({ code: 500 });
    up.set(1);
    info.set({ kind: "k", path: 'C:\\a "b"\nc' }, 0.25);
    took.observe({ op: "get" }, 0.1);
    took.observe({ op: "get" }, 0.5);
    took.observe({ op: "get" }, 7);
    expect(registry.metrics()).toBe(
      [
        "# HELP t_requests_total Requests,\\nby code.",
        "# TYPE t_requests_total counter",
        't_requests_total{code="200"} 3',
        't_requests_total{code="500"} 1',
        "# HELP t_up Up.",
        "# TYPE t_up gauge",
        "t_up 1",
        "# HELP t_info Info.",
        "# TYPE t_info gauge",
        't_info{path="C:\\\\a \\"b\\"\\nc",kind="k"} 0.25',
        "# HELP t_seconds Took.",
        "# TYPE t_seconds histogram",
        't_seconds_bucket{op="get",le="0.1"} 1',
        't_seconds_bucket{op="get",le="1"} 2',
        't_seconds_bucket{op="get",le="+Inf"} 3',
        't_seconds_sum{op="get"} 7.6',
        't_seconds_count{op="get"} 3',
        "",
      ].join("\n"),
    );
  });

  it("exports a counter or gauge without labels at 0 before it moves, a histogram once observed", () => {
    const registry = new Registry();
    registry.register(new Counter({ name: "c_total", help: "C." }));
    const h = registry.register(new Histogram({ name: "h", help: "H.", buckets: [1] }));
    expect(registry.metrics()).toBe(
      "# HELP c_total C.\n# TYPE c_total counter\nc_total 0\n# HELP h H.\n# TYPE h histogram\n",
    );
    h.observe(1);
    expect(registry.metrics()).toContain(
      'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    );
  });

  it("removes a labelled gauge series", () => {
    const registry = new Registry();
    const g = registry.register(new Gauge({ name: "g", help: "G.", labelNames: ["a"] }));
    g.set({ a: "x" }, 1);
    g.set({ a: "y" }, 2);
    g.remove({ a: "x" });
    expect(registry.metrics()).toBe('# HELP g G.\n# TYPE g gauge\ng{a="y"} 2\n');
  });

  it("formats special values as Prometheus reads them", () => {
    expect([Infinity, -Infinity, NaN, 1e-7, 0.5, 3].map(formatValue)).toEqual([
      "+Inf",
      "-Inf",
      "NaN",
      "1e-7",
      "0.5",
      "3",
    ]);
  });

  it("refuses what Prometheus would reject, naming the metric", () => {
    const registry = new Registry();
    const c = registry.register(new Counter({ name: "c_total", help: "C.", labelNames: ["a"] }));
    expect(() => c.inc({ a: "x" }, -1)).toThrow(
      "metric c_total: a counter cannot go down (inc by -1)",
    );
    expect(() => c.inc({ b: "x" })).toThrow('metric c_total: unknown label "b" (its labels are a)');
    expect(() => c.inc({})).toThrow('metric c_total: label "a" has no value');
    expect(() => registry.register(new Counter({ name: "c_total", help: "again" }))).toThrow(
      "metric c_total is already registered",
    );
    expect(() => new Gauge({ name: "bad-name", help: "" })).toThrow(
      'invalid metric name "bad-name"',
    );
    expect(() => new Gauge({ name: "g", help: "", labelNames: ["le"] })).toThrow(
      'metric g: invalid label name "le"',
    );
    expect(() => new Histogram({ name: "h", help: "", buckets: [1, 1] })).toThrow(
      "metric h: buckets must be finite and increasing",
    );
  });
});

describe("registerProcessMetrics", () => {
  it("exports prom-client's default names under the prefix, with live values", () => {
    const registry = new Registry();
    const stop = registerProcessMetrics(registry, "p_");
    try {
      const text = registry.metrics();
      const value = (name: string) => {
        const line = text.split("\n").find((l) => l.startsWith(`${name} `));
        return line === undefined ? undefined : Number(line.slice(name.length + 1));
      };
      for (const name of [
        "p_process_cpu_user_seconds_total",
        "p_process_cpu_system_seconds_total",
        "p_process_cpu_seconds_total",
        "p_process_start_time_seconds",
        "p_process_resident_memory_bytes",
        "p_nodejs_heap_size_total_bytes",
        "p_nodejs_heap_size_used_bytes",
        "p_nodejs_external_memory_bytes",
        "p_nodejs_eventloop_lag_p99_seconds",
      ]) {
        expect(value(name), name).toBeGreaterThanOrEqual(0);
      }
      // Plausible, not computed by the code under test: this test process has used CPU, holds
      // more than 10 MiB resident, started within the last day, and its heap is in use.
      expect(value("p_process_cpu_seconds_total")).toBeGreaterThan(0);
      expect(value("p_process_resident_memory_bytes")).toBeGreaterThan(10 * 2 ** 20);
      expect(Date.now() / 1000 - (value("p_process_start_time_seconds") ?? 0)).toBeLessThan(86_400);
      expect(value("p_nodejs_heap_size_used_bytes")).toBeGreaterThan(2 ** 20);
      expect(text).toContain(`p_nodejs_version_info{version="v${process.versions.node}",major="`);
      if (process.platform === "linux") {
        expect(value("p_process_open_fds")).toBeGreaterThan(2);
        expect(value("p_process_max_fds")).toBeGreaterThan(0);
      }
      // CPU is a counter: a second scrape never reports less.
      const before = value("p_process_cpu_seconds_total") ?? 0;
      for (let i = 0; i < 1e6; i++) Math.sqrt(i);
      const after = registry
        .metrics()
        .split("\n")
        .find((l) => l.startsWith("p_process_cpu_seconds_total "));
      expect(Number(after?.split(" ")[1])).toBeGreaterThanOrEqual(before);
    } finally {
      stop();
    }
  });
});
