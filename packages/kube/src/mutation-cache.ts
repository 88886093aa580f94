/** What a {@link MutationCache} needs of an object: its resourceVersion. */
export interface Versioned {
  metadata?: { resourceVersion?: string };
}

type Entry<T> = { kind: "written"; object: T } | { kind: "deleted"; resourceVersion: bigint };

function version(object: Versioned | undefined): bigint | undefined {
  const rv = object?.metadata?.resourceVersion;
  return rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * What a controller itself last wrote, until its informer's cache has caught
 * up (client-go's `MutationCache`). Without it, a reconcile that runs before
 * the watch delivers the controller's own previous write works from a stale
 * object, and its resourceVersion-guarded write fails with a conflict and is
 * retried.
 *
 * resourceVersions are compared as the integers etcd makes them (Kubernetes
 * calls them opaque, but every apiserver backed by etcd issues increasing
 * integers); anything else falls back to the cache. Keys are whatever the
 * caller uses, usually `namespace/name`.
 */
export class MutationCache<T extends Versioned> {
  private readonly entries = new Map<string, Entry<T>>();

  /** At most `limit` entries are kept; beyond that the cache starts over (the informer is the truth). */
  constructor(private readonly limit = 10_000) {}

  /** Remembers the object the server returned for a write. */
  written(key: string, object: T): void {
    this.remember(key, { kind: "written", object });
  }

  /** Remembers a delete of the object that was at `resourceVersion`. */
  deleted(key: string, resourceVersion: string): void {
    if (/^\d+$/.test(resourceVersion))
      this.remember(key, { kind: "deleted", resourceVersion: BigInt(resourceVersion) });
  }

  /**
   * The newer of what the cache holds and what was written: the written
   * object while the cache is older, undefined while the cache still holds
   * an object deleted here. Forgets the entry once the cache has caught up.
   */
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
    if (this.entries.size >= this.limit && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, entry);
  }
}
