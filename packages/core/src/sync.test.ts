import { describe, expect, it } from "vitest";
import {
  apexOfSplit,
  compareSeniority,
  orderBySeniority,
  profileNameOfSplit,
  selectWinner,
  splitSyncState,
  type SplitLike,
  type SplitSyncInput,
  type SyncState,
} from "./index.js";
import type { ServiceProfile, WeightedDst } from "./types.js";

const NS = "shop";

function split(
  name: string,
  spec: unknown,
  creationTimestamp = "2024-01-01T00:00:00Z",
): SplitLike & { metadata: { name: string; namespace: string } } {
  return { metadata: { name, namespace: NS, creationTimestamp }, spec };
}

const web = (name = "web-split", ts?: string) =>
  split(
    name,
    {
      service: "web",
      backends: [
        { service: "web-v1", weight: "900m" },
        { service: "web-v2", weight: "100m" },
      ],
    },
    ts,
  );

function profile(
  dstOverrides: WeightedDst[] | undefined,
  annotations?: Record<string, string>,
  name = "web.shop.svc.cluster.local",
): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: { name, namespace: NS, ...(annotations === undefined ? {} : { annotations }) },
    spec: dstOverrides === undefined ? {} : { dstOverrides },
  };
}

const auth = (svc: string, domain = "cluster.local") => `${svc}.shop.svc.${domain}`;
const synced = [
  { authority: auth("web-v1"), weight: "900m" },
  { authority: auth("web-v2"), weight: "100m" },
];

describe("apexOfSplit", () => {
  it.each([
    [{ spec: { service: "web" } }, "web"],
    [{ spec: { service: 3 } }, ""],
    [{ spec: null }, ""],
    [{ spec: [] }, ""],
    [{}, ""],
    [null, ""],
    ["web", ""],
  ])("%j -> %j", (input, apex) => {
    expect(apexOfSplit(input)).toBe(apex);
  });
});

describe("seniority", () => {
  const a = web("a", "2024-01-02T00:00:00Z");
  const b = web("b", "2024-01-01T00:00:00Z");
  const c = web("c", "2024-01-01T00:00:00Z");
  const noTime = { metadata: { name: "0", namespace: NS }, spec: {} };
  const badTime = web("00", "not a time");
  const asDate = { ...web("z"), metadata: { name: "z", creationTimestamp: new Date(0) } };

  it("orders oldest first, then by name, splits without a valid timestamp last", () => {
    expect(
      orderBySeniority([a, noTime, c, badTime, b, asDate]).map((s) => s.metadata.name),
    ).toEqual(["z", "b", "c", "a", "0", "00"]);
    expect(compareSeniority(b, b)).toBe(0);
  });

  it("does not sort its input in place", () => {
    const input = [a, b];
    orderBySeniority(input);
    expect(input).toEqual([a, b]);
  });

  it("selects the winner among the splits of an apex", () => {
    const other = split("other", { service: "api" }, "2020-01-01T00:00:00Z");
    expect(selectWinner([a, other, c, b], "web")).toBe(b);
    expect(selectWinner([a, other, c, b])).toBe(other);
    expect(selectWinner([a], "api")).toBeUndefined();
    expect(selectWinner<SplitLike>([])).toBeUndefined();
  });
});

describe("profileNameOfSplit", () => {
  it("names the profile, or nothing without an apex or namespace", () => {
    expect(profileNameOfSplit(web())).toBe("web.shop.svc.cluster.local");
    expect(profileNameOfSplit(web(), "example.org.")).toBe("web.shop.svc.example.org");
    expect(profileNameOfSplit({ spec: { service: "web" } }, undefined, "ns")).toBe(
      "web.ns.svc.cluster.local",
    );
    expect(profileNameOfSplit({ spec: { service: "web" } })).toBeUndefined();
    expect(profileNameOfSplit(split("x", {}))).toBeUndefined();
  });
});

describe("splitSyncState", () => {
  const cases: [string, SplitSyncInput, SyncState, RegExp[]][] = [
    [
      "synced",
      { split: web(), splitsInNamespace: [web()], profile: profile(synced) },
      "Synced",
      [/^ServiceProfile web\.shop\.svc\.cluster\.local has the split's dstOverrides$/],
    ],
    [
      "synced, weights equal as quantities",
      {
        split: web(),
        splitsInNamespace: [],
        profile: profile([
          { authority: auth("web-v1"), weight: "0.9" },
          { authority: auth("web-v2"), weight: 0.1 },
        ]),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "synced under another cluster domain",
      {
        split: web(),
        splitsInNamespace: [],
        clusterDomain: "example.org",
        profile: profile(
          [
            { authority: auth("web-v1", "example.org"), weight: "900m" },
            { authority: auth("web-v2", "example.org"), weight: "100m" },
          ],
          undefined,
          "web.shop.svc.example.org",
        ),
      },
      "Synced",
      [/web\.shop\.svc\.example\.org/],
    ],
    [
      "no profile yet",
      { split: web(), splitsInNamespace: [web()], profile: undefined },
      "Pending",
      [/ServiceProfile web\.shop\.svc\.cluster\.local does not exist yet/],
    ],
    [
      "a profile of another name counts as absent",
      {
        split: web(),
        splitsInNamespace: [],
        profile: profile(synced, undefined, "api.shop.svc.cluster.local"),
      },
      "Pending",
      [/does not exist yet/],
    ],
    [
      "a profile without dstOverrides",
      { split: web(), splitsInNamespace: [], profile: profile(undefined) },
      "Pending",
      [/is not in step with the split: it has no dstOverrides/],
    ],
    [
      "weights differ",
      {
        split: web(),
        splitsInNamespace: [],
        profile: profile([
          { authority: auth("web-v1"), weight: "500m" },
          { authority: auth("web-v2"), weight: "100m" },
        ]),
      },
      "Pending",
      [/weights differ: web-v1 500m instead of 900m$/],
    ],
    [
      "backends missing and extra",
      {
        split: web(),
        splitsInNamespace: [],
        profile: profile([
          { authority: auth("web-v1"), weight: "900m" },
          { authority: auth("web-v3"), weight: "100m" },
        ]),
      },
      "Pending",
      [/web-v2 missing; web-v3 not in the split/],
    ],
    [
      "backends in another order",
      { split: web(), splitsInNamespace: [], profile: profile([...synced].reverse()) },
      "Pending",
      [/in another order/],
    ],
    [
      "the skip annotation",
      { split: web(), splitsInNamespace: [], profile: profile([], { "smi.linkerd.io/skip": "" }) },
      "Skipped",
      [/has the smi\.linkerd\.io\/skip annotation/],
    ],
    [
      "an older split targets the same apex",
      {
        split: web("web-split", "2024-02-01T00:00:00Z"),
        splitsInNamespace: [web("web-split", "2024-02-01T00:00:00Z"), web("web-old")],
        profile: profile(synced),
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
        split: split(
          "web-bad",
          { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
          "2024-02-01T00:00:00Z",
        ),
        splitsInNamespace: [
          split(
            "web-bad",
            { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
            "2024-02-01T00:00:00Z",
          ),
          web("web-old"),
        ],
        profile: profile(synced),
      },
      "Invalid",
      [
        /^error\[negative-weight\] spec\.backends\[0\]\.weight: /,
        /; and even once fixed, it would not decide: TrafficSplit web-old also splits service web and is older, so it alone decides ServiceProfile web\.shop\.svc\.cluster\.local; delete one of them or point this one at another service$/,
      ],
    ],
    [
      "a split as old that comes first by name",
      { split: web("web-b"), splitsInNamespace: [web("web-a"), web("web-b")], profile: undefined },
      "Conflict",
      [/TrafficSplit web-a .* is as old and comes first by name/],
    ],
    [
      "the winner of a conflict is judged on its own",
      {
        split: web("web-a"),
        splitsInNamespace: [web("web-a"), web("web-b")],
        profile: profile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "splits of other apexes do not conflict",
      {
        split: web("web-split", "2024-02-01T00:00:00Z"),
        splitsInNamespace: [split("api", { service: "api", backends: [] })],
        profile: profile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "invalid: seed 002's shape",
      {
        split: split("my-app-split", {
          service: "my-app",
          trafficRouting: [
            { backend: { serviceName: "my-app-v1" }, weight: "900m" },
            { backend: { serviceName: "my-app-v2" }, weight: "100m" },
          ],
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
        split: split("neg", { service: "web", backends: [{ service: "web-v1", weight: -1 }] }),
        splitsInNamespace: [],
        profile: undefined,
      },
      "Invalid",
      [/negative-weight/],
    ],
    [
      "invalid: no namespace anywhere",
      {
        split: { metadata: { name: "x" }, spec: web().spec },
        splitsInNamespace: [],
        profile: undefined,
      },
      "Invalid",
      [/namespace/],
    ],
    [
      "the namespace option stands in for metadata.namespace",
      {
        split: { metadata: { name: "x" }, spec: web().spec },
        namespace: NS,
        splitsInNamespace: [],
        profile: profile(synced),
      },
      "Synced",
      [/has the split's dstOverrides/],
    ],
    [
      "invalid: a cluster domain that is not a DNS name",
      { split: web(), splitsInNamespace: [], profile: undefined, clusterDomain: "-bad-" },
      "Invalid",
      [/domain/],
    ],
    [
      "all weights zero is synced when written",
      {
        split: split("z", { service: "web", backends: [{ service: "web-v1", weight: 0 }] }),
        splitsInNamespace: [],
        profile: profile([{ authority: auth("web-v1"), weight: "0" }]),
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
    const result = splitSyncState({ split: web(), splitsInNamespace: [], profile: undefined });
    expect(result.profileName).toBe("web.shop.svc.cluster.local");
    expect(result.shares?.map((s) => [s.service, s.weight, s.percent])).toEqual([
      ["web-v1", "900m", 90],
      ["web-v2", "100m", 10],
    ]);
    expect(
      splitSyncState({ split: split("x", {}), splitsInNamespace: [], profile: undefined }).shares,
    ).toBeUndefined();
  });
});

describe("splitSyncState with a target", () => {
  const routed = (annotations?: Record<string, string>) => ({
    ...web(),
    metadata: { ...web().metadata, ...(annotations === undefined ? {} : { annotations }) },
  });
  const service = {
    metadata: { name: "web", namespace: NS },
    spec: { clusterIP: "10.0.0.1", ports: [{ port: 80 }] },
  };
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
  const world = (routes: unknown[]) => ({
    namespace: NS,
    apex: "web",
    service,
    routes: routes as never[],
  });

  it("takes the annotation, else the default target; serviceprofile by default", () => {
    const base = { splitsInNamespace: [], profile: undefined };
    expect(splitSyncState({ ...base, split: web() }).target).toBe("serviceprofile");
    expect(splitSyncState({ ...base, split: web(), defaultTarget: "httproute" }).target).toBe(
      "httproute",
    );
    const annotated = splitSyncState({
      ...base,
      split: routed({ "smi.linkerd.io/target": "serviceprofile" }),
      defaultTarget: "httproute",
    });
    expect(annotated.target).toBe("serviceprofile");
    expect(annotated.targetProblem).toBeUndefined();
  });

  it("an httproute split is Synced with nothing to write when its route is in step", () => {
    const input = {
      split: routed({ "smi.linkerd.io/target": "httproute" }),
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
