/**
 * The repairs checkDns* suggest, and which rule a bad name is reported for. Expected values are
 * worked out by hand from the rules in dns.ts's documentation: lowercase, '_' and runs of other
 * invalid characters become one '-', each label trimmed of '-', empty labels dropped, a Service
 * name starts with a letter, at most 63 (label) or 253 (subdomain) characters.
 */
import { describe, expect, it } from "vitest";
import {
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  isDns1123Subdomain,
} from "./dns.js";

describe("label suggestions", () => {
  it.each([
    // A run of invalid characters becomes a single '-'.
    [checkDns1035Label, "web!!v2", "web-v2"],
    // Leading and trailing '-' runs are trimmed (a namespace may start with a digit).
    [checkDns1123Label, "--ns--", "ns"],
    [checkDns1123Label, "1ns_x", "1ns-x"],
    // A Service name must start with a letter: every leading non-letter goes.
    [checkDns1035Label, "12web", "web"],
    // Cut to 63 characters, then no '-' may end it.
    [checkDns1035Label, `${"a".repeat(61)}--x`, "a".repeat(61)],
  ] as const)("%o(%j) suggests %j", (check, name, suggestion) => {
    expect(check(name)?.suggestion).toBe(suggestion);
  });

  it("suggests nothing when the repair leaves nothing", () => {
    expect(checkDns1035Label("ü")).toEqual({
      message: `"ü" contains "ü"; a Service name may contain only lowercase letters, digits and '-'`,
    });
  });

  it("says a dotted namespace is one label, without a short form when the first part is bad", () => {
    expect(checkDns1123Label("-a.b")).toEqual({
      message: `"-a.b" contains '.'; a namespace is a single DNS label (no dots)`,
      suggestion: "a-b",
    });
  });

  it("reports a 63-character label for its bad character, not its length", () => {
    const name = `a_${"a".repeat(61)}`;
    expect(name).toHaveLength(63);
    expect(checkDns1123Label(name)?.message).toBe(
      `"${name}" contains "_"; a namespace may contain only lowercase letters, digits and '-'`,
    );
  });

  it("accepts a one-character namespace and rejects a trailing invalid character", () => {
    expect(checkDns1123Label("a")).toBeUndefined();
    expect(checkDns1123Label("ns_")?.message).toContain(`contains "_"`);
  });
});

describe("subdomain suggestions", () => {
  it.each([
    ["web!!v2.ns", "web-v2.ns"],
    ["-a-.b", "a.b"],
    ["a..b", "a.b"],
    ["--a--.b", "a.b"],
    ["a_b.c", "a-b.c"],
    // A subdomain may start with a digit.
    ["1-split_", "1-split"],
    ["My_Split.Default", "my-split.default"],
  ])("%j suggests %j", (name, suggestion) => {
    expect(checkDns1123Subdomain(name)?.suggestion).toBe(suggestion);
  });

  it("reports a 253-character subdomain for its bad character, not its length", () => {
    const name = `a_${"a".repeat(251)}`;
    expect(name).toHaveLength(253);
    expect(checkDns1123Subdomain(name)?.message).toBe(
      `"${name}" contains "_"; a name may contain only lowercase letters, digits, '-' and '.'`,
    );
  });

  it("calls a name of only capitals an uppercase problem", () => {
    expect(checkDns1123Subdomain("AB")).toEqual({
      message: `"AB" has uppercase letters; a name must be lowercase`,
      suggestion: "ab",
    });
  });

  it("isDns1123Subdomain is false for a bad name", () => {
    expect(isDns1123Subdomain("a_b")).toBe(false);
  });
});
