import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  apexOfServiceProfileName,
  decideApex,
  serviceProfileName,
  serviceProfileOutput,
  type ServiceProfile,
  type TrafficSplitObject,
} from "./index.js";

// Expected values below are written by hand from the design's rules, not computed.

const NS = "shop";
const output = serviceProfileOutput();

function split(
  name: string,
  service: string,
  backends: [string, number | string][],
  created = "2026-01-01T00:00:00Z",
): TrafficSplitObject {
  return {
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: { name, namespace: NS, uid: `uid-${name}`, creationTimestamp: created },
    spec: { service, backends: backends.map(([s, weight]) => ({ service: s, weight })) },
  };
}

const ours = {
  manager: "smi-adaptor",
  operation: "Apply",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};
// linkerd-smi v0.2.7 creates and updates (no apply) under its binary's name.
const goAdaptor = {
  manager: "smi-adaptor",
  operation: "Update",
  fieldsV1: { "f:spec": { ".": {}, "f:dstOverrides": {} } },
};
const kubectlOverrides = {
  manager: "kubectl-client-side-apply",
  operation: "Update",
  fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
};
const kubectlRoutes = {
  manager: "kubectl-client-side-apply",
  operation: "Update",
  fieldsV1: { "f:spec": { "f:routes": {} } },
};

function profile(
  dstOverrides: { authority: string; weight: string }[] | undefined,
  managedFields: object[],
  extra: { routes?: boolean; annotations?: Record<string, string>; apex?: string } = {},
): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name: `${extra.apex ?? "web"}.shop.svc.cluster.local`,
      namespace: NS,
      uid: "profile-uid",
      resourceVersion: "42",
      managedFields,
      ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
    },
    spec: {
      ...(dstOverrides === undefined ? {} : { dstOverrides }),
      ...(extra.routes === true
        ? { routes: [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }] }
        : {}),
    },
  };
}

const V1 = "web-v1.shop.svc.cluster.local";
const V2 = "web-v2.shop.svc.cluster.local";
const webSplit = split("web-split", "web", [
  ["web-v1", 900],
  ["web-v2", 100],
]);

function decide(
  splits: TrafficSplitObject[],
  existing: ServiceProfile | undefined,
  more: { apex?: string; departed?: TrafficSplitObject; services?: string[] } = {},
) {
  return decideApex(
    {
      namespace: NS,
      apex: more.apex ?? "web",
      splits,
      existing,
      ...(more.departed === undefined ? {} : { departed: more.departed }),
      ...(more.services === undefined
        ? {}
        : { serviceExists: (name: string) => more.services?.includes(name) === true }),
    },
    output,
  );
}

describe("decideApex with the ServiceProfile output: writing", () => {
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
    const existing = profile(
      [
        { authority: V1, weight: "500" },
        { authority: V2, weight: "500" },
      ],
      [ours],
    );
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
    const existing = profile([{ authority: V1, weight: "1" }], [kubectlOverrides, kubectlRoutes], {
      routes: true,
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
    const existing = profile([{ authority: V1, weight: "1" }], [kubectlOverrides]);
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
    const taken = profile([{ authority: V1, weight: "1" }], [kubectlOverrides], {
      annotations: { "smi.linkerd.io/previous-dst-overrides": kept },
    });
    const again = decide([webSplit], taken);
    expect(again.action).toMatchObject({ kind: "apply", previousDstOverrides: kept });
    expect(again.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100 (restored: kubectl-client-side-apply had changed them).`,
    ]);
  });

  it("takes over a profile linkerd-smi v0.2.7 wrote like one of its own", () => {
    const existing = profile([{ authority: V1, weight: "1" }], [goAdaptor]);
    const d = decide([webSplit], existing);
    expect(d.result).toBe("updated");
    expect(d.events.map((e) => e.message)).toEqual([
      `Updated ServiceProfile web.shop.svc.cluster.local dstOverrides to ${V1}=900, ${V2}=100.`,
    ]);
  });

  it("writes nothing when the profile already matches (as quantities)", () => {
    const existing = profile(
      [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "0.1k" },
      ],
      [ours],
    );
    const d = decide([webSplit], existing);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("unchanged");
    expect(d.events).toEqual([]);
    expect(d.splits[0]?.state).toBe("Synced");
  });

  it("never writes a profile with the skip annotation, and says so", () => {
    const existing = profile([{ authority: V1, weight: "1" }], [kubectlOverrides], {
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
    const big = split("big", "web", [
      ["web-v1", 1_000_000],
      ["gone", 3_000_000],
    ]);
    const d = decide([big], undefined, { services: ["web", "web-v1"] });
    expect(d.events.map((e) => e.reason)).toEqual(["WeightsScaled", "BackendNotFound", "Created"]);
    expect(d.events[1]?.message).toBe(
      "backend Service gone not found in namespace shop; ServiceProfile web.shop.svc.cluster.local routes to it anyway, and requests sent there fail until it exists.",
    );
    expect(d.splits[0]?.missingBackends).toEqual(["gone"]);
    const zero = split("zero", "web", [
      ["web-v1", 0],
      ["web-v2", 0],
    ]);
    expect(decide([zero], undefined).events[0]?.message).toBe(
      `Created ServiceProfile web.shop.svc.cluster.local with dstOverrides ${V1}=0, ${V2}=0. All weights are zero, so Linkerd sends every request to web itself.`,
    );
  });
});

describe("decideApex: who decides", () => {
  it("lets the OLDEST split decide and warns the younger one", () => {
    const old = split("zz-old", "web", [["web-v1", 1]], "2026-01-01T00:00:00Z");
    const young = split("aa-young", "web", [["web-v2", 1]], "2026-01-02T00:00:00Z");
    const d = decide([young, old], undefined);
    expect(d.winner?.metadata.name).toBe("zz-old");
    expect(d.action).toMatchObject({ dstOverrides: [{ authority: V1, weight: "1" }] });
    expect(d.splits.map((s) => [s.split.metadata.name, s.state])).toEqual([
      ["zz-old", "Pending"],
      ["aa-young", "Conflict"],
    ]);
    expect(d.events.map((e) => [e.split?.metadata.name, e.reason])).toEqual([
      ["zz-old", "Created"],
      ["aa-young", "Conflict"],
    ]);
  });

  it("breaks a tie in age by name", () => {
    const b = split("b", "web", [["web-v2", 1]]);
    const a = split("a", "web", [["web-v1", 1]]);
    expect(decide([b, a], undefined).winner?.metadata.name).toBe("a");
  });

  it("ignores splits of other apexes", () => {
    const other = split("api", "api", [["api-v1", 1]], "2020-01-01T00:00:00Z");
    expect(decide([other, webSplit], undefined).winner?.metadata.name).toBe("web-split");
  });

  it("keeps the last good state of an invalid winner and writes nothing", () => {
    const bad = split("bad", "web", [["web-v1", -1]]);
    const d = decide([bad], profile([{ authority: V1, weight: "1" }], [ours]));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("invalid");
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "InvalidSpec" });
    expect(d.events[0]?.message).toMatch(
      /^error\[negative-weight\] spec\.backends\[0\]\.weight: [\s\S]*\. ServiceProfile web\.shop\.svc\.cluster\.local keeps its last good state\.$/,
    );
    expect(d.splits[0]?.state).toBe("Invalid");
  });

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
});

describe("decideApex: cleaning up when no split targets the apex", () => {
  it("never touches a profile the adaptor did not write", () => {
    const theirs = profile([{ authority: V1, weight: "1" }], [kubectlOverrides]);
    const d = decide([], theirs);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("absent");
    expect(d.events).toEqual([]);
  });

  it("deletes a profile only it (or linkerd-smi v0.2.7) wrote", () => {
    for (const manager of [ours, goAdaptor]) {
      const d = decide([], profile([{ authority: V1, weight: "1" }], [manager]));
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
    const shared = profile([{ authority: V1, weight: "1" }], [ours, kubectlRoutes], {
      routes: true,
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
    const skipped = profile([{ authority: V1, weight: "1" }], [ours], {
      annotations: { "smi.linkerd.io/skip": "true" },
    });
    const d = decide([], skipped);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("skipped");
  });

  it("does nothing when there is no profile, or ours has no dstOverrides left", () => {
    expect(decide([], undefined).result).toBe("absent");
    const cleared = profile(undefined, [ours, kubectlRoutes], { routes: true });
    expect(decide([], cleared)).toMatchObject({ result: "unchanged", action: { kind: "none" } });
  });

  it("retargeting: the old apex is cleaned up, the new one created", () => {
    const moved = split("web-split", "api", [["web-v1", 1]]);
    const old = decide([moved], profile([{ authority: V1, weight: "1" }], [ours]), {
      departed: webSplit,
    });
    expect(old.result).toBe("deleted");
    expect(old.events[0]?.split).toBe(webSplit);
    const fresh = decide([moved], undefined, { apex: "api" });
    expect(fresh.result).toBe("created");
    expect(fresh.action).toMatchObject({ name: "api.shop.svc.cluster.local" });
  });
});

describe("decideApex: giving back dstOverrides the adaptor took over", () => {
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
    const existing = profile(
      [
        { authority: V1, weight: "900" },
        { authority: V2, weight: "100" },
      ],
      [oursWithAnnotation, kubectlRoutes],
      { routes: true, annotations: { "smi.linkerd.io/previous-dst-overrides": kept } },
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
    const existing = profile(
      [{ authority: V2, weight: "7" }],
      [
        {
          manager: "smi-adaptor",
          operation: "Apply",
          fieldsV1: {
            "f:metadata": { "f:annotations": { "f:smi.linkerd.io/previous-dst-overrides": {} } },
          },
        },
        { ...kubectlOverrides, manager: "kubectl-edit" },
      ],
      { annotations: { "smi.linkerd.io/previous-dst-overrides": kept } },
    );
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
    const existing = profile([{ authority: V1, weight: "900" }], [oursWithAnnotation], {
      annotations: { "smi.linkerd.io/previous-dst-overrides": kept, "smi.linkerd.io/skip": "" },
    });
    const d = decide([], existing);
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("skipped");
  });

  it("ignores an annotation that does not hold dstOverrides", () => {
    const existing = profile([{ authority: V1, weight: "900" }], [ours], {
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

describe("profile name <-> apex", () => {
  it("inverts serviceProfileName, with or without a trailing dot on the domain", () => {
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "shop", "cluster.local.")).toBe(
      "web",
    );
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "shop", "cluster.local")).toBe(
      "web",
    );
    expect(apexOfServiceProfileName("web.shop.svc.cluster.local", "other")).toBeUndefined();
    expect(apexOfServiceProfileName("a.b.shop.svc.cluster.local", "shop")).toBeUndefined();
    expect(apexOfServiceProfileName(".shop.svc.cluster.local", "shop")).toBeUndefined();
    expect(apexOfServiceProfileName("web.shop.svc.example.org", "shop")).toBeUndefined();
  });

  it("round-trips every apex, namespace and domain", () => {
    const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
    const domain = fc
      .array(label, { minLength: 1, maxLength: 4 })
      .chain((labels) => fc.constantFrom(labels.join("."), `${labels.join(".")}.`));
    fc.assert(
      fc.property(label, label, domain, (apex, namespace, clusterDomain) => {
        const name = serviceProfileName(apex, namespace, clusterDomain);
        expect(name.endsWith(".")).toBe(false);
        expect(apexOfServiceProfileName(name, namespace, clusterDomain)).toBe(apex);
      }),
      { numRuns: 500 },
    );
  });
});

describe("serviceProfileOutput: matches are never dropped silently", () => {
  it("warns that a ServiceProfile cannot express matches, and names httproute mode", () => {
    const s = {
      ...split("web", "web", [["web-v1", 1]]),
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
});
