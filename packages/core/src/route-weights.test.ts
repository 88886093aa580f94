import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_ROUTE_WEIGHT,
  parseQuantity,
  routeWeights,
  milliValue,
  isQuantityError,
} from "./index.js";

// Expected values are worked out by hand from the rules in route-weights.ts.

function milli(text: string): bigint {
  const q = parseQuantity(text);
  if (isQuantityError(q)) throw new Error(q.message);
  return milliValue(q);
}

describe("routeWeights", () => {
  it("keeps a v1alpha2 split's own whole numbers", () => {
    expect(routeWeights([900_000n, 100_000n])).toEqual({ weights: [900, 100], exact: true });
  });

  it("writes v1alpha1 quantities in thousandths: 500m, 0.25, 750m", () => {
    expect(routeWeights([milli("500m"), milli("500m")]).weights).toEqual([500, 500]);
    expect(routeWeights([milli("0.25"), milli("750m")]).weights).toEqual([250, 750]);
  });

  it("reads binary suffixes: 1Ki against 1 is 1024 to 1", () => {
    expect(routeWeights([milli("1Ki"), milli("1")])).toEqual({ weights: [1024, 1], exact: true });
  });

  it("reduces by the common divisor when the numbers are too large but the ratio is small", () => {
    // 3,000,000 and 1,000,000 units: 3e9 and 1e9 milli; neither form fits 1,000,000.
    expect(routeWeights([3_000_000_000n, 1_000_000_000n])).toEqual({
      weights: [3, 1],
      exact: true,
    });
    // 1,000,000 units fits exactly.
    expect(routeWeights([1_000_000_000n, 0n]).weights).toEqual([1_000_000, 0]);
  });

  it("scales a ratio that cannot fit so the largest is 1,000,000, keeping a tiny weight alive", () => {
    // 2,000,001m : 1m. Exact shares 99.99995% / 0.00005%; the tiny one would round to 0.
    expect(routeWeights([2_000_001n, 1n])).toEqual({ weights: [1_000_000, 1], exact: false });
    // 1,500,001m : 1,000,000m: 1e6 and 666,666.22... -> 666,666
    expect(routeWeights([1_500_001n, 1_000_000n])).toEqual({
      weights: [1_000_000, 666_666],
      exact: false,
    });
  });

  it("leaves all-zero weights at zero and counts negative weights as zero", () => {
    expect(routeWeights([0n, 0n]).weights).toEqual([0, 0]);
    expect(routeWeights([-5n, 1000n]).weights).toEqual([0, 1]);
  });

  // The oracle: each share within 0.01 percentage points of the split's, computed with exact
  // integer cross-multiplication; exact whenever the reduced ratio fits in 1,000,000.
  it("keeps every share within 0.01 percentage points, exact whenever the ratio allows", () => {
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.bigInt({ min: 0n, max: 2_000n }),
            fc.bigInt({ min: 0n, max: 10n ** 7n }),
            fc.bigInt({ min: 0n, max: 10n ** 18n }),
          ),
          { minLength: 1, maxLength: 16 },
        ),
        (input) => {
          const { weights, exact } = routeWeights(input);
          expect(weights).toHaveLength(input.length);
          const w = weights.map(BigInt);
          for (const x of weights) {
            expect(Number.isInteger(x)).toBe(true);
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(MAX_ROUTE_WEIGHT);
          }
          const T = input.reduce((a, b) => a + b, 0n);
          const W = w.reduce((a, b) => a + b, 0n);
          if (T === 0n) {
            expect(W).toBe(0n);
            return;
          }
          input.forEach((m, i) => {
            const wi = w[i] ?? 0n;
            expect(wi === 0n).toBe(m === 0n);
            const diff = wi * T - m * W;
            // |wi/W - m/T| <= 1e-4  <=>  |wi*T - m*W| * 10^4 <= W*T
            expect((diff < 0n ? -diff : diff) * 10_000n <= W * T).toBe(true);
          });
          const g = input.reduce(gcd, 0n);
          const fits = input.every((m) => m / g <= BigInt(MAX_ROUTE_WEIGHT));
          if (fits) {
            expect(exact).toBe(true);
            input.forEach((m, i) => expect((w[i] ?? 0n) * T).toBe(m * W));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
