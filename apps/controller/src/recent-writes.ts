interface Versioned {
  metadata?: { resourceVersion?: string };
}

type Entry<T> = { kind: "written"; object: T } | { kind: "deleted"; resourceVersion: bigint };

function version(object: Versioned | undefined): bigint | undefined {
  const rv = object?.metadata?.resourceVersion;
  return rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * What the adaptor itself last wrote, until the informer's cache has caught up
 * (client-go's MutationCache). Without it, a reconcile that runs before the
 * watch delivers our own previous write works from a stale object, and its
 * resourceVersion-guarded write fails with a conflict and is retried.
 * resourceVersions are compared as the integers etcd makes them; anything
 * else falls back to the cache.
 */
export class RecentWrites<T extends Versioned> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly limit = 10_000) {}

  written(key: string, object: T): void {
    this.remember(key, { kind: "written", object });
  }

  deleted(key: string, resourceVersion: string): void {
    if (/^\d+$/.test(resourceVersion))
      this.remember(key, { kind: "deleted", resourceVersion: BigInt(resourceVersion) });
  }

  /** The newer of what the cache holds and what we wrote; forgets our copy once the cache has it. */
  newest(key: string, cached: T | undefined): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return cached;
    const cachedVersion = version(cached);
    if (entry.kind === "deleted") {
      if (
        cached === undefined ||
        (cachedVersion !== undefined && cachedVersion > entry.resourceVersion)
      ) {
        this.entries.delete(key);
        return cached;
      }
      return undefined;
    }
    const mine = version(entry.object);
    if (
      cached !== undefined &&
      (mine === undefined || cachedVersion === undefined || cachedVersion >= mine)
    ) {
      this.entries.delete(key);
      return cached;
    }
    return entry.object;
  }

  private remember(key: string, entry: Entry<T>): void {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, entry);
  }
}
