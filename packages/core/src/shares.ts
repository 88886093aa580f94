/**
 * The share of traffic each backend of a split receives: its weight divided by the sum of all
 * weights.
 *
 * @packageDocumentation
 */

/** A backend with its share of the traffic. */
export interface BackendShare {
  readonly service: string;
  /** The weight as written into the ServiceProfile. */
  readonly weight: string;
  readonly milli: bigint;
  /** milli / total * 100; 0 for every backend when all weights are zero. */
  readonly percent: number;
}

/** Significant digits kept by the exact division before converting to a number. */
const DIGITS = 24;

/**
 * n / d as the nearest-ish number, computed with bigints so that huge weights lose no more
 * precision than the final conversion to a double (relative error below 1e-15).
 */
function ratio(n: bigint, d: bigint): number {
  if (n === 0n) return 0;
  // Scale the numerator so the integer quotient has about DIGITS significant digits.
  const shift = Math.max(0, DIGITS - (n.toString().length - d.toString().length));
  const quotient = (n * 10n ** BigInt(shift)) / d;
  const text = quotient.toString();
  // Place the decimal point by exponent notation so that Number() rounds once.
  return Number(`${text}e-${shift}`);
}

/**
 * Each backend's share of traffic in percent (milli / total * 100, computed exactly and then
 * rounded once to a double), in backend order. When the total is zero every share is 0.
 * Negative weights are not expected (the parser rejects them) and count as zero.
 */
export function backendShares(split: {
  readonly backends: readonly {
    readonly service: string;
    readonly weight: string;
    readonly milli: bigint;
  }[];
}): BackendShare[] {
  const total = split.backends.reduce((sum, b) => sum + (b.milli > 0n ? b.milli : 0n), 0n);
  return split.backends.map((b) => ({
    service: b.service,
    weight: b.weight,
    milli: b.milli,
    percent: total === 0n || b.milli <= 0n ? 0 : ratio(b.milli * 100n, total),
  }));
}

/**
 * Formats a percentage with one decimal: `"33.3%"`. A non-zero share that would print as 0.0%
 * prints `"<0.1%"`, and a share below 100 that would print as 100.0% prints `">99.9%"`, so that
 * neither hides the existence of the other backends.
 */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return `${String(percent)}%`;
  if (percent > 0 && percent < 0.05) return "<0.1%";
  if (percent < 100 && percent >= 99.95) return ">99.9%";
  return `${percent.toFixed(1)}%`;
}
