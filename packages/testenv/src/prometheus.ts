import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries } from "./binaries.js";
import type { NetworkNamespace } from "./netns.js";
import { freePort } from "./ports.js";
import { ManagedProcess } from "./process.js";

export interface PrometheusOptions {
  /** `host:port` targets to scrape at `/metrics`. */
  targets: readonly string[];
  /** Scrape (and rule) interval, a Prometheus duration (default `1s`). */
  scrapeInterval?: string;
  /**
   * Run inside this namespace, listening on its address at port 9090, rather than on a free
   * loopback port here.
   */
  netns?: NetworkNamespace;
}

/** One row of an instant query's vector result. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/**
 * A real Prometheus (built from its Go module by `scripts/build-binaries.sh prometheus`)
 * scraping `targets`, with its data in a temporary directory removed by `stop()`.
 */
export class Prometheus {
  private constructor(
    /** Base URL, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    readonly port: number,
    private readonly process: ManagedProcess,
    private readonly dir: string,
  ) {}

  static async start(options: PrometheusOptions): Promise<Prometheus> {
    const binaries = await ensureBinaries(["prometheus"]);
    const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-prometheus-"));
    const interval = options.scrapeInterval ?? "1s";
    writeFileSync(
      join(dir, "prometheus.yml"),
      JSON.stringify({
        global: { scrape_interval: interval, evaluation_interval: interval },
        scrape_configs: [
          { job_name: "linkerd-proxy", static_configs: [{ targets: [...options.targets] }] },
        ],
      }),
    );
    const host = options.netns?.address ?? "127.0.0.1";
    const port = options.netns === undefined ? await freePort() : 9090;
    const args = [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${host}:${String(port)}`,
      "--log.level=warn",
    ];
    const [command, argv] =
      options.netns === undefined
        ? [binaries.prometheus, args]
        : options.netns.wrap(binaries.prometheus, args);
    const child = new ManagedProcess("prometheus", command, argv, join(dir, "prometheus.log"));
    const prometheus = new Prometheus(`http://${host}:${String(port)}`, port, child, dir);
    try {
      await prometheus.waitReady();
    } catch (error) {
      await prometheus.stop();
      throw error;
    }
    return prometheus;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.process.hasExited)
        throw new Error(`prometheus exited during start-up:\n${this.process.tail()}`);
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline)
        throw new Error(`prometheus not ready after 60s:\n${this.process.tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** An instant query's vector result (for tests waiting on data; not the code under test). */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error ?? "failed"}`);
    return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Waits until every target has been scraped at least `samples` times. */
  async waitForScrapes(samples: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.query(`count_over_time(up[1h])`).catch(() => []);
      if (rows.length > 0 && rows.every((r) => r.value >= samples)) return;
      if (Date.now() > deadline)
        throw new Error(
          `prometheus scraped fewer than ${String(samples)} times in ${String(timeoutMs)}ms:\n${this.process.tail()}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  get logFile(): string {
    return this.process.logFile;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
