import { describe, expect, it } from "vitest";
import {
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
