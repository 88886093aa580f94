import { describe, expect, it } from "vitest";
import {
  decideApex,
  httpRouteOutput,
  serviceProfileOutput,
  targetedOutput,
  type Diagnostic,
  type OutputPlanner,
  type Route,
  type ServiceProfile,
  type TargetedWorld,
  type TrafficSplitObject,
} from "./index.js";

// The decision module's edges, found by mutation testing (README.md, Mutation testing). Every
// expected value is written by hand from the design's rules and the messages it promises
// (name the object, the field and what to do); none is computed by the code under test.

const NS = "shop";
const PROFILE = "web.shop.svc.cluster.local";
const V1 = "web-v1.shop.svc.cluster.local";
const V2 = "web-v2.shop.svc.cluster.local";
const output = serviceProfileOutput();

function split(
  name: string,
  backends: [string, number | string][],
  created: string | null = "2026-01-01T00:00:00Z",
  more: { annotations?: Record<string, string>; spec?: object; apiVersion?: string } = {},
): TrafficSplitObject {
  return {
    apiVersion: more.apiVersion ?? "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: {
      name,
      namespace: NS,
      ...(created === null ? {} : { creationTimestamp: created }),
      ...(more.annotations === undefined ? {} : { annotations: more.annotations }),
    },
    spec: {
      service: "web",
      backends: backends.map(([service, weight]) => ({ service, weight })),
      ...more.spec,
    },
  };
}

const ours = {
  manager: "smi-adaptor",
  operation: "Apply",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};

function profile(
  dstOverrides: unknown[] | undefined,
  managedFields: object[] = [ours],
  meta: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name: PROFILE,
      namespace: NS,
      uid: "profile-uid",
      resourceVersion: "42",
      managedFields,
      ...meta,
    },
    spec: { ...(dstOverrides === undefined ? {} : { dstOverrides }), ...spec },
  } as ServiceProfile;
}

function decide(
  splits: TrafficSplitObject[],
  existing: ServiceProfile | undefined,
  services?: string[],
  namespace = NS,
) {
  return decideApex(
    {
      namespace,
      apex: "web",
      splits,
      existing,
      ...(services === undefined
        ? {}
        : { serviceExists: (name: string) => services.includes(name) }),
    },
    output,
  );
}

const NEGATIVE =
  "spec.backends[0].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight)";

describe("decideApex: the splits that lose", () => {
  const old = split("zz-old", [["web-v1", 1]], "2026-01-01T00:00:00Z");
  const young = split(
    "aa-young",
    [
      ["web-v2", 1],
      ["web-v3", 3],
    ],
    "2026-01-02T00:00:00Z",
  );

  it("a younger valid split is in Conflict, named after the winner, with its own shares", () => {
    const d = decide([young, old], undefined, ["web", "web-v1"]);
    expect(d.splits).toEqual([
      {
        split: old,
        state: "Pending",
        reason: `ServiceProfile ${PROFILE} does not exist yet (is the smi-adaptor running?)`,
        shares: [{ service: "web-v1", weight: "1", milli: 1000n, percent: 100 }],
        missingBackends: [],
      },
      {
        split: young,
        state: "Conflict",
        reason: `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
        shares: [
          { service: "web-v2", weight: "1", milli: 1000n, percent: 25 },
          { service: "web-v3", weight: "3", milli: 3000n, percent: 75 },
        ],
        missingBackends: ["web-v2", "web-v3"],
      },
    ]);
    expect(d.events[1]).toEqual({
      split: young,
      type: "Warning",
      reason: "Conflict",
      message: `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it is the oldest. Delete one of them or point this one at another service.`,
    });
  });

  it("says a split of the same age loses by name, not by age", () => {
    const a = split("a", [["web-v1", 1]]);
    const b = split("b", [["web-v2", 1]]);
    const d = decide([b, a], undefined);
    expect(d.splits[1]?.reason).toBe(
      `TrafficSplit a also splits service web and is as old and comes first by name, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a split without a creation time is younger than any with one", () => {
    const timeless = split("a-timeless", [["web-v2", 1]], null);
    const dated = split("z-dated", [["web-v1", 1]], "2030-01-01T00:00:00Z");
    const d = decide([timeless, dated], undefined);
    expect(d.winner).toBe(dated);
    expect(d.splits[1]?.reason).toBe(
      `TrafficSplit z-dated also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a younger invalid split is Invalid, with its errors on one line, and still warned of the conflict", () => {
    const bad = split("bad", [["web-v1", -1]], "2026-02-01T00:00:00Z");
    const d = decide([bad, old], undefined);
    // Issue 28, point 5: the status and the Event both tell both stories (the status used to
    // give only the errors, the Event only the conflict).
    const older = `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}`;
    expect(d.splits[1]).toEqual({
      split: bad,
      state: "Invalid",
      reason: `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); and even once fixed, it would not decide: ${older}; delete one of them or point this one at another service`,
    });
    expect(d.events.map((e) => [e.split?.metadata.name, e.reason])).toEqual([
      ["zz-old", "Created"],
      ["bad", "Conflict"],
    ]);
    expect(d.events[1]?.message).toBe(
      `${older}; this split is ignored until it is the oldest. Delete one of them or point this one at another service. This split is also invalid, fix it too: error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1).`,
    );
  });

  it("says a split of the same age loses by name, not that the other is older", () => {
    const a = split("a", [["web-v1", 1]], "2026-01-01T00:00:00Z");
    const b = split("b", [["web-v2", 1]], "2026-01-01T00:00:00Z");
    const d = decide([b, a], undefined);
    const conflict = d.events.find((e) => e.reason === "Conflict");
    expect(conflict?.split).toBe(b);
    expect(conflict?.message).toBe(
      `TrafficSplit a also splits service web and is as old and comes first by name, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it comes first (the oldest split decides, then the first by name). Delete one of them or point this one at another service.`,
    );
  });
});

describe("decideApex: an invalid winner", () => {
  it("lists every error in the status and the Event, without shares", () => {
    const bad = split("bad", [
      ["web-v1", -1],
      ["Web_V2", 1],
    ]);
    const d = decide([bad], undefined);
    expect(d.splits).toHaveLength(1);
    expect(d.splits[0]?.state).toBe("Invalid");
    expect(Object.keys(d.splits[0] ?? {}).sort()).toEqual(["reason", "split", "state"]);
    const reason = d.splits[0]?.reason ?? "";
    expect(
      reason.startsWith(
        `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); error[invalid-name] spec.backends[1].service: `,
      ),
    ).toBe(true);
    expect(d.events).toHaveLength(1);
    const message = d.events[0]?.message ?? "";
    expect(
      message.startsWith(
        `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); error[invalid-name] spec.backends[1].service: `,
      ),
    ).toBe(true);
    expect(message.endsWith(`. ServiceProfile ${PROFILE} keeps its last good state.`)).toBe(true);
  });

  it("says when more errors were found than listed", () => {
    const many = split(
      "many",
      Array.from({ length: 101 }, (_, i): [string, number] => [`b${i}`, -1]),
    );
    const d = decide([many], undefined);
    // The Event lists what fits in Kubernetes' 1024 bytes (it used to list all 100 errors, over
    // 19 KB) and says how many more; the status lists them all.
    const message = d.events[0]?.message ?? "";
    expect(message.split("error[negative-weight]")).toHaveLength(5);
    expect(message).toContain(
      "spec.backends[3].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight) (did you mean: 1); and 97 more (linkerd smi status lists them all). ServiceProfile web.shop.svc.cluster.local keeps its last good state.",
    );
    expect(message).toHaveLength(925);
    // The status lists the errors only.
    const reason = d.splits[0]?.reason ?? "";
    expect(reason.split("error[negative-weight]")).toHaveLength(101);
    expect(reason).not.toContain("diagnostics-truncated");
  });

  it("an invalid namespace makes the winner invalid, naming metadata.namespace", () => {
    const d = decide([split("web", [["web-v1", 1]])], undefined, undefined, "Shop");
    expect(d.result).toBe("invalid");
    expect(d.action).toEqual({ kind: "none" });
    expect(
      d.events[0]?.message.startsWith(
        "error[invalid-name] metadata.namespace: invalid namespace: ",
      ),
    ).toBe(true);
    expect(
      d.events[0]?.message.endsWith(
        ". ServiceProfile web.Shop.svc.cluster.local keeps its last good state.",
      ),
    ).toBe(true);
    expect(
      d.splits[0]?.reason.startsWith("error[invalid-name] metadata.namespace: invalid namespace: "),
    ).toBe(true);
  });
});

describe("decideApex with any output", () => {
  // A minimal output, to see what decideApex itself adds to what an output plans.
  const problems: Diagnostic[] = [];
  const thing: OutputPlanner<string, string> = {
    target: "thing",
    none: "nothing",
    kind: "Thing",
    nameOf: (namespace, apex) => `${apex}@${namespace}`,
    check: () => problems,
    plan: () => ({
      action: "write",
      result: "updated",
      events: [{ type: "Normal", reason: "Updated", message: "wrote it" }],
    }),
    cleanup: () => ({
      action: "remove",
      result: "deleted",
      events: [{ type: "Normal", reason: "Deleted", message: "removed it" }],
    }),
  };
  const web = split("web", [
    ["web-v1", 900],
    ["web-v2", 100],
  ]);

  it("a plan without a state leaves the winner Synced, and its events name the winner", () => {
    const d = decideApex({ namespace: NS, apex: "web", splits: [web], existing: "x" }, thing);
    expect(d).toEqual({
      namespace: NS,
      apex: "web",
      winner: web,
      action: "write",
      result: "updated",
      events: [{ split: web, type: "Normal", reason: "Updated", message: "wrote it" }],
      splits: [
        {
          split: web,
          state: "Synced",
          reason: "",
          shares: [
            { service: "web-v1", weight: "900", milli: 900_000n, percent: 90 },
            { service: "web-v2", weight: "100", milli: 100_000n, percent: 10 },
          ],
          missingBackends: [],
        },
      ],
    });
  });

  it("errors of the output make the winner invalid and name the output object", () => {
    problems.push({
      severity: "error",
      code: "invalid-name",
      path: "spec.service",
      message: "too long",
      suggestion: "w",
    });
    try {
      const d = decideApex({ namespace: NS, apex: "web", splits: [web], existing: "x" }, thing);
      expect(d.action).toBe("nothing");
      expect(d.result).toBe("invalid");
      expect(d.events).toEqual([
        {
          split: web,
          type: "Warning",
          reason: "InvalidSpec",
          message:
            "error[invalid-name] spec.service: too long (did you mean: w). Thing web@shop keeps its last good state.",
        },
      ]);
      expect(d.splits).toEqual([
        {
          split: web,
          state: "Invalid",
          reason: "error[invalid-name] spec.service: too long (did you mean: w)",
        },
      ]);
    } finally {
      problems.length = 0;
    }
  });

  it("cleanup Events name the departed split when it is known, and no split otherwise", () => {
    const without = decideApex({ namespace: NS, apex: "web", splits: [], existing: "x" }, thing);
    expect(without).toEqual({
      namespace: NS,
      apex: "web",
      action: "remove",
      result: "deleted",
      events: [{ type: "Normal", reason: "Deleted", message: "removed it" }],
      splits: [],
    });
    const other = {
      ...web,
      spec: { service: "api", backends: [{ service: "api-v1", weight: 1 }] },
    };
    const withDeparted = decideApex(
      { namespace: NS, apex: "web", splits: [other], existing: "x", departed: web },
      thing,
    );
    expect(withDeparted.events).toEqual([
      { split: web, type: "Normal", reason: "Deleted", message: "removed it" },
    ]);
  });
});

describe("serviceProfileOutput: missing backends", () => {
  it("names each missing Service once, in the plural when there are several", () => {
    const s = split("web", [
      ["gone", 1],
      ["web-v1", 1],
      ["lost", 1],
      ["gone", 1],
    ]);
    const d = decide([s], undefined, ["web", "web-v1"]);
    expect(d.splits[0]?.missingBackends).toEqual(["gone", "lost"]);
    expect(d.events.filter((e) => e.reason === "BackendNotFound")).toEqual([
      {
        split: s,
        type: "Warning",
        reason: "BackendNotFound",
        message: `backend Services gone, lost not found in namespace shop; ServiceProfile ${PROFILE} routes to them anyway, and requests sent there fail until they exist.`,
      },
    ]);
  });

  it("says nothing of backends when every Service exists, or when it is unknown", () => {
    const s = split("web", [["web-v1", 1]]);
    for (const d of [decide([s], undefined, ["web-v1"]), decide([s], undefined)]) {
      expect(d.events.map((e) => e.reason)).toEqual(["Created"]);
      expect(d.splits[0]?.missingBackends).toEqual([]);
    }
  });
});

describe("serviceProfileOutput: what differs", () => {
  const web = split("web", [
    ["web-v1", 900],
    ["web-v2", 100],
  ]);
  const pending = (existing: ServiceProfile) => {
    const d = decide([web], existing);
    expect(d.result).toBe("updated");
    expect(d.splits[0]?.state).toBe("Pending");
    return d.splits[0]?.reason;
  };
  const prefix = `ServiceProfile ${PROFILE} is not in step with the split: `;

  it("a profile without dstOverrides", () => {
    expect(pending(profile(undefined))).toBe(`${prefix}it has no dstOverrides`);
    expect(pending(profile([]))).toBe(`${prefix}it has no dstOverrides`);
  });

  it("backends missing and backends not in the split, by short name where it is ours", () => {
    expect(
      pending(
        profile([
          { authority: V1, weight: "900" },
          { authority: "web-v3.shop.svc.cluster.local", weight: "5" },
          { authority: "web-v2.other.svc.cluster.local", weight: "5" },
        ]),
      ),
    ).toBe(`${prefix}web-v2 missing; web-v3, web-v2.other.svc.cluster.local not in the split`);
  });

  it("weights, with what cannot be read as a quantity shown as it is or as ?", () => {
    expect(
      pending(
        profile([
          { authority: V1, weight: "lots" },
          { authority: V2, weight: { value: 1 } },
        ]),
      ),
    ).toBe(`${prefix}weights differ: web-v1 lots instead of 900, web-v2 ? instead of 100`);
    expect(
      pending(
        profile([
          { authority: V1, weight: 90 },
          { authority: "web-v3.shop.svc.cluster.local", weight: "100" },
        ]),
      ),
    ).toBe(
      `${prefix}web-v2 missing; web-v3 not in the split; weights differ: web-v1 90 instead of 900`,
    );
  });

  it("the same backends and weights in another order", () => {
    expect(
      pending(
        profile([
          { authority: V2, weight: "0.1k" },
          { authority: V1, weight: "900" },
        ]),
      ),
    ).toBe(`${prefix}the backends are in another order`);
  });
});

describe("serviceProfileOutput: Events", () => {
  const matches = [
    { kind: "HTTPRouteGroup", name: "ios" },
    { kind: "HTTPRouteGroup", name: "android" },
  ];
  const withMatches = (m: object[]) =>
    split("web", [["web-v1", 1]], "2026-01-01T00:00:00Z", {
      apiVersion: "split.smi-spec.io/v1alpha4",
      spec: { matches: m },
    });
  const matchWarning =
    "spec.matches (HTTPRouteGroup/ios, HTTPRouteGroup/android) cannot be expressed in ServiceProfile web.shop.svc.cluster.local, so the split applies to every request to web; set the annotation smi.linkerd.io/target: httproute on the split (or run the adaptor with -target httproute) to route only matching requests.";

  it("warns of matches on every write, and also when nothing is written", () => {
    const s = withMatches(matches);
    const created = decide([s], undefined);
    expect(created.events.map((e) => [e.type, e.reason])).toEqual([
      ["Warning", "MatchesNotSupported"],
      ["Normal", "Created"],
    ]);
    expect(created.events[0]?.message).toBe(matchWarning);
    const unchanged = decide([s], profile([{ authority: V1, weight: "1" }]));
    expect(unchanged.result).toBe("unchanged");
    expect(unchanged.events).toEqual([
      { split: s, type: "Warning", reason: "MatchesNotSupported", message: matchWarning },
    ]);
    expect(unchanged.splits[0]?.reason).toBe(
      `ServiceProfile ${PROFILE} has the split's dstOverrides`,
    );
  });

  it("an empty list of matches is no warning", () => {
    const d = decide([withMatches([])], undefined);
    expect(d.events.map((e) => e.reason)).toEqual(["Created"]);
  });

  it("a scaled split is a Warning that carries the scaling diagnostic", () => {
    const big = split("big", [
      ["web-v1", 1_000_000],
      ["web-v2", 3_000_000],
    ]);
    const d = decide([big], undefined);
    expect(d.events[0]?.type).toBe("Warning");
    expect(d.events[0]?.reason).toBe("WeightsScaled");
    expect(
      d.events[0]?.message.startsWith(
        "warning[weight-overflow-scaled] spec.backends: the weights add up to 4000000000m, more than Linkerd can carry",
      ),
    ).toBe(true);
  });

  it("names every other editor it restores dstOverrides over, and unknown for a nameless one", () => {
    const helm = {
      manager: "helm",
      operation: "Update",
      fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
    };
    const nameless = { operation: "Update", fieldsV1: { "f:spec": { "f:dstOverrides": {} } } };
    const labelsOnly = {
      manager: "kubectl",
      operation: "Update",
      fieldsV1: { "f:metadata": { "f:labels": {} } },
    };
    const d = decide(
      [split("web", [["web-v1", 1]])],
      profile([{ authority: V1, weight: "2" }], [ours, helm, nameless, labelsOnly]),
    );
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile ${PROFILE} dstOverrides to ${V1}=1 (restored: helm, unknown had changed them).`,
    ]);
  });
});

describe("serviceProfileOutput: cleanup decides by who wrote what", () => {
  const cleanup = (p: ServiceProfile) => decide([], p);

  it("clears instead of deleting when the profile holds anything besides dstOverrides", () => {
    const dst = [{ authority: V1, weight: "1" }];
    for (const p of [
      profile(dst, [ours], { labels: { team: "a" } }),
      profile(dst, [ours], { annotations: { note: "kept" } }),
      profile(
        dst,
        [ours],
        {},
        { retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: "10s" } },
      ),
      profile(dst, [
        ours,
        { manager: "kubectl", operation: "Update", fieldsV1: { "f:metadata": {} } },
      ]),
    ]) {
      const d = cleanup(p);
      expect(d.result).toBe("cleaned");
      expect(d.action).toEqual({
        kind: "clear",
        namespace: NS,
        name: PROFILE,
        resourceVersion: "42",
      });
    }
  });

  it("leaves a profile whose dstOverrides the adaptor never wrote", () => {
    const dst = [{ authority: V1, weight: "1" }];
    const labelsByUs = {
      manager: "smi-adaptor",
      operation: "Apply",
      fieldsV1: { "f:metadata": { "f:labels": {} } },
    };
    const noFields = { manager: "smi-adaptor", operation: "Apply" };
    for (const p of [
      profile(dst, []),
      profile(dst, [labelsByUs]),
      profile(dst, [noFields]),
      { ...profile(dst), metadata: undefined } as unknown as ServiceProfile,
    ]) {
      const d = cleanup(p);
      expect(d).toMatchObject({ result: "absent", action: { kind: "none" }, events: [] });
    }
  });

  it("deletes with empty guards when the profile has no uid or resourceVersion", () => {
    const p = profile([{ authority: V1, weight: "1" }], [ours], {
      uid: undefined,
      resourceVersion: undefined,
    });
    expect(cleanup(p).action).toEqual({
      kind: "delete",
      namespace: NS,
      name: PROFILE,
      uid: "",
      resourceVersion: "",
    });
  });

  it("names the apex of the profile in the Event", () => {
    const api = profile([{ authority: "api-v1.shop.svc.cluster.local", weight: "1" }], [ours], {
      name: "api.shop.svc.cluster.local",
      labels: { team: "a" },
    });
    const d = decideApex({ namespace: NS, apex: "api", splits: [], existing: api }, output);
    expect(d.events.map((e) => e.message)).toEqual([
      "Removed dstOverrides from ServiceProfile api.shop.svc.cluster.local: no TrafficSplit targets service api any more; its other settings are kept.",
    ]);
  });
});

describe("targetedOutput: edges", () => {
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
  const web = (annotation?: string) =>
    split(
      "web",
      [["web-v1", 1]],
      "2026-01-01T00:00:00Z",
      annotation === undefined ? {} : { annotations: { "smi.linkerd.io/target": annotation } },
    );
  const synced = profile([{ authority: V1, weight: "1" }]);

  it("names its objects after the output of -target", () => {
    expect(targeted("serviceprofile").kind).toBe("ServiceProfile");
    expect(targeted("serviceprofile").nameOf(NS, "web")).toBe(PROFILE);
    expect(targeted("httproute").kind).toBe("HTTPRoute");
    expect(targeted("httproute").target).toBe("httproute");
  });

  it("a bad annotation is a Warning that says which output is used instead", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [web("Gateway")], existing: world(synced) },
      targeted("serviceprofile"),
    );
    expect(d.events).toEqual([
      {
        split: d.winner,
        type: "Warning",
        reason: "InvalidSpec",
        message:
          'annotation smi.linkerd.io/target: "Gateway" is not one of serviceprofile, httproute; using serviceprofile.',
      },
    ]);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
  });

  it("a profile in step and no routes of ours: nothing to write", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [web("serviceprofile")], existing: world(synced) },
      targeted("httproute"),
    );
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events).toEqual([]);
  });

  it("a profile in step with routes of ours left over: the cut-over back starts, the routes stay in step", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [web("serviceprofile")],
        existing: world(synced, [ourRoute]),
        now: "2026-12-04T21:00:00Z",
      },
      targeted("httproute"),
    );
    expect(d.result).toBe("updated");
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.target).toBe("serviceprofile");
    // The profile records since when it carries the split; nothing else of it changes.
    expect(d.action.profile).toEqual({
      kind: "apply",
      namespace: NS,
      name: PROFILE,
      dstOverrides: [{ authority: V1, weight: "1" }],
      resourceVersion: "42",
      cutOverState: '{"to":"serviceprofile","since":"2026-12-04T21:00:00Z"}',
    });
    // The route is not deleted: proxies that chose it keep it; it gets the split's backend.
    if (d.action.routes.kind !== "sync") throw new Error("expected a route write");
    expect(d.action.routes.delete).toEqual([]);
    expect(
      d.action.routes.apply.map((r) => r.spec.rules[0]?.backendRefs.map((b) => b.name)),
    ).toEqual([["web-v1"]]);
    expect(d.events.map((e) => [e.type, e.reason])).toEqual([
      ["Normal", "CutOver"],
      ["Normal", "Updated"],
      ["Normal", "CutOverPending"],
    ]);
    expect(d.events[0]?.message).toBe(
      `Service web moves back to ServiceProfile ${PROFILE}: proxies that build their stack from now on use it; the routes the adaptor wrote stay in step with the split for the proxies that chose them, until the clients are restarted.`,
    );
    expect(d.splits[0]?.state).toBe("CutOverPending");
  });

  it("a new profile and no routes: a write of the profile alone", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [web()], existing: world() },
      targeted("serviceprofile"),
    );
    expect(d.result).toBe("created");
    expect(d.action).toEqual({
      kind: "write",
      target: "serviceprofile",
      profile: {
        kind: "apply",
        namespace: NS,
        name: PROFILE,
        dstOverrides: [{ authority: V1, weight: "1" }],
      },
      routes: { kind: "none" },
    });
  });

  it("cleanup reports the bigger change of the two sides", () => {
    const routesOnly = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(undefined, [ourRoute]) },
      targeted("serviceprofile"),
    );
    expect(routesOnly.result).toBe("deleted");
    const shared = profile([{ authority: V1, weight: "1" }], [ours], { labels: { team: "a" } });
    const cleanedAndDeleted = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(shared, [ourRoute]) },
      targeted("serviceprofile"),
    );
    expect(cleanedAndDeleted.result).toBe("deleted");
    expect(cleanedAndDeleted.events.map((e) => e.reason)).toEqual(["Cleaned", "Deleted"]);
    const profileOnly = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(shared) },
      targeted("serviceprofile"),
    );
    expect(profileOnly.result).toBe("cleaned");
    expect(profileOnly.action).toEqual({
      kind: "write",
      target: "serviceprofile",
      profile: { kind: "clear", namespace: NS, name: PROFILE, resourceVersion: "42" },
      routes: { kind: "none" },
    });
    const nothing = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world() },
      targeted("httproute"),
    );
    expect(nothing).toMatchObject({ result: "absent", action: { kind: "none" }, events: [] });
  });
});
