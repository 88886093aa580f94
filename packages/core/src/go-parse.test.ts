import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoBool, parseGoDuration } from "./go-parse.js";

// Expected values: what Go 1.26's time.ParseDuration and Duration.String return for the same
// inputs (a throwaway program run beside the project, nanoseconds converted to ms by hand).
describe("parseGoDuration, as Go's time.ParseDuration", () => {
  it.each([
    ["0", 0],
    ["-0", 0],
    ["0s", 0],
    ["1h30m", 5_400_000],
    [".5s", 500],
    ["5.s", 5000],
    ["1.5s", 1500],
    ["300ms", 300],
    ["10\u00b5s", 0.01],
    ["10\u03bcs", 0.01],
    ["10us", 0.01],
    ["7ns", 0.000007],
    ["-1s", -1000],
    ["+2m", 120_000],
    ["1h2m3s", 3_723_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", ".", "1", "1.", "s", "1s ", " 1s", "1h-1m", "00", "1e3s", "2d", "5 m", "1s2"])(
    "rejects %j",
    (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );
});

describe("formatGoDuration, as Go's Duration.String", () => {
  it.each([
    [0, "0s"],
    [1, "1ms"],
    [999, "999ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [60_000, "1m0s"],
    [300_000, "5m0s"],
    [3_600_000, "1h0m0s"],
    [5_400_500, "1h30m0.5s"],
    [-1000, "-1s"],
  ])("%d ms prints %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

// strconv.ParseBool's spellings, from Go's strconv documentation.
describe("parseGoBool, as Go's strconv.ParseBool", () => {
  it.each(["1", "t", "T", "TRUE", "true", "True"])("%s is true", (text) => {
    expect(parseGoBool(text)).toBe(true);
  });
  it.each(["0", "f", "F", "FALSE", "false", "False"])("%s is false", (text) => {
    expect(parseGoBool(text)).toBe(false);
  });
  it.each(["", "yes", "no", "tRUE", "on", "2", " true"])("%j is no boolean", (text) => {
    expect(parseGoBool(text)).toBeUndefined();
  });
});
