/**
 * Go's `time.ParseDuration`, which is how `linkerd check` prints the `--wait` it forwards
 * (`--wait=5m0s`): a sequence of decimal numbers with units `ns`, `us` (`µs`), `ms`, `s`, `m`,
 * `h`, optionally signed; `0` needs no unit.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or undefined when `text` is not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const match = /^([+-]?)(.+)$/.exec(trimmed);
  if (match === null) return undefined;
  const [, sign = "", body = ""] = match;
  if (body === "0") return 0;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < body.length) {
    part.lastIndex = index;
    const m = part.exec(body);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
    index = part.lastIndex;
  }
  if (index === 0 || !Number.isFinite(total)) return undefined;
  return sign === "-" ? -total : total;
}

/** A duration as Go prints it, roughly (`5m0s`, `30s`, `1.5s`, `300ms`), for messages. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
