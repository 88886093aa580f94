import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "./duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["5m0s", 300_000],
    ["300s", 300_000],
    ["1h2m3s", 3_723_000],
    ["1.5s", 1500],
    ["300ms", 300],
    ["2us", 0.002],
    ["2µs", 0.002],
    ["10ns", 0.00001],
    ["0", 0],
    ["0s", 0],
    [".5m", 30_000],
    ["+1s", 1000],
    ["-1s", -1000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(["", "5", "soon", "5 m", "1d", "m", "1s2"])("rejects %j", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("formatGoDuration", () => {
  it.each([
    [0, "0s"],
    [300, "300ms"],
    [1500, "1.5s"],
    [300_000, "5m0s"],
    [3_723_000, "1h2m3s"],
  ])("%d ms prints %s", (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});
