/** Waits `ms`, or less if `signal` fires (it never rejects). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Freezes an object and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** Exponential backoff settings. */
export interface BackoffOptions {
  /** First delay (default 200ms). */
  initialMs?: number;
  /** Largest delay (default 30s). */
  maxMs?: number;
}

/**
 * The delay before retry number `attempt` (0-based): `initialMs * 2^attempt`
 * capped at `maxMs`, with "equal jitter" (a random point in the upper half),
 * so that many clients restarted together do not retry in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random = Math.random,
): number {
  const initial = options.initialMs ?? 200;
  const max = options.maxMs ?? 30_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 52));
  return base / 2 + random() * (base / 2);
}
