import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ADAPTOR_NODE_FLAGS } from "@linkerd-smi/controller";

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * The adaptor as the image ships it: apps/controller's bundle (dist/bundle/smi-adaptor.mjs,
 * written by its build), which loads client-node only when a kubeconfig needs it.
 */
export function adaptorMain(): string {
  const require = createRequire(import.meta.url);
  const controller = dirname(require.resolve("@linkerd-smi/controller/package.json"));
  const entry = join(controller, "dist", "bundle", "smi-adaptor.mjs");
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run \`pnpm --filter @linkerd-smi/controller... build\``);
  }
  return entry;
}

/** A TCP port free on loopback right now (for a reference adaptor, which cannot report its own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * The adaptor as a separate process, so its memory and CPU are its own: ours
 * (`node apps/controller/dist/bundle/smi-adaptor.mjs`, as the image runs it), or with `reference` any executable that
 * takes linkerd-smi v0.2.7's adaptor flags (`-kubeconfig`, `-metrics-addr`), run
 * with those two only.
 */
export class AdaptorProcess {
  readonly startedAt = performance.now();
  /** False for a reference adaptor: it has none of our metrics (reconciles, heap). */
  readonly ownMetrics: boolean;
  private readonly child: ChildProcess;
  private readonly fixedAdminUrl: string | undefined;
  private stderr = "";
  readonly exited: Promise<number | null>;

  /**
   * With `profileDir`, ours runs with `--cpu-prof` (written there when it exits) and
   * `--heapsnapshot-signal` (see heapSnapshot()), its working directory that folder.
   */
  private readonly profileDir: string | undefined;

  constructor(
    kubeconfig: string,
    extraArgs: readonly string[] = [],
    reference?: { executable: string; port: number },
    profileDir?: string,
  ) {
    this.profileDir = reference === undefined ? profileDir : undefined;
    if (this.profileDir !== undefined) mkdirSync(this.profileDir, { recursive: true });
    this.ownMetrics = reference === undefined;
    this.fixedAdminUrl =
      reference === undefined ? undefined : `http://127.0.0.1:${String(reference.port)}`;
    this.child =
      reference === undefined
        ? spawn(
            process.execPath,
            [
              // As the image runs it.
              ...ADAPTOR_NODE_FLAGS,
              // For profiling: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (node refuses those in NODE_OPTIONS).
              ...(process.env.BENCH_ADAPTOR_NODE_FLAGS ?? "").split(" ").filter((f) => f !== ""),
              ...(this.profileDir === undefined
                ? []
                : ["--cpu-prof", "--cpu-prof-dir=.", "--heapsnapshot-signal=SIGUSR2"]),
              adaptorMain(),
              "-kubeconfig",
              kubeconfig,
              "-metrics-addr",
              "127.0.0.1:0",
              "-log-level",
              "info",
              ...extraArgs,
            ],
            {
              stdio: ["ignore", "ignore", "pipe"],
              ...(this.profileDir === undefined ? {} : { cwd: this.profileDir }),
            },
          )
        : spawn(
            reference.executable,
            ["-kubeconfig", kubeconfig, "-metrics-addr", `127.0.0.1:${String(reference.port)}`],
            { stdio: ["ignore", "ignore", "pipe"] },
          );
    this.child.stderr?.on("data", (chunk: Buffer) => {
      if (this.stderr.length < 1_000_000) this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async adminUrl(timeoutMs = 30_000): Promise<string> {
    if (this.fixedAdminUrl !== undefined) return this.fixedAdminUrl;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = /admin server listening on 127\.0\.0\.1:(\d+)/.exec(this.stderr)?.[1];
      if (port !== undefined) return `http://127.0.0.1:${port}`;
      if (Date.now() > deadline)
        throw new Error(`adaptor did not start: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async waitReady(timeoutMs = 120_000): Promise<number> {
    const url = await this.adminUrl();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${url}/ready`).catch(() => undefined);
      if (res?.status === 200) return performance.now() - this.startedAt;
      if (Date.now() > deadline) throw new Error(`adaptor not ready: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Samples of one metric series (exact line match on name+labels) from /metrics. */
  async metric(series: string): Promise<number> {
    const text = await (await fetch(`${await this.adminUrl()}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  }

  /**
   * Writes a heap snapshot (SIGUSR2, with a profileDir) and resolves with its path once it is
   * whole: V8 writes it on the main thread, so the first /metrics answer after the file
   * appears comes after the write.
   */
  async heapSnapshot(timeoutMs = 300_000): Promise<string | undefined> {
    const dir = this.profileDir;
    if (dir === undefined) return undefined;
    const snapshots = () => readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot"));
    const before = new Set(snapshots());
    this.child.kill("SIGUSR2");
    const deadline = Date.now() + timeoutMs;
    const poll = async (what: string) => {
      if (Date.now() > deadline) throw new Error(`${what} after SIGUSR2`);
      await new Promise((r) => setTimeout(r, 100));
    };
    let written: string | undefined;
    while ((written = snapshots().find((f) => !before.has(f))) === undefined)
      await poll(`no heap snapshot in ${dir}`);
    // The admin server may drop a kept-alive connection that timed out while the loop was
    // blocked: ask again until it answers.
    const answers = () =>
      this.metric("smi_adaptor_reconciles_total").then(
        () => true,
        () => false,
      );
    while (!(await answers())) await poll("the adaptor stopped answering");
    return join(dir, written);
  }

  /** The `--cpu-prof` profile the adaptor wrote when it exited (with a profileDir). */
  cpuProfile(): string | undefined {
    const dir = this.profileDir;
    if (dir === undefined) return undefined;
    const written = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
    return written.length === 0 ? undefined : join(dir, written.sort().at(-1) ?? "");
  }

  /** Peak and current resident memory (bytes) and CPU seconds, from /proc. */
  usage(): {
    peakRssBytes: number;
    rssBytes: number;
    rssAnonBytes: number;
    rssFileBytes: number;
    cpuSeconds: number;
  } {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return {
      peakRssBytes: kb("VmHWM"),
      rssBytes: kb("VmRSS"),
      rssAnonBytes: kb("RssAnon"),
      rssFileBytes: kb("RssFile") + kb("RssShmem"),
      cpuSeconds: ticks / CLOCK_TICKS,
    };
  }

  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    // Writing a CPU profile of a long run at exit takes its time (at 5,000 splits, over 15 s).
    const grace = this.profileDir === undefined ? 15_000 : 300_000;
    const timer = setTimeout(() => this.child.kill("SIGKILL"), grace);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Peak RSS (bytes) of a bare Node process of the same binary that loads nothing and idles for a second. */
export async function bareNodePeakRss(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 1500)"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 1000));
  const status = readFileSync(`/proc/${String(child.pid)}/status`, "utf8");
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  await new Promise((r) => child.once("exit", r));
  return kb * 1024;
}
