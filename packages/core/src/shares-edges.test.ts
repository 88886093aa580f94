/** Edges of backendShares and formatPercent, with expected values worked out by hand. */
import { describe, expect, it } from "vitest";
import { backendShares, formatPercent } from "./shares.js";

describe("backendShares", () => {
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
  it("prints 99.95 (which would round to 100.0) as >99.9%", () => {
    expect(formatPercent(99.95)).toBe(">99.9%");
    expect(formatPercent(99.94)).toBe("99.9%");
    expect(formatPercent(100)).toBe("100.0%");
  });
});
