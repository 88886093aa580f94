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
