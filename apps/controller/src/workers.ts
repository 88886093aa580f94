/**
 * The workqueue and its workers, which exist only while this replica may write (it leads, or
 * leader election is off): keys enqueued meanwhile are dropped, and the sweep at each start
 * finds what changed.
 */
import { WorkQueue, type WorkResult } from "@linkerd-smi/kube";
import type { Logger } from "./logger.js";
import type { AdaptorMetrics } from "./metrics.js";

interface WorkersDeps {
  readonly metrics: AdaptorMetrics;
  readonly log: Logger;
  readonly threads: number;
  /** Bound on in-flight work when the workers stop. */
  readonly shutdownTimeoutMs: number;
  readonly processItem: (key: string) => Promise<WorkResult>;
  /** Every key to check when the workers start. */
  readonly sweep: () => Iterable<string>;
}

export class Workers {
  private queue: WorkQueue | undefined;
  private running: { abort: AbortController; done: Promise<void> } | undefined;

  constructor(private readonly deps: WorkersDeps) {}

  add(key: string): void {
    this.queue?.add(key);
  }

  /** Queues a key behind every change (a resync, the sweep): see WorkQueue.addLowPriority. */
  addLowPriority(key: string): void {
    this.queue?.addLowPriority(key);
  }

  addAfter(key: string, ms: number): void {
    this.queue?.addAfter(key, ms);
  }

  /** Resolves when the queue is idle (or there is none), or after `maxWaitMs`. */
  whenIdle(maxWaitMs: number): Promise<void> {
    return this.queue?.whenIdle(maxWaitMs) ?? Promise.resolve();
  }

  /** Creates the queue, enqueues the sweep and starts the workers; again does nothing. */
  start(): void {
    if (this.running !== undefined) return;
    const { metrics, log } = this.deps;
    const queue = new WorkQueue({
      name: "trafficsplits",
      metrics: {
        onAdd: () => metrics.queueAdds.inc(),
        onDepth: (depth) => metrics.queueDepth.set(depth),
        onRetry: () => metrics.queueRetries.inc(),
        onQueueLatency: (ms) => metrics.queueLatency.observe(ms / 1000),
      },
    });
    this.queue = queue;
    const abort = new AbortController();
    log.info("Starting workers");
    // Behind any change that arrives meanwhile: the sweep only rechecks what is there.
    for (const key of this.deps.sweep()) queue.addLowPriority(key);
    const done = queue.runWorkers(this.deps.threads, this.deps.processItem, {
      signal: abort.signal,
    });
    this.running = { abort, done };
    log.info("Started workers");
  }

  /** Stops the workers, waiting for in-flight work at most `shutdownTimeoutMs`. */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    this.deps.log.info("Shutting down workers");
    running.abort.abort();
    const bound = new Promise<void>((resolve) =>
      setTimeout(resolve, this.deps.shutdownTimeoutMs).unref(),
    );
    await Promise.race([running.done, bound]);
    this.queue = undefined;
  }
}
