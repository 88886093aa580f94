import {
  decideApex,
  httpRouteOutput,
  type Route,
  type RouteWorld,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import { expectOk, startEnvironment, type TestEnvironment } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Linkerd ignores routes that use fields beyond Gateway API v1.2.1's standard channel; the
// standard channel's CRDs (no experimental fields) must accept every HTTPRoute we write.

let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment({
    log: () => undefined,
    gatewayApi: "standard",
    controllerManager: false,
  });
});
afterAll(async () => {
  await env.plane.stop();
});

const split: TrafficSplitObject = {
  apiVersion: "split.smi-spec.io/v1alpha4",
  kind: "TrafficSplit",
  metadata: { name: "web", namespace: "default", uid: "0b4cb3a0-0000-4000-8000-000000000001" },
  spec: {
    service: "web",
    backends: [
      { service: "web-v1", weight: "500m" },
      { service: "web-v2", weight: "0.25" },
      { service: "web", weight: 0 },
    ],
    matches: [{ kind: "HTTPRouteGroup", name: "g" }],
  },
};
const group = {
  spec: {
    matches: [
      {
        name: "a",
        pathRegex: "/api/v[0-9]+/.*",
        methods: ["GET", "PATCH"],
        headers: { "x-user": "^beta-.*" },
      },
      { name: "b", methods: ["*"] },
    ],
  },
};

describe("the standard channel of Gateway API v1.2.1", () => {
  it.each(["v1", "v1beta1"] as const)("accepts our HTTPRoute %s with matches", async (version) => {
    const world: RouteWorld = {
      namespace: "default",
      apex: "web",
      service: { metadata: { name: "web" }, spec: { ports: [{ port: 80 }, { port: 8080 }] } },
      routes: [],
      routeGroup: () => group,
    };
    const decision = decideApex(
      { namespace: "default", apex: "web", splits: [split], existing: world },
      httpRouteOutput({ apiVersion: version }),
    );
    const routes: readonly Route[] = decision.action.kind === "sync" ? decision.action.apply : [];
    expect(routes.map((r) => r.metadata.name)).toEqual(["web-smi-80", "web-smi-8080"]);
    for (const route of routes) {
      const res = await env.plane.admin().apply(
        `/apis/gateway.networking.k8s.io/${version}/namespaces/default/httproutes/${route.metadata.name ?? ""}`,
        // Our owner does not exist here; the reference is still checked for shape.
        route,
        "smi-adaptor",
      );
      expectOk(res, `apply ${route.metadata.name ?? ""} (${version})`);
      expect((res.body as Route).spec).toEqual(route.spec);
    }
  });
});
