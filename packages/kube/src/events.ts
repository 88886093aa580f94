import { KubeError } from "./errors.js";
import { silentLogger, type Logger } from "./log.js";
import { EventV1, ResourceClient, type CoreEvent, type KubeObject } from "./resources.js";
import type { KubeTransport } from "./transport.js";
import { systemClock, TokenBucketRateLimiter, type Clock } from "./workqueue.js";

/** Event types Kubernetes knows. */
export type EventType = "Normal" | "Warning";

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** A `KubeClient`, or any other {@link KubeTransport}. */
  client: KubeTransport;
  /** `source.component` and `reportingComponent`, e.g. `smi-adaptor`. */
  component: string;
  /** `source.host` and `reportingInstance`, e.g. the pod name. */
  host?: string;
  /** Where write failures go (the recorder never throws). */
  logger?: Logger;
  /** Repeats within this window bump the existing Event (default 10 minutes). */
  aggregationWindowMs?: number;
  /**
   * Spam filter, as client-go's: a token bucket of `burst` events (default 25) refilled at
   * `refillPerSecond` (default one per 5 minutes) per object, type and reason (client-go keys
   * it by type and reason too since Kubernetes 1.31, so that a flood of one reason, say
   * `Updated` on every weight change, cannot silence another, say a Warning).
   */
  spam?: { burst?: number; refillPerSecond?: number };
  /** Writes waiting beyond this are dropped (default 1000). */
  maxPending?: number;
  /**
   * Awaited before each write: Events are written when this resolves, so that they give way
   * to more urgent writes (the adaptor passes "the workqueue is idle, or a second has
   * passed"). An Event keeps the time it was recorded at.
   */
  waitTurn?: () => Promise<void>;
  /**
   * At most `qps` Event writes per second, in bursts of up to `burst`, as the kubelet's
   * `--event-qps` and `--event-burst` (default: no limit). A backlog drains at that rate
   * instead of taking the apiserver's time from other writes; the `clock` (default the real
   * one) times the waits.
   */
  rate?: { qps: number; burst: number; clock?: Clock };
  /** Wall clock (default `() => new Date()`). */
  now?: () => Date;
}

interface Aggregate {
  namespace: string;
  name: string;
  count: number;
  lastSeen: number;
}

const CACHE_SIZE = 4096;

/**
 * Records core/v1 Events about objects, as client-go's recorder does:
 * repeats of the same (object, type, reason, message) within the
 * aggregation window update one Event's `count` and `lastTimestamp` instead
 * of creating new ones; a per-object token bucket stops floods; writes are
 * asynchronous and serialized, and failures are logged, never thrown.
 *
 * Pass constant `reason` strings (`UpdatedServiceProfile`, `InvalidTrafficSplit`, ...).
 */
export class EventRecorder {
  private readonly events: ResourceClient<CoreEvent>;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly maxPending: number;
  private readonly now: () => Date;
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  private readonly limiter: TokenBucketRateLimiter<string> | undefined;
  private readonly clock: Clock;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Set once a bounded flush ran out of time: what still waits is dropped, not written. */
  private dropping = false;
  private seq = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.events = new ResourceClient(options.client, EventV1);
    this.logger = options.logger ?? silentLogger;
    this.windowMs = options.aggregationWindowMs ?? 10 * 60_000;
    this.burst = options.spam?.burst ?? 25;
    this.refillPerMs = (options.spam?.refillPerSecond ?? 1 / 300) / 1000;
    this.maxPending = options.maxPending ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.clock = options.rate?.clock ?? systemClock;
    this.limiter =
      options.rate === undefined
        ? undefined
        : new TokenBucketRateLimiter({ ...options.rate, clock: this.clock });
  }

  /**
   * Records an Event about `object` (which needs `apiVersion`, `kind` and
   * `metadata.name`; `uid` and `resourceVersion` are recorded when present).
   * Returns at once; the write happens in the background.
   */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const meta = object.metadata;
    if (meta?.name === undefined || object.kind === undefined || object.apiVersion === undefined) {
      this.logger.warn("event dropped: the object has no apiVersion, kind or name", {
        reason,
        message,
      });
      return;
    }
    const objectId =
      meta.uid ?? `${object.apiVersion}/${object.kind}/${meta.namespace ?? ""}/${meta.name}`;
    if (!this.allow(JSON.stringify([objectId, type, reason]))) {
      this.logger.debug("event dropped by the spam filter", { object: meta.name, reason, message });
      return;
    }
    if (this.pending >= this.maxPending) {
      this.logger.warn("event dropped: too many events waiting to be written", {
        object: meta.name,
        reason,
      });
      return;
    }
    const at = this.now();
    const involvedObject = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: meta.name,
      ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
      ...(meta.uid === undefined ? {} : { uid: meta.uid }),
      ...(meta.resourceVersion === undefined ? {} : { resourceVersion: meta.resourceVersion }),
    };
    const key = JSON.stringify([objectId, type, reason, message]);
    this.pending++;
    const waitTurn = this.options.waitTurn;
    this.chain = this.chain
      .then(async () => {
        // Read through a call each time: it can change while this Event waits.
        if (this.isDropping()) return;
        const delay = this.limiter?.when("") ?? 0;
        if (delay > 0) await new Promise<void>((r) => this.clock.setTimeout(r, delay));
        if (waitTurn !== undefined) await waitTurn();
        if (this.isDropping()) return;
        await this.write(key, involvedObject, type, reason, message, at);
      })
      .catch((error: unknown) => {
        this.logger.error("could not record event", { object: meta.name, reason, error });
      })
      .finally(() => {
        this.pending--;
      });
  }

  private isDropping(): boolean {
    return this.dropping;
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }

  /**
   * {@link flush}, waiting no longer than `timeoutMs` (a shutdown's budget): the Events still
   * waiting then are dropped, never written, and their number is returned. Past that deadline
   * the recorder is done: what it is given afterwards is dropped too.
   */
  async flushWithin(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      this.chain.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!late) return 0;
    // The one in flight may be waiting its turn for good; it checks this before writing.
    this.dropping = true;
    return this.pending;
  }

  private async write(
    key: string,
    involvedObject: CoreEvent["involvedObject"],
    type: EventType,
    reason: string,
    message: string,
    at: Date,
  ): Promise<void> {
    const timestamp = at.toISOString().replace(/\.\d+Z$/, "Z");
    const existing = this.aggregates.get(key);
    if (existing !== undefined && at.getTime() - existing.lastSeen <= this.windowMs) {
      const count = existing.count + 1;
      try {
        await this.events.mergePatch(existing.namespace, existing.name, {
          count,
          lastTimestamp: timestamp,
        });
        existing.count = count;
        existing.lastSeen = at.getTime();
        this.touch(key, existing);
        return;
      } catch (error) {
        // The Event expired (events have a TTL) or was deleted: start a new one.
        if (!(error instanceof KubeError && error.kind === "not-found")) throw error;
      }
    }
    const namespace = involvedObject.namespace ?? "default";
    const name = `${involvedObject.name}.${this.nanos(at).toString(16)}`;
    const host = this.options.host;
    await this.events.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject,
      type,
      reason,
      message,
      source: { component: this.options.component, ...(host === undefined ? {} : { host }) },
      reportingComponent: this.options.component,
      reportingInstance: host ?? "",
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
    });
    this.touch(key, { namespace, name, count: 1, lastSeen: at.getTime() });
  }

  /** Unix nanoseconds, unique per recorder even within one millisecond. */
  private nanos(at: Date): bigint {
    this.seq = (this.seq + 1) % 1_000_000;
    return BigInt(at.getTime()) * 1_000_000n + BigInt(this.seq);
  }

  private touch(key: string, aggregate: Aggregate): void {
    this.aggregates.delete(key);
    this.aggregates.set(key, aggregate);
    if (this.aggregates.size > CACHE_SIZE) {
      const oldest = this.aggregates.keys().next().value;
      if (oldest !== undefined) this.aggregates.delete(oldest);
    }
  }

  private allow(spamKey: string): boolean {
    const now = this.now().getTime();
    let bucket = this.buckets.get(spamKey);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, last: now };
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.last) * this.refillPerMs);
      bucket.last = now;
    }
    this.buckets.delete(spamKey);
    this.buckets.set(spamKey, bucket);
    if (this.buckets.size > CACHE_SIZE) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
