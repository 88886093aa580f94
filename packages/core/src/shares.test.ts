import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTrafficSplit } from "./parse.js";
import { canonicalQuantity, quantityFromMilli } from "./quantity.js";
import { backendShares, formatPercent } from "./shares.js";

function backends(millis: readonly bigint[]) {
  return {
    backends: millis.map((milli, i) => ({
      service: `s${i}`,
      weight: canonicalQuantity(quantityFromMilli(milli)),
      milli,
    })),
  };
}

describe("backendShares", () => {
  it("computes percentages from a parsed split", () => {
    const result = parseTrafficSplit({
      spec: {
        service: "web",
        backends: [
          { service: "web-v1", weight: "900m" },
          { service: "web-v2", weight: "100m" },
        ],
      },
    });
    if (!result.ok) throw new Error("invalid");
    expect(backendShares(result.split)).toEqual([
      { service: "web-v1", weight: "900m", milli: 900n, percent: 90 },
      { service: "web-v2", weight: "100m", milli: 100n, percent: 10 },
    ]);
  });

  it("gives 0 to everyone when all weights are zero", () => {
    expect(backendShares(backends([0n, 0n])).map((s) => s.percent)).toEqual([0, 0]);
    expect(backendShares(backends([]))).toEqual([]);
  });

  it("thirds", () => {
    const [a] = backendShares(backends([1n, 1n, 1n]));
    expect(a?.percent).toBeCloseTo(100 / 3, 12);
  });

  it("is exact for huge weights", () => {
    const shares = backendShares(backends([10n ** 30n, 10n ** 30n + 1n]));
    expect(shares.map((s) => s.percent)).toEqual([50, 50]);
  });

  // Weights as people write them: integers, milli strings, decimal and SI-suffixed quantities.
  const weight = fc.oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.bigInt({ min: 0n, max: 10n ** 25n }).map((m) => canonicalQuantity(quantityFromMilli(m))),
    fc
      .tuple(
        fc.integer({ min: 0, max: 999_999 }),
        fc.constantFrom("m", "", "k", "M", "G", "E", "Ki", "Mi"),
      )
      .map(([n, suffix]) => `${n}${suffix}`),
  );
  const validSplit = fc.array(weight, { minLength: 1, maxLength: 20 }).map((weights) => ({
    apiVersion: "split.smi-spec.io/v1alpha1",
    kind: "TrafficSplit",
    spec: {
      service: "web",
      backends: weights.map((w, i) => ({ service: `web-v${i}`, weight: w })),
    },
  }));

  it("for valid splits, shares are proportional to weights and sum to 100", () => {
    fc.assert(
      fc.property(validSplit, (document) => {
        const result = parseTrafficSplit(document);
        if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
        const shares = backendShares(result.split);
        const total = shares.reduce((a, s) => a + s.milli, 0n);
        if (total === 0n) {
          expect(result.split.allWeightsZero).toBe(true);
          expect(shares.every((s) => s.percent === 0)).toBe(true);
          return;
        }
        const sum = shares.reduce((a, s) => a + s.percent, 0);
        expect(Math.abs(sum - 100)).toBeLessThanOrEqual(1e-9);
        for (const si of shares) {
          for (const sj of shares) {
            if (si.milli === 0n || sj.milli === 0n) {
              expect(si.milli === 0n ? si.percent : sj.percent).toBe(0);
              continue;
            }
            const expected = Number(si.milli) / Number(sj.milli);
            const actual = si.percent / sj.percent;
            expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(1e-9);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("counts a negative weight as zero, in the total and in its own share", () => {
    const shares = backendShares({
      backends: [
        { service: "a", weight: "-5", milli: -5000n },
        { service: "b", weight: "5", milli: 5000n },
      ],
    });
    expect(shares.map((s) => s.percent)).toEqual([0, 100]);
  });
});

describe("formatPercent", () => {
  it.each([
    [0, "0.0%"],
    [50, "50.0%"],
    [100, "100.0%"],
    [100 / 3, "33.3%"],
    [66.66666, "66.7%"],
    [0.04, "<0.1%"],
    [0.05, "0.1%"],
    [99.96, ">99.9%"],
    [Number.NaN, "NaN%"],
  ])("%s -> %s", (input, expected) => {
    expect(formatPercent(input)).toBe(expected);
  });

  it("prints 99.95 (which would round to 100.0) as >99.9%", () => {
    expect(formatPercent(99.95)).toBe(">99.9%");
    expect(formatPercent(99.94)).toBe("99.9%");
    expect(formatPercent(100)).toBe("100.0%");
  });
});
