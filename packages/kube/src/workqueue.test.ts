import { describe, expect, it } from "vitest";
import {
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
  WorkQueue,
  type Clock,
  type QueueItem,
  type WorkResult,
} from "./workqueue.js";

/** A manual clock: time moves only when the test advances it. */
class FakeClock implements Clock {
  private t = 0;
  private nextId = 1;
  private timers: { id: number; at: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = target;
  }

  get pending(): number {
    return this.timers.length;
  }
}

/** Resolves to the value if the promise settles within a few macrotasks, else "pending". */
async function peek<T>(promise: Promise<T>): Promise<T | "pending"> {
  return Promise.race([
    promise,
    new Promise<"pending">((r) =>
      setTimeout(() => {
        r("pending");
      }, 20),
    ),
  ]);
}

function keyOf(item: QueueItem<string>): string | undefined {
  return item.shutdown ? undefined : item.key;
}

describe("WorkQueue.whenIdle", () => {
  it("resolves at once when nothing is queued or processing", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    expect(await peek(q.whenIdle())).toBeUndefined();
  });

  it("waits while a key is queued or processing, and resolves once the last one is done", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    q.add("b");
    const idle = q.whenIdle();
    expect(await peek(idle)).toBe("pending");
    const a = keyOf(await q.get());
    expect(a).toBe("a");
    q.done("a");
    // "b" is still queued.
    expect(await peek(idle)).toBe("pending");
    expect(keyOf(await q.get())).toBe("b");
    // Processing, nothing queued: not idle yet.
    expect(await peek(idle)).toBe("pending");
    q.done("b");
    expect(await peek(idle)).toBeUndefined();
  });

  it("is not idle when a key re-added while processing is queued again at done", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    expect(keyOf(await q.get())).toBe("a");
    q.add("a");
    const idle = q.whenIdle();
    q.done("a");
    expect(await peek(idle)).toBe("pending");
    expect(keyOf(await q.get())).toBe("a");
    q.done("a");
    expect(await peek(idle)).toBeUndefined();
  });

  it("with maxWaitMs, resolves after that long on the queue's clock while still busy", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.add("a");
    const bounded = q.whenIdle(1000);
    const unbounded = q.whenIdle();
    clock.advance(999);
    expect(await peek(bounded)).toBe("pending");
    clock.advance(1);
    expect(await peek(bounded)).toBeUndefined();
    expect(await peek(unbounded)).toBe("pending");
    // Idle first: the bound's timer is cleared, nothing is left scheduled.
    const early = q.whenIdle(1000);
    expect(clock.pending).toBe(1);
    expect(keyOf(await q.get())).toBe("a");
    q.done("a");
    expect(await peek(early)).toBeUndefined();
    expect(await peek(unbounded)).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it("does not count delayed keys, and resolves when the queue shuts down", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter("later", 1000);
    expect(await peek(q.whenIdle())).toBeUndefined();
    q.add("a");
    const idle = q.whenIdle();
    expect(await peek(idle)).toBe("pending");
    q.shutDown();
    expect(await peek(idle)).toBeUndefined();
  });
});

describe("WorkQueue", () => {
  it("hands keys out first in, first out, and a key queued twice only once", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("c");
    expect(q.len()).toBe(3);
    expect(keyOf(await q.get())).toBe("a");
    expect(keyOf(await q.get())).toBe("b");
    expect(keyOf(await q.get())).toBe("c");
    expect(q.len()).toBe(0);
    expect(await peek(q.get())).toBe("pending");
  });

  it("hands out low-priority keys only when no other key waits, each lane first in, first out", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.addLowPriority("r1");
    q.addLowPriority("r2");
    q.add("c1");
    q.addLowPriority("r3");
    q.addLowPriority("r1"); // already queued
    q.add("c2");
    expect(q.len()).toBe(5);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) order.push(keyOf(await q.get()));
    expect(order).toEqual(["c1", "c2", "r1", "r2", "r3"]);
    expect(q.len()).toBe(0);
    expect(await peek(q.get())).toBe("pending");
  });

  it("moves a low-priority key to the front lane when add queues it, and hands it out once", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    for (const key of ["r1", "r2", "r3"]) q.addLowPriority(key);
    q.add("c1");
    q.add("r3"); // a change to a key the resync queued: it goes with the changes
    q.add("r3");
    expect(q.len()).toBe(4);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) order.push(keyOf(await q.get()));
    expect(order).toEqual(["c1", "r3", "r1", "r2"]);
    expect(q.len()).toBe(0);
    expect(await peek(q.get())).toBe("pending");
  });

  it("requeues a key re-added while processing in the lane of its adds: low only if all were", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    q.add("b");
    expect(keyOf(await q.get())).toBe("a");
    expect(keyOf(await q.get())).toBe("b");
    q.addLowPriority("a"); // while a is processing: low
    q.addLowPriority("b");
    q.add("b"); // while b is processing: a change, so the front lane
    q.add("c");
    expect(q.len()).toBe(1);
    q.done("a");
    q.done("b");
    expect(q.len()).toBe(3);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) order.push(keyOf(await q.get()));
    expect(order).toEqual(["c", "b", "a"]);
  });

  it("keeps low-priority order and counts across many keys and compactions", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    for (let i = 0; i < 3000; i++) q.addLowPriority(`r${String(i)}`);
    // Every tenth moves to the front lane, in order.
    for (let i = 0; i < 3000; i += 10) q.add(`r${String(i)}`);
    expect(q.len()).toBe(3000);
    const got: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const key = keyOf(await q.get());
      if (key !== undefined) got.push(key);
      q.done(key ?? "");
      // The key handed out first is queued again at low priority: it comes back at the end.
      if (i === 0) q.addLowPriority("r0");
    }
    const front = Array.from({ length: 300 }, (_, k) => `r${String(10 * k)}`);
    const rest = Array.from({ length: 3000 }, (_, i) => `r${String(i)}`).filter(
      (_, i) => i % 10 !== 0,
    );
    expect(got).toEqual([...front, ...rest]);
    expect(q.len()).toBe(1);
    expect(keyOf(await q.get())).toBe("r0");
    expect(q.len()).toBe(0);
  });

  it("never hands out a key that is being processed; a re-add is queued again on done", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    const first = await q.get();
    expect(keyOf(first)).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    const second = q.get();
    expect(await peek(second)).toBe("pending");
    q.done("a");
    expect(keyOf(await second)).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("runs a key on at most one worker at a time, even under many workers and re-adds", async () => {
    const q = new WorkQueue<string>();
    const running = new Map<string, number>();
    let maxConcurrentSameKey = 0;
    let maxConcurrent = 0;
    let processed = 0;
    const workers = q.runWorkers(4, async (key): Promise<WorkResult> => {
      const n = (running.get(key) ?? 0) + 1;
      running.set(key, n);
      maxConcurrentSameKey = Math.max(maxConcurrentSameKey, n);
      maxConcurrent = Math.max(
        maxConcurrent,
        [...running.values()].reduce((a, b) => a + b, 0),
      );
      await new Promise((r) => setTimeout(r, 5));
      running.set(key, (running.get(key) ?? 1) - 1);
      processed++;
      return "ok";
    });
    for (let round = 0; round < 20; round++) {
      for (const key of ["x", "y", "z"]) q.add(key);
      await new Promise((r) => setTimeout(r, 2));
    }
    const deadline = Date.now() + 5_000;
    while (q.len() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await q.shutDownWithDrain();
    await workers;
    expect(maxConcurrentSameKey).toBe(1);
    // Different keys did run in parallel, so the one-per-key rule is not just a single worker.
    expect(maxConcurrent).toBeGreaterThan(1);
    // Re-adds while processing were coalesced: far fewer runs than the 60 adds.
    expect(processed).toBeGreaterThanOrEqual(3);
    expect(processed).toBeLessThan(60);
  });

  it("addAfter delays a key, and a second addAfter keeps the earlier time", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter("a", 100);
    q.addAfter("a", 500);
    expect(q.len()).toBe(0);
    clock.advance(99);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(clock.pending).toBe(0);
    q.addAfter("b", 300);
    q.addAfter("b", 50);
    clock.advance(50);
    expect(q.len()).toBe(2);
    expect(keyOf(await q.get())).toBe("a");
    expect(keyOf(await q.get())).toBe("b");
    expect(clock.pending).toBe(0);
  });

  it("addRateLimited backs off per key, and forget resets the backoff", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({
      clock,
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000 }),
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      q.addRateLimited("k");
      while (q.len() === 0) clock.advance(1);
      delays.push(clock.now() - start);
      await q.get();
      q.done("k");
    }
    expect(delays).toEqual([10, 20, 40, 80]);
    expect(q.numRequeues("k")).toBe(4);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
    const start = clock.now();
    q.addRateLimited("k");
    while (q.len() === 0) clock.advance(1);
    expect(clock.now() - start).toBe(10);
  });

  it("shutDown makes waiting and later gets return shutdown and ignores adds", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    const waiting = q.get();
    expect(await peek(waiting)).toBe("pending");
    q.add("queued-later");
    await waiting;
    q.add("dropped");
    q.shutDown();
    expect(await q.get()).toEqual({ key: undefined, shutdown: true });
    q.add("ignored");
    expect(q.len()).toBe(0);
    expect(q.isShuttingDown()).toBe(true);
  });

  it("shutDownWithDrain waits for keys being processed to be done", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    q.add("a");
    await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    expect(await peek(drain)).toBe("pending");
    expect(drained).toBe(false);
    expect(await q.get()).toEqual({ key: undefined, shutdown: true });
    q.done("a");
    await drain;
    expect(drained).toBe(true);
  });

  it("runWorkers forgets on ok, retries on retry or throw, forgets on drop", async () => {
    const q = new WorkQueue<string>({
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 1, maxDelayMs: 4 }),
    });
    const calls = new Map<string, number>();
    const errors: string[] = [];
    const finished = new Set<string>();
    const workers = q.runWorkers(
      2,
      (key) => {
        const n = (calls.get(key) ?? 0) + 1;
        calls.set(key, n);
        if (key === "flaky" && n < 3) return "retry";
        if (key === "throws" && n < 2) throw new Error("boom");
        if (key === "bad") return "drop";
        finished.add(key);
        return "ok";
      },
      { onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`) },
    );
    for (const key of ["flaky", "throws", "bad", "fine"]) q.add(key);
    const deadline = Date.now() + 5_000;
    while (finished.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Give a dropped key the chance to (wrongly) come back: a retry would be due within the
    // limiter's 4 ms maximum of the drop, so before a sentinel added now to run after 4 ms.
    // Once the sentinel has run, any such retry has been taken by a worker.
    q.addAfter("sentinel", 4);
    while (!finished.has("sentinel") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    expect(finished.has("sentinel")).toBe(true);
    q.shutDown();
    await workers;
    expect(Object.fromEntries(calls)).toEqual({
      flaky: 3,
      throws: 2,
      bad: 1,
      fine: 1,
      sentinel: 1,
    });
    expect(errors).toEqual(["throws: boom"]);
    for (const key of ["flaky", "throws", "bad", "fine"]) expect(q.numRequeues(key)).toBe(0);
  });

  it("runWorkers lets I/O in during a long pass of handlers that never wait, and a change then goes first", async () => {
    const q = new WorkQueue<string>({ yieldEveryMs: 2 });
    const order: string[] = [];
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // a reconcile answered from the cache: no await
      }
    };
    for (let i = 0; i < 200; i++) q.addLowPriority(`r${String(i)}`);
    // A timer stands in for a watch event: it can only fire when the loop gets a turn.
    setTimeout(() => {
      q.add("change");
    }, 0);
    const workers = q.runWorkers(2, (key) => {
      order.push(key);
      spin(0.2);
      return "ok";
    });
    const deadline = Date.now() + 10_000;
    while (order.length < 201 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    q.shutDown();
    await workers;
    expect(order).toHaveLength(201);
    // Without the turns, the timer fires only after all 200 (at index 200).
    expect(order.indexOf("change")).toBeGreaterThan(0);
    expect(order.indexOf("change")).toBeLessThan(50);
  });

  it("runWorkers stops when its signal aborts, after in-flight work finishes", async () => {
    const q = new WorkQueue<string>();
    const abort = new AbortController();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (markStarted = r));
    let completed = false;
    const run = q.runWorkers(
      2,
      async (): Promise<WorkResult> => {
        markStarted();
        await gate;
        completed = true;
        return "ok";
      },
      { signal: abort.signal },
    );
    q.add("a");
    await started;
    abort.abort();
    expect(q.isShuttingDown()).toBe(true);
    expect(await peek(run)).toBe("pending");
    release();
    await run;
    expect(completed).toBe(true);
  });

  it("reports adds, depth, retries, queue latency and work duration", async () => {
    const clock = new FakeClock();
    const seen = {
      adds: [] as string[],
      depth: [] as number[],
      retries: [] as string[],
      latency: [] as number[],
      work: [] as number[],
    };
    const q = new WorkQueue<string>({
      clock,
      rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 10 }),
      metrics: {
        onAdd: (k) => seen.adds.push(k),
        onDepth: (d) => seen.depth.push(d),
        onRetry: (k) => seen.retries.push(k),
        onQueueLatency: (ms) => seen.latency.push(ms),
        onWorkDuration: (ms) => seen.work.push(ms),
      },
    });
    q.add("a");
    q.add("a");
    q.add("b");
    clock.advance(7);
    await q.get();
    clock.advance(3);
    q.done("a");
    q.addRateLimited("a");
    clock.advance(10);
    expect(seen.adds).toEqual(["a", "b", "a"]);
    expect(seen.retries).toEqual(["a"]);
    expect(seen.latency).toEqual([7]);
    expect(seen.work).toEqual([3]);
    expect(seen.depth).toEqual([1, 2, 1, 2]);
  });
});

describe("rate limiters", () => {
  it("exponential backoff doubles per failure up to the cap", () => {
    const rl = new ExponentialFailureRateLimiter<string>({ baseDelayMs: 5, maxDelayMs: 1000 });
    const delays = Array.from({ length: 10 }, () => rl.when("k"));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(rl.when("other")).toBe(5);
    expect(rl.numRequeues("k")).toBe(10);
  });

  it("defaults to 5ms base and a 1000s cap", () => {
    const rl = new ExponentialFailureRateLimiter<string>();
    expect(rl.when("k")).toBe(5);
    for (let i = 0; i < 40; i++) rl.when("k");
    expect(rl.when("k")).toBe(1_000_000);
  });

  it("a token bucket lets a burst through, then spaces retries at qps", () => {
    const clock = new FakeClock();
    const rl = new TokenBucketRateLimiter<string>({ qps: 10, burst: 3, clock });
    expect([rl.when("a"), rl.when("b"), rl.when("c")]).toEqual([0, 0, 0]);
    expect(rl.when("d")).toBeCloseTo(100);
    expect(rl.when("e")).toBeCloseTo(200);
    clock.advance(1000);
    // 1s at 10 qps refills the 2 borrowed tokens and 3 more (capped at burst 3).
    expect([rl.when("f"), rl.when("g"), rl.when("h")]).toEqual([0, 0, 0]);
    expect(rl.when("i")).toBeCloseTo(100);
  });

  it("max-of takes the longer delay of per-key backoff and the overall bucket", () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter<string>(
      new ExponentialFailureRateLimiter({ baseDelayMs: 5 }),
      new TokenBucketRateLimiter({ qps: 1, burst: 2, clock }),
    );
    expect(rl.when("a")).toBe(5);
    expect(rl.when("a")).toBe(10);
    // The bucket is empty now: the next key waits a full second despite no backoff.
    expect(rl.when("b")).toBeCloseTo(1000);
    expect(rl.numRequeues("a")).toBe(2);
    rl.forget("a");
    expect(rl.numRequeues("a")).toBe(0);
  });
});
