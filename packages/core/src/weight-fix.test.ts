import { describe, expect, it } from "vitest";
import { integerWeightFix } from "./weight-fix.js";

describe("integerWeightFix", () => {
  it("says what to write for weight: 900m under v1alpha2, and the other way out", () => {
    expect(integerWeightFix("900m")).toBe(
      "write weight: 900 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
    expect(integerWeightFix("1.5")).toBe(
      "write weight: 1500 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
  });

  it("writes a whole Quantity as its integer", () => {
    expect(integerWeightFix("1k")).toBe(
      "write weight: 1000 (v1alpha2 weights are integers), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
    expect(integerWeightFix("2")).toBe(
      "write weight: 2 (v1alpha2 weights are integers), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
  });

  it("has no fix for what is no weight at all", () => {
    expect(integerWeightFix("ten")).toBeUndefined();
    expect(integerWeightFix("-5")).toBeUndefined();
    expect(integerWeightFix("0.5m")).toBeUndefined();
  });
});
