import { describe, expect, it } from "vitest";
import {
  SKIP_ANNOTATION,
  dstOverridesEqual,
  hasSkipAnnotation,
  isOnlyOurs,
  planServiceProfile,
  planServiceProfileCleanup,
} from "./merge.js";
import type { ServiceProfile, WeightedDst } from "./types.js";

const target = { name: "web.default.svc.cluster.local", namespace: "default" };

const desired: WeightedDst[] = [
  { authority: "web-v1.default.svc.cluster.local", weight: "500" },
  { authority: "web-v2.default.svc.cluster.local", weight: "500" },
];

/** A profile as it may come from the API server or a user's file: not always well formed. */
const asProfile = (p: unknown) => p as ServiceProfile;
const overrides = [{ authority: "web-v1.ns.svc.cluster.local", weight: "1" }];

function richProfile(dstOverrides?: WeightedDst[]): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name: "web.default.svc.cluster.local",
      namespace: "default",
      resourceVersion: "42",
      uid: "1234",
      labels: { team: "shop" },
      annotations: { "example.com/owner": "alice" },
    },
    spec: {
      routes: [
        {
          name: "GET /books",
          condition: { method: "GET", pathRegex: "/books" },
          responseClasses: [{ condition: { status: { min: 500, max: 599 } }, isFailure: true }],
          isRetryable: true,
          timeout: "250ms",
        },
      ],
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: "10s" },
      opaquePorts: ["3306"],
      ...(dstOverrides === undefined ? {} : { dstOverrides }),
    },
  };
}

function frozenCopy<T>(value: T): T {
  const copy = JSON.parse(JSON.stringify(value)) as T;
  const freeze = (v: unknown): void => {
    if (typeof v === "object" && v !== null) {
      Object.freeze(v);
      for (const child of Object.values(v)) freeze(child);
    }
  };
  freeze(copy);
  return copy;
}

describe("planServiceProfile", () => {
  it("creates a profile with only dstOverrides when none exists", () => {
    expect(planServiceProfile(undefined, desired, target)).toEqual({
      action: "create",
      profile: {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { name: "web.default.svc.cluster.local", namespace: "default" },
        spec: { dstOverrides: desired },
      },
    });
  });

  it("updates only dstOverrides, preserving everything else, without mutating the input", () => {
    const existing = frozenCopy(
      richProfile([{ authority: "web-v1.default.svc.cluster.local", weight: "1" }]),
    );
    const plan = planServiceProfile(existing, desired, target);
    expect(plan.action).toBe("update");
    if (plan.action !== "update") return;
    expect(plan.profile).toEqual({ ...richProfile(desired) });
    expect(plan.profile).not.toBe(existing);
    expect(plan.profile.spec.routes).not.toBe(existing.spec.routes);
    expect(plan.profile.metadata.labels).not.toBe(existing.metadata.labels);
    expect(existing).toEqual(
      richProfile([{ authority: "web-v1.default.svc.cluster.local", weight: "1" }]),
    );
  });

  it("adds dstOverrides to a profile that has none", () => {
    const plan = planServiceProfile(frozenCopy(richProfile()), desired, target);
    expect(plan).toEqual({ action: "update", profile: richProfile(desired) });
  });

  it("removes dstOverrides when none are desired", () => {
    const plan = planServiceProfile(frozenCopy(richProfile(desired)), [], target);
    expect(plan).toEqual({ action: "update", profile: richProfile() });
  });

  it("preserves fields this library does not know", () => {
    const existing = frozenCopy({
      ...richProfile(),
      status: { observed: 1 },
      spec: { ...richProfile().spec, futureField: { a: [1, 2] } },
    } as unknown as ServiceProfile);
    const plan = planServiceProfile(existing, desired, target);
    expect(plan.action === "update" && plan.profile).toMatchObject({
      status: { observed: 1 },
      spec: { futureField: { a: [1, 2] }, dstOverrides: desired },
    });
  });

  it.each([
    [
      [
        { authority: "web-v1.default.svc.cluster.local", weight: 500 },
        { authority: "web-v2.default.svc.cluster.local", weight: "0.5k" },
      ],
    ],
    [
      [
        { authority: "web-v1.default.svc.cluster.local", weight: "500000m" },
        { authority: "web-v2.default.svc.cluster.local", weight: "500" },
      ],
    ],
  ] as const)("is unchanged when weights are equal as quantities: %j", (existingOverrides) => {
    const plan = planServiceProfile(
      frozenCopy(richProfile([...existingOverrides])),
      desired,
      target,
    );
    expect(plan).toEqual({ action: "unchanged" });
  });

  it.each([
    [
      "a different weight",
      [
        { authority: "web-v1.default.svc.cluster.local", weight: "500" },
        { authority: "web-v2.default.svc.cluster.local", weight: "501" },
      ],
    ],
    ["another order", [...desired].reverse()],
    ["fewer entries", desired.slice(0, 1)],
    [
      "an unparsable weight",
      [
        { authority: "web-v1.default.svc.cluster.local", weight: "x" },
        { authority: "web-v2.default.svc.cluster.local", weight: "500" },
      ],
    ],
  ] as const)("updates for %s", (_name, existingOverrides) => {
    expect(
      planServiceProfile(frozenCopy(richProfile([...existingOverrides])), desired, target).action,
    ).toBe("update");
  });

  it("is unchanged when both have no dstOverrides", () => {
    expect(planServiceProfile(richProfile(), [], target)).toEqual({ action: "unchanged" });
    expect(planServiceProfile(richProfile([]), [], target)).toEqual({ action: "unchanged" });
  });

  it.each(["true", "", "false"])("skips a profile annotated %s=%j", (value) => {
    const existing = richProfile();
    existing.metadata.annotations = { [SKIP_ANNOTATION]: value };
    expect(hasSkipAnnotation(existing)).toBe(true);
    const plan = planServiceProfile(existing, desired, target);
    expect(plan.action).toBe("skip");
    expect(plan.action === "skip" && plan.reason).toContain(SKIP_ANNOTATION);
  });

  it("tolerates a profile without spec or metadata", () => {
    const bare = {
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
    } as unknown as ServiceProfile;
    expect(hasSkipAnnotation(bare)).toBe(false);
    expect(planServiceProfile(bare, desired, target)).toEqual({
      action: "update",
      profile: { ...bare, spec: { dstOverrides: desired } },
    });
  });

  it("names the profile in the skip reason", () => {
    const annotations = { "smi.linkerd.io/skip": "true" };
    expect(
      planServiceProfile(
        asProfile({ metadata: { name: "web.ns.svc.cluster.local", annotations } }),
        overrides,
        { name: "web.ns.svc.cluster.local", namespace: "ns" },
      ),
    ).toEqual({
      action: "skip",
      reason:
        "ServiceProfile web.ns.svc.cluster.local has the smi.linkerd.io/skip annotation; it is left as it is",
    });
  });

  it("gives a new profile for a split without backends an empty spec, not an empty dstOverrides list", () => {
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

describe("planServiceProfileCleanup", () => {
  const ours: ServiceProfile = {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: { name: "web.default.svc.cluster.local", namespace: "default", resourceVersion: "7" },
    spec: { dstOverrides: desired },
  };

  it("deletes a profile that holds only our dstOverrides when asked to", () => {
    expect(isOnlyOurs(ours)).toBe(true);
    expect(planServiceProfileCleanup(frozenCopy(ours), { deleteIfOnlyOurs: true })).toEqual({
      action: "delete",
    });
  });

  it("clears instead, like linkerd-smi, when not asked to delete", () => {
    expect(planServiceProfileCleanup(frozenCopy(ours), { deleteIfOnlyOurs: false })).toEqual({
      action: "clear",
      profile: { ...ours, spec: {} },
    });
  });

  it("clears a profile that holds more than our dstOverrides", () => {
    const existing = frozenCopy(richProfile(desired));
    expect(isOnlyOurs(existing)).toBe(false);
    expect(planServiceProfileCleanup(existing, { deleteIfOnlyOurs: true })).toEqual({
      action: "clear",
      profile: richProfile(),
    });
  });

  it.each([
    ["a label", { ...ours, metadata: { ...ours.metadata, labels: { a: "b" } } }],
    ["an annotation", { ...ours, metadata: { ...ours.metadata, annotations: { a: "b" } } }],
    [
      "routes",
      { ...ours, spec: { ...ours.spec, routes: [{ name: "r", condition: { method: "GET" } }] } },
    ],
    ["opaquePorts", { ...ours, spec: { ...ours.spec, opaquePorts: ["80"] } }],
  ] satisfies [string, ServiceProfile][])("is not only ours with %s", (_name, profile) => {
    expect(isOnlyOurs(profile)).toBe(false);
    expect(planServiceProfileCleanup(profile, { deleteIfOnlyOurs: true }).action).toBe("clear");
  });

  it("counts empty values as absent", () => {
    const profile = {
      ...ours,
      metadata: { ...ours.metadata, labels: {}, annotations: {} },
      spec: { ...ours.spec, routes: [], opaquePorts: [] },
    };
    expect(isOnlyOurs(profile)).toBe(true);
  });

  it("is unchanged without a profile or without dstOverrides", () => {
    expect(planServiceProfileCleanup(undefined, { deleteIfOnlyOurs: true })).toEqual({
      action: "unchanged",
    });
    expect(planServiceProfileCleanup(richProfile(), { deleteIfOnlyOurs: true })).toEqual({
      action: "unchanged",
    });
    expect(planServiceProfileCleanup(richProfile([]), { deleteIfOnlyOurs: false })).toEqual({
      action: "unchanged",
    });
  });

  it("skips annotated profiles", () => {
    const existing = {
      ...ours,
      metadata: { ...ours.metadata, annotations: { [SKIP_ANNOTATION]: "" } },
    };
    expect(planServiceProfileCleanup(existing, { deleteIfOnlyOurs: true }).action).toBe("skip");
  });

  it("gives a skip reason without a name when the profile has none", () => {
    const annotations = { "smi.linkerd.io/skip": "true" };
    expect(
      planServiceProfileCleanup(asProfile({ metadata: { annotations } }), {
        deleteIfOnlyOurs: true,
      }),
    ).toEqual({
      action: "skip",
      reason: "ServiceProfile has the smi.linkerd.io/skip annotation; it is left as it is",
    });
  });
});

describe("dstOverridesEqual", () => {
  it("compares authorities in order and weights as quantities", () => {
    expect(dstOverridesEqual(undefined, [])).toBe(true);
    expect(
      dstOverridesEqual([{ authority: "a", weight: "1" }], [{ authority: "a", weight: 1 }]),
    ).toBe(true);
    expect(
      dstOverridesEqual([{ authority: "a", weight: "1" }], [{ authority: "b", weight: 1 }]),
    ).toBe(false);
    expect(
      dstOverridesEqual([{ authority: "a", weight: "1" }], [{ authority: "a", weight: "1001m" }]),
    ).toBe(false);
  });

  it("treats an absent list as empty on either side", () => {
    expect(dstOverridesEqual([], undefined)).toBe(true);
    expect(dstOverridesEqual(undefined, [])).toBe(true);
    expect(dstOverridesEqual(overrides, undefined)).toBe(false);
  });
});

describe("isOnlyOurs: fields that are null, empty or not objects", () => {
  it.each([
    ["a null spec", { metadata: { name: "p" }, spec: null }, true],
    ["an empty list as spec", { metadata: { name: "p" }, spec: [] }, true],
    ["a non-empty list as spec", { metadata: { name: "p" }, spec: ["x"] }, false],
    ["a null field beside dstOverrides", { spec: { dstOverrides: overrides, routes: null } }, true],
    ["a number field", { spec: { dstOverrides: overrides, retries: 0 } }, false],
    ["a false field", { spec: { dstOverrides: overrides, opaque: false } }, false],
    ["a string field", { spec: { dstOverrides: overrides, note: "x" } }, false],
  ])("with %s: %s", (_what, p, expected) => {
    expect(isOnlyOurs(asProfile(p))).toBe(expected);
  });
});

describe("hasSkipAnnotation", () => {
  it("is false when annotations is null", () => {
    expect(hasSkipAnnotation(asProfile({ metadata: { name: "p", annotations: null } }))).toBe(
      false,
    );
  });
});
