import { describe, expect, it } from "vitest";
import {
  ADAPTOR_APPLY,
  decideServiceProfile as decide,
  GO_ADAPTOR_UPDATE,
  KUBECTL_DST_OVERRIDES,
  KUBECTL_ROUTES,
  NS,
  PROFILE,
  parseOrThrow,
  storedProfile,
  trafficSplit,
  USER_ROUTES,
  V1,
  V2,
} from "../../test/fixtures.js";
import {
  decideApex,
  serviceProfileName,
  serviceProfileOutput,
  type ServiceProfile,
} from "../index.js";

// The ServiceProfile output (the default), driven through decideApex as the adaptor drives it:
// what it writes, when, over whose dstOverrides, what it cleans up and the Events it gives.
// Expected values are written by hand from the design's rules and the messages it promises;
// none is computed by the code under test.

const output = serviceProfileOutput();
const webSplit = trafficSplit("web-split", [
  ["web-v1", 900],
  ["web-v2", 100],
]);

describe("serviceProfileOutput: writing", () => {
  it("is the serviceprofile target", () => {
    expect(output.target).toBe("serviceprofile");
  });

  it("creates the profile when there is none", () => {
    const d = decide([webSplit], undefined);
    expect(d.action).toEqual({
      kind: "apply",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      dstOverrides: [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "100" },
      ],
    });
    expect(d.result).toBe("created");
    expect(d.events).toEqual([
      {
        split: webSplit,
        type: "Normal",
        reason: "Created",
        message: `Created ServiceProfile web.shop.svc.cluster.local with dstOverrides ${V1}=900, ${V2}=100.`,
      },
    ]);
    expect(d.splits.map((s) => [s.split.metadata.name, s.state])).toEqual([
      ["web-split", "Pending"],
    ]);
    expect(d.splits[0]?.reason).toBe(
      "ServiceProfile web.shop.svc.cluster.local does not exist yet (is the smi-adaptor running?)",
    );
  });

  it("updates a profile it wrote, guarded by its resourceVersion", () => {
    const existing = storedProfile([
      { authority: V1, weight: "500" },
      { authority: V2, weight: "500" },
    ]);
    const d = decide([webSplit], existing);
    expect(d.action).toMatchObject({ kind: "apply", resourceVersion: "42" });
    expect(d.result).toBe("updated");
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100.`,
    ]);
    expect(d.splits[0]?.reason).toBe(
      "ServiceProfile web.shop.svc.cluster.local is not in step with the split: weights differ: web-v1 500 instead of 900, web-v2 500 instead of 100",
    );
  });

  it("takes over dstOverrides someone else wrote: says whose they were and keeps them in an annotation", () => {
    // Issue 28: this used to say "restored: kubectl-client-side-apply had changed them", though
    // the adaptor had never written them, and the user's weights were lost for good.
    const existing = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [KUBECTL_DST_OVERRIDES, KUBECTL_ROUTES],
      routes: USER_ROUTES,
    });
    const d = decide([webSplit], existing);
    expect(d.action).toEqual({
      kind: "apply",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      dstOverrides: [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "100" },
      ],
      resourceVersion: "42",
      previousDstOverrides:
        '{"manager":"kubectl-client-side-apply","dstOverrides":[{"authority":"web-v1.shop.svc.cluster.local","weight":"1"}]}',
    });
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100 (they were kubectl-client-side-apply's: ${V1}=1; kept in the annotation smi.linkerd.io/previous-dst-overrides and given back when no TrafficSplit targets service web).`,
    ]);
  });

  it("says restored only when it had written the dstOverrides itself", () => {
    const existing = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [KUBECTL_DST_OVERRIDES],
    });
    // The adaptor remembers this profile as its own (its entry went when they were replaced).
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [webSplit], existing, adaptorWrote: true },
      output,
    );
    expect(d.action).toEqual({
      kind: "apply",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      dstOverrides: [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "100" },
      ],
      resourceVersion: "42",
    });
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100 (restored: kubectl-client-side-apply had changed them).`,
    ]);
    // The annotation it wrote on taking over is evidence too, and is applied again.
    const kept =
      '{"manager":"helm","dstOverrides":[{"authority":"web-v1.shop.svc.cluster.local","weight":"3"}]}';
    const taken = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [KUBECTL_DST_OVERRIDES],
      annotations: { "smi.linkerd.io/previous-dst-overrides": kept },
    });
    const again = decide([webSplit], taken);
    expect(again.action).toMatchObject({ kind: "apply", previousDstOverrides: kept });
    expect(again.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100 (restored: kubectl-client-side-apply had changed them).`,
    ]);
  });

  it("takes over a profile linkerd-smi v0.2.7 wrote like one of its own", () => {
    const existing = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [GO_ADAPTOR_UPDATE],
    });
    const d = decide([webSplit], existing);
    expect(d.result).toBe("updated");
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100.`,
    ]);
  });

  it("writes nothing when the profile already matches (as quantities)", () => {
    const existing = storedProfile([
      { authority: V1, weight: "900" },
      { authority: V2, weight: "0.1k" },
    ]);
    const d = decide([webSplit], existing);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events).toEqual([]);
    expect(d.splits[0]?.state).toBe("Synced");
  });

  it("never writes a profile with the skip annotation, and says so", () => {
    const existing = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [KUBECTL_DST_OVERRIDES],
      annotations: { "smi.linkerd.io/skip": "" },
    });
    const d = decide([webSplit], existing);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("skipped");
    expect(d.events).toEqual([
      {
        split: webSplit,
        type: "Warning",
        reason: "Skipped",
        message:
          "ServiceProfile web.shop.svc.cluster.local has the smi.linkerd.io/skip annotation, so it is left as it is; remove the annotation to let this split manage its dstOverrides.",
      },
    ]);
    expect(d.splits[0]?.state).toBe("Skipped");
  });

  it("reports missing backends, scaled weights and all-zero weights, in that order", () => {
    const big = trafficSplit("big", [
      ["web-v1", 1_000_000],
      ["gone", 3_000_000],
    ]);
    const d = decide([big], undefined, { services: ["web", "web-v1"] });
    expect(d.events.map((e) => e.reason)).toEqual(["WeightsScaled", "BackendNotFound", "Created"]);
    expect(d.events[1]?.message).toBe(
      "backend Service gone not found in namespace shop; ServiceProfile web.shop.svc.cluster.local routes to it anyway, and requests sent there fail until it exists.",
    );
    expect(d.splits[0]?.missingBackends).toEqual(["gone"]);
    const zero = trafficSplit("zero", [
      ["web-v1", 0],
      ["web-v2", 0],
    ]);
    expect(decide([zero], undefined).events[0]?.message).toBe(
      `Created ServiceProfile web.shop.svc.cluster.local with dstOverrides ${V1}=0, ${V2}=0. All weights are zero, so Linkerd sends every request to web itself.`,
    );
  });
});

describe("serviceProfileOutput: the profile's name", () => {
  it("treats a profile name of 254 characters as invalid, and 253 as fine", () => {
    // "web" + "." + "shop" + ".svc." = 13 characters; the domain makes up the rest.
    const domainOf = (length: number) =>
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(length - 192)}`;
    const at = (length: number) =>
      decideApex(
        { namespace: NS, apex: "web", splits: [webSplit], existing: undefined },
        serviceProfileOutput({ clusterDomain: domainOf(length) }),
      );
    expect(serviceProfileName("web", NS, domainOf(240))).toHaveLength(253);
    expect(at(240).result).toBe("created");
    expect(at(241).result).toBe("invalid");
    expect(at(241).action).toEqual({ kind: "none" });
    expect(at(241).events[0]?.message).toContain("is 254 characters long, more than the 253");
  });

  it("plan, called directly, reports only the scaling as WeightsScaled", () => {
    const long = serviceProfileOutput({
      clusterDomain: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(49)}`,
    });
    const parsed = parseOrThrow(trafficSplit("w", [["web-v1", 1]]));
    const plan = long.plan({ split: {}, parsed, namespace: NS, missingBackends: [] }, undefined);
    expect(plan.events.map((e) => e.reason)).toEqual(["Created"]);
  });
});

describe("serviceProfileOutput: missing backends", () => {
  it("names each missing Service once, in the plural when there are several", () => {
    const s = trafficSplit("web", [
      ["gone", 1],
      ["web-v1", 1],
      ["lost", 1],
      ["gone", 1],
    ]);
    const d = decide([s], undefined, { services: ["web", "web-v1"] });
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
    const s = trafficSplit("web", [["web-v1", 1]]);
    for (const d of [decide([s], undefined, { services: ["web-v1"] }), decide([s], undefined)]) {
      expect(d.events.map((e) => e.reason)).toEqual(["Created"]);
      expect(d.splits[0]?.missingBackends).toEqual([]);
    }
  });
});

describe("serviceProfileOutput: what differs", () => {
  const web = trafficSplit("web", [
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
    expect(pending(storedProfile(undefined))).toBe(`${prefix}it has no dstOverrides`);
    expect(pending(storedProfile([]))).toBe(`${prefix}it has no dstOverrides`);
  });

  it("backends missing and backends not in the split, by short name where it is ours", () => {
    expect(
      pending(
        storedProfile([
          { authority: V1, weight: "900" },
          { authority: "web-v3.shop.svc.cluster.local", weight: "5" },
          { authority: "web-v2.other.svc.cluster.local", weight: "5" },
        ]),
      ),
    ).toBe(`${prefix}web-v2 missing; web-v3, web-v2.other.svc.cluster.local not in the split`);
  });

  it("several backends missing", () => {
    const three = trafficSplit("w", [
      ["web-v1", 1],
      ["web-v2", 1],
      ["web-v3", 1],
    ]);
    expect(decide([three], storedProfile([{ authority: V1, weight: "1" }])).splits[0]?.reason).toBe(
      `ServiceProfile ${PROFILE} is not in step with the split: web-v2, web-v3 missing`,
    );
  });

  it("weights, with what cannot be read as a quantity shown as it is or as ?", () => {
    expect(
      pending(
        storedProfile([
          { authority: V1, weight: "lots" },
          { authority: V2, weight: { value: 1 } },
        ]),
      ),
    ).toBe(`${prefix}weights differ: web-v1 lots instead of 900, web-v2 ? instead of 100`);
    expect(
      pending(
        storedProfile([
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
        storedProfile([
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
    trafficSplit("web", [["web-v1", 1]], {
      apiVersion: "split.smi-spec.io/v1alpha4",
      spec: { matches: m },
    });
  const matchWarning =
    "spec.matches (HTTPRouteGroup/ios, HTTPRouteGroup/android) cannot be expressed in ServiceProfile web.shop.svc.cluster.local, so the split applies to every request to web; set the annotation smi.linkerd.io/target: httproute on the split (or run the adaptor with -target httproute) to route only matching requests.";

  it("warns that a ServiceProfile cannot express matches, and names httproute mode", () => {
    const s = {
      ...trafficSplit("web", [["web-v1", 1]]),
      apiVersion: "split.smi-spec.io/v1alpha4",
      spec: {
        service: "web",
        backends: [{ service: "web-v1", weight: 1 }],
        matches: [{ kind: "HTTPRouteGroup", name: "ios" }],
      },
    };
    const d = decideApex({ namespace: NS, apex: "web", splits: [s], existing: undefined }, output);
    const warning = d.events.find((e) => e.reason === "MatchesNotSupported");
    expect(warning?.type).toBe("Warning");
    expect(warning?.message).toContain("HTTPRouteGroup/ios");
    expect(warning?.message).toContain("smi.linkerd.io/target: httproute");
  });

  it("warns of matches on every write, and also when nothing is written", () => {
    const s = withMatches(matches);
    const created = decide([s], undefined);
    expect(created.events.map((e) => [e.type, e.reason])).toEqual([
      ["Warning", "MatchesNotSupported"],
      ["Normal", "Created"],
    ]);
    expect(created.events[0]?.message).toBe(matchWarning);
    const unchanged = decide([s], storedProfile([{ authority: V1, weight: "1" }]));
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
    const big = trafficSplit("big", [
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
      [trafficSplit("web", [["web-v1", 1]])],
      storedProfile([{ authority: V1, weight: "2" }], {
        managedFields: [ADAPTOR_APPLY, helm, nameless, labelsOnly],
      }),
    );
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile ${PROFILE} dstOverrides to ${V1}=1 (restored: helm, unknown had changed them).`,
    ]);
  });
});

describe("serviceProfileOutput: cleaning up when no split targets the apex", () => {
  it("never touches a profile the adaptor did not write", () => {
    const theirs = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [KUBECTL_DST_OVERRIDES],
    });
    const d = decide([], theirs);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("absent");
    expect(d.events).toEqual([]);
  });

  it("deletes a profile only it (or linkerd-smi v0.2.7) wrote", () => {
    for (const manager of [ADAPTOR_APPLY, GO_ADAPTOR_UPDATE]) {
      const d = decide(
        [],
        storedProfile([{ authority: V1, weight: "1" }], { managedFields: [manager] }),
      );
      expect(d.action).toEqual({
        kind: "delete",
        namespace: "shop",
        name: "web.shop.svc.cluster.local",
        uid: "profile-uid",
        resourceVersion: "42",
      });
      expect(d.result).toBe("deleted");
      expect(d.events).toEqual([
        {
          type: "Normal",
          reason: "Deleted",
          message:
            "Deleted ServiceProfile web.shop.svc.cluster.local: no TrafficSplit targets service web any more, and the adaptor had created it.",
        },
      ]);
    }
  });

  it("clears only dstOverrides when someone else added routes", () => {
    const shared = storedProfile([{ authority: V1, weight: "1" }], {
      managedFields: [ADAPTOR_APPLY, KUBECTL_ROUTES],
      routes: USER_ROUTES,
    });
    const d = decide([], shared, { departed: webSplit });
    expect(d.action).toEqual({
      kind: "clear",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      resourceVersion: "42",
    });
    expect(d.result).toBe("cleaned");
    expect(d.events).toEqual([
      {
        split: webSplit,
        type: "Normal",
        reason: "Cleaned",
        message:
          "Removed dstOverrides from ServiceProfile web.shop.svc.cluster.local: no TrafficSplit targets service web any more; its other settings are kept.",
      },
    ]);
  });

  it("leaves a profile with the skip annotation alone, even one it wrote", () => {
    const skipped = storedProfile([{ authority: V1, weight: "1" }], {
      annotations: { "smi.linkerd.io/skip": "true" },
    });
    const d = decide([], skipped);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("skipped");
  });

  it("does nothing when there is no profile, or ours has no dstOverrides left", () => {
    expect(decide([], undefined).result).toBe("absent");
    const cleared = storedProfile(undefined, {
      managedFields: [ADAPTOR_APPLY, KUBECTL_ROUTES],
      routes: USER_ROUTES,
    });
    expect(decide([], cleared)).toMatchObject({ result: "unchanged", action: { kind: "none" } });
  });

  it("retargeting: the old apex is cleaned up, the new one created", () => {
    const moved = trafficSplit("web-split", [["web-v1", 1]], { service: "api" });
    const old = decide([moved], storedProfile([{ authority: V1, weight: "1" }]), {
      departed: webSplit,
    });
    expect(old.result).toBe("deleted");
    expect(old.events[0]?.split).toBe(webSplit);
    const fresh = decide([moved], undefined, { apex: "api" });
    expect(fresh.result).toBe("created");
    expect(fresh.action).toMatchObject({ name: "api.shop.svc.cluster.local" });
  });
});

describe("serviceProfileOutput: cleanup decides by who wrote what", () => {
  const cleanup = (p: ServiceProfile) => decide([], p);

  it("clears instead of deleting when the profile holds anything besides dstOverrides", () => {
    const dst = [{ authority: V1, weight: "1" }];
    for (const p of [
      storedProfile(dst, { labels: { team: "a" } }),
      storedProfile(dst, { annotations: { note: "kept" } }),
      storedProfile(dst, {
        spec: { retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: "10s" } },
      }),
      storedProfile(dst, {
        managedFields: [
          ADAPTOR_APPLY,
          { manager: "kubectl", operation: "Update", fieldsV1: { "f:metadata": {} } },
        ],
      }),
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
      storedProfile(dst, { managedFields: [] }),
      storedProfile(dst, { managedFields: [labelsByUs] }),
      storedProfile(dst, { managedFields: [noFields] }),
      { ...storedProfile(dst), metadata: undefined } as unknown as ServiceProfile,
    ]) {
      const d = cleanup(p);
      expect(d).toMatchObject({ result: "absent", action: { kind: "none" }, events: [] });
    }
  });

  it("deletes with empty guards when the profile has no uid or resourceVersion", () => {
    const p = storedProfile([{ authority: V1, weight: "1" }], {
      meta: { uid: undefined, resourceVersion: undefined },
    });
    expect(cleanup(p).action).toEqual({
      kind: "delete",
      namespace: NS,
      name: PROFILE,
      uid: "",
      resourceVersion: "",
    });
  });

  it("deletes a profile without a name or namespace under empty names", () => {
    const d = cleanup(
      storedProfile([{ authority: V1, weight: "1" }], {
        uid: "u",
        resourceVersion: "7",
        meta: { name: undefined, namespace: undefined },
      }),
    );
    expect(d.action).toEqual({
      kind: "delete",
      namespace: "",
      name: "",
      uid: "u",
      resourceVersion: "7",
    });
  });

  it("names the apex of the profile in the Event", () => {
    const api = storedProfile([{ authority: "api-v1.shop.svc.cluster.local", weight: "1" }], {
      name: "api.shop.svc.cluster.local",
      labels: { team: "a" },
    });
    const d = decideApex({ namespace: NS, apex: "api", splits: [], existing: api }, output);
    expect(d.events.map((e) => e.message)).toEqual([
      "Removed dstOverrides from ServiceProfile api.shop.svc.cluster.local: no TrafficSplit targets service api any more; its other settings are kept.",
    ]);
  });
});

describe("serviceProfileOutput: giving back dstOverrides the adaptor took over", () => {
  const kept =
    '{"manager":"kubectl-client-side-apply","dstOverrides":[{"authority":"web-v1.shop.svc.cluster.local","weight":"1"}]}';
  const oursWithAnnotation = {
    manager: "smi-adaptor",
    operation: "Apply",
    fieldsV1: {
      "f:metadata": {
        "f:annotations": { "f:smi.linkerd.io/previous-dst-overrides": {} },
      },
      "f:spec": { "f:dstOverrides": {} },
    },
  };

  it("gives them back to their field manager instead of clearing or deleting", () => {
    const existing = storedProfile(
      [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "100" },
      ],
      {
        managedFields: [oursWithAnnotation, KUBECTL_ROUTES],
        routes: USER_ROUTES,
        annotations: { "smi.linkerd.io/previous-dst-overrides": kept },
      },
    );
    const d = decide([], existing, { departed: webSplit });
    expect(d.action).toEqual({
      kind: "restore",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      resourceVersion: "42",
      manager: "kubectl-client-side-apply",
      dstOverrides: [{ authority: V1, weight: "1" }],
    });
    expect(d.result).toBe("cleaned");
    expect(d.events).toEqual([
      {
        split: webSplit,
        type: "Normal",
        reason: "Restored",
        message: `Gave the dstOverrides of ServiceProfile web.shop.svc.cluster.local back to kubectl-client-side-apply: no TrafficSplit targets service web any more, so they are ${V1}=1 again, as before the adaptor took them over.`,
      },
    ]);
  });

  it("drops only the annotation when someone changed the dstOverrides since", () => {
    const existing = storedProfile([{ authority: V2, weight: "7" }], {
      managedFields: [
        {
          manager: "smi-adaptor",
          operation: "Apply",
          fieldsV1: {
            "f:metadata": { "f:annotations": { "f:smi.linkerd.io/previous-dst-overrides": {} } },
          },
        },
        { ...KUBECTL_DST_OVERRIDES, manager: "kubectl-edit" },
      ],
      annotations: { "smi.linkerd.io/previous-dst-overrides": kept },
    });
    const d = decide([], existing);
    expect(d.action).toEqual({
      kind: "restore",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      resourceVersion: "42",
      manager: "kubectl-client-side-apply",
    });
    expect(d.events.map((e) => e.message)).toEqual([
      "Removed the annotation smi.linkerd.io/previous-dst-overrides from ServiceProfile web.shop.svc.cluster.local: no TrafficSplit targets service web any more, and its dstOverrides are kept as kubectl-edit last wrote them.",
    ]);
  });

  it("leaves a profile with the skip annotation alone, annotation or not", () => {
    const existing = storedProfile([{ authority: V1, weight: "900" }], {
      managedFields: [oursWithAnnotation],
      annotations: { "smi.linkerd.io/previous-dst-overrides": kept, "smi.linkerd.io/skip": "" },
    });
    const d = decide([], existing);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("skipped");
  });

  it("ignores an annotation that does not hold dstOverrides", () => {
    const existing = storedProfile([{ authority: V1, weight: "900" }], {
      annotations: { "smi.linkerd.io/previous-dst-overrides": "not json" },
    });
    expect(decide([], existing).action).toEqual({
      kind: "clear",
      namespace: "shop",
      name: "web.shop.svc.cluster.local",
      resourceVersion: "42",
    });
  });
});
