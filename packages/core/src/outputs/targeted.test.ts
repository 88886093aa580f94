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
  it("the annotation moves one split to httproute: routes written, the adaptor's profile deleted", () => {
    const d = decideApex(
      { namespace: NS, apex: "web", splits: [split("httproute")], existing: world(ourProfile) },
      output("serviceprofile"),
    );
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.target).toBe("httproute");
    expect(d.action.profile).toEqual({
      kind: "delete",
      namespace: NS,
      name: PROFILE,
      uid: "p",
      resourceVersion: "5",
    });
    expect(
      d.action.routes.kind === "sync" ? d.action.routes.apply.map((r) => r.metadata.name) : [],
    ).toEqual(["web-smi-80"]);
  });

  it("moving back to serviceprofile deletes the routes the adaptor wrote and writes the profile", () => {
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [split("serviceprofile")],
        existing: world(undefined, [ourRoute]),
      },
      output("httproute"),
    );
    if (d.action.kind !== "write") throw new Error("expected a write");
    expect(d.action.target).toBe("serviceprofile");
    expect(d.action.profile.kind).toBe("apply");
    expect(d.action.routes).toEqual({
      kind: "sync",
      namespace: NS,
      apply: [],
      delete: [
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          namespace: NS,
          name: "web-smi-80",
          uid: "r",
          resourceVersion: "6",
        },
      ],
      profile: { kind: "none" },
    });
    expect(d.events.some((e) => e.reason === "CutOver" && e.message.includes("#11032"))).toBe(true);
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
