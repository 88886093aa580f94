/**
 * `linkerd smi stat` against a real Prometheus scraping a stand-in for the proxies' metrics, with
 * a traffic mix fixed here, and the TrafficSplits in the shared real kube-apiserver. One
 * Prometheus listens on loopback (--prometheus-url); another runs in a network namespace of our
 * own, so that the apiserver's service proxy can reach it through a linkerd-viz Service (the
 * apiserver refuses loopback endpoint addresses).
 */
import { mkdtempSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyManifest,
  expectOk,
  KubeHttp,
  mintServiceAccountKubeconfig,
  NetworkNamespace,
  Prometheus,
  type ManifestObject,
} from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  endpointLabels,
  LATENCY_MS_BUCKETS,
  ProxyExporter,
  ROUTE_BACKEND_BUCKETS,
  routeBackendLabels,
  type Series,
} from "./proxy-exporter.js";
import { trafficSplit } from "./fixtures.js";
import { smi } from "./smi.js";

const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const SHOP = "stat-shop";
const SAMPLE = "trafficsplit-sample";
const VIZ = "linkerd-viz";
const WINDOW = "10s";

// --- The traffic mix (what the proxies would have counted) ---------------------------------

const statuses = "outbound_http_route_backend_response_statuses_total";
const requests = "outbound_http_route_backend_requests_total";
const duration = "outbound_http_route_backend_response_duration_seconds";
const rb = (parent: string, backend: string, ns = SHOP) => routeBackendLabels(ns, parent, backend);

/** Every observation in the bucket (lo, hi]: the share at or below `le`. */
const within =
  (lo: number, hi: number) =>
  (le: number): number =>
    le <= lo ? 0 : le >= hi ? 1 : 0;

const mix: Series[] = [
  // Gateway API split web: 90 rps to web-v1 (all 200, 25-50ms), 10 rps to web-v2 of which
  // 2 rps answer 500 (half 50-100ms, half 100-250ms): 900/100 requests over the 10s window.
  { kind: "counter", name: requests, labels: rb("web", "web-v1"), rate: 90 },
  { kind: "counter", name: requests, labels: rb("web", "web-v2"), rate: 10 },
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("web", "web-v1"), http_status: "200", error: "" },
    rate: 90,
  },
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("web", "web-v2"), http_status: "200", error: "" },
    rate: 8,
  },
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("web", "web-v2"), http_status: "500", error: "" },
    rate: 2,
  },
  {
    kind: "histogram",
    name: duration,
    labels: rb("web", "web-v1"),
    rate: 90,
    bounds: ROUTE_BACKEND_BUCKETS,
    cumulative: within(0.025, 0.05),
  },
  {
    kind: "histogram",
    name: duration,
    labels: rb("web", "web-v2"),
    rate: 10,
    bounds: ROUTE_BACKEND_BUCKETS,
    cumulative: (le) => (le < 0.1 ? 0 : le < 0.25 ? 0.5 : 1),
  },
  // Not split web's traffic: another apex sending to web-v2, and a "web" in another namespace.
  // The other apex, search, is split stale's: its traffic goes where the split does not say.
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("search", "web-v2"), http_status: "500", error: "" },
    rate: 50,
  },
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("web", "web-v2", "elsewhere"), http_status: "200", error: "" },
    rate: 70,
  },
  // Gateway API split cart, configured 50/50, observed 80/20: drift the footer must flag.
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("cart", "cart-v1"), http_status: "200", error: "" },
    rate: 8,
  },
  {
    kind: "counter",
    name: statuses,
    labels: { ...rb("cart", "cart-v2"), http_status: "200", error: "" },
    rate: 2,
  },
  // The seed's ServiceProfile split backend-split: 5 rps to each backend, failing-svc fails
  // every request; backend-svc over two pods; every response within 1ms.
  ...(
    [
      ["backend-svc", "backend-7d9f-a", "success", "200", 2.5],
      ["backend-svc", "backend-7d9f-b", "success", "200", 2.5],
      ["failing-svc", "failing-5c4b-a", "failure", "500", 5],
    ] as const
  ).flatMap(([svc, pod, classification, code, rate], i): Series[] => {
    const labels = endpointLabels(SAMPLE, svc, pod, `10.244.0.${String(10 + i)}`);
    return [
      { kind: "counter", name: "request_total", labels, rate },
      {
        kind: "counter",
        name: "response_total",
        labels: { ...labels, classification, status_code: code },
        rate,
      },
      {
        kind: "histogram",
        name: "response_latency_ms",
        labels: { ...labels, status_code: code },
        rate,
        bounds: LATENCY_MS_BUCKETS,
        cumulative: () => 1,
      },
    ];
  }),
];

// --- Cluster objects -----------------------------------------------------------------------

const apply = (objects: unknown[]) => applyManifest(admin, objects as ManifestObject[], "kubectl");

let exporter: ProxyExporter;
let local: Prometheus;
let netns: NetworkNamespace;
let inNamespace: Prometheus;

beforeAll(async () => {
  netns = await NetworkNamespace.create();
  exporter = await ProxyExporter.start(mix, ["127.0.0.1", netns.hostAddress]);
  [local, inNamespace] = await Promise.all([
    Prometheus.start({ targets: [exporter.targets[0] ?? ""] }),
    Prometheus.start({ targets: [exporter.targets[1] ?? ""], netns }),
  ]);
  await apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: SHOP } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: SAMPLE } },
    trafficSplit(SHOP, "canary", "web", [
      ["web-v1", 900],
      ["web-v2", 100],
    ]),
    trafficSplit(SHOP, "cart-rollout", "cart", [
      ["cart-v1", 500],
      ["cart-v2", 500],
    ]),
    trafficSplit(SHOP, "quiet", "inventory", [
      ["inventory-v1", 1],
      ["inventory-v2", 1],
    ]),
    trafficSplit(SHOP, "stale", "search", [
      ["search-v1", 1],
      ["search-v2", 1],
    ]),
    trafficSplit(SAMPLE, "backend-split", "backend-svc", [
      ["backend-svc", 500],
      ["failing-svc", 500],
    ]),
  ]);
  // rate() over the window needs the window full of scrapes.
  await Promise.all([local.waitForScrapes(13), inNamespace.waitForScrapes(13)]);
}, 240_000);

afterAll(async () => {
  // Whatever beforeAll got to start before a failure.
  const started = <T>(x: T): T | undefined => x;
  await Promise.all([started(local)?.stop(), started(inNamespace)?.stop()]);
  await started(exporter)?.stop();
  await started(netns)?.delete();
});

/** A loopback port nothing listens on (the kernel's pick, released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

const stat = (...args: string[]) => smi(["stat", "--kubeconfig", kubeconfig, ...args]);

interface JsonBackend {
  service: string;
  weight: string;
  share: number;
  observedShare?: number;
  successRate?: number;
  rps?: number;
  requests?: number;
  latencyMs: { p50?: number; p95?: number; p99?: number };
}
interface JsonSplit {
  namespace: string;
  name: string;
  apex: string;
  source?: string;
  rps?: number;
  backends: JsonBackend[];
}

describe("linkerd smi stat with --prometheus-url", () => {
  it("measures the Gateway API split's mix: shares, success, RPS, latency", async () => {
    const res = await stat("-n", SHOP, "-t", WINDOW, "--prometheus-url", local.url, "-o", "json");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { window: string; items: JsonSplit[] };
    expect(doc.window).toBe(WINDOW);
    const canary = doc.items.find((s) => s.name === "canary");
    expect(canary?.source).toBe("route-backend");
    const [v1, v2] = canary?.backends ?? [];
    // Counters are whole numbers read at scrape times: rate() is within a request or two of
    // the mix over 10s, i.e. ±0.3 rps.
    expect(v1?.rps).toBeCloseTo(90, 0);
    expect(Math.abs((v2?.rps ?? 0) - 10)).toBeLessThan(0.3);
    expect(Math.abs((v1?.observedShare ?? 0) - 90)).toBeLessThan(0.5);
    expect(Math.abs((v2?.observedShare ?? 0) - 10)).toBeLessThan(0.5);
    expect(v1?.successRate).toBe(1);
    expect(Math.abs((v2?.successRate ?? 0) - 0.8)).toBeLessThan(0.03);
    expect(Math.abs((v1?.requests ?? 0) - 900)).toBeLessThan(5);
    // All of web-v1 in (25ms, 50ms]: histogram_quantile interpolates linearly inside the bucket.
    expect(Math.abs((v1?.latencyMs.p50 ?? 0) - 37.5)).toBeLessThan(0.5);
    expect(Math.abs((v1?.latencyMs.p95 ?? 0) - 48.75)).toBeLessThan(0.5);
    expect(Math.abs((v1?.latencyMs.p99 ?? 0) - 49.75)).toBeLessThan(0.5);
    // web-v2: half in (50ms, 100ms], half in (100ms, 250ms]. p50 sits on the 100ms bound (a
    // request more or less on either side moves it a few ms); p95 = 100 + 0.9 × 150 = 235,
    // p99 = 100 + 0.98 × 150 = 247.
    expect(Math.abs((v2?.latencyMs.p50 ?? 0) - 100)).toBeLessThan(5);
    expect(Math.abs((v2?.latencyMs.p95 ?? 0) - 235)).toBeLessThan(5);
    expect(Math.abs((v2?.latencyMs.p99 ?? 0) - 247)).toBeLessThan(5);
  });

  it("prints the table with - for the split without data, and a footer", async () => {
    const res = await stat("-n", SHOP, "-t", WINDOW, "--prometheus-url", local.url);
    if (process.env.SHOW_OUTPUT === "1") console.log(res.stdout);
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toBe(
      "NAME           APEX        LEAF           WEIGHT   SHARE   OBSERVED   SUCCESS       RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99",
    );
    // Splits in name order, backends in split order.
    expect(lines[1]).toMatch(
      /^canary {9}web {9}web-v1 {12}900 {3}90\.0% {6}(89\.[5-9]|90\.[0-4])% {3}100\.00% {3}(89\.[7-9]|90\.[0-3])rps {10}3[78]ms {10}49ms {10}50ms$/,
    );
    expect(lines[2]).toMatch(
      /^canary {9}web {9}web-v2 {12}100 {3}10\.0% +(9\.[5-9]|10\.[0-4])% {4}(7[7-9]|8[0-3])\.\d\d% +(9\.[7-9]|10\.[0-2])rps +(9[5-9]|10[0-5])ms {9}2[3-4]\dms {9}2[4-5]\dms$/,
    );
    expect(lines[3]).toMatch(/^cart-rollout {3}cart {8}cart-v1 {11}500 {3}50\.0% +(79|80|81)\.\d%/);
    // No series at all: nothing is printed as if measured.
    expect(lines[5]).toBe(
      "quiet          inventory   inventory-v1        1   50.0%          -         -         -             -             -             -",
    );
    expect(lines[6]).toBe(
      "quiet          inventory   inventory-v2        1   50.0%          -         -         -             -             -             -",
    );
    // The apex has traffic, none of it to the split's backends: 0 rps is measured.
    expect(lines[7]).toBe(
      "stale          search      search-v1           1   50.0%          -         -    0.0rps             -             -             -",
    );
    expect(lines[9]).toBe("");
    const footer = lines.slice(10).filter((l) => l !== "");
    expect(footer[0]).toBe(
      `${SHOP}/quiet: Prometheus has no requests to inventory or its backends: no client proxy has sent traffic through the split, or its metrics are not scraped`,
    );
    expect(footer[1]).toMatch(
      new RegExp(
        `^${SHOP}/stale: search also sent (49\\.[7-9]|50\\.[0-3])rps to web-v2, which the split does not name: the split is not \\(or not only\\) what routes search; see linkerd smi status$`,
      ),
    );
    expect(footer[2]).toMatch(
      new RegExp(
        `^${SHOP}/cart-rollout: cart-v1 served (79|80|81)\\.\\d% of (9[5-9]|10[0-5]) requests in the last 10s, configured 50\\.0%$`,
      ),
    );
    expect(footer[3]).toMatch(
      new RegExp(`^${SHOP}/cart-rollout: cart-v2 served (19|20|21)\\.\\d%`),
    );
    expect(footer).toHaveLength(4);
  });

  it("covers every namespace with -A, each split from the family its path exports", async () => {
    const res = await stat("-A", "-t", WINDOW, "--prometheus-url", local.url, "-o", "json");
    expect(res.code).toBe(0);
    const items = (JSON.parse(res.stdout) as { items: JsonSplit[] }).items;
    const source = (ns: string, name: string) =>
      items.find((s) => s.namespace === ns && s.name === name)?.source;
    expect(source(SHOP, "canary")).toBe("route-backend");
    expect(source(SAMPLE, "backend-split")).toBe("endpoint");
    expect(source(SHOP, "quiet")).toBeUndefined();
    const table = await stat("-A", "-t", WINDOW, "--prometheus-url", local.url);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAMESPACE +NAME +APEX +LEAF +WEIGHT/);
    expect(table.stdout).toMatch(
      new RegExp(
        `\\n${SAMPLE} +backend-split +backend-svc +failing-svc +500 +50\\.0% +(4[89]|5[01])\\.\\d% +0\\.00% `,
      ),
    );
  });

  it("says when Prometheus is unreachable, and prints no numbers", async () => {
    const closed = `http://127.0.0.1:${String(await closedPort())}`;
    const res = await stat("-n", SHOP, "-t", WINDOW, "--prometheus-url", closed);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      `Error: cannot reach Prometheus at ${closed}: ECONNREFUSED. Check --prometheus-url and that Prometheus is running there.\n`,
    );
  });

  it("says when a URL is not a Prometheus", async () => {
    // The apiserver's /version is JSON but no query answer; anything else is not even JSON.
    const res = await stat("-n", SHOP, "--prometheus-url", `${local.url}/nowhere`);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /^Error: http:\/\/127\.0\.0\.1:\d+\/nowhere answered HTTP 404 with something other than Prometheus's JSON/,
    );
  });

  it("rejects a bad window and an unknown split before asking anyone", async () => {
    const bad = await stat("-n", SHOP, "-t", "ten seconds", "--prometheus-url", local.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'Error: --time-window: "ten seconds" is not a time window: use a duration such as 30s, 1m or 1h30m\n' +
        "Run 'linkerd smi stat --help' for usage.\n",
    );
    const missing = await stat("ts/nope", "-n", SHOP, "--prometheus-url", local.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: TrafficSplit nope not found in namespace ${SHOP}; list them with: linkerd smi status -n ${SHOP}\n`,
    );
  });
});

describe("linkerd smi stat through the apiserver to linkerd-viz's Prometheus", () => {
  const vizObjects = (): ManifestObject[] =>
    [
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: VIZ, labels: { "linkerd.io/extension": "viz" } },
      },
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "prometheus", namespace: VIZ },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "prometheus", namespace: VIZ },
        spec: { ports: [{ name: "admin-http", port: 9090, targetPort: 9090 }] },
      },
    ] as ManifestObject[];

  it("says linkerd-viz is missing when no namespace carries its label", async () => {
    const res = await stat("-n", SAMPLE, "-t", WINDOW);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      "Error: linkerd-viz is not installed (no namespace is labelled linkerd.io/extension=viz), so there is no Prometheus to read.\n" +
        "Install it (linkerd viz install | kubectl apply -f -), or pass --prometheus-url URL of a Prometheus that scrapes the proxies.\n",
    );
  });

  it("says what the apiserver answered when the Service has no endpoints", async () => {
    await apply(vizObjects());
    // No Endpoints object at all (no endpoints controller runs here): the apiserver says 404,
    // naming services although the Service is there and its Endpoints are what is missing.
    const missing = await stat("-n", SAMPLE, "-t", WINDOW);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe(
      `Error: cannot reach Prometheus at service prometheus:9090 in namespace ${VIZ} (through the Kubernetes API): services "prometheus" not found (is linkerd-viz's Prometheus installed there?). Check that linkerd-viz is healthy (linkerd viz check), or point at a Prometheus with --prometheus-url.\n`,
    );
    // What the endpoints controller writes while no Prometheus pod is ready: no addresses.
    await apply([
      { apiVersion: "v1", kind: "Endpoints", metadata: { name: "prometheus", namespace: VIZ } },
    ]);
    const res = await stat("-n", SAMPLE, "-t", WINDOW);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      `Error: cannot reach Prometheus at service prometheus:9090 in namespace ${VIZ} (through the Kubernetes API): no endpoints available for service "prometheus". Check that linkerd-viz is healthy (linkerd viz check), or point at a Prometheus with --prometheus-url.\n`,
    );
  });

  it("reads the seed's ServiceProfile split through the service proxy", async () => {
    // The service proxy dials only endpoint addresses that are a Pod's IP: a Pod (never
    // scheduled: there is no kubelet) whose status carries the namespace's address.
    await apply([
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "prometheus-0", namespace: VIZ },
        spec: {
          serviceAccountName: "prometheus",
          automountServiceAccountToken: false,
          containers: [{ name: "prometheus", image: "prom/prometheus" }],
        },
      },
    ]);
    expectOk(
      await admin.request("PATCH", `/api/v1/namespaces/${VIZ}/pods/prometheus-0/status`, {
        contentType: "application/merge-patch+json",
        body: {
          status: { phase: "Running", podIP: netns.address, podIPs: [{ ip: netns.address }] },
        },
      }),
      "set the Prometheus pod's IP",
    );
    await apply([
      {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: "prometheus", namespace: VIZ },
        subsets: [
          {
            addresses: [
              {
                ip: netns.address,
                targetRef: { kind: "Pod", namespace: VIZ, name: "prometheus-0" },
              },
            ],
            ports: [{ name: "admin-http", port: inNamespace.port }],
          },
        ],
      },
    ] as unknown[]);
    const res = await stat("ts/backend-split", "-n", SAMPLE, "-t", WINDOW);
    if (process.env.SHOW_OUTPUT === "1") console.log(res.stdout);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    // 5 rps to each; the legacy histogram's first bucket is (0, 1ms], so p50 = 0.5ms,
    // p95 = 0.95ms, p99 = 0.99ms, all printed as 1ms.
    expect(res.stdout).toMatch(
      new RegExp(
        [
          "^NAME            APEX          LEAF          WEIGHT   SHARE   OBSERVED   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99",
          "backend-split   backend-svc   backend-svc      500   50\\.0%      (4[89]|5[01])\\.\\d%   100\\.00%   (4\\.[89]|5\\.[0-2])rps           1ms           1ms           1ms",
          "backend-split   backend-svc   failing-svc      500   50\\.0%      (4[89]|5[01])\\.\\d%     0\\.00%   (4\\.[89]|5\\.[0-2])rps           1ms           1ms           1ms",
          "$",
        ].join("\n"),
      ),
    );
    const wide = await stat("backend-split", "-n", SAMPLE, "-t", WINDOW, "-o", "wide");
    expect(wide.stdout.split("\n")[1]).toMatch(/ (4[89]|5[0-2]) {3}endpoint$/);
  });

  it("says which permission is missing when RBAC forbids the service proxy", async () => {
    // May read splits and find viz, may not proxy to services.
    await apply([
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "stat-reader", namespace: SAMPLE },
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "stat-reader" },
        rules: [
          { apiGroups: ["split.smi-spec.io"], resources: ["trafficsplits"], verbs: ["list"] },
          { apiGroups: [""], resources: ["namespaces"], verbs: ["list"] },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: "stat-reader" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "stat-reader",
        },
        subjects: [{ kind: "ServiceAccount", name: "stat-reader", namespace: SAMPLE }],
      },
    ]);
    const reader = await mintServiceAccountKubeconfig(
      kubeconfig,
      { namespace: SAMPLE, name: "stat-reader" },
      join(mkdtempSync(join(tmpdir(), "stat-rbac-")), "kubeconfig"),
    );
    const res = await smi(["stat", "--kubeconfig", reader, "-n", SAMPLE, "-t", WINDOW]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      new RegExp(
        `^Error: cannot reach Prometheus at service prometheus:9090 in namespace ${VIZ} \\(through the Kubernetes API\\): not allowed to proxy to it \\(.*services "http:prometheus:9090" is forbidden.*\\); ask for RBAC "get" on "services/proxy" in namespace ${VIZ}, or use --prometheus-url\\.`,
      ),
    );
  });

  it("uses the external Prometheus linkerd-viz is annotated with", async () => {
    const annotate = async (url: string) =>
      expectOk(
        await admin.request("PATCH", `/api/v1/namespaces/${VIZ}`, {
          contentType: "application/merge-patch+json",
          body: { metadata: { annotations: { "viz.linkerd.io/external-prometheus": url } } },
        }),
        "annotate linkerd-viz",
      );
    const closed = `http://127.0.0.1:${String(await closedPort())}`;
    await annotate(closed);
    const down = await stat("-n", SAMPLE, "-t", WINDOW);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe("");
    expect(down.stderr).toBe(
      `Error: cannot reach Prometheus at ${closed}: ECONNREFUSED. linkerd-viz in namespace ${VIZ} is set to use this external Prometheus (annotation viz.linkerd.io/external-prometheus); check that it is reachable from here, or pass --prometheus-url.\n`,
    );
    await annotate(local.url);
    const up = await stat("-n", SAMPLE, "-t", WINDOW, "-o", "json");
    expect(up.code).toBe(0);
    const [seed] = (JSON.parse(up.stdout) as { items: JsonSplit[] }).items;
    expect(seed?.source).toBe("endpoint");
    expect(seed?.backends.map((b) => b.successRate)).toEqual([1, 0]);
  });
});
