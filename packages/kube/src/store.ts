/** Computes the values an object is indexed under (none: not in the index). */
export type IndexFunc<T> = (obj: T) => string[];

interface Index<T> {
  fn: IndexFunc<T>;
  /** value -> keys of the objects indexed under it. */
  keysByValue: Map<string, Set<string>>;
  /** key -> the values its object is indexed under now, to unindex it on update and delete. */
  valuesByKey: Map<string, readonly string[]>;
}

/**
 * A keyed object store with secondary indexes kept in step on every set and
 * delete (client-go's `ThreadSafeStore` with its `Indexers`), so a lookup by
 * namespace or by a custom key such as a TrafficSplit's apex reads one
 * bucket instead of scanning every object.
 */
export class IndexedStore<T> {
  private readonly objects = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();

  /**
   * @param onIndexError called when an index function throws; the object is
   *   then left out of that index (it stays in the store and the other indexes).
   */
  constructor(
    private readonly onIndexError: (index: string, key: string, error: unknown) => void,
  ) {}

  get size(): number {
    return this.objects.size;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  values(): T[] {
    return [...this.objects.values()];
  }

  entries(): IterableIterator<[string, T]> {
    return this.objects.entries();
  }

  /** Adds or replaces the object at `key` and re-indexes it. */
  set(key: string, obj: T): void {
    this.objects.set(key, obj);
    for (const [name, index] of this.indexes) this.reindex(name, index, key, obj);
  }

  /** Removes the object at `key` from the store and every index. */
  delete(key: string): boolean {
    if (!this.objects.delete(key)) return false;
    for (const index of this.indexes.values()) this.unindex(index, key);
    return true;
  }

  /** Adds an index and fills it from the objects already stored. Names are unique. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name))
      throw new Error(`index "${name}" already exists: pick another name`);
    const index: Index<T> = { fn, keysByValue: new Map(), valuesByKey: new Map() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.objects) this.reindex(name, index, key, obj);
  }

  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  /** The objects indexed under `value` in index `name`, in no particular order. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (index === undefined)
      throw new Error(`no index named "${name}": add it with addIndex("${name}", fn) first`);
    const keys = index.keysByValue.get(value);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.objects.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  private reindex(name: string, index: Index<T>, key: string, obj: T): void {
    let values: readonly string[];
    try {
      values = [...new Set(index.fn(obj))];
    } catch (error) {
      this.onIndexError(name, key, error);
      values = [];
    }
    const old = index.valuesByKey.get(key);
    // Unchanged (most updates): keep the buckets as they are, and their order.
    if (old !== undefined && sameValues(old, values)) return;
    this.unindex(index, key);
    if (values.length === 0) return;
    index.valuesByKey.set(key, values);
    for (const value of values) {
      let keys = index.keysByValue.get(value);
      if (keys === undefined) {
        keys = new Set();
        index.keysByValue.set(value, keys);
      }
      keys.add(key);
    }
  }

  private unindex(index: Index<T>, key: string): void {
    const old = index.valuesByKey.get(key);
    if (old === undefined) return;
    index.valuesByKey.delete(key);
    for (const value of old) {
      const keys = index.keysByValue.get(value);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) index.keysByValue.delete(value);
    }
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
