import { describe, expect, it } from "vitest";
import {
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  isDns1035Label,
  isDns1123Subdomain,
} from "./dns.js";

describe("checkDns1035Label", () => {
  it.each(["a", "web", "web-v2", "a1", "a".repeat(63)])("accepts %s", (name) => {
    expect(checkDns1035Label(name)).toBeUndefined();
    expect(isDns1035Label(name)).toBe(true);
  });

  it.each([
    ["", "is empty", undefined],
    ["Web", "uppercase", "web"],
    ["1web", "must start with a lowercase letter", "web"],
    ["-web", "must start with a lowercase letter", "web"],
    ["web-", "must end with a lowercase letter or digit", "web"],
    ["web_v2", 'contains "_"', "web-v2"],
    ["web v2", 'contains " "', "web-v2"],
    ["a".repeat(64), "64 characters long", "a".repeat(63)],
    ["web.default.svc.cluster.local", 'use just "web"', "web"],
    ["ünï", 'contains "ü", "ï"', "n"],
  ])("rejects %j: %s", (name, fragment, suggestion) => {
    const problem = checkDns1035Label(name);
    expect(problem?.message).toContain(fragment);
    expect(problem?.suggestion).toBe(suggestion);
    expect(isDns1035Label(name)).toBe(false);
  });
});

describe("checkDns1123Label", () => {
  it("allows a leading digit, unlike DNS-1035", () => {
    expect(checkDns1123Label("1ns")).toBeUndefined();
    expect(checkDns1123Label("-ns")?.message).toContain(
      "must start with a lowercase letter or digit",
    );
  });
});

describe("checkDns1123Subdomain", () => {
  it.each(["a", "my-split", "web.default.svc.cluster.local", "1.2.3", "a".repeat(253)])(
    "accepts %s",
    (name) => {
      expect(checkDns1123Subdomain(name)).toBeUndefined();
      expect(isDns1123Subdomain(name)).toBe(true);
    },
  );

  it.each([
    ["", "is empty"],
    ["My.Split", "uppercase"],
    ["a".repeat(254), "254 characters"],
    ["my_split", 'contains "_"'],
    ["a..b", "each dot-separated part"],
    ["a.", "each dot-separated part"],
    ["a.-b", "each dot-separated part"],
  ])("rejects %j: %s", (name, fragment) => {
    expect(checkDns1123Subdomain(name)?.message).toContain(fragment);
  });
});

// The repairs checkDns* suggest, and which rule a bad name is reported for. Expected values are
// worked out by hand from the rules in dns.ts's documentation: lowercase, '_' and runs of other
// invalid characters become one '-', each label trimmed of '-', empty labels dropped, a Service
// name starts with a letter, at most 63 (label) or 253 (subdomain) characters.
describe("what a bad label should be instead", () => {
  it.each([
    // A run of invalid characters becomes a single '-'.
    ["Service name", "web!!v2", "web-v2"],
    // Leading and trailing '-' runs are trimmed (a namespace may start with a digit).
    ["namespace", "--ns--", "ns"],
    ["namespace", "1ns_x", "1ns-x"],
    // A Service name must start with a letter: every leading non-letter goes.
    ["Service name", "12web", "web"],
    // Cut to 63 characters, then no '-' may end it.
    ["Service name", `${"a".repeat(61)}--x`, "a".repeat(61)],
  ] as const)("the %s %j: suggests %j", (what, name, suggestion) => {
    const check = what === "namespace" ? checkDns1123Label : checkDns1035Label;
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

describe("what a bad subdomain should be instead", () => {
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

  it("lists every bad character once when a name mixes capitals with other bad characters", () => {
    expect(checkDns1123Subdomain("My_Split.Default")?.message).toBe(
      `"My_Split.Default" contains "M", "_", "S", "D"; a name may contain only lowercase letters, digits, '-' and '.'`,
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
