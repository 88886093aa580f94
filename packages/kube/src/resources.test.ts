import {
  SERVICE_PROFILE_RESOURCE,
  trafficSplitResource,
  type ServiceProfile,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import { describe, expect, it } from "vitest";
import { microTime } from "./leader.js";
import {
  apiVersionOf,
  ClusterRoleBindingV1,
  ClusterRoleV1,
  DeploymentV1,
  EventV1,
  LeaseV1,
  NamespaceV1,
  objectKey,
  PodV1,
  resourceName,
  resourcePath,
  ServiceAccountV1,
  ServiceV1,
  splitKey,
  type ResourceDescriptor,
} from "./resources.js";
import { backoffDelay, deepFreeze } from "./util.js";

describe("resource descriptors", () => {
  it("build the API paths the apiserver serves", () => {
    expect(resourcePath(ServiceV1, "default")).toBe("/api/v1/namespaces/default/services");
    expect(resourcePath(PodV1, "prod", "web-0")).toBe("/api/v1/namespaces/prod/pods/web-0");
    expect(resourcePath(EventV1, "prod")).toBe("/api/v1/namespaces/prod/events");
    expect(resourcePath(ServiceAccountV1, "linkerd-smi", "smi-adaptor")).toBe(
      "/api/v1/namespaces/linkerd-smi/serviceaccounts/smi-adaptor",
    );
    expect(resourcePath(DeploymentV1, "linkerd-smi", "smi-adaptor")).toBe(
      "/apis/apps/v1/namespaces/linkerd-smi/deployments/smi-adaptor",
    );
    expect(resourcePath(LeaseV1, "kube-system", "a/b")).toBe(
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/a%2Fb",
    );
    // Cluster-scoped: a namespace, if given, is not part of the path.
    expect(resourcePath(NamespaceV1, undefined, "linkerd-smi")).toBe(
      "/api/v1/namespaces/linkerd-smi",
    );
    expect(resourcePath(NamespaceV1, "ignored")).toBe("/api/v1/namespaces");
    expect(resourcePath(ClusterRoleV1, undefined, "linkerd-smi-adaptor")).toBe(
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/linkerd-smi-adaptor",
    );
    expect(resourcePath(ClusterRoleBindingV1)).toBe(
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    );
  });

  it("accept @linkerd-smi/core's descriptors as they are", () => {
    // Type-checked: core's object types are KubeObjects, its descriptors ResourceDescriptors.
    const splits: ResourceDescriptor<TrafficSplitObject> = trafficSplitResource("v1alpha1");
    const profiles: ResourceDescriptor<ServiceProfile> = SERVICE_PROFILE_RESOURCE;
    expect(resourcePath(splits, "prod")).toBe(
      "/apis/split.smi-spec.io/v1alpha1/namespaces/prod/trafficsplits",
    );
    expect(resourcePath(trafficSplitResource(), "prod", "web")).toBe(
      "/apis/split.smi-spec.io/v1alpha2/namespaces/prod/trafficsplits/web",
    );
    expect(resourcePath(profiles, "prod", "web.prod.svc.cluster.local")).toBe(
      "/apis/linkerd.io/v1alpha2/namespaces/prod/serviceprofiles/web.prod.svc.cluster.local",
    );
    expect(resourceName(SERVICE_PROFILE_RESOURCE)).toBe("serviceprofiles.linkerd.io");
  });

  it("name their apiVersion and resource", () => {
    expect(apiVersionOf(ServiceV1)).toBe("v1");
    expect(apiVersionOf(DeploymentV1)).toBe("apps/v1");
    expect(apiVersionOf(ClusterRoleBindingV1)).toBe("rbac.authorization.k8s.io/v1");
    expect(resourceName(ClusterRoleV1)).toBe("clusterroles.rbac.authorization.k8s.io");
    expect(resourceName(ServiceV1)).toBe("services");
    expect([PodV1, NamespaceV1, ServiceAccountV1].map((r) => r.kind)).toEqual([
      "Pod",
      "Namespace",
      "ServiceAccount",
    ]);
  });

  it("key objects by namespace/name and split the keys back", () => {
    expect(objectKey({ metadata: { namespace: "prod", name: "web" } })).toBe("prod/web");
    expect(objectKey({ metadata: { name: "cluster-wide" } })).toBe("cluster-wide");
    expect(splitKey("prod/web")).toEqual({ namespace: "prod", name: "web" });
    expect(splitKey("cluster-wide")).toEqual({ namespace: undefined, name: "cluster-wide" });
  });
});

describe("helpers", () => {
  it("format MicroTime with six fractional digits", () => {
    expect(microTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe(
      "2024-01-02T03:04:05.678000Z",
    );
  });

  it("back off exponentially with jitter, within the cap", () => {
    const low = (attempt: number) =>
      backoffDelay(attempt, { initialMs: 200, maxMs: 30_000 }, () => 0);
    const high = (attempt: number) =>
      backoffDelay(attempt, { initialMs: 200, maxMs: 30_000 }, () => 1);
    expect([high(0), high(1), high(2), high(3)]).toEqual([200, 400, 800, 1600]);
    expect([low(0), low(1)]).toEqual([100, 200]);
    expect(high(20)).toBe(30_000);
    expect(low(20)).toBe(15_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(i % 12);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });

  it("deep-freeze nested objects", () => {
    const obj = deepFreeze({
      metadata: { labels: { a: "1" } },
      spec: { backends: [{ service: "x" }] },
    });
    expect(Object.isFrozen(obj.metadata.labels)).toBe(true);
    expect(Object.isFrozen(obj.spec.backends[0])).toBe(true);
    expect(() => {
      (obj.spec.backends as { service: string }[]).push({ service: "y" });
    }).toThrow(TypeError);
  });
});
