import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_DECIMAL_EXPONENT,
  canonicalQuantity,
  compareQuantity,
  decodeQuantity,
  isQuantityError,
  isWholeMilli,
  milliValue,
  parseQuantity,
  quantityFromMilli,
  type Quantity,
  type QuantityError,
} from "./quantity.js";

interface GoResult {
  ok: boolean;
  string?: string;
  format?: string;
  milli?: string;
  nanos?: string;
  milliExact?: string;
  error?: string;
}
interface GoRow {
  kind: "string" | "number";
  input: string;
  normalized?: string;
  parse?: GoResult;
  json: GoResult;
}
interface Golden {
  maxScale: number;
  rows: GoRow[];
}

const golden = JSON.parse(
  readFileSync(new URL("../test/fixtures/quantity-golden.json", import.meta.url), "utf8"),
) as Golden;

const INT64_MAX = (1n << 63n) - 1n;

function expectMatchesGo(actual: Quantity | QuantityError, expected: GoResult): void {
  if (!expected.ok) {
    expect(isQuantityError(actual), `expected an error, got ${JSON.stringify(actual, big)}`).toBe(
      true,
    );
    if (isQuantityError(actual)) expect(actual.goError).toBe(expected.error);
    return;
  }
  if (expected.nanos === undefined) {
    // Go accepted a value whose exponent this implementation refuses to expand.
    expect(isQuantityError(actual) && actual.code).toBe("out-of-range");
    return;
  }
  if (isQuantityError(actual)) throw new Error(`unexpected error: ${actual.message}`);
  expect(canonicalQuantity(actual)).toBe(expected.string);
  expect(actual.format).toBe(expected.format);
  expect(actual.nanos).toBe(BigInt(expected.nanos));
  const milli = milliValue(actual);
  expect(milli).toBe(BigInt(expected.milliExact ?? "NaN"));
  // Go's own MilliValue agrees wherever it neither overflows nor rounds a negative value.
  if (actual.nanos >= 0n && milli <= INT64_MAX) expect(milli).toBe(BigInt(expected.milli ?? ""));
}

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value.toString()}n` : value;
}

describe("golden rows from k8s.io/apimachinery v0.29.1", () => {
  it("has a substantial table", () => {
    expect(golden.rows.length).toBeGreaterThan(200);
    expect(golden.maxScale).toBe(MAX_DECIMAL_EXPONENT);
  });

  const stringRows = golden.rows.filter((r) => r.kind === "string");
  it.each(stringRows.map((r) => [JSON.stringify(r.input), r] as const))(
    "ParseQuantity(%s)",
    (_name, row) => {
      if (row.parse === undefined) throw new Error("string rows carry a parse result");
      expectMatchesGo(parseQuantity(row.input), row.parse);
    },
  );
  it.each(stringRows.map((r) => [JSON.stringify(r.input), r] as const))(
    "UnmarshalJSON(%s)",
    (_name, row) => {
      expectMatchesGo(decodeQuantity(row.input), row.json);
    },
  );

  const numberRows = golden.rows.filter((r) => r.kind === "number");
  it.each(numberRows.map((r) => [r.input, r] as const))("JSON number %s", (_name, row) => {
    const value = JSON.parse(row.input) as number;
    // JavaScript writes the number as the API server (Go encoding/json) re-encodes it.
    if (!Object.is(value, -0)) expect(String(value)).toBe(row.normalized);
    expectMatchesGo(parseQuantity(value), row.json);
    expectMatchesGo(decodeQuantity(value), row.json);
  });
});

describe("parseQuantity", () => {
  it.each([
    ["500m", "500m", 500n],
    ["0m", "0", 0n],
    ["1000m", "1", 1000n],
    [1, "1", 1000n],
    ["1.5", "1500m", 1500n],
    [500, "500", 500000n],
    [1000, "1k", 1000000n],
    ["2k", "2k", 2000000n],
    ["0.5", "500m", 500n],
    [0.5, "500m", 500n],
    ["0.5m", "500u", 1n],
  ] as const)("%j prints as %s with milli %s", (input, printed, milli) => {
    const q = parseQuantity(input);
    if (isQuantityError(q)) throw new Error(q.message);
    expect(canonicalQuantity(q)).toBe(printed);
    expect(milliValue(q)).toBe(milli);
  });

  it.each([
    ["", "format"],
    ["abc", "format"],
    ["1 ", "format"],
    ["500mi", "suffix"],
    ["Pi", "numeric"],
    [Number.NaN, "not-finite"],
    [Number.POSITIVE_INFINITY, "not-finite"],
    ["1e20000", "out-of-range"],
  ] as const)("%j is rejected with code %s", (input, code) => {
    const q = parseQuantity(input);
    expect(isQuantityError(q) && q.code).toBe(code);
    if (isQuantityError(q)) expect(q.message.length).toBeGreaterThan(10);
  });

  it("rejects non-string, non-number input without throwing", () => {
    const inputs: unknown[] = [null, undefined, true, {}, [], 1n, Symbol("x")];
    for (const input of inputs) {
      const q = parseQuantity(input as string);
      expect(isQuantityError(q) && q.code).toBe("type");
      expect(isQuantityError(decodeQuantity(input)) && "ok").toBe("ok");
    }
  });

  it("decodeQuantity trims spaces like Go's UnmarshalJSON", () => {
    const q = decodeQuantity(" 500m ");
    if (isQuantityError(q)) throw new Error(q.message);
    expect(canonicalQuantity(q)).toBe("500m");
    expect(isQuantityError(decodeQuantity("\t500m"))).toBe(true);
  });
});

// What parseQuantity and decodeQuantity say about values that are not quantities at all.
function typeError(q: ReturnType<typeof decodeQuantity>) {
  return isQuantityError(q) ? { code: q.code, message: q.message } : "a quantity";
}

describe("values of the wrong type", () => {
  it.each([
    [null, "null"],
    [[1], "an array"],
    [true, "a boolean"],
  ])("decodeQuantity(%j) names its type: %s", (value, type) => {
    expect(typeError(decodeQuantity(value))).toEqual({
      code: "type",
      message: `expected a string or a number, got ${type}`,
    });
  });

  it("parseQuantity names the type too", () => {
    expect(typeError(parseQuantity(null as unknown as string))).toEqual({
      code: "type",
      message: "expected a string or a number, got null",
    });
  });

  it("decodeQuantity does not trim a JSON-escaped U+2029 (Go sees \\u2029)", () => {
    expect(isQuantityError(decodeQuantity("1\u2029"))).toBe(true);
    expect(isQuantityError(decodeQuantity(" 1 "))).toBe(false);
  });
});

// Exponent suffixes as Go's resource.Quantity reads them: the digits after "e" are parsed as an
// int64 (so anything beyond int64 is not a quantity) and then converted to int32, keeping the
// low 32 bits; leading zeros are skipped. Expected values are worked out by hand from those rules.
function milliOrError(text: string): bigint | string {
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
    expect(milliOrError(text)).toBe(expected);
  });
});

describe("only zeros", () => {
  // Go skips leading zeros and, when nothing follows, reads the value as "0".
  it.each(["000", "-00", "+0"])("%s is 0", (text) => {
    const q = parseQuantity(text);
    expect(isQuantityError(q) ? q.code : canonicalQuantity(q)).toBe("0");
  });
});

describe("milli quantities: printing and comparing", () => {
  it("quantityFromMilli prints like NewMilliQuantity", () => {
    expect(canonicalQuantity(quantityFromMilli(500n))).toBe("500m");
    expect(canonicalQuantity(quantityFromMilli(1000n))).toBe("1");
    expect(canonicalQuantity(quantityFromMilli(1500000n))).toBe("1500");
    expect(canonicalQuantity(quantityFromMilli(0n))).toBe("0");
    expect(canonicalQuantity(quantityFromMilli(429496729n))).toBe("429496729m");
  });

  it("compareQuantity compares values, not spellings", () => {
    const values = ["500", 500, "0.5k", "500000m", "5e2"].map((v) => {
      const q = parseQuantity(v);
      if (isQuantityError(q)) throw new Error(q.message);
      return q;
    });
    for (const a of values) for (const b of values) expect(compareQuantity(a, b)).toBe(0);
    expect(compareQuantity(quantityFromMilli(1n), quantityFromMilli(2n))).toBe(-1);
    expect(compareQuantity(quantityFromMilli(2n), quantityFromMilli(1n))).toBe(1);
  });

  it("isWholeMilli holds for whole milli values only (100u is not)", () => {
    expect(isWholeMilli(quantityFromMilli(3n))).toBe(true);
    const q = parseQuantity("100u");
    expect(!isQuantityError(q) && isWholeMilli(q)).toBe(false);
  });
});

describe("properties", () => {
  const suffix = fc.constantFrom(
    "",
    "n",
    "u",
    "m",
    "k",
    "M",
    "G",
    "T",
    "P",
    "E",
    "Ki",
    "Mi",
    "Gi",
    "Ti",
    "Pi",
    "Ei",
    "e3",
    "e-3",
    "E6",
    "e-7",
    "e0",
  );
  const text = fc
    .tuple(
      fc.constantFrom("", "+", "-"),
      fc.stringMatching(/^[0-9]{0,22}$/),
      fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined }),
      suffix,
    )
    .map(
      ([sign, whole, frac, sfx]) => `${sign}${whole}${frac === undefined ? "" : `.${frac}`}${sfx}`,
    );

  it("canonical strings round-trip: parse(canonical(q)) has the value of q", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true })), (input) => {
        const q = parseQuantity(input);
        if (isQuantityError(q)) return;
        const printed = canonicalQuantity(q);
        const again = parseQuantity(printed);
        if (isQuantityError(again)) throw new Error(`${printed} did not parse: ${again.message}`);
        // Go prints no suffix for decimal SI values of 10^21 and more ("1000E" -> "1"), so only
        // values below that are expected to round-trip.
        if (q.format === "DecimalSI" && (q.nanos >= 10n ** 30n || q.nanos <= -(10n ** 30n))) return;
        expect(again.nanos).toBe(q.nanos);
        // The string is stable when the format survives the trip. A BinarySI value that is not
        // a whole number of Ki prints without a suffix, as Go does ("312.5Ki" -> "320000"),
        // which reads back as DecimalSI and then prints as "320k".
        if (again.format === q.format) expect(canonicalQuantity(again)).toBe(printed);
      }),
      { numRuns: 3000 },
    );
  });

  it("a BinarySI value that is not a whole number of Ki prints as Go prints it", () => {
    const q = parseQuantity("312.5Ki");
    if (isQuantityError(q)) throw new Error(q.message);
    expect(canonicalQuantity(q)).toBe("320000");
    const again = parseQuantity("320000");
    if (isQuantityError(again)) throw new Error(again.message);
    expect(again.nanos).toBe(q.nanos);
    expect(canonicalQuantity(again)).toBe("320k");
  });

  it("milli quantities round-trip", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (milli) => {
        const q = parseQuantity(canonicalQuantity(quantityFromMilli(milli)));
        expect(!isQuantityError(q) && milliValue(q)).toBe(milli);
      }),
    );
  });

  it("never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), text, fc.double()),
        (input) => {
          parseQuantity(input);
          decodeQuantity(input);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
