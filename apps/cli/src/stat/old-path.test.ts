import { describe, expect, it } from "vitest";
import {
  balancerRequestsQuery,
  describeOldPath,
  oldPathTraffic,
  routeBackendRequestsQuery,
} from "./old-path.js";
import type { PromSample } from "./prometheus.js";

// Expected numbers are worked out by hand from the samples.

const sample = (pod: string, deployment: string, port: string, value: number): PromSample => ({
  metric: {
    parent_namespace: "shop",
    parent_name: "web",
    parent_port: port,
    namespace: "clients",
    deployment,
    pod,
  },
  value,
});

describe("queries", () => {
  it("sum the two request families by apex port and client pod", () => {
    const scope = {
      namespace: "shop",
      apexes: [{ namespace: "shop", apex: "web" }],
      backendHosts: [],
    };
    expect(balancerRequestsQuery(scope, "1m")).toBe(
      'sum by (parent_namespace, parent_name, parent_port, namespace, deployment, pod) (rate(outbound_http_balancer_queue_requests_total{parent_kind="Service",parent_namespace="shop",parent_name=~"web"}[1m]))',
    );
    expect(routeBackendRequestsQuery(scope, "30s")).toBe(
      'sum by (parent_namespace, parent_name, parent_port, namespace, deployment, pod) (rate(outbound_http_route_backend_requests_total{parent_kind="Service",parent_namespace="shop",parent_name=~"web"}[30s]))',
    );
  });
});

describe("oldPathTraffic", () => {
  // busy-a and busy-b (deployment busy) still on the profile: balancer only; fresh on the route.
  const balancer = [
    sample("busy-a", "busy", "80", 30),
    sample("busy-b", "busy", "80", 10),
    sample("fresh-x", "fresh", "80", 60),
    sample("fresh-x", "fresh", "81", 5),
  ];
  const routes = [sample("fresh-x", "fresh", "80", 60), sample("fresh-x", "fresh", "81", 5)];

  it("to httproute: the profile path is the balancer traffic no route backend counted", () => {
    const ports = oldPathTraffic(
      { namespace: "shop", apex: "web", target: "httproute" },
      balancer,
      routes,
    );
    expect(ports).toEqual([
      {
        port: "80",
        oldPath: "ServiceProfile",
        totalRps: 100,
        oldRps: 40,
        clients: [
          {
            namespace: "clients",
            workload: "deployment/busy",
            pods: ["busy-a", "busy-b"],
            rps: 40,
          },
        ],
      },
      { port: "81", oldPath: "ServiceProfile", totalRps: 5, oldRps: 0, clients: [] },
    ]);
    expect(describeOldPath({ namespace: "shop", name: "web-split", apex: "web" }, ports)).toEqual([
      "shop/web-split: web:80: 40.0rps of 100.0rps (40.0%) still take the ServiceProfile path, from clients/deployment/busy (busy-a, busy-b: 40.0rps); restart them (kubectl rollout restart) to move them to the routes",
    ]);
  });

  it("back to serviceprofile: the routes path is what route backends counted", () => {
    const ports = oldPathTraffic(
      { namespace: "shop", apex: "web", target: "serviceprofile" },
      balancer,
      routes,
    );
    expect(
      ports.map((p) => [p.port, p.oldRps, p.totalRps, p.clients.map((c) => c.workload)]),
    ).toEqual([
      ["80", 60, 100, ["deployment/fresh"]],
      ["81", 5, 5, ["deployment/fresh"]],
    ]);
  });

  it("ignores other apexes and rate noise under 1 % of a pod's traffic", () => {
    const ports = oldPathTraffic(
      { namespace: "shop", apex: "web", target: "httproute" },
      [
        sample("p", "d", "80", 100),
        { metric: { ...sample("q", "d", "80", 5).metric, parent_name: "api" }, value: 5 },
      ],
      [sample("p", "d", "80", 99.5)],
    );
    expect(ports).toEqual([
      { port: "80", oldPath: "ServiceProfile", totalRps: 100, oldRps: 0, clients: [] },
    ]);
  });

  it("names a pod without a deployment label as pod/NAME", () => {
    const [port] = oldPathTraffic(
      { namespace: "shop", apex: "web", target: "httproute" },
      [{ metric: { ...sample("job-1", "", "80", 2).metric }, value: 2 }],
      [],
    );
    expect(port?.clients).toEqual([
      { namespace: "clients", workload: "pod/job-1", pods: ["job-1"], rps: 2 },
    ]);
  });

  it("leaves out a pod whose proxy exports no balancer series: its paths cannot be told apart", () => {
    const ports = oldPathTraffic(
      { namespace: "shop", apex: "web", target: "serviceprofile" },
      [],
      [sample("old-proxy", "legacy", "80", 12)],
    );
    expect(ports).toEqual([{ port: "80", oldPath: "routes", totalRps: 0, oldRps: 0, clients: [] }]);
  });
});
