/** checkClusterDomain: one trailing dot is removed, and only one. */
import { describe, expect, it } from "vitest";
import { checkClusterDomain } from "./translate.js";

describe("checkClusterDomain", () => {
  it("accepts a one-letter domain (nothing is cut from a domain without a trailing dot)", () => {
    expect(checkClusterDomain("a")).toBeUndefined();
    expect(checkClusterDomain("a.")).toBeUndefined();
  });

  it("rejects a domain ending in '-', naming it a cluster domain", () => {
    expect(checkClusterDomain("cluster.local-")).toEqual({
      message: `"cluster.local-" is not a DNS subdomain: each dot-separated part must be non-empty and start and end with a lowercase letter or digit`,
      suggestion: "cluster.local",
    });
    expect(checkClusterDomain("a_b")?.message).toBe(
      `"a_b" contains "_"; a cluster domain may contain only lowercase letters, digits, '-' and '.'`,
    );
  });
});
