/**
 * Go's `time.ParseDuration`, `Duration.String` and `strconv.ParseBool`, for the flags the
 * adaptor shares with linkerd-smi (`-resync-period 10m`, `-leader-elect=true`) and those the
 * `linkerd` CLI forwards to extensions (`--wait=5m0s`, `--proxy=true`): one implementation
 * for the adaptor and the CLI.
 *
 * @packageDocumentation
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3, // µ, MICRO SIGN
  "\u03bcs": 1e-3, // μ, GREEK SMALL LETTER MU
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Milliseconds (fractional below 1 ms), or undefined where Go's `time.ParseDuration` returns
 * an error: an optional sign, then one or more decimal numbers each with a unit (`ns`, `us`,
 * `µs`, `ms`, `s`, `m`, `h`); `0` alone needs no unit. Like Go, no spaces are allowed.
 */
export function parseGoDuration(text: string): number | undefined {
  const negative = text.startsWith("-");
  const body = negative || text.startsWith("+") ? text.slice(1) : text;
  if (body === "0") return 0;
  if (body === "") return undefined;
  let total = 0;
  let index = 0;
  while (index < body.length) {
    PART.lastIndex = index;
    const m = PART.exec(body);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
    index = PART.lastIndex;
  }
  if (!Number.isFinite(total)) return undefined;
  return negative ? -total : total;
}

/** A whole number of milliseconds as Go's `Duration.String` prints it (`5m0s`, `1.5s`, `300ms`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${String(abs)}ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = (abs % 60_000) / 1000;
  if (h > 0) return `${sign}${String(h)}h${String(m)}m${String(s)}s`;
  if (m > 0) return `${sign}${String(m)}m${String(s)}s`;
  return `${sign}${String(s)}s`;
}

/** Go's `strconv.ParseBool` (what Go's flag package and pflag take): undefined for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
  return undefined;
}
