/**
 * Counters, gauges and histograms in the Prometheus text format (version 0.0.4), with the
 * process and Node.js metrics prom-client exports by default, under the same names.
 *
 * The adaptor needs a dozen metrics and one scrape path; prom-client costs about 12 MiB of
 * resident memory to load (measured with Node 20), more than the adaptor's whole heap at
 * N = 100. This is the part of it the adaptor uses.
 */
import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** Label values of a metric whose label names are `L`. */
type Labels<L extends string> = Record<L, string | number>;

type Sample = [suffix: string, labels: string, value: number];

/** Formats a sample value as Prometheus reads it (Go's ParseFloat). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric<L extends string> {
  abstract readonly type: "counter" | "gauge" | "histogram";

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
        throw new Error(`metric ${name}: invalid label name "${label}"`);
      }
    }
  }

  /** `{a="x",b="y"}` in the declared label order; "" without labels. */
  protected key(labels: Partial<Labels<L>> | undefined): string {
    if (this.labelNames.length === 0) {
      if (labels !== undefined && Object.keys(labels).length > 0) {
        throw new Error(`metric ${this.name} has no labels, got ${Object.keys(labels).join(", ")}`);
      }
      return "";
    }
    const given = labels ?? {};
    for (const name of Object.keys(given)) {
      if (!this.labelNames.includes(name as L)) {
        throw new Error(
          `metric ${this.name}: unknown label "${name}" (its labels are ${this.labelNames.join(", ")})`,
        );
      }
    }
    const pairs = this.labelNames.map((name) => {
      const value = (given as Partial<Record<string, string | number>>)[name];
      if (value === undefined) {
        throw new Error(`metric ${this.name}: label "${name}" has no value`);
      }
      return `${name}="${escapeLabelValue(String(value))}"`;
    });
    return `{${pairs.join(",")}}`;
  }

  abstract samples(): Sample[];

  /** The metric's block of the exposition: HELP, TYPE, then each sample. */
  render(): string {
    let text = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const [suffix, labels, value] of this.samples()) {
      text += `${this.name}${suffix}${labels} ${formatValue(value)}\n`;
    }
    return text;
  }
}

/** A value that only goes up (reset when the process restarts). */
export class Counter<L extends string = never> extends Metric<L> {
  readonly type = "counter";
  private readonly values = new Map<string, number>();

  private readonly collect: ((counter: Counter<L>) => void) | undefined;

  constructor(options: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    /** Called on each scrape, before the samples are read. */
    collect?: (counter: Counter<L>) => void;
  }) {
    super(options.name, options.help, options.labelNames ?? []);
    this.collect = options.collect;
    if (this.labelNames.length === 0) this.values.set("", 0);
  }

  inc(labels?: Labels<L>, amount = 1): void {
    if (!(amount >= 0)) {
      throw new Error(`metric ${this.name}: a counter cannot go down (inc by ${amount})`);
    }
    const key = this.key(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + amount);
  }

  samples(): Sample[] {
    this.collect?.(this);
    return [...this.values].map(([labels, value]) => ["", labels, value]);
  }
}

/** A value that is set, or computed when scraped by `collect`. */
export class Gauge<L extends string = never> extends Metric<L> {
  readonly type = "gauge";
  private readonly values = new Map<string, number>();
  private readonly collect: ((gauge: Gauge<L>) => void) | undefined;

  constructor(options: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    /** Called on each scrape, before the samples are read. */
    collect?: (gauge: Gauge<L>) => void;
  }) {
    super(options.name, options.help, options.labelNames ?? []);
    this.collect = options.collect;
    if (this.labelNames.length === 0) this.values.set("", 0);
  }

  /** `set(value)` without labels, `set(labels, value)` with them. */
  set(labelsOrValue: Labels<L> | number, value?: number): void {
    if (typeof labelsOrValue === "number") this.values.set(this.key(undefined), labelsOrValue);
    else this.values.set(this.key(labelsOrValue), value ?? 0);
  }

  /** Removes one labelled series (it is no longer exported). */
  remove(labels: Labels<L>): void {
    this.values.delete(this.key(labels));
  }

  samples(): Sample[] {
    this.collect?.(this);
    return [...this.values].map(([labels, value]) => ["", labels, value]);
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets (`le`), with their sum and count. */
export class Histogram<L extends string = never> extends Metric<L> {
  readonly type = "histogram";
  readonly buckets: readonly number[];
  private readonly series = new Map<string, HistogramSeries>();

  constructor(options: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    buckets: readonly number[];
  }) {
    super(options.name, options.help, options.labelNames ?? []);
    const buckets = [...options.buckets];
    if (
      buckets.length === 0 ||
      buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] ?? b)))
    ) {
      throw new Error(`metric ${this.name}: buckets must be finite and increasing`);
    }
    this.buckets = buckets;
  }

  /** `observe(value)` without labels, `observe(labels, value)` with them. */
  observe(labelsOrValue: Labels<L> | number, value?: number): void {
    const [key, v] =
      typeof labelsOrValue === "number"
        ? [this.key(undefined), labelsOrValue]
        : [this.key(labelsOrValue), value ?? 0];
    let series = this.series.get(key);
    if (series === undefined) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    // Buckets are cumulative when rendered; here each observation counts in its first bucket.
    const index = this.buckets.findIndex((bound) => v <= bound);
    if (index >= 0) series.counts[index] = (series.counts[index] ?? 0) + 1;
    series.sum += v;
    series.count += 1;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const [labels, series] of this.series) {
      const prefix = labels === "" ? "{" : `${labels.slice(0, -1)},`;
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i] ?? 0;
        out.push(["_bucket", `${prefix}le="${formatValue(bound)}"}`, cumulative]);
      });
      out.push(["_bucket", `${prefix}le="+Inf"}`, series.count]);
      out.push(["_sum", labels, series.sum]);
      out.push(["_count", labels, series.count]);
    }
    return out;
  }
}

/** Metrics to expose together, in the order registered. */
export class Registry {
  /** The Content-Type of {@link Registry.metrics}. */
  readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  private readonly registered = new Map<string, Metric<string>>();

  register<M extends Metric<string>>(metric: M): M {
    if (this.registered.has(metric.name)) {
      throw new Error(`metric ${metric.name} is already registered`);
    }
    this.registered.set(metric.name, metric);
    return metric;
  }

  /** The exposition of every metric. */
  metrics(): string {
    let text = "";
    for (const metric of this.registered.values()) text += metric.render();
    return text;
  }
}

/** The soft limit on open files, from /proc/self/limits (Linux), else undefined. */
function maxFds(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line === undefined ? NaN : Number(line.split(/\s+/)[3]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

function openFds(): number | undefined {
  try {
    // One entry is the descriptor readdir itself opened.
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}

/**
 * The process and Node.js metrics prom-client's `collectDefaultMetrics` exports, under the
 * same names after `prefix`: CPU seconds, start time, resident memory, open and maximum file
 * descriptors (Linux), heap and external memory, event-loop delay, and the Node.js version.
 * Computed on each scrape.
 */
export function registerProcessMetrics(registry: Registry, prefix: string): () => void {
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  // Counters only go up: the first of the three reads the CPU used since the last scrape and
  // adds it to all three, before any of them is rendered.
  let last = { user: 0, system: 0 };
  const cpuSystem = new Counter<never>({
    name: `${prefix}process_cpu_system_seconds_total`,
    help: "System CPU time spent in seconds.",
  });
  const cpuTotal = new Counter<never>({
    name: `${prefix}process_cpu_seconds_total`,
    help: "Total user and system CPU time spent in seconds.",
  });
  registry.register(
    new Counter({
      name: `${prefix}process_cpu_user_seconds_total`,
      help: "User CPU time spent in seconds.",
      collect: (cpuUser) => {
        const now = process.cpuUsage();
        const user = Math.max(0, now.user - last.user) / 1e6;
        const system = Math.max(0, now.system - last.system) / 1e6;
        last = now;
        cpuUser.inc(undefined, user);
        cpuSystem.inc(undefined, system);
        cpuTotal.inc(undefined, user + system);
      },
    }),
  );
  registry.register(cpuSystem);
  registry.register(cpuTotal);
  registry
    .register(
      new Gauge({
        name: `${prefix}process_start_time_seconds`,
        help: "Start time of the process since unix epoch in seconds.",
      }),
    )
    .set(startTime);
  registry.register(
    new Gauge({
      name: `${prefix}process_resident_memory_bytes`,
      help: "Resident memory size in bytes.",
      collect: (gauge) => gauge.set(process.memoryUsage.rss()),
    }),
  );
  if (openFds() !== undefined) {
    registry.register(
      new Gauge({
        name: `${prefix}process_open_fds`,
        help: "Number of open file descriptors.",
        collect: (gauge) => gauge.set(openFds() ?? 0),
      }),
    );
  }
  const limit = maxFds();
  if (limit !== undefined) {
    registry
      .register(
        new Gauge({
          name: `${prefix}process_max_fds`,
          help: "Maximum number of open file descriptors.",
        }),
      )
      .set(limit);
  }
  const heap = (read: (m: NodeJS.MemoryUsage) => number) => (gauge: Gauge) =>
    gauge.set(read(process.memoryUsage()));
  registry.register(
    new Gauge({
      name: `${prefix}nodejs_heap_size_total_bytes`,
      help: "Process heap size from Node.js in bytes.",
      collect: heap((m) => m.heapTotal),
    }),
  );
  registry.register(
    new Gauge({
      name: `${prefix}nodejs_heap_size_used_bytes`,
      help: "Process heap size used from Node.js in bytes.",
      collect: heap((m) => m.heapUsed),
    }),
  );
  registry.register(
    new Gauge({
      name: `${prefix}nodejs_external_memory_bytes`,
      help: "Node.js external memory size in bytes.",
      collect: heap((m) => m.external),
    }),
  );
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Read once per scrape (by the first gauge), then restart: each scrape reports the delays
  // since the one before. The histogram counts nanoseconds and is NaN before its first sample.
  let snapshot = { min: 0, max: 0, mean: 0, p50: 0, p99: 0 };
  const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
  const lag = (name: keyof typeof snapshot, help: string) =>
    registry.register(
      new Gauge({
        name: `${prefix}nodejs_eventloop_lag_${name}_seconds`,
        help,
        collect: (gauge) => {
          if (name === "min") {
            snapshot = {
              min: seconds(delay.min),
              max: seconds(delay.max),
              mean: seconds(delay.mean),
              p50: seconds(delay.percentile(50)),
              p99: seconds(delay.percentile(99)),
            };
            delay.reset();
          }
          gauge.set(snapshot[name]);
        },
      }),
    );
  lag("min", "The minimum recorded event loop delay.");
  lag("max", "The maximum recorded event loop delay.");
  lag("mean", "The mean of the recorded event loop delays.");
  lag("p50", "The 50th percentile of the recorded event loop delays.");
  lag("p99", "The 99th percentile of the recorded event loop delays.");
  const [major = "", minor = "", patch = ""] = process.versions.node.split(".");
  registry
    .register(
      new Gauge({
        name: `${prefix}nodejs_version_info`,
        help: "Node.js version info.",
        labelNames: ["version", "major", "minor", "patch"],
      }),
    )
    .set({ version: `v${process.versions.node}`, major, minor, patch }, 1);
  // Stops the event-loop monitor's timer.
  return () => delay.disable();
}
