import {
  managedByAdaptor,
  onlyAdaptorContent,
  otherEditorsOfDstOverrides,
  type ServiceProfile,
} from "@linkerd-smi/core";
import { describe, expect, it } from "vitest";
import { slimObject, slimProfile, slimService } from "./slim.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const profile = {
  apiVersion: "linkerd.io/v1alpha2" as const,
  kind: "ServiceProfile" as const,
  metadata: {
    name: "web.shop.svc.cluster.local",
    namespace: "shop",
    resourceVersion: "42",
    uid: "u-1",
    annotations: { [LAST_APPLIED]: '{"a huge":"copy"}', team: "shop" },
    managedFields: [
      {
        manager: "smi-adaptor",
        operation: "Apply",
        apiVersion: "linkerd.io/v1alpha2",
        time: "2026-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
      },
      {
        manager: "kubectl-client-side-apply",
        operation: "Update",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:routes": {} }, "f:metadata": { "f:annotations": {} } },
      },
    ],
  },
  spec: {
    dstOverrides: [{ authority: "web-v1.shop.svc.cluster.local", weight: "1" }],
    routes: [{ name: "GET /", condition: { method: "GET" } }],
  },
};

describe("slimProfile", () => {
  it("keeps each field manager and whether it owns dstOverrides, the spec, and the annotation keys", () => {
    expect(slimProfile(profile)).toEqual({
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: {
        name: "web.shop.svc.cluster.local",
        namespace: "shop",
        resourceVersion: "42",
        uid: "u-1",
        annotations: { [LAST_APPLIED]: "", team: "shop" },
        managedFields: [
          {
            manager: "smi-adaptor",
            operation: "Apply",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
          },
          { manager: "kubectl-client-side-apply", operation: "Update" },
        ],
      },
      spec: profile.spec,
    });
  });

  it("leaves core's ownership predicates answering as they do on the whole object", () => {
    const foreignWriter: ServiceProfile = {
      ...profile,
      metadata: {
        ...profile.metadata,
        managedFields: [
          ...profile.metadata.managedFields,
          {
            manager: "flagger",
            operation: "Update",
            fieldsV1: { "f:spec": { "f:dstOverrides": { ".": {} } } },
          },
        ],
      },
    };
    const onlyOurs: ServiceProfile = {
      ...profile,
      metadata: {
        name: profile.metadata.name,
        namespace: "shop",
        managedFields: profile.metadata.managedFields.slice(0, 1),
      },
      spec: { dstOverrides: profile.spec.dstOverrides },
    };
    for (const p of [profile as ServiceProfile, foreignWriter, onlyOurs]) {
      const slim = slimProfile(p);
      expect(managedByAdaptor(slim)).toBe(managedByAdaptor(p));
      expect(onlyAdaptorContent(slim)).toBe(onlyAdaptorContent(p));
      expect(otherEditorsOfDstOverrides(slim)).toEqual(otherEditorsOfDstOverrides(p));
    }
    expect(managedByAdaptor(slimProfile(profile))).toBe(true);
    expect(onlyAdaptorContent(slimProfile(onlyOurs))).toBe(true);
    expect(onlyAdaptorContent(slimProfile(profile))).toBe(false);
    expect(otherEditorsOfDstOverrides(slimProfile(foreignWriter))).toEqual(["flagger"]);
  });

  it("does not change the object it is given", () => {
    const copy = structuredClone(profile);
    slimProfile(profile);
    expect(profile).toEqual(copy);
  });
});

describe("slimService", () => {
  it("keeps metadata and the ports, cluster IP and type; drops status, other spec fields and managedFields", () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "web",
        namespace: "shop",
        resourceVersion: "7",
        labels: { app: "web" },
        annotations: { "config.linkerd.io/opaque-ports": "3306" },
        managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": {} } }],
      },
      spec: {
        ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080, appProtocol: "http" }],
        clusterIP: "10.0.0.7",
        clusterIPs: ["10.0.0.7"],
        type: "ClusterIP",
        selector: { app: "web" },
        sessionAffinity: "None",
        ipFamilies: ["IPv4"],
        internalTrafficPolicy: "Cluster",
      },
      status: { loadBalancer: {} },
    };
    expect(slimService(service)).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "web",
        namespace: "shop",
        resourceVersion: "7",
        labels: { app: "web" },
        annotations: { "config.linkerd.io/opaque-ports": "3306" },
      },
      spec: {
        ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080, appProtocol: "http" }],
        clusterIP: "10.0.0.7",
        type: "ClusterIP",
        selector: { app: "web" },
      },
    });
  });
});

describe("slimObject", () => {
  it("drops managedFields and the last-applied copy, and keeps everything else", () => {
    const split = {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: {
        name: "web",
        namespace: "shop",
        creationTimestamp: "2026-01-01T00:00:00Z",
        annotations: { [LAST_APPLIED]: "{...}", "smi.linkerd.io/target": "gateway-api" },
        managedFields: [{ manager: "kubectl", operation: "Update" }],
      },
      spec: { service: "web", backends: [{ service: "web-v1", weight: 1 }] },
    };
    expect(slimObject(split)).toEqual({
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: {
        name: "web",
        namespace: "shop",
        creationTimestamp: "2026-01-01T00:00:00Z",
        annotations: { [LAST_APPLIED]: "", "smi.linkerd.io/target": "gateway-api" },
      },
      spec: { service: "web", backends: [{ service: "web-v1", weight: 1 }] },
    });
  });
});
