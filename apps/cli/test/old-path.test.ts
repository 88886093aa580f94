/**
 * `linkerd smi stat` and `linkerd smi check` say how much traffic client proxies still send by
 * the old path of a cut-over, and which workloads to restart: a real Prometheus scrapes a
 * stand-in for the proxies' metrics (the two request families of linkerd2-proxy v2.366.0, with
 * the client labels linkerd-viz's scrape adds), the TrafficSplits are in the real apiserver.
 * Expected figures are worked out by hand from the mix below.
 */
import {
  applyManifest,
  expectOk,
  KubeHttp,
  Prometheus,
  type ManifestObject,
} from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ProxyExporter, routeBackendLabels, type Series } from "./proxy-exporter.js";
import { trafficSplit } from "./fixtures.js";
import { smi } from "./smi.js";

const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const NS = "old-path-shop";
const CLIENTS = "old-path-clients";

const balancer = "outbound_http_balancer_queue_requests_total";
const requests = "outbound_http_route_backend_requests_total";

/** The labels of a balancer series: the parent Service and the backend (`ConcreteLabels`). */
function concrete(parent: string, backend: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(routeBackendLabels(NS, parent, backend)).filter(
      ([k]) => !k.startsWith("route_"),
    ),
  );
}
const client = (deployment: string, pod: string) => ({ namespace: CLIENTS, deployment, pod });

const mix: Series[] = [
  // web moved to httproute. busy-a (30 rps) and busy-b (10 rps) of deployment busy still hold
  // their profile stacks: balancer series only. fresh-x (60 rps) takes the route: both.
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("web", "web-primary"), ...client("busy", "busy-a") },
    rate: 30,
  },
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("web", "web-primary"), ...client("busy", "busy-b") },
    rate: 10,
  },
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("web", "web-primary"), ...client("fresh", "fresh-x") },
    rate: 60,
  },
  {
    kind: "counter",
    name: requests,
    labels: { ...routeBackendLabels(NS, "web", "web-primary"), ...client("fresh", "fresh-x") },
    rate: 60,
  },
  // api moved back to serviceprofile: legacy-y (5 rps) still on the route, new-z (15 rps) on the profile.
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("api", "api-v1"), ...client("legacy", "legacy-y") },
    rate: 5,
  },
  {
    kind: "counter",
    name: requests,
    labels: { ...routeBackendLabels(NS, "api", "api-v1"), ...client("legacy", "legacy-y") },
    rate: 5,
  },
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("api", "api-v1"), ...client("new", "new-z") },
    rate: 15,
  },
  // cart: every client on the routes, as its target says: nothing on the old path.
  {
    kind: "counter",
    name: balancer,
    labels: { ...concrete("cart", "cart-v1"), ...client("shop", "shop-1") },
    rate: 7,
  },
  {
    kind: "counter",
    name: requests,
    labels: { ...routeBackendLabels(NS, "cart", "cart-v1"), ...client("shop", "shop-1") },
    rate: 7,
  },
];

const split = (name: string, apex: string, backend: string, target: string) =>
  trafficSplit(NS, name, apex, [[backend, 1]], {
    annotations: { "smi.linkerd.io/target": target },
  });

let exporter: ProxyExporter;
let prometheus: Prometheus;

beforeAll(async () => {
  exporter = await ProxyExporter.start(mix, ["127.0.0.1"]);
  prometheus = await Prometheus.start({ targets: [exporter.targets[0] ?? ""] });
  await applyManifest(
    admin,
    [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
      split("web-split", "web", "web-primary", "httproute"),
      split("api-split", "api", "api-v1", "serviceprofile"),
      split("cart-split", "cart", "cart-v1", "httproute"),
    ] as ManifestObject[],
    "kubectl",
  );
  // check's ns-exists check is fatal: the others run only with the extension's namespace
  // (nothing else of the extension is installed: those checks fail, this one runs).
  const res = await admin.post("/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "linkerd-smi", labels: { "linkerd.io/extension": "smi" } },
  });
  if (res.status !== 409) expectOk(res, "create namespace linkerd-smi");
  await prometheus.waitForScrapes(13);
}, 240_000);

afterAll(async () => {
  const started = <T>(x: T): T | undefined => x;
  await started(prometheus)?.stop();
  await started(exporter)?.stop();
});

interface Port {
  port: string;
  oldPath: string;
  totalRps: number;
  oldRps: number;
  clients: { namespace: string; workload: string; pods: string[]; rps: number }[];
}

describe("the old path of a cut-over", () => {
  it("stat -o json gives, per apex port, the old path's traffic and its client workloads", async () => {
    const res = await smi([
      "stat",
      "--kubeconfig",
      kubeconfig,
      "-n",
      NS,
      "-t",
      "10s",
      "--prometheus-url",
      prometheus.url,
      "-o",
      "json",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const items = (JSON.parse(res.stdout) as { items: { name: string; oldPath?: Port[] }[] }).items;
    const web = items.find((i) => i.name === "web-split")?.oldPath ?? [];
    expect(web.map((p) => [p.port, p.oldPath])).toEqual([["80", "ServiceProfile"]]);
    // 40 of 100 rps, within the ±0.3 rps of a counter read at scrape times.
    expect(Math.abs((web[0]?.oldRps ?? 0) - 40)).toBeLessThan(0.6);
    expect(Math.abs((web[0]?.totalRps ?? 0) - 100)).toBeLessThan(1);
    expect(web[0]?.clients.map((c) => [c.namespace, c.workload, c.pods])).toEqual([
      [CLIENTS, "deployment/busy", ["busy-a", "busy-b"]],
    ]);
    const api = items.find((i) => i.name === "api-split")?.oldPath ?? [];
    expect(api.map((p) => [p.port, p.oldPath, p.clients.map((c) => c.workload)])).toEqual([
      ["80", "routes", ["deployment/legacy"]],
    ]);
    expect(Math.abs((api[0]?.oldRps ?? 0) - 5)).toBeLessThan(0.3);
    const cart = items.find((i) => i.name === "cart-split")?.oldPath ?? [];
    expect(cart.map((p) => p.oldRps)).toEqual([0]);
  });

  it("stat's footer says how much and whom to restart", async () => {
    const res = await smi([
      "stat",
      "--kubeconfig",
      kubeconfig,
      "-n",
      NS,
      "-t",
      "10s",
      "--prometheus-url",
      prometheus.url,
    ]);
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${NS}/web-split: web:80: (39\\.[5-9]|40\\.[0-5])rps of (99\\.[5-9]|100\\.[0-5])rps \\((39\\.[5-9]|40\\.[0-5])%\\) still take the ServiceProfile path, from ${CLIENTS}/deployment/busy \\(busy-a, busy-b: .*rps\\); restart them \\(kubectl rollout restart\\) to move them to the routes$`,
        ),
      ),
    );
    expect(lines.some((l) => l.startsWith(`${NS}/cart-split: cart:80`))).toBe(false);
  });

  it("check warns, naming the workloads to restart", async () => {
    const res = await smi([
      "check",
      "--kubeconfig",
      kubeconfig,
      "-n",
      NS,
      "--wait",
      "0s",
      "--prometheus-url",
      prometheus.url,
      "-o",
      "json",
    ]);
    const doc = JSON.parse(res.stdout) as {
      categories: {
        checks: {
          name?: string;
          description: string;
          result: string;
          error?: string;
          hint?: string;
        }[];
      }[];
    };
    const found = doc.categories
      .flatMap((c) => c.checks)
      .find(
        (c) =>
          c.hint?.endsWith("l5d-smi-cut-over-old-path") ||
          c.description.startsWith("no client proxy still sends"),
      );
    expect(found?.result).toBe("warning");
    expect(found?.error).toContain(`${NS}/web-split: web:80:`);
    expect(found?.error).toContain(`from ${CLIENTS}/deployment/busy (busy-a, busy-b:`);
    expect(found?.error).toContain(`${NS}/api-split: api:80:`);
    expect(found?.error).toContain(
      "still take the Gateway API routes path, from " + `${CLIENTS}/deployment/legacy (legacy-y:`,
    );
    expect(found?.error).not.toContain("cart-split");
  });

  it("status -o wide adds the old path's traffic to REASON", async () => {
    const res = await smi([
      "status",
      "--kubeconfig",
      kubeconfig,
      "-n",
      NS,
      "-o",
      "wide",
      "--prometheus-url",
      prometheus.url,
    ]);
    const web = res.stdout.split("\n").find((l) => l.startsWith("web-split "));
    expect(web).toMatch(
      new RegExp(
        `port 80: [0-9.]+rps of [0-9.]+rps \\((39\\.[5-9]|40\\.[0-5])%\\) still take the ServiceProfile path, from ${CLIENTS}/deployment/busy: restart it$`,
      ),
    );
    const cart = res.stdout.split("\n").find((l) => l.startsWith("cart-split "));
    expect(cart).not.toContain("old path");
    expect(cart).not.toContain("still take");
  });
});
