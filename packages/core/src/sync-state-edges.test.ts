// splitSyncState's own inputs and outputs, each with a literal expectation: what `status` and
// `check` print comes from here (mutation testing found these paths unchecked).
import { describe, expect, it } from "vitest";
import { splitSyncState, type SplitLike } from "./index.js";
import type { ServiceProfile } from "./types.js";

const web = (annotations?: Record<string, string>): SplitLike => ({
  metadata: {
    name: "web-split",
    namespace: "shop",
    creationTimestamp: "2024-01-01T00:00:00Z",
    ...(annotations === undefined ? {} : { annotations }),
  },
  spec: {
    service: "web",
    backends: [
      { service: "web-v1", weight: "900m" },
      { service: "web-v2", weight: "100m" },
    ],
  },
});

const profile = (name: string, domain: string): ServiceProfile => ({
  apiVersion: "linkerd.io/v1alpha2",
  kind: "ServiceProfile",
  metadata: { name, namespace: "shop" },
  spec: {
    dstOverrides: [
      { authority: `web-v1.shop.svc.${domain}`, weight: "900m" },
      { authority: `web-v2.shop.svc.${domain}`, weight: "100m" },
    ],
  },
});

describe("splitSyncState", () => {
  it("says which target it chose and why, when the annotation names no output", () => {
    const state = splitSyncState({
      split: web({ "smi.linkerd.io/target": "gateway" }),
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
      split: web(),
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
      split: web(),
      splitsInNamespace: [],
      profile: profile("web.shop.svc.cluster.local", "cluster.local"),
    });
    expect(state.state).toBe("Synced");
    expect(state.profileName).toBe("web.shop.svc.cluster.local");
    expect(state.writes).toBe(false);
  });

  it("names the profile when Pending, and writes it then", () => {
    const state = splitSyncState({ split: web(), splitsInNamespace: [], profile: undefined });
    expect(state.state).toBe("Pending");
    expect(state.profileName).toBe("web.shop.svc.cluster.local");
    expect(state.writes).toBe(true);
  });

  it("reads the profile and the authorities in another cluster domain", () => {
    const state = splitSyncState({
      split: web(),
      splitsInNamespace: [],
      profile: profile("web.shop.svc.example.org", "example.org"),
      clusterDomain: "example.org",
    });
    expect(state.profileName).toBe("web.shop.svc.example.org");
    expect(state.state).toBe("Synced");
    expect(state.writes).toBe(false);
  });

  it("lists the backends whose Service does not exist, when told which exist", () => {
    const state = splitSyncState({
      split: web(),
      splitsInNamespace: [],
      profile: profile("web.shop.svc.cluster.local", "cluster.local"),
      serviceExists: (name) => name !== "web-v2",
    });
    expect(state.missingBackends).toEqual(["web-v2"]);
    const told = splitSyncState({
      split: web(),
      splitsInNamespace: [],
      profile: profile("web.shop.svc.cluster.local", "cluster.local"),
    });
    expect(told.missingBackends).toEqual([]);
  });

  it("a split that loses its apex to an older one writes nothing, even when the winner would", () => {
    const older: SplitLike = {
      metadata: { name: "older", namespace: "shop", creationTimestamp: "2023-01-01T00:00:00Z" },
      spec: { service: "web", backends: [{ service: "web-v1", weight: "1" }] },
    };
    const state = splitSyncState({
      split: web(),
      splitsInNamespace: [older, web()],
      profile: undefined,
    });
    expect(state.state).toBe("Conflict");
    expect(state.writes).toBe(false);
    const winner = splitSyncState({
      split: older,
      splitsInNamespace: [older, web()],
      profile: undefined,
    });
    expect(winner.writes).toBe(true);
  });
});
