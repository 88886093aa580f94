/**
 * Exponent suffixes as Go's resource.Quantity reads them: the digits after "e" are parsed as an
 * int64 (so anything beyond int64 is not a quantity) and then converted to int32, keeping the
 * low 32 bits; leading zeros are skipped. Expected values are worked out by hand from those rules.
 */
import { describe, expect, it } from "vitest";
import { canonicalQuantity, isQuantityError, milliValue, parseQuantity } from "./quantity.js";

function milli(text: string): bigint | string {
  const q = parseQuantity(text);
  return isQuantityError(q) ? `error: ${q.code}` : milliValue(q);
}

describe("exponent suffixes at the int64 edges", () => {
  it.each([
    // int64 max, 2^63 - 1, keeps its low 32 bits: 0xFFFFFFFF, which is -1 as int32: 1e-1.
    ["1e9223372036854775807", 100n],
    // 2^63 does not fit an int64.
    ["1e9223372036854775808", "error: suffix"],
    // int64 min, -2^63, has all low 32 bits zero: 1e0.
    ["1e-9223372036854775808", 1000n],
    // One below int64 min does not fit.
    ["1e-9223372036854775809", "error: suffix"],
    // 2^32 + 1 keeps its low bit: 1e1.
    ["1e4294967297", 10_000n],
  ])("%s is %s milli", (text, expected) => {
    expect(milli(text)).toBe(expected);
  });
});

describe("only zeros", () => {
  // Go skips leading zeros and, when nothing follows, reads the value as "0".
  it.each(["000", "-00", "+0"])("%s is 0", (text) => {
    const q = parseQuantity(text);
    expect(isQuantityError(q) ? q.code : canonicalQuantity(q)).toBe("0");
  });
});
