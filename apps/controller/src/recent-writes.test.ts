import { describe, expect, it } from "vitest";
import { RecentWrites } from "./recent-writes.js";

const at = (rv: string, tag = "") => ({ metadata: { resourceVersion: rv }, tag });

describe("RecentWrites", () => {
  it("prefers our write while the cache is older, then forgets it", () => {
    const writes = new RecentWrites<ReturnType<typeof at>>();
    writes.written("ns/a", at("12", "mine"));
    expect(writes.newest("ns/a", at("10", "cached"))?.tag).toBe("mine");
    expect(writes.newest("ns/a", undefined)?.tag).toBe("mine");
    expect(writes.newest("ns/a", at("12", "cached"))?.tag).toBe("cached");
    // Forgotten: a later, older cache value is what it is.
    expect(writes.newest("ns/a", at("11", "cached"))?.tag).toBe("cached");
  });

  it("hides a profile we deleted until the cache drops it or holds a newer one", () => {
    const writes = new RecentWrites<ReturnType<typeof at>>();
    writes.deleted("ns/a", "20");
    expect(writes.newest("ns/a", at("20", "stale"))).toBeUndefined();
    expect(writes.newest("ns/a", at("25", "recreated"))?.tag).toBe("recreated");
    writes.deleted("ns/b", "30");
    expect(writes.newest("ns/b", undefined)).toBeUndefined();
    expect(writes.newest("ns/b", at("29", "old"))?.tag).toBe("old");
  });

  it("falls back to the cache when versions are not integers", () => {
    const writes = new RecentWrites<ReturnType<typeof at>>();
    writes.written("ns/a", at("x1", "mine"));
    expect(writes.newest("ns/a", at("x0", "cached"))?.tag).toBe("cached");
  });
});
