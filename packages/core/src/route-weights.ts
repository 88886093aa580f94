/**
 * Gateway API backend weights from a split's weights. A `backendRef.weight` is an integer from 0
 * to 1,000,000 (Gateway API v1.2.1, `BackendRef.Weight`: `Minimum=0`, `Maximum=1000000`), while a
 * split's weights are Kubernetes Quantities (`500m`, `0.25`, `1Ki`) or integers of any size.
 *
 * @packageDocumentation
 */

/** The largest `backendRef.weight` Gateway API accepts. */
export const MAX_ROUTE_WEIGHT = 1_000_000;
const MAX = BigInt(MAX_ROUTE_WEIGHT);

/** The result of {@link routeWeights}. */
export interface RouteWeights {
  /** One integer per input weight, in input order, each in 0..{@link MAX_ROUTE_WEIGHT}. */
  readonly weights: readonly number[];
  /**
   * True when the weights have exactly the input's proportions. False only when the reduced
   * ratio has a term above {@link MAX_ROUTE_WEIGHT}; each share is then within 0.001 percentage
   * points of the input's (with at most 16 backends, Gateway API's limit per rule).
   */
  readonly exact: boolean;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Integer route weights with the proportions of `milli` (the split's weights in thousandths).
 * The most readable exact form wins: the split's own whole numbers (`900`, `100`), else the
 * thousandths (`500m` -> `500`), else the reduced ratio; only when even that exceeds
 * {@link MAX_ROUTE_WEIGHT} are the weights scaled so that the largest is 1,000,000, rounded by
 * largest remainder, and a non-zero weight never becomes 0. Negative weights count as 0. All
 * zero stays all zero (the caller decides what that means).
 */
export function routeWeights(milli: readonly bigint[]): RouteWeights {
  const clean = milli.map((m) => (m < 0n ? 0n : m));
  const max = clean.reduce((a, b) => (b > a ? b : a), 0n);
  if (max === 0n) return { weights: clean.map(() => 0), exact: true };
  if (clean.every((m) => m % 1000n === 0n) && max / 1000n <= MAX) {
    return { weights: clean.map((m) => Number(m / 1000n)), exact: true };
  }
  if (max <= MAX) return { weights: clean.map(Number), exact: true };
  const divisor = clean.reduce(gcd, 0n);
  if (max / divisor <= MAX) return { weights: clean.map((m) => Number(m / divisor)), exact: true };

  // Scale so that the largest weight is exactly MAX: q_i = m_i * MAX / max.
  const scaled = clean.map((m) => m * MAX);
  const floors = scaled.map((s) => s / max);
  const remainders = scaled.map((s) => s % max);
  const total = scaled.reduce((a, b) => a + b, 0n);
  // The total rounded to the nearest integer, half up.
  const target = (total * 2n + max) / (2n * max);
  let deficit = Number(target - floors.reduce((a, b) => a + b, 0n));
  const order = remainders
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  const weights = floors.map(Number);
  for (const { i } of order) {
    if (deficit <= 0) break;
    weights[i] = (weights[i] ?? 0) + 1;
    deficit--;
  }
  for (let i = 0; i < weights.length; i++) {
    if ((clean[i] ?? 0n) > 0n && weights[i] === 0) weights[i] = 1;
  }
  return { weights, exact: false };
}
