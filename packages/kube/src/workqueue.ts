import { silentLogger, type Logger } from "./log.js";

/** Time source and timers, injectable for tests. */
export interface Clock {
  /** Milliseconds, monotonic enough for delays (default `performance.now()`). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Decides how long a key waits before it is retried. */
export interface RateLimiter<K> {
  /** Delay (ms) before the key may be processed again; records a failure. */
  when(key: K): number;
  /** Forgets the key's failures. */
  forget(key: K): void;
  /** Failures recorded for the key since it was last forgotten. */
  numRequeues(key: K): number;
}

/** Per-key exponential backoff: `baseDelayMs * 2^failures`, capped at `maxDelayMs`. */
export class ExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 62));
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket (`qps` refill, `burst` capacity), shared by all
 * keys: each retry reserves a token and waits until it is available, so a
 * storm of failures cannot retry faster than `qps`.
 */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;

  constructor(options: { qps?: number; burst?: number; clock?: Clock } = {}) {
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.clock = options.clock ?? systemClock;
    if (!(this.qps > 0) || !(this.burst >= 1))
      throw new RangeError("TokenBucketRateLimiter needs qps > 0 and burst >= 1");
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_key: K): void {
    // A shared bucket has nothing per key.
  }

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay any of its limiters asks for. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

/** Options of {@link defaultControllerRateLimiter}. */
export interface ControllerRateLimiterOptions {
  /** Per-key backoff base (default 5ms). */
  baseDelayMs?: number;
  /** Per-key backoff cap (default 1000s). */
  maxDelayMs?: number;
  /** Overall retry rate (default 10/s). */
  qps?: number;
  /** Overall burst (default 100). */
  burst?: number;
  clock?: Clock;
}

/** client-go's default: max(per-key exponential 5ms..1000s, token bucket 10 qps / 100 burst). */
export function defaultControllerRateLimiter<K>(
  options: ControllerRateLimiterOptions = {},
): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ExponentialFailureRateLimiter<K>({
      ...(options.baseDelayMs === undefined ? {} : { baseDelayMs: options.baseDelayMs }),
      ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
    }),
    new TokenBucketRateLimiter<K>({
      ...(options.qps === undefined ? {} : { qps: options.qps }),
      ...(options.burst === undefined ? {} : { burst: options.burst }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    }),
  );
}

/** Callbacks for metrics (wire them to prom-client or anything else). Durations in ms. */
export interface WorkQueueMetrics<K> {
  /** A key was added (and was not already queued). */
  onAdd?: (key: K) => void;
  /** Keys waiting to be processed, after every change. */
  onDepth?: (depth: number) => void;
  /** A key was re-added through the rate limiter. */
  onRetry?: (key: K) => void;
  /** Time from add to being handed to a worker. */
  onQueueLatency?: (ms: number, key: K) => void;
  /** Time from being handed to a worker to `done`. */
  onWorkDuration?: (ms: number, key: K) => void;
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** For log messages. */
  name?: string;
  /** Default: {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
  metrics?: WorkQueueMetrics<K>;
  logger?: Logger;
  /**
   * {@link WorkQueue.runWorkers}' workers give the event loop a turn (`setImmediate`) once they
   * have run this long without one (default 5 ms; 0: never). Handlers that answer from a cache
   * without I/O (a resync of thousands of unchanged keys) would otherwise hold the loop for the
   * whole pass, and no watch event, and so no {@link WorkQueue.add} of a change, gets in.
   */
  yieldEveryMs?: number;
}

/** What {@link WorkQueue.get} returns. */
export type QueueItem<K> = { key: K; shutdown: false } | { key: undefined; shutdown: true };

/** What a worker's handler says about a key: done, retry later with backoff, or give up. */
export type WorkResult = "ok" | "retry" | "drop";

/** Options of {@link WorkQueue.runWorkers}. */
export interface RunWorkersOptions<K> {
  /** Aborting shuts the queue down, lets in-flight handlers finish, then resolves. */
  signal?: AbortSignal;
  /** Called when a handler throws (the key is retried with backoff). */
  onError?: (key: K, error: unknown) => void;
}

/**
 * A rate-limited work queue with client-go's semantics:
 *
 * - A key queued several times is processed once (dedupe).
 * - A key is never processed by two workers at once: re-added while being
 *   processed, it is queued again only when the worker calls `done`.
 * - Otherwise first in, first out, in two lanes: keys queued with `addLowPriority` (a resync,
 *   the sweep at start) are handed out only when no key queued with `add` waits, and such a
 *   key moves to the front lane when `add` queues it again. A change is not queued behind a
 *   resync pass of thousands of keys.
 * - `addAfter` delays a key; `addRateLimited` delays it by the rate
 *   limiter (per-key exponential backoff, overall token bucket); `forget`
 *   resets its backoff.
 *
 * `shutDown` makes every `get` return `shutdown` at once (queued keys are
 * dropped; the controller is level-based and relists on restart);
 * `shutDownWithDrain` also waits for keys being processed to be `done`.
 */
export class WorkQueue<K = string> {
  private queue: K[] = [];
  private head = 0;
  /** The low-priority lane; an entry is live only while `lowAt` holds its absolute position. */
  private low: K[] = [];
  private lowHead = 0;
  /** Entries dropped from the front of `low` by compaction: absolute position = lowBase + index. */
  private lowBase = 0;
  private readonly lowAt = new Map<K, number>();
  /** Dirty keys every add of which (since the key was last handed out) was low-priority. */
  private readonly lowOnly = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly delayed = new Map<K, { readyAt: number; handle: unknown }>();
  private readonly getters: ((item: QueueItem<K>) => void)[] = [];
  private readonly drainers: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter<K>;
  private readonly clock: Clock;
  private readonly metrics: WorkQueueMetrics<K>;
  private readonly logger: Logger;
  private readonly yieldEveryMs: number;
  readonly name: string;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter =
      options.rateLimiter ?? defaultControllerRateLimiter<K>({ clock: this.clock });
    this.metrics = options.metrics ?? {};
    this.logger = options.logger ?? silentLogger;
    this.name = options.name ?? "workqueue";
    this.yieldEveryMs = options.yieldEveryMs ?? 5;
  }

  /**
   * Queues a key (unless already queued, or shutting down). A key waiting in the low-priority
   * lane moves to this one, at its end.
   */
  add(key: K): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      if (!this.lowOnly.delete(key)) return;
      if (this.lowAt.delete(key)) {
        this.queue.push(key);
        this.dispatch();
      }
      return;
    }
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    this.metrics.onAdd?.(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
    this.reportDepth();
  }

  /**
   * Queues a key behind every key queued with {@link add} (unless already queued, or shutting
   * down): for the periodic resync and the sweep at start, which recheck everything, so that a
   * change queued meanwhile goes first.
   */
  addLowPriority(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.lowOnly.add(key);
    this.addedAt.set(key, this.clock.now());
    this.metrics.onAdd?.(key);
    if (this.processing.has(key)) return;
    this.pushLow(key);
    this.dispatch();
    this.reportDepth();
  }

  private pushLow(key: K): void {
    this.lowAt.set(key, this.lowBase + this.low.length);
    this.low.push(key);
  }

  /** Queues a key after `ms`. A key already waiting keeps the earlier time. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) return;
      this.clock.clearTimeout(existing.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { readyAt, handle });
  }

  /** Queues a key after the rate limiter's delay (a retry). */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.metrics.onRetry?.(key);
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the key's backoff (call after it succeeded or was given up). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times the key was retried since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process; waits while the queue is empty. The caller
   * must call {@link done} with it. Resolves `{ shutdown: true }` once the
   * queue is shutting down.
   */
  get(): Promise<QueueItem<K>> {
    if (this.shuttingDown) return Promise.resolve({ key: undefined, shutdown: true });
    if (this.len() > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks the key processed; if it was re-added meanwhile, it is queued again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.onWorkDuration?.(this.clock.now() - started, key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      if (this.lowOnly.has(key)) this.pushLow(key);
      else this.queue.push(key);
      this.dispatch();
      this.reportDepth();
    }
    if (this.shuttingDown && this.processing.size === 0) this.resolveDrainers();
    this.resolveIdleWaiters();
  }

  /**
   * Resolves when no key is waiting or being processed (delayed keys do not count), at once if
   * that is so now, and when the queue shuts down; with `maxWaitMs`, after that long at most
   * (on the queue's clock). Lower-priority work (the adaptor's Events) waits for this so that
   * it does not compete with the writes the queue is making.
   */
  whenIdle(maxWaitMs?: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => {
      if (maxWaitMs === undefined) {
        this.idleWaiters.push(resolve);
        return;
      }
      const waiter = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(() => {
        const i = this.idleWaiters.indexOf(waiter);
        if (i >= 0) this.idleWaiters.splice(i, 1);
        resolve();
      }, maxWaitMs);
      this.idleWaiters.push(waiter);
    });
  }

  private isIdle(): boolean {
    return this.shuttingDown || (this.len() === 0 && this.processing.size === 0);
  }

  private resolveIdleWaiters(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Keys waiting to be processed (not those being processed or delayed). */
  len(): number {
    return this.queue.length - this.head + this.lowAt.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops the queue: new adds are ignored, delayed keys dropped, and `get` returns `shutdown`. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    for (const key of [...this.queue.slice(this.head), ...this.lowAt.keys()]) {
      this.dirty.delete(key);
      this.addedAt.delete(key);
    }
    this.queue = [];
    this.head = 0;
    this.low = [];
    this.lowHead = 0;
    this.lowBase = 0;
    this.lowAt.clear();
    this.lowOnly.clear();
    for (const getter of this.getters.splice(0)) getter({ key: undefined, shutdown: true });
    this.reportDepth();
    if (this.processing.size === 0) this.resolveDrainers();
    this.resolveIdleWaiters();
  }

  /** {@link shutDown}, then waits until every key being processed is `done`. */
  shutDownWithDrain(): Promise<void> {
    const drained =
      this.processing.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.drainers.push(resolve));
    this.shutDown();
    return drained;
  }

  /**
   * Runs `n` workers until the queue shuts down. Each takes a key, calls
   * `handler(key)` and then: `"ok"` forgets the key's backoff, `"retry"` (or a
   * throw) re-adds it rate-limited, `"drop"` forgets it; then `done`.
   * Resolves when every worker has exited.
   */
  async runWorkers(
    n: number,
    handler: (key: K) => WorkResult | Promise<WorkResult>,
    options: RunWorkersOptions<K> = {},
  ): Promise<void> {
    const { signal } = options;
    const onAbort = (): void => {
      void this.shutDownWithDrain();
    };
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    let turn = this.clock.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await this.get();
        if (item.shutdown) return;
        await this.process(item.key, handler, options);
        if (this.yieldEveryMs > 0 && this.clock.now() - turn >= this.yieldEveryMs) {
          await new Promise((resolve) => setImmediate(resolve));
          turn = this.clock.now();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private async process(
    key: K,
    handler: (key: K) => WorkResult | Promise<WorkResult>,
    options: RunWorkersOptions<K>,
  ): Promise<void> {
    let result: WorkResult;
    try {
      result = await handler(key);
    } catch (error) {
      result = "retry";
      if (options.onError !== undefined) options.onError(key, error);
      else
        this.logger.error(`${this.name}: handler failed; retrying`, {
          key: String(key),
          error,
          requeues: this.numRequeues(key),
        });
    }
    try {
      if (result === "retry") this.addRateLimited(key);
      else this.forget(key);
    } finally {
      this.done(key);
    }
  }

  /** The next key: the front lane's first, else the low lane's first live entry. Needs len() > 0. */
  private take(): QueueItem<K> {
    let key: K;
    if (this.queue.length > this.head) {
      key = this.queue[this.head] as K;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } else {
      for (;;) {
        const at = this.lowBase + this.lowHead;
        key = this.low[this.lowHead] as K;
        this.lowHead++;
        if (this.lowAt.get(key) === at) break; // else moved to the front lane, or stale
      }
      this.lowAt.delete(key);
      this.lowOnly.delete(key);
      if (this.lowHead > 1024 && this.lowHead * 2 > this.low.length) {
        this.low = this.low.slice(this.lowHead);
        this.lowBase += this.lowHead;
        this.lowHead = 0;
      }
    }
    this.processing.add(key);
    this.dirty.delete(key);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.onQueueLatency?.(now - added, key);
    this.startedAt.set(key, now);
    this.reportDepth();
    return { key, shutdown: false };
  }

  private dispatch(): void {
    while (this.getters.length > 0 && this.len() > 0) {
      const getter = this.getters.shift();
      getter?.(this.take());
    }
  }

  private reportDepth(): void {
    this.metrics.onDepth?.(this.len());
  }

  private resolveDrainers(): void {
    for (const drainer of this.drainers.splice(0)) drainer();
  }
}
