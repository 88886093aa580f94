import { describe, expect, it } from "vitest";
import {
  adaptorRoute,
  NS,
  PROFILE,
  storedProfile,
  targetedWorld as world,
  trafficSplit,
  V1,
} from "../../test/fixtures.js";
import { decideApex, httpRouteOutput, serviceProfileOutput, targetedOutput } from "../index.js";

// Expected actions are written by hand from the cut-over rules.

const output = (target: "serviceprofile" | "httproute") =>
  targetedOutput({ target, serviceProfile: serviceProfileOutput(), httpRoute: httpRouteOutput() });
const split = (annotation?: string) =>
  trafficSplit("web", [["web-v1", 1]], {
    annotations: annotation === undefined ? undefined : { "smi.linkerd.io/target": annotation },
  });
const ourProfile = storedProfile([{ authority: V1, weight: "1" }], {
  uid: "p",
  resourceVersion: "5",
});
const ourRoute = adaptorRoute();
/** The profile the split would write, as the adaptor stored it. */
const synced = storedProfile([{ authority: V1, weight: "1" }]);

describe("targetedOutput: which output carries the split", () => {
  it("names its objects after the output of -target", () => {
    expect(output("serviceprofile").kind).toBe("ServiceProfile");
    expect(output("serviceprofile").nameOf(NS, "web")).toBe(PROFILE);
    expect(output("httproute").kind).toBe("HTTPRoute");
    expect(output("httproute").target).toBe("httproute");
  });

  it("the flag decides without an annotation; a bad annotation warns and falls back to it", () => {
    const plain = decideApex(
      { namespace: NS, apex: "web", splits: [split()], existing: world() },
      output("httproute"),
    );
    expect(plain.action.kind === "write" ? plain.action.target : "none").toBe("httproute");
    const bad = decideApex(
      { namespace: NS, apex: "web", splits: [split("gateway")], existing: world() },
      output("serviceprofile"),
    );
    expect(bad.action.kind === "write" ? bad.action.target : "none").toBe("serviceprofile");
    expect(bad.events[0]?.message).toContain(
      'annotation smi.linkerd.io/target: "gateway" is not one of serviceprofile, httproute',
    );
  });

  it("a bad annotation is a Warning that says which output is used instead", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [split("Gateway")], existing: world(synced) },
      output("serviceprofile"),
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

  it("a bad annotation under -target httproute: the note comes first, then the routes' Events", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [
          trafficSplit("w", [["web-v1", 1]], {
            annotations: { "smi.linkerd.io/target": "gateway" },
          }),
        ],
        existing: world(),
      },
      output("httproute"),
    );
    expect(d.events[0]?.message).toBe(
      'annotation smi.linkerd.io/target: "gateway" is not one of serviceprofile, httproute; using httproute.',
    );
    expect(d.events.length).toBeGreaterThan(1);
  });

  it("the annotation moves one split to httproute: routes written, the profile keeps the split until Linkerd accepts them", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [split("httproute")], existing: world(ourProfile) },
      output("serviceprofile"),
    );
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.target).toBe("httproute");
    // The profile already carries the split: nothing to write there, and nothing deleted.
    expect(d.action.profile).toEqual({ kind: "none" });
    expect(
      d.action.routes.kind === "sync" ? d.action.routes.apply.map((r) => r.metadata.name) : [],
    ).toEqual(["web-smi-80"]);
    expect(d.splits[0]?.state).toBe("CutOverPending");
    expect(d.splits[0]?.reason).toBe(
      `moving to the routes: waiting for Linkerd's policy controller to accept HTTPRoute web-smi-80; until then ServiceProfile ${PROFILE} keeps the split's dstOverrides, and proxies use it`,
    );
  });

  it("moving back to serviceprofile writes the profile and keeps the routes the adaptor wrote", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split("serviceprofile")],
        existing: world(undefined, [ourRoute]),
        now: "2026-12-04T21:00:00Z",
      },
      output("httproute"),
    );
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.target).toBe("serviceprofile");
    expect(d.action.profile).toEqual({
      kind: "apply",
      namespace: NS,
      name: PROFILE,
      dstOverrides: [{ authority: "web-v1.shop.svc.cluster.local", weight: "1" }],
      cutOverState: '{"to":"serviceprofile","since":"2026-12-04T21:00:00Z"}',
    });
    if (d.action.routes.kind !== "sync") throw new Error("expected a route write");
    expect(d.action.routes.delete).toEqual([]);
    expect(d.action.routes.apply.map((r) => r.metadata.name)).toEqual(["web-smi-80"]);
    expect(d.result).toBe("created");
    expect(d.splits[0]?.state).toBe("CutOverPending");
  });

  it("a new profile and no routes: a write of the profile alone", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [split()], existing: world() },
      output("serviceprofile"),
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

  it("a profile created while routes of ours stay in step (the cut-over back) is a creation", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [trafficSplit("w", [["web-v1", 1]])],
        existing: world(undefined, [ourRoute]),
      },
      output("serviceprofile"),
    );
    expect(d.result).toBe("created");
  });

  it("a profile in step and no routes of ours: nothing to write", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [split("serviceprofile")], existing: world(synced) },
      output("httproute"),
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
        splits: [split("serviceprofile")],
        existing: world(synced, [ourRoute]),
        now: "2026-12-04T21:00:00Z",
      },
      output("httproute"),
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
});

describe("targetedOutput: cleaning up both sides when no split is left", () => {
  it("with no split left, cleans up both sides", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(ourProfile, [ourRoute]) },
      output("serviceprofile"),
    );
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.profile.kind).toBe("delete");
    expect(
      d.action.routes.kind === "sync" ? d.action.routes.delete.map((r) => r.name) : [],
    ).toEqual(["web-smi-80"]);
    expect(d.result).toBe("deleted");
  });

  it("reports the bigger change of the two sides", () => {
    const routesOnly = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(undefined, [ourRoute]) },
      output("serviceprofile"),
    );
    expect(routesOnly.result).toBe("deleted");
    const shared = storedProfile([{ authority: V1, weight: "1" }], { labels: { team: "a" } });
    const cleanedAndDeleted = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(shared, [ourRoute]) },
      output("serviceprofile"),
    );
    expect(cleanedAndDeleted.result).toBe("deleted");
    expect(cleanedAndDeleted.events.map((e) => e.reason)).toEqual(["Cleaned", "Deleted"]);
    const profileOnly = decideApex(
      { namespace: NS, apex: "web", splits: [], existing: world(shared) },
      output("serviceprofile"),
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
      output("httproute"),
    );
    expect(nothing).toMatchObject({ result: "absent", action: { kind: "none" }, events: [] });
  });

  it("says a profile is unchanged or skipped when no route is there", () => {
    const cleared = storedProfile(undefined, { labels: { team: "a" } });
    expect(
      decideApex(
        { namespace: NS, apex: "web", splits: [], existing: world(cleared) },
        output("serviceprofile"),
      ).result,
    ).toBe("unchanged");
    const skipped = storedProfile([{ authority: V1, weight: "1" }], {
      annotations: { "smi.linkerd.io/skip": "true" },
    });
    expect(
      decideApex(
        { namespace: NS, apex: "web", splits: [], existing: world(skipped) },
        output("serviceprofile"),
      ).result,
    ).toBe("skipped");
  });
});
