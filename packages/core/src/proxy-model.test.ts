import { describe, expect, it } from "vitest";
import { ProxyModel, profileOverridesPolicy, servedBy, type ServedWorld } from "./proxy-model.js";
import type { Route } from "./gateway-types.js";
import type { ServiceProfile } from "./types.js";
import { serviceProfile } from "../test/fixtures.js";

// Expected values are written by hand from linkerd2-proxy release/v2.366.0 (see proxy-model.ts)
// and from the timeline measured with a real proxy in issue 27.

const half = serviceProfile([
  { authority: "backend-svc.shop.svc.cluster.local:80", weight: "500m" },
  { authority: "failing-svc.shop.svc.cluster.local:80", weight: "500m" },
]);
const route = (accepted: boolean, weights: [number, number] = [500, 500]): Route => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "web-smi-80", namespace: "shop", creationTimestamp: "2026-12-04T20:00:00Z" },
  spec: {
    parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }],
    rules: [
      {
        matches: [],
        backendRefs: [
          { group: "", kind: "Service", name: "backend-svc", port: 80, weight: weights[0] },
          { group: "", kind: "Service", name: "failing-svc", port: 80, weight: weights[1] },
        ],
      },
    ],
  },
  ...(accepted
    ? {
        status: {
          parents: [
            {
              parentRef: { group: "core", kind: "Service", name: "web", port: 80 },
              controllerName: "linkerd.io/policy-controller",
              conditions: [{ type: "Accepted", status: "True", reason: "Accepted" }],
            },
          ],
        },
      }
    : {}),
});
const world = (p: ServiceProfile | undefined, routes: Route[]): ServedWorld => ({
  namespace: "shop",
  apex: "web",
  port: 80,
  profile: p,
  routes,
});
const asObject = (m: ReadonlyMap<string, number>) => Object.fromEntries(m);

describe("should_override_policy", () => {
  it("takes the profile when it has a non-zero dstOverrides entry or routes, else the policy", () => {
    expect(profileOverridesPolicy(half)).toBe(true);
    expect(
      profileOverridesPolicy(
        serviceProfile([], { routes: [{ name: "GET /", condition: { method: "GET" } }] }),
      ),
    ).toBe(true);
    expect(profileOverridesPolicy(serviceProfile([]))).toBe(false);
    expect(profileOverridesPolicy(undefined)).toBe(false);
    // convert_dst_override drops weight 0, so an all-zero profile has no targets.
    expect(
      profileOverridesPolicy(
        serviceProfile([{ authority: "backend-svc.shop.svc.cluster.local:80", weight: "0" }]),
      ),
    ).toBe(false);
  });

  it("serves the apex alone on a profile stack without targets and on a policy stack without a route", () => {
    expect(asObject(servedBy("profile", world(serviceProfile([]), [])))).toEqual({ web: 1 });
    expect(asObject(servedBy("policy", world(undefined, [])))).toEqual({ web: 1 });
    // A route the policy controller has not accepted is not served.
    expect(asObject(servedBy("policy", world(undefined, [route(false)])))).toEqual({ web: 1 });
    expect(asObject(servedBy("policy", world(undefined, [route(true, [900, 100])])))).toEqual({
      "backend-svc": 0.9,
      "failing-svc": 0.1,
    });
    expect(asObject(servedBy("profile", world(half, [route(true, [900, 100])])))).toEqual({
      "backend-svc": 0.5,
      "failing-svc": 0.5,
    });
  });
});

describe("the stack cache, replaying issue 27's cut-over with one proxy", () => {
  it("a busy client keeps the profile with its dstOverrides removed: 100 % to the apex until a 12 s pause", () => {
    const proxy = new ProxyModel();
    const before = world(half, []);
    // 100 requests/s on keep-alive connections: one stays open.
    expect(proxy.open(before, 0).path).toBe("profile");
    // The old adaptor: route written and dstOverrides removed within 0.5 s.
    const after = world(serviceProfile([]), [route(true)]);
    for (let t = 1_000; t <= 89_000; t += 1_000) {
      const served = proxy.open(after, t);
      expect(served.path).toBe("profile");
      expect(asObject(served.shares)).toEqual({ web: 1 });
      proxy.close(after, t);
    }
    proxy.close(after, 89_000);
    // After the 12 s pause the stack is rebuilt, and it takes the route.
    const resumed = proxy.open(after, 101_000);
    expect(resumed.path).toBe("policy");
    expect(asObject(resumed.shares)).toEqual({ "backend-svc": 0.5, "failing-svc": 0.5 });
  });

  it("evicts only after 5 s with no connection, counted from the last one closed", () => {
    const proxy = new ProxyModel();
    const w = world(half, []);
    proxy.open(w, 0);
    proxy.close(w, 1_000);
    // 4.999 s idle: still cached, even though the profile no longer overrides.
    expect(proxy.cachedPath(world(serviceProfile([]), []), 5_999)).toBe("profile");
    expect(proxy.open(world(serviceProfile([]), []), 5_999).path).toBe("profile");
    proxy.close(w, 6_000);
    expect(proxy.open(world(serviceProfile([]), []), 11_000).path).toBe("policy");
  });

  it("back to the profile: a busy policy stack gets the default route once the route is deleted", () => {
    const proxy = new ProxyModel();
    const onRoutes = world(undefined, [route(true)]);
    expect(proxy.open(onRoutes, 0).path).toBe("policy");
    // The old adaptor deleted the route, then wrote the profile.
    const back = world(half, []);
    expect(asObject(proxy.open(back, 1_000).shares)).toEqual({ web: 1 });
    // A restart rebuilds the stack: the profile with overrides wins.
    proxy.restart();
    expect(proxy.open(back, 2_000).path).toBe("profile");
  });
});
