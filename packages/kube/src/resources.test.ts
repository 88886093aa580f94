import { describe, expect, it } from "vitest";
import { microTime } from "./leader.js";
import {
  apiVersionOf,
  LeaseV1,
  objectKey,
  resourceName,
  resourcePath,
  ServiceProfileV1Alpha2,
  ServiceV1,
  splitKey,
  TrafficSplitV1Alpha1,
  TrafficSplitV1Alpha2,
} from "./resources.js";
import { backoffDelay, deepFreeze } from "./util.js";

describe("resource descriptors", () => {
  it("build the API paths the apiserver serves", () => {
    expect(resourcePath(TrafficSplitV1Alpha2, "prod", "web")).toBe(
      "/apis/split.smi-spec.io/v1alpha2/namespaces/prod/trafficsplits/web",
    );
    expect(resourcePath(TrafficSplitV1Alpha1)).toBe(
      "/apis/split.smi-spec.io/v1alpha1/trafficsplits",
    );
    expect(resourcePath(ServiceV1, "default")).toBe("/api/v1/namespaces/default/services");
    expect(resourcePath(ServiceProfileV1Alpha2, "prod", "web.prod.svc.cluster.local")).toBe(
      "/apis/linkerd.io/v1alpha2/namespaces/prod/serviceprofiles/web.prod.svc.cluster.local",
    );
    expect(resourcePath(LeaseV1, "kube-system", "a/b")).toBe(
      "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/a%2Fb",
    );
  });

  it("name their apiVersion and resource", () => {
    expect(apiVersionOf(ServiceV1)).toBe("v1");
    expect(apiVersionOf(TrafficSplitV1Alpha1)).toBe("split.smi-spec.io/v1alpha1");
    expect(resourceName(ServiceProfileV1Alpha2)).toBe("serviceprofiles.linkerd.io");
    expect(resourceName(ServiceV1)).toBe("services");
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
