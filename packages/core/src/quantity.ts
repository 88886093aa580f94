/**
 * Kubernetes `resource.Quantity`, reimplemented with exact bigint arithmetic.
 *
 * The SMI TrafficSplit v1alpha1 weight is a Quantity, and linkerd-smi copies it unchanged into
 * the ServiceProfile, where it is serialised with Go's `Quantity.String()`. To produce the very
 * same bytes this module follows k8s.io/apimachinery v0.29.1 (the version linkerd-smi v0.2.7
 * builds with), including its less obvious behaviour:
 *
 * - `ParseQuantity` remembers the input string when it judges it canonical, and `String()` then
 *   returns it verbatim: `"+5"`, `"01"`, `"1.500"`, `"1e3"` and `"1E-3"` all print as written.
 * - Otherwise the value is printed with the largest exponent that is a multiple of 3 and keeps
 *   the mantissa whole (`"1.5"` -> `"1500m"`, `"1000"` -> `"1k"`), in the format the suffix
 *   chose (decimal SI, binary SI or decimal exponent).
 * - Values are rounded away from zero to a whole number of nano units (`"0.1n"` -> `"1n"`).
 * - Binary SI values are capped at 2^63-1 and fall back to decimal SI below 1024 or when not
 *   whole (`"1.5Ki"` -> `"1536"`).
 * - Decimal SI has no suffix beyond `E` (10^18), so Go prints `"1000E"` as `"1"`; this module
 *   does the same, because that is what linkerd-smi would write.
 * - An `e`/`E` exponent is parsed as an int64 and then truncated to int32, as Go does.
 *
 * The behaviour is checked row by row against the Go library by
 * `test/fixtures/quantity-golden.json`, produced by `scripts/quantity-golden`.
 *
 * Deliberate limit: decimal exponents beyond ±{@link MAX_DECIMAL_EXPONENT} are rejected with
 * code `"out-of-range"` instead of being expanded into enormous integers (Go itself overflows or
 * runs out of memory on some of them).
 *
 * @packageDocumentation
 */

/** The three serialisation formats of a Kubernetes Quantity. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/**
 * A parsed Kubernetes Quantity. Immutable; create it with {@link parseQuantity},
 * {@link decodeQuantity} or {@link quantityFromMilli}.
 */
export interface Quantity {
  readonly kind: "quantity";
  /** The exact value times 10^9. Parsing rounds every value to whole nano units, as Go does. */
  readonly nanos: bigint;
  /** The format the value is printed in, chosen by the suffix it was written with. */
  readonly format: QuantityFormat;
  /**
   * The input string, kept when Go's parser keeps it: Go's `String()` then returns it verbatim
   * even where it is not strictly canonical (for example `"+5"` or `"1.500"`).
   */
  readonly source?: string;
}

/** Why a value is not a Quantity. */
export type QuantityErrorCode =
  /** The text does not have the shape `<signed number><suffix>` (Go: ErrFormatWrong). */
  | "format"
  /** The suffix is not one of n u m k M G T P E Ki Mi Gi Ti Pi Ei or e<int> (Go: ErrSuffix). */
  | "suffix"
  /** The numeric part has no digits (Go: ErrNumeric). */
  | "numeric"
  /** A JavaScript number that is NaN or infinite. */
  | "not-finite"
  /** The value is neither a string nor a number. */
  | "type"
  /** The decimal exponent is beyond ±{@link MAX_DECIMAL_EXPONENT}; not supported here. */
  | "out-of-range";

/** The result of a failed parse. {@link parseQuantity} never throws; it returns this instead. */
export interface QuantityError {
  readonly kind: "quantity-error";
  readonly code: QuantityErrorCode;
  /** A message for people, naming the value and what is wrong with it. */
  readonly message: string;
  /** The error text Go's `resource.ParseQuantity` gives for the same input, where Go has one. */
  readonly goError?: string;
}

/** Decimal exponents (after Go's int32 truncation) beyond this magnitude are rejected. */
export const MAX_DECIMAL_EXPONENT = 10_000;

const GO_ERR_FORMAT =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const GO_ERR_NUMERIC = "unable to parse numeric part of quantity";
const GO_ERR_SUFFIX = "unable to parse quantity's suffix";

const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** Go caps binary SI quantities at the largest int64. */
const BINARY_CAP_NANOS = INT64_MAX * NANOS_PER_UNIT;
const BINARY_THRESHOLD_NANOS = 1024n * NANOS_PER_UNIT;

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  [...DECIMAL_SUFFIXES].map(([suffix, exponent]) => [exponent, suffix]),
);
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["Ki", 10],
  ["Mi", 20],
  ["Gi", 30],
  ["Ti", 40],
  ["Pi", 50],
  ["Ei", 60],
]);
/** Index k holds the suffix of 1024^k; Go has none for 1024^0. */
const BINARY_SUFFIX_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;
const SUFFIX_LETTERS = "eEinumkKMGTP";

const pow10Cache = new Map<number, bigint>();
function pow10(n: number): bigint {
  let v = pow10Cache.get(n);
  if (v === undefined) {
    v = 10n ** BigInt(n);
    if (n <= 64) pow10Cache.set(n, v);
  }
  return v;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function fail(code: QuantityErrorCode, message: string, goError?: string): QuantityError {
  return goError === undefined
    ? { kind: "quantity-error", code, message }
    : { kind: "quantity-error", code, message, goError };
}

function show(text: string): string {
  return JSON.stringify(text);
}

interface Scanned {
  readonly positive: boolean;
  /** The signed number as written (sign, leading zeros and point included). */
  readonly value: string;
  /** Integer digits without leading zeros; "0" when there are none. */
  readonly num: string;
  /** Fraction digits as written. */
  readonly denom: string;
  readonly suffix: string;
}

/**
 * Splits a quantity into sign, number and suffix the way apimachinery's scanner does. It is
 * permissive on purpose (".", "+" and "m" all scan); the caller rejects what does not parse.
 */
function scan(str: string): Scanned | undefined {
  const end = str.length;
  let positive = true;
  let pos = 0;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };

  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, value: str, num, denom: "", suffix: "" };
  pos = i;
  if (num.length === 0) num = "0";

  let denom = "";
  if (str[pos] === ".") {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: "" };
    pos = i;
  }
  const value = str.slice(0, pos);

  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(str.charAt(pos))) pos++;
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIXES.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: "DecimalSI" };
  const binary = BINARY_SUFFIXES.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const digits = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
    const parsed = BigInt(digits);
    if (parsed > INT64_MAX || parsed < INT64_MIN) return undefined;
    // Go parses an int64 and converts it to int32, which keeps the low 32 bits.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: "DecimalExponent" };
  }
  return undefined;
}

/** ceil(n / d) for n >= 0, d > 0. */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d === 0n ? q : q + 1n;
}

/** |digits| * 10^shift as nano units, rounded up (away from zero). */
function scaleToNanos(magnitude: bigint, shift: number): bigint {
  return shift >= 0 ? magnitude * pow10(shift) : ceilDiv(magnitude, pow10(-shift));
}

function parseText(str: string): Quantity | QuantityError {
  if (str.length === 0) {
    return fail(
      "format",
      "the quantity is empty; write a number such as 1, 500m or 2k",
      GO_ERR_FORMAT,
    );
  }
  if (str === "0") return { kind: "quantity", nanos: 0n, format: "DecimalSI", source: "0" };

  const scanned = scan(str);
  if (scanned === undefined) {
    return fail(
      "format",
      `${show(str)} is not a quantity: write a number with an optional suffix (m, k, M, G, Ki, Mi, e3...), such as 1, 500m or 2k`,
      GO_ERR_FORMAT,
    );
  }
  const { positive, value, num, denom } = scanned;
  const suffix = interpretSuffix(scanned.suffix);
  if (suffix === undefined) {
    return fail(
      "suffix",
      `${show(str)} has the unknown suffix ${show(scanned.suffix)}: use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3`,
      GO_ERR_SUFFIX,
    );
  }
  const { base, exponent } = suffix;
  let format = suffix.format;
  if (base === 10 && Math.abs(exponent) > MAX_DECIMAL_EXPONENT) {
    return fail(
      "out-of-range",
      `${show(str)} has a decimal exponent of ${exponent}, beyond the ±${MAX_DECIMAL_EXPONENT} this implementation supports: write it with a smaller exponent or none, such as 1, 500m or 2k`,
    );
  }

  // Go's fast path: a value that fits an int64 with at most 9 fractional digits is kept exactly,
  // and the input string is remembered when it looks canonical.
  let precision: number;
  if (base === 10) {
    precision = 18 - (num.length + denom.length);
  } else if (exponent >= 0 && denom.length === 0) {
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    precision = -1;
  }
  if (precision >= 0) {
    const scale = (base === 10 ? exponent : 0) - denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const digits = BigInt(shifted);
      const magnitude = base === 2 ? digits << BigInt(exponent) : digits;
      if (magnitude <= INT64_MAX) {
        const nanos = (positive ? magnitude : -magnitude) * pow10(scale + 9);
        const keepSource =
          base === 2
            ? (digits & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith("000") && !shifted.startsWith("0");
        return keepSource
          ? { kind: "quantity", nanos, format, source: str }
          : { kind: "quantity", nanos, format };
      }
    }
  }

  // Go's arbitrary-precision path.
  const digitText = value.replace(/^[+-]/, "").replace(".", "");
  if (!/[0-9]/.test(digitText)) {
    return fail(
      "numeric",
      `${show(str)} has no digits in its numeric part: write a number with an optional suffix, such as 1, 500m or 2k`,
      GO_ERR_NUMERIC,
    );
  }
  let magnitude = BigInt(digitText);
  let fraction = value.includes(".") ? value.length - value.indexOf(".") - 1 : 0;
  if (base === 10) {
    fraction -= exponent;
  } else {
    magnitude <<= BigInt(exponent);
  }
  let nanos = magnitude === 0n ? 0n : scaleToNanos(magnitude, 9 - fraction);
  if (format === "BinarySI" && nanos > BINARY_CAP_NANOS) nanos = BINARY_CAP_NANOS;
  if (format === "BinarySI" && nanos > 0n && nanos < NANOS_PER_UNIT) format = "DecimalSI";
  return { kind: "quantity", nanos: positive ? nanos : -nanos, format };
}

/**
 * Parses a Kubernetes Quantity exactly as Go's `resource.ParseQuantity` does.
 *
 * A string is parsed as written (surrounding whitespace is an error, as in Go). A number is
 * first written the way JavaScript and Go's `encoding/json` both write JSON numbers
 * (`0.5`, `1000`, `1e+21`, `1e-7`), which is what the Kubernetes API server hands the adaptor.
 * Numbers beyond 2^53 have already lost precision in JavaScript and cannot match Go.
 *
 * Never throws: an invalid input gives a {@link QuantityError}.
 */
export function parseQuantity(input: string | number): Quantity | QuantityError {
  const value: unknown = input;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      return fail(
        "not-finite",
        `${String(value)} is not a finite number: write a finite number such as 500`,
      );
    }
    // String() writes the shortest round-trip form, switching to exponent notation below 1e-6
    // and from 1e21 on, exactly like Go's encoding/json; -0 becomes "0".
    return parseText(String(value));
  }
  if (typeof value !== "string") {
    return fail("type", `expected a string or a number, got ${describeType(value)}`);
  }
  return parseText(value);
}

/** Characters Go's `strings.TrimSpace` removes (`unicode.IsSpace`). */
const GO_SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/**
 * Decodes a JSON value into a Quantity the way the linkerd-smi adaptor does: Go's
 * `Quantity.UnmarshalJSON` on the object the Kubernetes API server returns.
 *
 * Unlike {@link parseQuantity}, surrounding spaces in a string are trimmed (Go's `TrimSpace` on the
 * raw JSON text). Characters that JSON escapes (tabs, newlines, other control characters,
 * U+2028, U+2029) are not trimmed, because Go sees their escape sequences, and so fail to parse.
 * Anything other than a string or a finite number is a `"type"` error (`null` included: the
 * adaptor reads a null weight as a missing one).
 */
export function decodeQuantity(value: unknown): Quantity | QuantityError {
  if (typeof value === "number") return parseQuantity(value);
  if (typeof value !== "string") {
    return fail("type", `expected a string or a number, got ${describeType(value)}`);
  }
  const raw = JSON.stringify(value)
    .slice(1, -1)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return parseText(raw.replace(GO_SPACE, ""));
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** True when `value` is a {@link QuantityError}. */
export function isQuantityError(value: Quantity | QuantityError): value is QuantityError {
  return value.kind === "quantity-error";
}

/**
 * Formats a value in a format exactly as Go's `Quantity.String()` does for a quantity that
 * carries no remembered source string.
 */
function formatNanos(nanos: bigint, requested: QuantityFormat): string {
  if (nanos === 0n) return "0";
  let format = requested;
  if (format === "BinarySI") {
    if (nanos > -BINARY_THRESHOLD_NANOS && nanos < BINARY_THRESHOLD_NANOS) {
      format = "DecimalSI";
    } else if (nanos % NANOS_PER_UNIT !== 0n) {
      format = "DecimalSI";
    }
  }
  if (format === "BinarySI") {
    let whole = nanos / NANOS_PER_UNIT;
    let power = 0;
    while (whole % 1024n === 0n) {
      whole /= 1024n;
      power++;
    }
    return `${whole.toString()}${BINARY_SUFFIX_BY_POWER[power] ?? ""}`;
  }
  const negative = nanos < 0n;
  const digits = (negative ? -nanos : nanos).toString();
  let zeros = 0;
  while (digits[digits.length - 1 - zeros] === "0") zeros++;
  const groups = Math.floor(zeros / 3);
  const mantissa = (negative ? "-" : "") + digits.slice(0, digits.length - 3 * groups);
  const exponent = -9 + 3 * groups;
  if (format === "DecimalSI") {
    // Go has no decimal SI suffix past E and then prints no suffix at all.
    return mantissa + (DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? "");
  }
  return exponent === 0 ? mantissa : `${mantissa}e${exponent}`;
}

/**
 * The string Go's `Quantity.String()` (and so `MarshalJSON`, and so linkerd-smi) writes for `q`:
 * the remembered source string if Go's parser kept it, the canonical form otherwise.
 */
export function canonicalQuantity(q: Quantity): string {
  return q.source ?? formatNanos(q.nanos, q.format);
}

/**
 * ceil(q * 1000), exact. Equals Go's `MilliValue()` for every non-negative quantity whose result
 * fits an int64 (Go silently overflows beyond that, and rounds negative values inconsistently).
 */
export function milliValue(q: Quantity): bigint {
  const { nanos } = q;
  const quotient = nanos / NANOS_PER_MILLI;
  return nanos > 0n && nanos % NANOS_PER_MILLI !== 0n ? quotient + 1n : quotient;
}

/** A decimal SI quantity of `milli` thousandths, like Go's `NewMilliQuantity(milli, DecimalSI)`. */
export function quantityFromMilli(milli: bigint): Quantity {
  return { kind: "quantity", nanos: milli * NANOS_PER_MILLI, format: "DecimalSI" };
}

/** Compares two quantities by value: -1, 0 or 1. `"500"`, `500` and `"0.5k"` compare equal. */
export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  if (a.nanos < b.nanos) return -1;
  return a.nanos > b.nanos ? 1 : 0;
}

/** True when `q` is a whole number of milli units (no finer precision). */
export function isWholeMilli(q: Quantity): boolean {
  return q.nanos % NANOS_PER_MILLI === 0n;
}
