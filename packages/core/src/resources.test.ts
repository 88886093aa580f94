import { describe, expect, it } from "vitest";
import {
  gatewayApiSupport,
  httpRouteGroupResource,
  httpRouteResource,
  SERVICE_PROFILE_RESOURCE,
  TCP_ROUTE_RESOURCE,
  trafficSplitResource,
} from "./resources.js";

// Expected values written from the CRDs the adaptor talks to: SMI's trafficsplits and
// httproutegroups, Linkerd's serviceprofiles, and the Gateway API's httproutes and tcproutes.
describe("resource descriptors", () => {
  it("TrafficSplit: split.smi-spec.io, v1alpha2 unless asked", () => {
    const split = {
      group: "split.smi-spec.io",
      plural: "trafficsplits",
      kind: "TrafficSplit",
      namespaced: true,
    };
    expect(trafficSplitResource()).toStrictEqual({ ...split, version: "v1alpha2" });
    expect(trafficSplitResource("v1alpha4")).toStrictEqual({ ...split, version: "v1alpha4" });
  });

  it("ServiceProfile: linkerd.io/v1alpha2, frozen", () => {
    expect(SERVICE_PROFILE_RESOURCE).toStrictEqual({
      group: "linkerd.io",
      version: "v1alpha2",
      plural: "serviceprofiles",
      kind: "ServiceProfile",
      namespaced: true,
    });
    expect(Object.isFrozen(SERVICE_PROFILE_RESOURCE)).toBe(true);
  });

  it("HTTPRouteGroup: specs.smi-spec.io, v1alpha4 unless asked", () => {
    const group = {
      group: "specs.smi-spec.io",
      plural: "httproutegroups",
      kind: "HTTPRouteGroup",
      namespaced: true,
    };
    expect(httpRouteGroupResource()).toStrictEqual({ ...group, version: "v1alpha4" });
    expect(httpRouteGroupResource("v1alpha1")).toStrictEqual({ ...group, version: "v1alpha1" });
  });

  it("HTTPRoute: gateway.networking.k8s.io, v1 unless asked (v1beta1 on Linkerd 2.15-2.17)", () => {
    const route = {
      group: "gateway.networking.k8s.io",
      plural: "httproutes",
      kind: "HTTPRoute",
      namespaced: true,
    };
    expect(httpRouteResource()).toStrictEqual({ ...route, version: "v1" });
    expect(httpRouteResource("v1beta1")).toStrictEqual({ ...route, version: "v1beta1" });
  });

  it("TCPRoute: gateway.networking.k8s.io/v1alpha2, frozen", () => {
    expect(TCP_ROUTE_RESOURCE).toStrictEqual({
      group: "gateway.networking.k8s.io",
      version: "v1alpha2",
      plural: "tcproutes",
      kind: "TCPRoute",
      namespaced: true,
    });
    expect(Object.isFrozen(TCP_ROUTE_RESOURCE)).toBe(true);
  });
});

describe("gatewayApiSupport", () => {
  /** API discovery of a cluster serving `served` ("group/version/plural"), recording each question. */
  function cluster(...served: string[]) {
    const asked: string[] = [];
    const ask = (r: { group: string; version: string; plural: string }) => {
      const id = `${r.group}/${r.version}/${r.plural}`;
      asked.push(id);
      return Promise.resolve(served.includes(id));
    };
    return { ask, asked };
  }
  const V1 = "gateway.networking.k8s.io/v1/httproutes";
  const V1BETA1 = "gateway.networking.k8s.io/v1beta1/httproutes";
  const TCP = "gateway.networking.k8s.io/v1alpha2/tcproutes";
  const GROUPS = "specs.smi-spec.io/v1alpha4/httproutegroups";

  it("auto: v1 when served, without asking about v1beta1", async () => {
    const { ask, asked } = cluster(V1, V1BETA1, TCP, GROUPS);
    expect(await gatewayApiSupport(ask)).toEqual({
      httpRoute: "v1",
      tcpRoute: true,
      httpRouteGroup: true,
    });
    expect(asked).toEqual([V1, TCP, GROUPS]);
  });

  it("auto: v1beta1 when only it is served (Linkerd 2.15-2.17)", async () => {
    const { ask, asked } = cluster(V1BETA1);
    expect(await gatewayApiSupport(ask, "auto")).toEqual({
      httpRoute: "v1beta1",
      tcpRoute: false,
      httpRouteGroup: false,
    });
    expect(asked).toEqual([V1, V1BETA1, TCP, GROUPS]);
  });

  it("a forced version is the only one looked for", async () => {
    const { ask, asked } = cluster(V1, TCP);
    expect(await gatewayApiSupport(ask, "v1beta1")).toEqual({
      tcpRoute: true,
      httpRouteGroup: false,
    });
    expect(asked).toEqual([V1BETA1, TCP, GROUPS]);
  });

  it("throws what discovery throws", async () => {
    const refused = () => Promise.reject(new Error("forbidden"));
    await expect(gatewayApiSupport(refused)).rejects.toThrow("forbidden");
  });
});
