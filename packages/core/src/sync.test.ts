import { describe, expect, it } from "vitest";
import {
  fqdn,
  NS,
  PROFILE,
  routeWorld,
  serviceLike,
  serviceProfile,
  splitLike,
  storedProfile,
  trafficSplit,
  V1,
} from "../test/fixtures.js";
import {
  profileNameOfSplit,
  splitSyncState,
  type SplitSyncInput,
  type SyncState,
} from "./index.js";

// Where one split stands, for `linkerd smi status` and `check`: each state and reason with a
// literal expectation, written by hand from the design's rules.

const synced = [
  { authority: fqdn("web-v1"), weight: "900m" },
  { authority: fqdn("web-v2"), weight: "100m" },
];
const MISSING_WEIGHT =
  "error[missing-field] spec.backends[0].weight: spec.backends[0].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other)";

describe("profileNameOfSplit", () => {
  it("names the profile, or nothing without an apex or namespace", () => {
    expect(profileNameOfSplit(splitLike())).toBe("web.shop.svc.cluster.local");
    expect(profileNameOfSplit(splitLike(), "example.org.")).toBe("web.shop.svc.example.org");
    expect(profileNameOfSplit({ spec: { service: "web" } }, undefined, "ns")).toBe(
      "web.ns.svc.cluster.local",
    );
    expect(profileNameOfSplit({ spec: { service: "web" } })).toBeUndefined();
    expect(profileNameOfSplit(splitLike("x", { spec: {} }))).toBeUndefined();
  });

  it("names no profile for an empty namespace or an invalid cluster domain", () => {
    expect(
      profileNameOfSplit({ metadata: { namespace: "" }, spec: { service: "web" } }),
    ).toBeUndefined();
    expect(profileNameOfSplit(trafficSplit("w", [["web-v1", 1]]), "bad domain!")).toBeUndefined();
  });
});

describe("splitSyncState", () => {
  const cases: [string, SplitSyncInput, SyncState, RegExp[]][] = [
    [
      "synced",
      { split: splitLike(), splitsInNamespace: [splitLike()], profile: serviceProfile(synced) },
      "Synced",
      [/^ServiceProfile web\.shop\.svc\.cluster\.local has the split's dstOverrides$/],
    ],
    [
      "synced, weights equal as quantities",
      {
        split: splitLike(),
        splitsInNamespace: [],
        profile: serviceProfile([
          { authority: fqdn("web-v1"), weight: "0.9" },
          { authority: fqdn("web-v2"), weight: 0.1 },
        ]),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "synced under another cluster domain",
      {
        split: splitLike(),
        splitsInNamespace: [],
        clusterDomain: "example.org",
        profile: serviceProfile(
          [
            { authority: fqdn("web-v1", NS, "example.org"), weight: "900m" },
            { authority: fqdn("web-v2", NS, "example.org"), weight: "100m" },
          ],
          { name: "web.shop.svc.example.org" },
        ),
      },
      "Synced",
      [/web\.shop\.svc\.example\.org/],
    ],
    [
      "no profile yet",
      { split: splitLike(), splitsInNamespace: [splitLike()], profile: undefined },
      "Pending",
      [/ServiceProfile web\.shop\.svc\.cluster\.local does not exist yet/],
    ],
    [
      "a profile of another name counts as absent",
      {
        split: splitLike(),
        splitsInNamespace: [],
        profile: serviceProfile(synced, { name: "api.shop.svc.cluster.local" }),
      },
      "Pending",
      [/does not exist yet/],
    ],
    [
      "a profile without dstOverrides",
      { split: splitLike(), splitsInNamespace: [], profile: serviceProfile(undefined) },
      "Pending",
      [/is not in step with the split: it has no dstOverrides/],
    ],
    [
      "weights differ",
      {
        split: splitLike(),
        splitsInNamespace: [],
        profile: serviceProfile([
          { authority: fqdn("web-v1"), weight: "500m" },
          { authority: fqdn("web-v2"), weight: "100m" },
        ]),
      },
      "Pending",
      [/weights differ: web-v1 500m instead of 900m$/],
    ],
    [
      "backends missing and extra",
      {
        split: splitLike(),
        splitsInNamespace: [],
        profile: serviceProfile([
          { authority: fqdn("web-v1"), weight: "900m" },
          { authority: fqdn("web-v3"), weight: "100m" },
        ]),
      },
      "Pending",
      [/web-v2 missing; web-v3 not in the split/],
    ],
    [
      "backends in another order",
      { split: splitLike(), splitsInNamespace: [], profile: serviceProfile([...synced].reverse()) },
      "Pending",
      [/in another order/],
    ],
    [
      "the skip annotation",
      {
        split: splitLike(),
        splitsInNamespace: [],
        profile: serviceProfile([], { annotations: { "smi.linkerd.io/skip": "" } }),
      },
      "Skipped",
      [/has the smi\.linkerd\.io\/skip annotation/],
    ],
    [
      "an older split targets the same apex",
      {
        split: splitLike("web-split", { created: "2024-02-01T00:00:00Z" }),
        splitsInNamespace: [
          splitLike("web-split", { created: "2024-02-01T00:00:00Z" }),
          splitLike("web-old"),
        ],
        profile: serviceProfile(synced),
      },
      "Conflict",
      [
        /^TrafficSplit web-old also splits service web and is older, so it alone decides ServiceProfile web\.shop\.svc\.cluster\.local/,
      ],
    ],
    [
      // Issue 28, point 5: what linkerd smi status shows of it tells both stories.
      "an invalid split that an older split also outranks",
      {
        split: splitLike("web-bad", {
          spec: { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
          created: "2024-02-01T00:00:00Z",
        }),
        splitsInNamespace: [
          splitLike("web-bad", {
            spec: { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
            created: "2024-02-01T00:00:00Z",
          }),
          splitLike("web-old"),
        ],
        profile: serviceProfile(synced),
      },
      "Invalid",
      [
        /^error\[negative-weight\] spec\.backends\[0\]\.weight: /,
        /; and even once fixed, it would not decide: TrafficSplit web-old also splits service web and is older, so it alone decides ServiceProfile web\.shop\.svc\.cluster\.local; delete one of them or point this one at another service$/,
      ],
    ],
    [
      "a split as old that comes first by name",
      {
        split: splitLike("web-b"),
        splitsInNamespace: [splitLike("web-a"), splitLike("web-b")],
        profile: undefined,
      },
      "Conflict",
      [/TrafficSplit web-a .* is as old and comes first by name/],
    ],
    [
      "the winner of a conflict is judged on its own",
      {
        split: splitLike("web-a"),
        splitsInNamespace: [splitLike("web-a"), splitLike("web-b")],
        profile: serviceProfile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "splits of other apexes do not conflict",
      {
        split: splitLike("web-split", { created: "2024-02-01T00:00:00Z" }),
        splitsInNamespace: [splitLike("api", { spec: { service: "api", backends: [] } })],
        profile: serviceProfile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "invalid: seed 002's shape",
      {
        split: splitLike("my-app-split", {
          spec: {
            service: "my-app",
            trafficRouting: [
              { backend: { serviceName: "my-app-v1" }, weight: "900m" },
              { backend: { serviceName: "my-app-v2" }, weight: "100m" },
            ],
          },
        }),
        splitsInNamespace: [],
        profile: undefined,
      },
      "Invalid",
      [
        /^error\[unknown-field\] spec\.trafficRouting: .* \(did you mean: backends\); error\[missing-field\] spec\.backends/,
      ],
    ],
    [
      "invalid: a negative weight",
      {
        split: splitLike("neg", {
          spec: { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
        }),
        splitsInNamespace: [],
        profile: undefined,
      },
      "Invalid",
      [/negative-weight/],
    ],
    [
      "invalid: no namespace anywhere",
      {
        split: { metadata: { name: "x" }, spec: splitLike().spec },
        splitsInNamespace: [],
        profile: undefined,
      },
      "Invalid",
      [/namespace/],
    ],
    [
      "the namespace option stands in for metadata.namespace",
      {
        split: { metadata: { name: "x" }, spec: splitLike().spec },
        namespace: NS,
        splitsInNamespace: [],
        profile: serviceProfile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "invalid: a cluster domain that is not a DNS name",
      { split: splitLike(), splitsInNamespace: [], profile: undefined, clusterDomain: "-bad-" },
      "Invalid",
      [/domain/],
    ],
    [
      "all weights zero is synced when written",
      {
        split: splitLike("z", {
          spec: { service: "web", backends: [{ service: "web-v1", weight: 0 }] },
        }),
        splitsInNamespace: [],
        profile: serviceProfile([{ authority: fqdn("web-v1"), weight: "0" }]),
      },
      "Synced",
      [/dstOverrides/],
    ],
  ];

  it.each(cases)("%s", (_name, input, state, reasons) => {
    const result = splitSyncState(input);
    expect(result.state).toBe(state);
    for (const reason of reasons) expect(result.reason).toMatch(reason);
    expect(result.reason).not.toContain("\n");
  });

  it("returns the profile name and the shares of a valid split", () => {
    const result = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: undefined,
    });
    expect(result.profileName).toBe("web.shop.svc.cluster.local");
    expect(result.shares?.map((s) => [s.service, s.weight, s.percent])).toEqual([
      ["web-v1", "900m", 90],
      ["web-v2", "100m", 10],
    ]);
    expect(
      splitSyncState({
        split: splitLike("x", { spec: {} }),
        splitsInNamespace: [],
        profile: undefined,
      }).shares,
    ).toBeUndefined();
  });
});

describe("splitSyncState with a target", () => {
  // What the adaptor writes for port 80 (900m/100m become 900/100), by hand.
  const route = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute" as const,
    metadata: {
      name: "web-smi-80",
      namespace: NS,
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
      annotations: { "smi.linkerd.io/traffic-split": "web-split" },
    },
    spec: {
      parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { group: "", kind: "Service", name: "web-v1", port: 80, weight: 900 },
            { group: "", kind: "Service", name: "web-v2", port: 80, weight: 100 },
          ],
        },
      ],
    },
  };
  const world = (routes: unknown[]) =>
    routeWorld(serviceLike([{ port: 80 }]), { routes: routes as never[] });

  it("takes the annotation, else the default target; serviceprofile by default", () => {
    const base = { splitsInNamespace: [], profile: undefined };
    expect(splitSyncState({ ...base, split: splitLike() }).target).toBe("serviceprofile");
    expect(splitSyncState({ ...base, split: splitLike(), defaultTarget: "httproute" }).target).toBe(
      "httproute",
    );
    const annotated = splitSyncState({
      ...base,
      split: splitLike("web-split", { annotations: { "smi.linkerd.io/target": "serviceprofile" } }),
      defaultTarget: "httproute",
    });
    expect(annotated.target).toBe("serviceprofile");
    expect(annotated.targetProblem).toBeUndefined();
  });

  it("an httproute split is Synced with nothing to write when its route is in step", () => {
    const input = {
      split: splitLike("web-split", { annotations: { "smi.linkerd.io/target": "httproute" } }),
      splitsInNamespace: [],
      profile: undefined,
    };
    const missing = splitSyncState({ ...input, routes: world([]) });
    expect(missing).toMatchObject({ state: "Pending", target: "httproute", writes: true });
    expect(missing.reason).toContain("HTTPRoute web-smi-80 does not exist yet");
    expect(splitSyncState({ ...input, routes: world([route]) })).toMatchObject({
      state: "Synced",
      target: "httproute",
      writes: false,
    });
  });
});

describe("splitSyncState: the target, the profile and whether anything is written", () => {
  it("says which target it chose and why, when the annotation names no output", () => {
    const state = splitSyncState({
      split: splitLike("web-split", { annotations: { "smi.linkerd.io/target": "gateway" } }),
      splitsInNamespace: [],
      profile: undefined,
    });
    expect(state.target).toBe("serviceprofile");
    expect(state.targetProblem).toBe(
      'annotation smi.linkerd.io/target: "gateway" is not one of serviceprofile, httproute; using serviceprofile',
    );
  });

  it("an invalid cluster domain makes the split Invalid, and nothing is written", () => {
    const state = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: undefined,
      clusterDomain: "Bad_Domain",
    });
    expect(state.state).toBe("Invalid");
    expect(state.reason.startsWith("invalid cluster domain: ")).toBe(true);
    expect(state.writes).toBe(false);
    expect(state.profileName).toBeUndefined();
  });

  it("names the profile when Synced, and writes nothing then", () => {
    const state = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: serviceProfile(synced),
    });
    expect(state.state).toBe("Synced");
    expect(state.profileName).toBe("web.shop.svc.cluster.local");
    expect(state.writes).toBe(false);
  });

  it("names the profile when Pending, and writes it then", () => {
    const state = splitSyncState({ split: splitLike(), splitsInNamespace: [], profile: undefined });
    expect(state.state).toBe("Pending");
    expect(state.profileName).toBe("web.shop.svc.cluster.local");
    expect(state.writes).toBe(true);
  });

  it("reads the profile and the authorities in another cluster domain", () => {
    const state = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: serviceProfile(
        [
          { authority: fqdn("web-v1", NS, "example.org"), weight: "900m" },
          { authority: fqdn("web-v2", NS, "example.org"), weight: "100m" },
        ],
        { name: "web.shop.svc.example.org" },
      ),
      clusterDomain: "example.org",
    });
    expect(state.profileName).toBe("web.shop.svc.example.org");
    expect(state.state).toBe("Synced");
    expect(state.writes).toBe(false);
  });

  it("lists the backends whose Service does not exist, when told which exist", () => {
    const state = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: serviceProfile(synced),
      serviceExists: (name) => name !== "web-v2",
    });
    expect(state.missingBackends).toEqual(["web-v2"]);
    const told = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [],
      profile: serviceProfile(synced),
    });
    expect(told.missingBackends).toEqual([]);
  });

  it("a split that loses its apex to an older one writes nothing, even when the winner would", () => {
    const older = splitLike("older", {
      spec: { service: "web", backends: [{ service: "web-v1", weight: "1" }] },
      created: "2023-01-01T00:00:00Z",
    });
    const state = splitSyncState({
      split: splitLike(),
      splitsInNamespace: [older, splitLike()],
      profile: undefined,
    });
    expect(state.state).toBe("Conflict");
    expect(state.writes).toBe(false);
    const winner = splitSyncState({
      split: older,
      splitsInNamespace: [older, splitLike()],
      profile: undefined,
    });
    expect(winner.writes).toBe(true);
  });
});

describe("splitSyncState: a stored split, its namespace and its backends", () => {
  const web = trafficSplit("w", [["web-v1", 1]]);

  it("a profile of another namespace is not the split's; one without a namespace is", () => {
    const elsewhere = splitSyncState({
      split: web,
      splitsInNamespace: [web],
      profile: storedProfile([{ authority: V1, weight: "1" }], { namespace: "other" }),
    });
    expect(elsewhere.state).toBe("Pending");
    expect(elsewhere.reason).toBe(
      `ServiceProfile ${PROFILE} does not exist yet (is the smi-adaptor running?)`,
    );
    const unplaced = splitSyncState({
      split: web,
      splitsInNamespace: [web],
      profile: storedProfile([{ authority: V1, weight: "1" }], { meta: { namespace: undefined } }),
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
    const bad = trafficSplit("w", [["web-v1", null]]);
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
});
