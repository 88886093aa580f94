import { describe, expect, it } from "vitest";
import {
  decideApex,
  httpRouteOutput,
  serviceProfileOutput,
  targetedOutput,
  type Route,
  type ServiceProfile,
  type TargetedWorld,
  type TrafficSplitObject,
} from "../index.js";

// Expected actions are written by hand from the cut-over rules.

const NS = "shop";
const PROFILE = "web.shop.svc.cluster.local";
const output = (target: "serviceprofile" | "httproute") =>
  targetedOutput({ target, serviceProfile: serviceProfileOutput(), httpRoute: httpRouteOutput() });

function split(annotation?: string): TrafficSplitObject {
  return {
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: {
      name: "web",
      namespace: NS,
      uid: "uid-web",
      creationTimestamp: "2026-01-01T00:00:00Z",
      ...(annotation === undefined ? {} : { annotations: { "smi.linkerd.io/target": annotation } }),
    },
    spec: { service: "web", backends: [{ service: "web-v1", weight: 1 }] },
  };
}

const ourProfile: ServiceProfile = {
  apiVersion: "linkerd.io/v1alpha2",
  kind: "ServiceProfile",
  metadata: {
    name: PROFILE,
    namespace: NS,
    uid: "p",
    resourceVersion: "5",
    managedFields: [
      {
        manager: "smi-adaptor",
        operation: "Apply",
        fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
      },
    ],
  },
  spec: { dstOverrides: [{ authority: "web-v1.shop.svc.cluster.local", weight: "1" }] },
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
const service = {
  metadata: { name: "web", namespace: NS },
  spec: { clusterIP: "10.0.0.1", ports: [{ port: 80 }] },
};
const world = (profile?: ServiceProfile, routes: Route[] = []): TargetedWorld => ({
  profile,
  routes: {
    namespace: NS,
    apex: "web",
    service,
    routes,
    profiles: profile === undefined ? [] : [profile],
  },
});

describe("targetedOutput", () => {
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
});
