/**
 * Edges of the ServiceProfile planning: null and non-object fields, the skip reason, and
 * absent lists. Expected values follow merge.ts's documentation, written out by hand.
 */
import { describe, expect, it } from "vitest";
import {
  dstOverridesEqual,
  hasSkipAnnotation,
  isOnlyOurs,
  planServiceProfile,
  planServiceProfileCleanup,
} from "./merge.js";
import type { ServiceProfile } from "./types.js";

const profile = (p: unknown) => p as ServiceProfile;
const overrides = [{ authority: "web-v1.ns.svc.cluster.local", weight: "1" }];

describe("isOnlyOurs", () => {
  it.each([
    ["a null spec", { metadata: { name: "p" }, spec: null }, true],
    ["an empty list as spec", { metadata: { name: "p" }, spec: [] }, true],
    ["a non-empty list as spec", { metadata: { name: "p" }, spec: ["x"] }, false],
    ["a null field beside dstOverrides", { spec: { dstOverrides: overrides, routes: null } }, true],
    ["a number field", { spec: { dstOverrides: overrides, retries: 0 } }, false],
    ["a false field", { spec: { dstOverrides: overrides, opaque: false } }, false],
    ["a string field", { spec: { dstOverrides: overrides, note: "x" } }, false],
  ])("with %s: %s", (_what, p, expected) => {
    expect(isOnlyOurs(profile(p))).toBe(expected);
  });
});

describe("hasSkipAnnotation", () => {
  it("is false when annotations is null", () => {
    expect(hasSkipAnnotation(profile({ metadata: { name: "p", annotations: null } }))).toBe(false);
  });
});

describe("dstOverridesEqual with an absent list", () => {
  it("treats undefined as empty on either side", () => {
    expect(dstOverridesEqual([], undefined)).toBe(true);
    expect(dstOverridesEqual(undefined, [])).toBe(true);
    expect(dstOverridesEqual(overrides, undefined)).toBe(false);
  });
});

describe("the skip reason", () => {
  const annotations = { "smi.linkerd.io/skip": "true" };
  it("names the profile", () => {
    expect(
      planServiceProfile(
        profile({ metadata: { name: "web.ns.svc.cluster.local", annotations } }),
        overrides,
        { name: "web.ns.svc.cluster.local", namespace: "ns" },
      ),
    ).toEqual({
      action: "skip",
      reason:
        "ServiceProfile web.ns.svc.cluster.local has the smi.linkerd.io/skip annotation; it is left as it is",
    });
  });

  it("reads without a name when the profile has none", () => {
    expect(
      planServiceProfileCleanup(profile({ metadata: { annotations } }), {
        deleteIfOnlyOurs: true,
      }),
    ).toEqual({
      action: "skip",
      reason: "ServiceProfile has the smi.linkerd.io/skip annotation; it is left as it is",
    });
  });
});

describe("a new profile for a split without backends", () => {
  it("has an empty spec, not an empty dstOverrides list", () => {
    const plan = planServiceProfile(undefined, [], {
      name: "web.ns.svc.cluster.local",
      namespace: "ns",
    });
    expect(plan).toEqual({
      action: "create",
      profile: {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { name: "web.ns.svc.cluster.local", namespace: "ns" },
        spec: {},
      },
    });
    expect(plan.action === "create" && Object.keys(plan.profile.spec)).toEqual([]);
  });
});
