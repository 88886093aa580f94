import { describe, expect, it } from "vitest";
import {
  compareSeniority,
  decideApex,
  httpRouteOutput,
  onlyAdaptorContent,
  parseTrafficSplit,
  profileNameOfSplit,
  serviceProfileOutput,
  splitSyncState,
  targetedOutput,
  type Diagnostic,
  type OutputPlanner,
  type Route,
  type ServiceProfile,
  type TargetedWorld,
  type TrafficSplitObject,
} from "./index.js";

// Tests for the mutants StrykerJS found alive in the decision module (decide.ts,
// outputs/service-profile.ts, outputs/targeted.ts, ownership.ts, sync.ts). Expected values are
// written by hand from the design's rules; none is computed by the code under test.

const NS = "shop";
const PROFILE = "web.shop.svc.cluster.local";
const V1 = "web-v1.shop.svc.cluster.local";
const T0 = "2026-01-01T00:00:00Z";

function split(
  name: string | undefined,
  backends: [string, number | string | null][],
  created = T0,
  annotations?: Record<string, string>,
): TrafficSplitObject {
  return {
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: {
      ...(name === undefined ? {} : { name }),
      namespace: NS,
      creationTimestamp: created,
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: { service: "web", backends: backends.map(([service, weight]) => ({ service, weight })) },
  } as TrafficSplitObject;
}

const ours = {
  manager: "smi-adaptor",
  operation: "Apply",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};

function profile(
  meta: Record<string, unknown> = {},
  spec: Record<string, unknown> = { dstOverrides: [{ authority: V1, weight: "1" }] },
): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name: PROFILE,
      namespace: NS,
      uid: "u",
      resourceVersion: "7",
      managedFields: [ours],
      ...meta,
    },
    spec,
  };
}

const output = serviceProfileOutput();
const decide = (splits: TrafficSplitObject[], existing?: ServiceProfile) =>
  decideApex({ namespace: NS, apex: "web", splits, existing }, output);

const MISSING_WEIGHT =
  "error[missing-field] spec.backends[0].weight: spec.backends[0].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other)";

describe("compareSeniority: names", () => {
  it("orders by name when the age is the same, a split without a name first", () => {
    const a = split("a", [["web-v1", 1]]);
    const b = split("b", [["web-v1", 1]]);
    const nameless = split(undefined, [["web-v1", 1]]);
    expect(compareSeniority(a, b)).toBe(-1);
    expect(compareSeniority(b, a)).toBe(1);
    expect(compareSeniority(a, a)).toBe(0);
    expect(compareSeniority(nameless, a)).toBe(-1);
    expect(compareSeniority(a, nameless)).toBe(1);
    // No name sorts before every name, even one that sorts before capital letters.
    const zero = split("0", [["web-v1", 1]]);
    expect(compareSeniority(nameless, zero)).toBe(-1);
    expect(compareSeniority(zero, nameless)).toBe(1);
  });

  it("a nameless winner is named as such in the conflict", () => {
    const nameless = split(undefined, [["web-v1", 1]], T0);
    const young = split("young", [["web-v1", 1]], "2026-03-01T00:00:00Z");
    expect(decide([young, nameless]).splits[1]?.reason).toBe(
      `TrafficSplit  also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });
});

describe("decideApex: invalid splits", () => {
  it("an error without a suggestion is written without one", () => {
    const d = decide([split("w", [["web-v1", null]])]);
    expect(d.splits[0]?.reason).toBe(MISSING_WEIGHT);
  });

  it("the Event lists the errors and leaves out warnings", () => {
    // web-v2 listed twice is a warning; the negative weight is the error.
    const d = decide([
      split("w", [
        ["web-v1", -1],
        ["web-v2", 1],
        ["web-v2", 1],
      ]),
    ]);
    expect(d.events.map((e) => e.message)).toEqual([
      `error[negative-weight] spec.backends[0].weight: spec.backends[0].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight) (did you mean: 1). ServiceProfile ${PROFILE} keeps its last good state.`,
    ]);
  });

  it("a younger split with several errors has them all, joined", () => {
    const d = decide([
      split("old", [["web-v1", 1]]),
      split(
        "young",
        [
          ["web-v1", null],
          ["web-v2", null],
        ],
        "2026-02-01T00:00:00Z",
      ),
    ]);
    expect(d.splits[1]?.reason).toBe(
      `${MISSING_WEIGHT}; error[missing-field] spec.backends[1].weight: spec.backends[1].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other); and even once fixed, it would not decide: TrafficSplit old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a younger split the output rejects is Invalid, not in Conflict", () => {
    const rejectYoung: OutputPlanner<string, string> = {
      target: "thing",
      none: "nothing",
      kind: "Thing",
      nameOf: (namespace, apex) => `${apex}@${namespace}`,
      check: (winner): Diagnostic[] =>
        (winner.split as TrafficSplitObject).metadata.name === "young"
          ? [{ severity: "error", code: "invalid-name", path: "spec.service", message: "no" }]
          : [],
      plan: () => ({ action: "write", result: "updated", events: [] }),
      cleanup: () => ({ action: "nothing", result: "absent", events: [] }),
    };
    const young = split("young", [["web-v1", 1]], "2026-02-01T00:00:00Z");
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [young, split("old", [["web-v1", 1]])], existing: "" },
      rejectYoung,
    );
    expect(d.splits[1]).toEqual({
      split: young,
      state: "Invalid",
      reason:
        "error[invalid-name] spec.service: no; and even once fixed, it would not decide: TrafficSplit old also splits service web and is older, so it alone decides Thing web@shop; delete one of them or point this one at another service",
    });
  });
});

describe("serviceProfileOutput: more edges", () => {
  it("is the serviceprofile target", () => {
    expect(output.target).toBe("serviceprofile");
  });

  it("names several missing backends", () => {
    const three = split("w", [
      ["web-v1", 1],
      ["web-v2", 1],
      ["web-v3", 1],
    ]);
    expect(decide([three], profile()).splits[0]?.reason).toBe(
      `ServiceProfile ${PROFILE} is not in step with the split: web-v2, web-v3 missing`,
    );
  });

  it("plan, called directly, reports only the scaling as WeightsScaled", () => {
    const long = serviceProfileOutput({
      clusterDomain: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(49)}`,
    });
    const parsed = parseTrafficSplit(split("w", [["web-v1", 1]]));
    if (!parsed.ok) throw new Error("expected a valid split");
    const plan = long.plan(
      { split: {}, parsed: parsed.split, namespace: NS, missingBackends: [] },
      undefined,
    );
    expect(plan.events.map((e) => e.reason)).toEqual(["Created"]);
  });

  it("a profile without a name or namespace is deleted under empty names", () => {
    const d = decide([], profile({ name: undefined, namespace: undefined }));
    expect(d.action).toEqual({
      kind: "delete",
      namespace: "",
      name: "",
      uid: "u",
      resourceVersion: "7",
    });
  });
});

describe("onlyAdaptorContent", () => {
  it("holds only for a profile the adaptor alone wrote, with nothing but dstOverrides", () => {
    expect(onlyAdaptorContent(profile())).toBe(true);
    expect(onlyAdaptorContent(profile({}, {}))).toBe(true);
    expect(onlyAdaptorContent({ ...profile(), spec: undefined } as unknown as ServiceProfile)).toBe(
      true,
    );
  });

  it("fails for any manager, spec field, label or annotation besides", () => {
    expect(onlyAdaptorContent(profile({ managedFields: [] }))).toBe(false);
    expect(onlyAdaptorContent(profile({ managedFields: undefined }))).toBe(false);
    expect(
      onlyAdaptorContent(
        profile({ managedFields: [ours, { manager: "kubectl", operation: "Update" }] }),
      ),
    ).toBe(false);
    expect(onlyAdaptorContent(profile({}, { dstOverrides: [], routes: [] }))).toBe(false);
    expect(onlyAdaptorContent(profile({ labels: { team: "a" } }))).toBe(false);
    expect(onlyAdaptorContent(profile({ annotations: { note: "x" } }))).toBe(false);
  });
});

describe("targetedOutput: more edges", () => {
  const targeted = (target: "serviceprofile" | "httproute") =>
    targetedOutput({ target, serviceProfile: output, httpRoute: httpRouteOutput() });
  const service = {
    metadata: { name: "web", namespace: NS },
    spec: { clusterIP: "10.0.0.1", ports: [{ port: 80 }] },
  };
  const ourRoute: Route = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: "web-smi-80",
      namespace: NS,
      uid: "r",
      resourceVersion: "6",
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
    },
    spec: { parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }], rules: [] },
  };
  const world = (p?: ServiceProfile, routes: Route[] = []): TargetedWorld => ({
    profile: p,
    routes: { namespace: NS, apex: "web", service, routes, profiles: p === undefined ? [] : [p] },
  });

  it("a bad annotation under -target httproute: the note comes first, then the routes' Events", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split("w", [["web-v1", 1]], T0, { "smi.linkerd.io/target": "gateway" })],
        existing: world(),
      },
      targeted("httproute"),
    );
    expect(d.events[0]?.message).toBe(
      'annotation smi.linkerd.io/target: "gateway" is not one of serviceprofile, httproute; using httproute.',
    );
    expect(d.events.length).toBeGreaterThan(1);
  });

  it("a profile created while routes of ours stay in step (the cut-over back) is a creation", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split("w", [["web-v1", 1]])],
        existing: world(undefined, [ourRoute]),
      },
      targeted("serviceprofile"),
    );
    expect(d.result).toBe("created");
  });

  it("cleanup: a profile unchanged or skipped says so when no route is there", () => {
    const cleared = profile({ labels: { team: "a" } }, {});
    expect(
      decideApex(
        { namespace: NS, apex: "web", splits: [], existing: world(cleared) },
        targeted("serviceprofile"),
      ).result,
    ).toBe("unchanged");
    const skipped = profile({ annotations: { "smi.linkerd.io/skip": "true" } });
    expect(
      decideApex(
        { namespace: NS, apex: "web", splits: [], existing: world(skipped) },
        targeted("serviceprofile"),
      ).result,
    ).toBe("skipped");
  });
});

describe("splitSyncState and profileNameOfSplit: more edges", () => {
  const web = split("w", [["web-v1", 1]]);

  it("a profile of another namespace is not the split's; one without a namespace is", () => {
    const elsewhere = splitSyncState({
      split: web,
      splitsInNamespace: [web],
      profile: profile({ namespace: "other" }),
    });
    expect(elsewhere.state).toBe("Pending");
    expect(elsewhere.reason).toBe(
      `ServiceProfile ${PROFILE} does not exist yet (is the smi-adaptor running?)`,
    );
    const unplaced = splitSyncState({
      split: web,
      splitsInNamespace: [web],
      profile: profile({ namespace: undefined }),
    });
    expect(unplaced.state).toBe("Synced");
  });

  it("passes on which Services exist, and reports the missing ones", () => {
    const state = splitSyncState({
      split: web,
      splitsInNamespace: [web],
      profile: undefined,
      serviceExists: () => false,
    });
    expect(state).toStrictEqual({
      state: "Pending",
      reason: `ServiceProfile ${PROFILE} does not exist yet (is the smi-adaptor running?)`,
      profileName: PROFILE,
      shares: [{ service: "web-v1", weight: "1", milli: 1000n, percent: 100 }],
      missingBackends: ["web-v1"],
      // No annotation and no adaptor flag given: the default output, which has a profile to write.
      target: "serviceprofile",
      writes: true,
    });
  });

  it("an invalid split has no profile name, shares or missing backends", () => {
    const bad = split("w", [["web-v1", null]]);
    expect(
      splitSyncState({ split: bad, splitsInNamespace: [bad], profile: undefined }),
    ).toStrictEqual({
      state: "Invalid",
      reason: MISSING_WEIGHT,
      target: "serviceprofile",
      writes: false,
    });
  });

  it("a split with no namespace anywhere is invalid for its empty namespace", () => {
    const { metadata, ...rest } = web;
    const homeless = { ...rest, metadata: { name: metadata.name } };
    expect(
      splitSyncState({ split: homeless, splitsInNamespace: [], profile: undefined }),
    ).toStrictEqual({
      state: "Invalid",
      reason: "error[invalid-name] metadata.namespace: namespace is empty",
      target: "serviceprofile",
      writes: false,
    });
  });

  it("no profile name for an empty namespace or an invalid cluster domain", () => {
    expect(
      profileNameOfSplit({ metadata: { namespace: "" }, spec: { service: "web" } }),
    ).toBeUndefined();
    expect(profileNameOfSplit(web, "bad domain!")).toBeUndefined();
  });
});
