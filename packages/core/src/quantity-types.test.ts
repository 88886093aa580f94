/** What parseQuantity and decodeQuantity say about values that are not quantities at all. */
import { describe, expect, it } from "vitest";
import { decodeQuantity, isQuantityError, parseQuantity } from "./quantity.js";

function error(q: ReturnType<typeof decodeQuantity>) {
  return isQuantityError(q) ? { code: q.code, message: q.message } : "a quantity";
}

describe("values of the wrong type", () => {
  it.each([
    [null, "null"],
    [[1], "an array"],
    [true, "a boolean"],
  ])("decodeQuantity(%j) names its type: %s", (value, type) => {
    expect(error(decodeQuantity(value))).toEqual({
      code: "type",
      message: `expected a string or a number, got ${type}`,
    });
  });

  it("parseQuantity names the type too", () => {
    expect(error(parseQuantity(null as unknown as string))).toEqual({
      code: "type",
      message: "expected a string or a number, got null",
    });
  });

  it("decodeQuantity does not trim a JSON-escaped U+2029 (Go sees \\u2029)", () => {
    expect(isQuantityError(decodeQuantity("1\u2029"))).toBe(true);
    expect(isQuantityError(decodeQuantity(" 1 "))).toBe(false);
  });
});
