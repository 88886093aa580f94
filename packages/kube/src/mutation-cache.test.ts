import { describe, expect, it } from "vitest";
import { MutationCache } from "./mutation-cache.js";

/** An object at resourceVersion `rv`, tagged to tell copies apart. */
const at = (rv: string, tag: string) => ({ metadata: { resourceVersion: rv }, tag });
type Obj = ReturnType<typeof at>;

describe("MutationCache", () => {
  it("prefers the written object while the cache is older, then forgets it", () => {
    const cache = new MutationCache<Obj>();
    cache.written("ns/a", at("12", "mine"));
    expect(cache.newest("ns/a", at("10", "cached"))?.tag).toBe("mine");
    expect(cache.newest("ns/a", undefined)?.tag).toBe("mine");
    expect(cache.newest("ns/a", at("12", "cached"))?.tag).toBe("cached");
    // Forgotten: a later, older cache value is taken as it is.
    expect(cache.newest("ns/a", at("11", "cached"))?.tag).toBe("cached");
  });

  it("compares resourceVersions as integers, not as strings", () => {
    const cache = new MutationCache<Obj>();
    cache.written("ns/a", at("10", "mine"));
    // "9" > "10" as strings; as integers the cache is older.
    expect(cache.newest("ns/a", at("9", "cached"))?.tag).toBe("mine");
  });

  it("hides an object deleted here until the cache drops it or holds a newer one", () => {
    const cache = new MutationCache<Obj>();
    cache.deleted("ns/a", "20");
    expect(cache.newest("ns/a", at("20", "stale"))).toBeUndefined();
    expect(cache.newest("ns/a", at("25", "recreated"))?.tag).toBe("recreated");
    cache.deleted("ns/b", "30");
    expect(cache.newest("ns/b", undefined)).toBeUndefined();
    // Forgotten once the cache dropped it.
    expect(cache.newest("ns/b", at("29", "old"))?.tag).toBe("old");
  });

  it("leaves keys it knows nothing about to the cache", () => {
    const cache = new MutationCache<Obj>();
    cache.written("ns/a", at("5", "mine"));
    expect(cache.newest("ns/b", at("1", "cached"))?.tag).toBe("cached");
    expect(cache.newest("ns/c", undefined)).toBeUndefined();
  });

  it("falls back to the cache when versions are not integers", () => {
    const cache = new MutationCache<Obj>();
    cache.written("ns/a", at("x1", "mine"));
    expect(cache.newest("ns/a", at("x0", "cached"))?.tag).toBe("cached");
    cache.deleted("ns/b", "x9");
    expect(cache.newest("ns/b", at("x8", "cached"))?.tag).toBe("cached");
  });

  it("starts over when full, so it never grows past its limit", () => {
    const cache = new MutationCache<Obj>(2);
    cache.written("ns/a", at("10", "a"));
    cache.written("ns/b", at("10", "b"));
    // Rewriting a known key does not count as growth.
    cache.written("ns/b", at("11", "b2"));
    expect(cache.newest("ns/a", at("1", "cached-a"))?.tag).toBe("a");
    cache.written("ns/a", at("12", "a2"));
    cache.written("ns/c", at("10", "c"));
    expect(cache.newest("ns/c", at("1", "cached-c"))?.tag).toBe("c");
    // ns/a and ns/b were dropped: the cache's (older) copies are what is known.
    expect(cache.newest("ns/a", at("1", "cached-a"))?.tag).toBe("cached-a");
    expect(cache.newest("ns/b", at("1", "cached-b"))?.tag).toBe("cached-b");
  });
});
