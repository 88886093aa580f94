import { classifyError, type ErrorKind } from "./errors.js";
import { silentLogger, type Logger } from "./log.js";
import {
  objectKey,
  resourceName,
  type KubeObject,
  type ResourceClient,
  type WatchEvent,
} from "./resources.js";
import { IndexedStore, type IndexFunc } from "./store.js";
import { backoffDelay, deepFreeze, delay, type BackoffOptions } from "./util.js";

/** What a delete handler is told besides the object. */
export interface DeleteInfo {
  /**
   * True when the delete was not seen on a watch but discovered by a relist
   * (the object vanished while the watch was down or expired): the object is
   * the last state this informer knew, which may be older than its real
   * final state (client-go's `DeletedFinalStateUnknown`).
   */
  finalStateUnknown: boolean;
}

/** Event handlers; each is optional. They run synchronously, in event order. */
export interface InformerHandlers<T> {
  onAdd?: (obj: T) => void;
  /** `old === new` for a periodic resync. */
  onUpdate?: (oldObj: T, newObj: T) => void;
  onDelete?: (obj: T, info: DeleteInfo) => void;
}

/** Why a watch was restarted: it failed (`error`) or its resourceVersion expired (`gone`, so a relist). */
export type WatchRestartReason = "error" | "gone";

/** The informer's state, for health checks and metrics. */
export interface InformerHealth {
  /** The cache has been filled from the server at least once. */
  synced: boolean;
  /** A watch is established right now. */
  watching: boolean;
  /** The last list or watch failure. */
  lastError: { message: string; kind: ErrorKind; at: Date } | undefined;
  /**
   * Lists or watches retried after a failure or an expired resourceVersion
   * (a watch resumed after its normal timeout does not count).
   */
  restarts: number;
  /** Relists after the first list (each one a 410 Gone / expired resourceVersion). */
  relists: number;
  /** Watches opened so far (resumed after each server-side timeout, restarted after failures). */
  watches: number;
  /** When the last watch event (including a bookmark) arrived. */
  lastEventAt: Date | undefined;
  /** The resourceVersion the next watch resumes from ("" before the first list). */
  resourceVersion: string;
  /** Objects in the cache. */
  objects: number;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> {
  /** Only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of lists (default 500). */
  pageSize?: number;
  /**
   * Server-side watch timeout, after which the watch is resumed from the
   * last resourceVersion. Default: random in [300, 600) seconds, as client-go.
   */
  watchTimeoutSeconds?: number;
  /** Re-emit `onUpdate(obj, obj)` for every cached object this often (default 0: never). */
  resyncPeriodMs?: number;
  /** Retry delays after failures (default 200ms doubling to 30s, with jitter). */
  backoff?: BackoffOptions & {
    /** A watch that stayed up this long resets the backoff (default 10s). */
    resetAfterMs?: number;
  };
  /** Deep-freeze cached objects (default true): handlers and readers must not mutate them. */
  freeze?: boolean;
  /**
   * Called on every object the informer receives (listed, watched, seeded, deleted)
   * before it is cached or handed to a handler, as client-go's `SetTransform`: return
   * only what readers use (for example without `metadata.managedFields`) to keep the
   * cache small. It must keep `metadata.name`, `namespace` and `resourceVersion`, and
   * must not mutate its argument in a way readers would notice.
   */
  transform?: (obj: T) => T;
  logger?: Logger;
  /**
   * Start from a snapshot (objects and the resourceVersion they were listed
   * at) instead of listing: the cache is seeded (emitting `onAdd`) and the
   * watch resumes from that resourceVersion; if it is too old, the informer
   * relists and reconciles, as after any expiry.
   */
  initialState?: { items: readonly T[]; resourceVersion: string };
}

type Unsubscribe = () => void;

/** The built-in index behind {@link Informer.list}: objects by `metadata.namespace`. */
export const NAMESPACE_INDEX = "namespace";

/**
 * A supervised list + watch + cache of one resource, like client-go's shared
 * informer.
 *
 * It lists (paginated), then watches from the list's resourceVersion with
 * bookmarks and a server-side timeout, resuming from the last
 * resourceVersion seen whenever a watch ends. A failed or broken watch is
 * retried with exponential backoff and jitter; an expired resourceVersion
 * (410 Gone) makes it relist and reconcile the cache against the fresh
 * list, emitting `onDelete` (with `finalStateUnknown`) for objects that
 * vanished, `onAdd` for new ones and `onUpdate` for changed ones.
 *
 * Objects in the cache, and those handed to handlers, are frozen: never
 * mutate them; copy first (`structuredClone`).
 */
export class Informer<T extends KubeObject> {
  private readonly cache: IndexedStore<T>;
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly restartHooks = new Set<(reason: WatchRestartReason, error: unknown) => void>();
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private readonly logger: Logger;
  private readonly label: string;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private state = {
    synced: false,
    watching: false,
    lastError: undefined as InformerHealth["lastError"],
    restarts: 0,
    relists: 0,
    lists: 0,
    watches: 0,
    lastEventAt: undefined as Date | undefined,
    resourceVersion: "",
  };

  constructor(
    readonly client: ResourceClient<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.label = `${resourceName(client.resource)}/${client.resource.version}${
      options.namespace === undefined ? "" : ` in ${options.namespace}`
    }`;
    this.cache = new IndexedStore<T>((index, key, error) => {
      this.logger.error(`informer ${this.label}: index function "${index}" threw for ${key}`, {
        error,
      });
    });
    this.cache.addIndex(NAMESPACE_INDEX, (obj) => {
      const ns = obj.metadata?.namespace;
      return ns === undefined ? [] : [ns];
    });
  }

  /**
   * Adds an index: `indexFn` returns the values an object is filed under
   * (for example a TrafficSplit's apex service, `["ns/web"]`), read back with
   * {@link byIndex}. It may be added before or after {@link start}; it is
   * built from what is cached now and kept in step with every add, update,
   * delete and relist. The name must be new (`namespace` is built in).
   */
  addIndex(name: string, indexFn: IndexFunc<T>): void {
    this.cache.addIndex(name, indexFn);
  }

  /** Cached objects (frozen) filed under `value` in the index `name`; throws if there is no such index. */
  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  /** Registers handlers; objects already cached are replayed to `onAdd`. Returns an unsubscribe function. */
  addHandlers(handlers: InformerHandlers<T>): Unsubscribe {
    this.handlers.add(handlers);
    if (handlers.onAdd !== undefined)
      for (const obj of this.cache.values()) this.call(() => handlers.onAdd?.(obj));
    return () => this.handlers.delete(handlers);
  }

  onAdd(fn: (obj: T) => void): Unsubscribe {
    return this.addHandlers({ onAdd: fn });
  }

  onUpdate(fn: (oldObj: T, newObj: T) => void): Unsubscribe {
    return this.addHandlers({ onUpdate: fn });
  }

  onDelete(fn: (obj: T, info: DeleteInfo) => void): Unsubscribe {
    return this.addHandlers({ onDelete: fn });
  }

  /** Called whenever a watch is restarted after an error or expiry (for metrics). */
  onWatchRestart(fn: (reason: WatchRestartReason, error: unknown) => void): Unsubscribe {
    this.restartHooks.add(fn);
    return () => this.restartHooks.delete(fn);
  }

  /** Starts listing and watching in the background. Calling it again does nothing. */
  start(): void {
    if (this.loop !== undefined) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0)
      this.resyncTimer = setInterval(() => {
        this.resync();
      }, period);
    this.loop = this.run(signal).catch((error: unknown) => {
      this.logger.error(`informer ${this.label} stopped unexpectedly`, { error });
    });
  }

  /** Stops the informer: aborts the in-flight list or watch and every timer; resolves once it has stopped. */
  async stop(): Promise<void> {
    this.abort?.abort();
    clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    await this.loop;
    this.loop = undefined;
    this.state.watching = false;
    for (const waiter of this.syncWaiters) waiter(false);
    this.syncWaiters.clear();
  }

  /** The cache has been filled from the server at least once. */
  hasSynced(): boolean {
    return this.state.synced;
  }

  /** Resolves true once synced, or false if `signal` fires or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.state.synced) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (synced: boolean): void => {
        signal?.removeEventListener("abort", onAbort);
        this.syncWaiters.delete(waiter);
        resolve(synced);
      };
      const onAbort = (): void => {
        waiter(false);
      };
      this.syncWaiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The cached object (frozen), if any. Pass `undefined` as namespace for cluster-scoped resources. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(
      namespace === undefined || namespace === "" ? name : `${namespace}/${name}`,
    );
  }

  /** Cached objects, optionally of one namespace (read from the namespace index, not a scan). */
  list(namespace?: string): T[] {
    return namespace === undefined
      ? this.cache.values()
      : this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Keys (`namespace/name`) of cached objects. */
  keys(): string[] {
    return this.cache.keys();
  }

  health(): InformerHealth {
    return {
      synced: this.state.synced,
      watching: this.state.watching,
      lastError: this.state.lastError,
      restarts: this.state.restarts,
      relists: this.state.relists,
      watches: this.state.watches,
      lastEventAt: this.state.lastEventAt,
      resourceVersion: this.state.resourceVersion,
      objects: this.cache.size,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.options.backoff ?? {};
    const resetAfterMs = backoff.resetAfterMs ?? 10_000;
    let rv: string | undefined;
    const initial = this.options.initialState;
    if (initial !== undefined) {
      // Copies: the cache freezes what it holds, and the snapshot is the caller's.
      this.reconcile(
        initial.items.map((item) => structuredClone(item)),
        false,
      );
      rv = initial.resourceVersion;
      this.state.resourceVersion = rv;
    }
    let failures = 0;
    while (!signal.aborted) {
      let openedAt: number | undefined;
      try {
        if (rv === undefined) {
          const items = await this.listAll(signal);
          rv = items.resourceVersion;
          this.state.resourceVersion = rv;
          this.reconcile(items.items, this.state.lists > 0 || initial !== undefined, true);
          if (this.state.lists > 0 || initial !== undefined) this.state.relists++;
          this.state.lists++;
          this.markSynced();
        }
        await this.watchOnce(
          rv,
          signal,
          () => {
            openedAt = Date.now();
            this.state.watching = true;
            this.state.watches++;
            this.markSynced();
          },
          (newRv) => {
            rv = newRv;
          },
        );
        // The server ended the watch (its timeout): resume from the last resourceVersion.
        this.state.watching = false;
        failures = 0;
      } catch (error) {
        this.state.watching = false;
        if (isAborted(signal)) break;
        const kind = classifyError(error);
        const message = error instanceof Error ? error.message : String(error);
        this.state.lastError = { message, kind, at: new Date() };
        if (openedAt !== undefined && Date.now() - openedAt >= resetAfterMs) failures = 0;
        const reason: WatchRestartReason = kind === "gone" ? "gone" : "error";
        if (reason === "gone") rv = undefined;
        this.state.restarts++;
        for (const hook of this.restartHooks)
          this.call(() => {
            hook(reason, error);
          });
        // The first expiry relists at once, as client-go does; repeated failures back off.
        const wait = reason === "gone" && failures === 0 ? 0 : backoffDelay(failures, backoff);
        failures++;
        this.logger.warn(
          `informer ${this.label}: ${reason === "gone" ? "resourceVersion expired, relisting" : "watch failed, retrying"}`,
          {
            error: message,
            kind,
            retryInMs: Math.round(wait),
          },
        );
        await delay(wait, signal);
      }
    }
  }

  private async listAll(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    return this.client.listAll(this.options.namespace, {
      limit: this.options.pageSize ?? 500,
      signal,
      // Transformed page by page: a first list of thousands of objects never sits in
      // memory whole.
      ...(this.options.transform === undefined ? {} : { eachItem: this.options.transform }),
      ...(this.options.labelSelector === undefined
        ? {}
        : { labelSelector: this.options.labelSelector }),
      ...(this.options.fieldSelector === undefined
        ? {}
        : { fieldSelector: this.options.fieldSelector }),
    });
  }

  private async watchOnce(
    rv: string,
    stop: AbortSignal,
    onOpen: () => void,
    onResourceVersion: (rv: string) => void,
  ): Promise<void> {
    const timeoutSeconds =
      this.options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    // A watchdog for connections that die silently: the server should have
    // ended the watch by timeoutSeconds.
    const watchdog = new AbortController();
    const timer = setTimeout(
      () => {
        watchdog.abort(
          Object.assign(
            new Error(`watch did not end within ${timeoutSeconds + 30}s of its timeout`),
            {
              code: "ETIMEDOUT",
            },
          ),
        );
      },
      (timeoutSeconds + 30) * 1000,
    );
    try {
      await this.client.watch(
        this.options.namespace,
        {
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          signal: AbortSignal.any([stop, watchdog.signal]),
          onOpen,
          ...(this.options.labelSelector === undefined
            ? {}
            : { labelSelector: this.options.labelSelector }),
          ...(this.options.fieldSelector === undefined
            ? {}
            : { fieldSelector: this.options.fieldSelector }),
        },
        (event) => {
          this.state.lastEventAt = new Date();
          this.apply(event);
          const next = event.object.metadata?.resourceVersion;
          if (next !== undefined && next !== "") {
            onResourceVersion(next);
            this.state.resourceVersion = next;
          }
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === "BOOKMARK") return;
    const obj = this.admit(event.object);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (event.type === "DELETED") {
      if (old === undefined) return;
      this.cache.delete(key);
      this.emitDelete(obj, false);
      return;
    }
    this.cache.set(key, obj);
    if (old === undefined) this.emitAdd(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      this.emitUpdate(old, obj);
  }

  /** Makes the cache equal `items` (`transformed`: listed through the transform already), emitting the differences. */
  private reconcile(items: readonly T[], relist: boolean, transformed = false): void {
    const fresh = new Map<string, T>();
    for (const item of items) fresh.set(objectKey(item), this.admit(item, transformed));
    for (const [key, old] of [...this.cache.entries()]) {
      if (fresh.has(key)) continue;
      this.cache.delete(key);
      this.emitDelete(old, relist);
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (old === undefined) this.emitAdd(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.emitUpdate(old, obj);
    }
  }

  private resync(): void {
    if (!this.state.synced) return;
    for (const obj of this.cache.values()) this.emitUpdate(obj, obj);
  }

  private markSynced(): void {
    if (this.state.synced) return;
    this.state.synced = true;
    for (const waiter of [...this.syncWaiters]) waiter(true);
  }

  private admit(received: T, transformed = false): T {
    const obj =
      this.options.transform === undefined || transformed
        ? received
        : this.options.transform(received);
    return this.options.freeze === false ? obj : deepFreeze(obj);
  }

  private emitAdd(obj: T): void {
    for (const h of this.handlers) if (h.onAdd !== undefined) this.call(() => h.onAdd?.(obj));
  }

  private emitUpdate(old: T, obj: T): void {
    for (const h of this.handlers)
      if (h.onUpdate !== undefined) this.call(() => h.onUpdate?.(old, obj));
  }

  private emitDelete(obj: T, finalStateUnknown: boolean): void {
    for (const h of this.handlers)
      if (h.onDelete !== undefined) this.call(() => h.onDelete?.(obj, { finalStateUnknown }));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error(`informer ${this.label}: an event handler threw`, { error });
    }
  }
}

/** Reads `signal.aborted` afresh (TypeScript narrows the property across awaits). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
