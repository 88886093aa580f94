import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { Workers } from "./workers.js";

describe("Workers", () => {
  it("checks the start's sweep and each resync behind the changes that arrive meanwhile", async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const firstTwo = new Promise<void>((r) => (release = r));
    const workers = new Workers({
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger({ level: "error", format: "json", write: () => undefined }),
      threads: 2,
      shutdownTimeoutMs: 1000,
      processItem: async (key) => {
        order.push(key);
        if (order.length <= 2) await firstTwo;
        return "ok";
      },
      sweep: () => ["ns/a", "ns/b", "ns/c", "ns/d"],
    });
    workers.start();
    // The two workers hold a and b; c and d wait. A change to d and one to e arrive, then a resync.
    workers.add("ns/e");
    workers.add("ns/d");
    for (const key of ["ns/f", "ns/c", "ns/e"]) workers.addLowPriority(key);
    release();
    const deadline = Date.now() + 5_000;
    while (order.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await workers.stop();
    expect(order).toEqual(["ns/a", "ns/b", "ns/e", "ns/d", "ns/c", "ns/f"]);
  });
});
