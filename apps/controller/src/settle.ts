/**
 * Route status settles before it becomes an Event. Linkerd's policy controller rewrites the
 * status of every route while its caches fill after a restart (`Accepted=False
 * NoMatchingParent`, then `ResolvedRefs=False BackendNotFound`, then True: some 85 status
 * patches per route in 5 s, seen with edge-26.8.3), so an Event per condition seen would put a
 * `RouteNotAccepted` and a `BackendNotFound` Warning on every split at each restart.
 *
 * An Event core marks with `settle` (a key naming the route and the condition) passes only when
 * the condition is still there at a reconcile `windowMs` or more after it was first seen; the
 * first sighting asks for that re-check. A condition that is gone at a reconcile is forgotten,
 * and one that stays is reported once until it goes. Memory is one entry per bad condition of a
 * live route.
 */

export class StatusSettle {
  /** Per apex key: per settle key, when first seen and whether reported. */
  private readonly seen = new Map<string, Map<string, { since: number; reported: boolean }>>();

  constructor(
    private readonly windowMs: number,
    /** Reconcile `key` again after `ms`. */
    private readonly recheck: (key: string, ms: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The Events of one reconcile of `key` that may be recorded now. */
  filter<E extends { readonly settle?: string }>(key: string, events: readonly E[]): E[] {
    const before = this.seen.get(key);
    const after = new Map<string, { since: number; reported: boolean }>();
    const out: E[] = [];
    const now = this.now();
    let wait = Infinity;
    for (const event of events) {
      if (event.settle === undefined || this.windowMs <= 0) {
        out.push(event);
        continue;
      }
      const entry = after.get(event.settle) ??
        before?.get(event.settle) ?? { since: now, reported: false };
      after.set(event.settle, entry);
      if (entry.reported) continue;
      const left = entry.since + this.windowMs - now;
      if (left <= 0) {
        entry.reported = true;
        out.push(event);
      } else {
        wait = Math.min(wait, left);
      }
    }
    if (after.size === 0) this.seen.delete(key);
    else this.seen.set(key, after);
    if (wait !== Infinity) this.recheck(key, Math.ceil(wait));
    return out;
  }

  /** How many conditions wait or were reported (for tests). */
  get size(): number {
    let n = 0;
    for (const m of this.seen.values()) n += m.size;
    return n;
  }
}
