import { describe, expect, it } from "vitest";
import { percentile, round } from "./stats.js";

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 0)).toBe(15);
  });
  it("is NaN for no values", () => {
    expect(percentile([], 50)).toBeNaN();
  });
  it("rounds", () => {
    expect(round(1.2345, 2)).toBe(1.23);
  });
});
