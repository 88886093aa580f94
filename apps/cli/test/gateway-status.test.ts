/**
 * `linkerd smi status` and `linkerd smi check` for httproute TrafficSplits, against a real
 * kube-apiserver of its own (with the Gateway API CRDs, experimental channel), because this file
 * installs an adaptor Deployment with `-target=httproute` and deletes Gateway API CRDs. The
 * routes are written as the adaptor writes them, and their status as Linkerd's policy controller
 * writes it (controllerName linkerd.io/policy-controller, conditions Accepted and ResolvedRefs).
 */
import {
  applyManifest,
  eventually,
  expectOk,
  startEnvironment,
  type KubeHttp,
  type ManifestObject,
  type TestEnvironment,
} from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { service, trafficSplit } from "./fixtures.js";
import { smi } from "./smi.js";

const NS = "routes";
const CLIENTS = "clients";
const GW = "/apis/gateway.networking.k8s.io";

let env: TestEnvironment;
let admin: KubeHttp;
let kubeconfig: string;

const apply = (objects: unknown[], fieldManager = "kubectl") =>
  applyManifest(admin, objects as ManifestObject[], fieldManager);

const split = (
  name: string,
  apex: string,
  backends: [string, number][],
  target?: "httproute" | "serviceprofile",
) =>
  trafficSplit(NS, name, apex, backends, {
    annotations: target === undefined ? undefined : { "smi.linkerd.io/target": target },
  });

/** The HTTPRoute the adaptor writes for port `port` of `apex`, owned by TrafficSplit `owner`. */
async function adaptorRoute(
  owner: string,
  apex: string,
  port: number,
  backends: [string, number][],
  ns: string = NS,
): Promise<void> {
  const got = await admin.get(
    `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/${owner}`,
  );
  expectOk(got, `get TrafficSplit ${owner}`);
  const uid = (got.body as { metadata: { uid: string } }).metadata.uid;
  await apply(
    [
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
          name: `${apex}-smi-${port}`,
          namespace: ns,
          labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": apex },
          annotations: { "smi.linkerd.io/traffic-split": owner },
          ownerReferences: [
            {
              apiVersion: "split.smi-spec.io/v1alpha2",
              kind: "TrafficSplit",
              name: owner,
              uid,
              controller: true,
            },
          ],
        },
        spec: {
          parentRefs: [{ group: "core", kind: "Service", name: apex, port }],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: "/" } }],
              backendRefs: backends.map(([name, weight]) => ({
                group: "",
                kind: "Service",
                name,
                port,
                weight,
              })),
            },
          ],
        },
      },
    ],
    "smi-adaptor",
  );
}

/** Writes a route's status as Linkerd's policy controller does for its parent Service. */
async function policyStatus(
  route: string,
  apex: string,
  port: number,
  conditions: { type: string; status: string; reason: string; message?: string }[],
): Promise<void> {
  expectOk(
    await admin.apply(
      `${GW}/v1/namespaces/${NS}/httproutes/${route}/status`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: route, namespace: NS },
        status: {
          parents: [
            {
              parentRef: { group: "core", kind: "Service", namespace: NS, name: apex, port },
              controllerName: "linkerd.io/policy-controller",
              conditions: conditions.map((c) => ({
                lastTransitionTime: "2026-01-01T00:00:00Z",
                message: "",
                ...c,
              })),
            },
          ],
        },
      },
      "policy.linkerd.io",
    ),
    `status of ${route}`,
  );
}

const status = (...args: string[]) => smi(["status", "--kubeconfig", kubeconfig, ...args]);
const check = async () => {
  const res = await smi(["check", "--kubeconfig", kubeconfig, "--wait", "1s", "-o", "json"]);
  const doc = JSON.parse(res.stdout) as {
    categories: {
      checks: { description: string; result: string; error?: string; hint?: string }[];
    }[];
  };
  return doc.categories.flatMap((c) => c.checks);
};
const DESCRIPTIONS: Record<string, string> = {
  "l5d-smi-gateway-crds": "Gateway API CRDs serve the routes httproute TrafficSplits need",
  "l5d-smi-routes-accepted": "Linkerd accepts the routes of httproute TrafficSplits",
  "l5d-smi-no-shadowing-profiles":
    "no ServiceProfile shadows the routes of httproute TrafficSplits",
  "l5d-smi-ts-sync": "TrafficSplits are valid and their ServiceProfiles are in sync",
};
/** A check's result, by the id its hint names (a successful check has no hint: by description). */
const byHint = (checks: Awaited<ReturnType<typeof check>>, id: string) =>
  checks.find((c) => c.description === DESCRIPTIONS[id]);

async function deleteCrd(name: string, group: string, version: string, plural: string) {
  const res = await admin.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  if (res.status !== 404) expectOk(res, `delete CRD ${name}`);
  await eventually(
    `${plural} no longer served as ${group}/${version}`,
    async () => {
      const doc = await admin.get(`/apis/${group}/${version}`);
      const served =
        doc.status === 200 &&
        ((doc.body as { resources?: { name: string }[] }).resources ?? []).some(
          (r) => r.name === plural,
        );
      return served ? undefined : true;
    },
    60_000,
    250,
  );
}

beforeAll(async () => {
  env = await startEnvironment({ log: () => undefined, controllerManager: false });
  admin = env.plane.admin();
  kubeconfig = env.kubeconfig;
  await apply([
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "linkerd-smi", labels: { "linkerd.io/extension": "smi" } },
    },
    // The installed adaptor: splits without the annotation become routes.
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "smi-adaptor",
        namespace: "linkerd-smi",
        labels: { "linkerd.io/extension": "smi", component: "smi-adaptor" },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { "linkerd.io/extension": "smi", component: "smi-adaptor" } },
        template: {
          metadata: { labels: { "linkerd.io/extension": "smi", component: "smi-adaptor" } },
          spec: {
            containers: [
              {
                name: "smi-adaptor",
                image: "ghcr.io/linkerd-smi-ts/smi-adaptor:0.3.0",
                args: ["-cluster-domain=cluster.local", "-target=httproute"],
              },
            ],
          },
        },
      },
    },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: CLIENTS } },
    ...["web", "web-v1", "web-v2", "cart", "cart-v1", "shop", "shop-v1", "shop-v2"].map((n) =>
      service(NS, n, 80),
    ),
    ...["api", "api-v1", "api-v2"].map((n) => service(NS, n, 8080)),
    // pay-v2 does not exist: Linkerd accepts the route but cannot resolve that backend.
    ...["pay", "pay-v1"].map((n) => service(NS, n, 80)),
    // 3306 is one of Linkerd's default opaque ports: Linkerd uses only TCPRoutes there.
    ...["db", "db-v1"].map((n) => service(NS, n, 3306)),
    split(
      "accepted",
      "web",
      [
        ["web-v1", 900],
        ["web-v2", 100],
      ],
      "httproute",
    ),
    // No annotation: the adaptor's -target=httproute decides.
    split("refused", "api", [
      ["api-v1", 1],
      ["api-v2", 1],
    ]),
    split("waiting", "cart", [["cart-v1", 1]], "httproute"),
    split(
      "partial",
      "pay",
      [
        ["pay-v1", 3],
        ["pay-v2", 1],
      ],
      "httproute",
    ),
    split("db", "db", [["db-v1", 1]], "httproute"),
    // Weights whose total Linkerd cannot carry: the profile carries them scaled.
    split(
      "big",
      "shop",
      [
        ["shop-v1", 1000000],
        ["shop-v2", 3000000],
      ],
      "serviceprofile",
    ),
  ]);
  await apply(
    [
      {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { name: `shop.${NS}.svc.cluster.local`, namespace: NS },
        spec: {
          dstOverrides: [
            { authority: `shop-v1.${NS}.svc.cluster.local`, weight: "107374182m" },
            { authority: `shop-v2.${NS}.svc.cluster.local`, weight: "322122546m" },
          ],
        },
      },
    ],
    "smi-adaptor",
  );
  // A client-side profile with routes, written by a user: proxies prefer it to the HTTPRoute.
  await apply([
    {
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: { name: `web.${NS}.svc.cluster.local`, namespace: CLIENTS },
      spec: { routes: [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }] },
    },
  ]);
  await adaptorRoute("accepted", "web", 80, [
    ["web-v1", 900],
    ["web-v2", 100],
  ]);
  await adaptorRoute("refused", "api", 8080, [
    ["api-v1", 1],
    ["api-v2", 1],
  ]);
  await adaptorRoute("waiting", "cart", 80, [["cart-v1", 1]]);
  await adaptorRoute("partial", "pay", 80, [
    ["pay-v1", 3],
    ["pay-v2", 1],
  ]);
  // As linkerd2's policy controller writes it when a backend Service is missing (observed).
  await policyStatus("pay-smi-80", "pay", 80, [
    { type: "Accepted", status: "True", reason: "Accepted" },
    { type: "ResolvedRefs", status: "False", reason: "BackendNotFound" },
  ]);
  await policyStatus("web-smi-80", "web", 80, [
    { type: "Accepted", status: "True", reason: "Accepted" },
    { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
  ]);
  await policyStatus("api-smi-8080", "api", 8080, [
    {
      type: "Accepted",
      status: "False",
      reason: "NoMatchingParent",
      message: "parent service must have a ClusterIP",
    },
    { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
  ]);
});

afterAll(async () => {
  await env.plane.stop();
});

describe("status of httproute TrafficSplits", () => {
  it("shows each split's target and its routes' state with Linkerd, the scaled weights", async () => {
    const res = await status("-n", NS, "-o", "wide");
    if (process.env.SHOW_OUTPUT === "1") console.log(`${res.stdout}\n${res.stderr}`);
    // refused's route is not accepted: the split is not in effect.
    expect(res.code).toBe(1);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toMatch(/^NAME +APEX +TARGET +BACKENDS +STATE +OUTPUT +REASON$/);
    const row = (name: string) => {
      const i = lines.findIndex((l) => l.startsWith(`${name} `));
      return (lines[i] ?? "").slice((lines[0] ?? "").indexOf("TARGET"));
    };
    expect(row("accepted")).toMatch(
      /^httproute +web-v1 900 \(90\.0%\) +RouteAccepted, ShadowedByServiceProfile +HTTPRoute\/web-smi-80 +HTTPRoute web-smi-80 is accepted by linkerd\.io\/policy-controller; ServiceProfile clients\/web\.routes\.svc\.cluster\.local has routes, so proxies use it instead of the routes$/,
    );
    expect(row("refused")).toMatch(
      /^httproute +api-v1 1 \(50\.0%\) +RouteNotAccepted +HTTPRoute\/api-smi-8080 +HTTPRoute api-smi-8080 is not accepted by linkerd\.io\/policy-controller: Accepted=False \(NoMatchingParent: parent service must have a ClusterIP\); Linkerd does not use it$/,
    );
    expect(row("partial")).toMatch(
      /^httproute +pay-v1 3 \(75\.0%\) +RouteRefsNotResolved, BackendNotFound +HTTPRoute\/pay-smi-80 +HTTPRoute pay-smi-80 is used by Linkerd, but linkerd\.io\/policy-controller cannot resolve all its backends: ResolvedRefs=False \(BackendNotFound\); requests sent to those backends fail with HTTP 500/,
    );
    expect(row("waiting")).toMatch(
      /^httproute +cart-v1 1 \(100\.0%\) +RoutePending +HTTPRoute\/cart-smi-80 +HTTPRoute cart-smi-80 has no status from linkerd\.io\/policy-controller yet/,
    );
    expect(row("big")).toMatch(
      /^serviceprofile +shop-v1 1M \(25\.0%\) -> 107374182m +Synced +shop\.routes\.svc\.cluster\.local +ServiceProfile shop\.routes\.svc\.cluster\.local has the split's dstOverrides$/,
    );
    const big = lines.findIndex((l) => l.startsWith("big "));
    expect(lines[big + 1]?.trim()).toBe("shop-v2 3M (75.0%) -> 322122546m");
    expect(res.stderr).toBe(
      "TrafficSplit routes/big: its weights add up to more than Linkerd can carry (429496.729), so the ServiceProfile carries them scaled in proportion: shop-v1=107374182m, shop-v2=322122546m. Linkerd uses these; use smaller weights (such as percentages) to have them written as given.\n",
    );
  });

  it("the default table has the TARGET column; json carries the conditions and written weights", async () => {
    const table = await status("-n", NS);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME +APEX +TARGET +BACKENDS +STATE$/);

    const res = await status("-n", NS, "-o", "json");
    expect(res.stderr).toBe("");
    const doc = JSON.parse(res.stdout) as {
      items: {
        name: string;
        target: string;
        targetSource: string;
        state: string;
        weightsScaled?: boolean;
        backends: { service: string; written?: string }[];
        routes?: { name: string; state: string; conditions?: unknown[] }[];
      }[];
    };
    const item = (name: string) => doc.items.find((i) => i.name === name);
    expect(item("accepted")).toMatchObject({
      target: "httproute",
      targetSource: "annotation",
      state: "RouteAccepted",
    });
    expect(item("refused")).toMatchObject({
      target: "httproute",
      targetSource: "adaptor",
      state: "RouteNotAccepted",
      routes: [
        {
          kind: "HTTPRoute",
          name: "api-smi-8080",
          port: 8080,
          state: "RouteNotAccepted",
          conditions: [
            {
              type: "Accepted",
              status: "False",
              reason: "NoMatchingParent",
              message: "parent service must have a ClusterIP",
            },
            { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" },
          ],
        },
      ],
    });
    expect(item("waiting")?.routes).toEqual([
      { kind: "HTTPRoute", name: "cart-smi-80", port: 80, state: "RoutePending" },
    ]);
    expect(item("big")).toMatchObject({
      target: "serviceprofile",
      targetSource: "annotation",
      state: "Synced",
      weightsScaled: true,
      backends: [
        { service: "shop-v1", written: "107374182m" },
        { service: "shop-v2", written: "322122546m" },
      ],
    });
  });
});

describe("status of a split moving back to serviceprofile", () => {
  // Alone in its namespace: no split there targets httproute, yet the adaptor's routes are still
  // there, in step for the proxies that chose them, until the clients are restarted.
  const BACK = "back";
  const since = "2026-12-06T21:33:41.546Z";
  beforeAll(async () => {
    await apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: BACK } },
      ...["back", "back-v1", "back-v2"].map((n) => service(BACK, n)),
      {
        ...split(
          "moving-back",
          "back",
          [
            ["back-v1", 900],
            ["back-v2", 100],
          ],
          "serviceprofile",
        ),
        metadata: {
          name: "moving-back",
          namespace: BACK,
          annotations: { "smi.linkerd.io/target": "serviceprofile" },
        },
      },
    ]);
    await apply(
      [
        {
          apiVersion: "linkerd.io/v1alpha2",
          kind: "ServiceProfile",
          metadata: {
            name: `back.${BACK}.svc.cluster.local`,
            namespace: BACK,
            annotations: {
              "smi.linkerd.io/cut-over-state": JSON.stringify({ to: "serviceprofile", since }),
            },
          },
          spec: {
            dstOverrides: [
              { authority: `back-v1.${BACK}.svc.cluster.local`, weight: "900" },
              { authority: `back-v2.${BACK}.svc.cluster.local`, weight: "100" },
            ],
          },
        },
      ],
      "smi-adaptor",
    );
    await adaptorRoute(
      "moving-back",
      "back",
      80,
      [
        ["back-v1", 900],
        ["back-v2", 100],
      ],
      BACK,
    );
  });

  it("is CutOverPending, waiting for the clients' restart, as the adaptor says", async () => {
    const res = await status("-n", BACK, "-o", "json");
    expect(res.stderr).toBe("");
    const doc = JSON.parse(res.stdout) as {
      items: { name: string; target: string; state: string; reason: string }[];
    };
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]).toMatchObject({
      name: "moving-back",
      target: "serviceprofile",
      state: "CutOverPending",
    });
    expect(doc.items[0]?.reason).toBe(
      `moving back to ServiceProfile back.${BACK}.svc.cluster.local: it carries the split since ${since}, and the routes the adaptor wrote stay in step with it for the proxies that chose them before and stay busy. To finish, restart the client workloads (kubectl rollout restart), then annotate the split smi.linkerd.io/clients-restarted=<the time, after ${since}>; the adaptor then deletes the routes`,
    );
  });
});

describe("status and check: the shares Linkerd serves per port, and apexes without a ClusterIP", () => {
  const SHARES = "shares";
  const svc = (name: string, ports: number[], spec: Record<string, unknown> = {}) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: SHARES },
    spec: { ...spec, ports: ports.map((port) => ({ name: `p${port}`, port })) },
  });
  const routed = (name: string, apex: string, backends: [string, number][]) => ({
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: { name, namespace: SHARES, annotations: { "smi.linkerd.io/target": "httproute" } },
    spec: { service: apex, backends: backends.map(([service, weight]) => ({ service, weight })) },
  });
  const splits = [
    // m-v3 lacks 8080: 50/30/20 is served there as 50/80 = 62.5% and 30/80 = 37.5%.
    routed("spread", "multi", [
      ["m-v1", 50],
      ["m-v2", 30],
      ["m-v3", 20],
    ]),
    // a-v2 lacks 9000: 50/70 = 71.4% and 20/70 = 28.6% there.
    routed("alt", "alt", [
      ["a-v1", 50],
      ["a-v2", 30],
      ["a-v3", 20],
    ]),
    routed("ext", "ext", [["e-v1", 1]]),
  ];

  beforeAll(async () => {
    await apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: SHARES } },
      svc("multi", [80, 8080]),
      svc("m-v1", [80, 8080]),
      svc("m-v2", [80, 8080]),
      svc("m-v3", [80]),
      svc("alt", [80, 9000]),
      svc("a-v1", [80, 9000]),
      svc("a-v2", [80]),
      svc("a-v3", [80, 9000]),
      svc("ext", [80], { type: "ExternalName", externalName: "example.com" }),
      svc("e-v1", [80]),
      ...splits,
    ]);
  });

  afterAll(async () => {
    // The checks below list every httproute split: leave only theirs.
    for (const s of splits) {
      const res = await admin.delete(
        `/apis/split.smi-spec.io/v1alpha2/namespaces/${SHARES}/trafficsplits/${s.metadata.name}`,
      );
      if (res.status !== 404) expectOk(res, `delete TrafficSplit ${s.metadata.name}`);
    }
  });

  it("-o wide shows under BACKENDS each port's shares when a backend lacks it, and NoClusterIP", async () => {
    const res = await status("-n", SHARES, "-o", "wide");
    if (process.env.SHOW_OUTPUT === "1") console.log(`${res.stdout}\n${res.stderr}`);
    const lines = res.stdout.split("\n");
    const col = (lines[0] ?? "").indexOf("BACKENDS");
    const cell = (name: string) => {
      const i = lines.findIndex((l) => l.startsWith(`${name} `));
      const out: string[] = [];
      for (let j = i; j < lines.length; j++) {
        if (j > i && (lines[j] ?? "").slice(0, col).trim() !== "") break;
        out.push((lines[j] ?? "").slice(col).split(/ {2,}/)[0] ?? "");
      }
      return out.filter((l) => l !== "");
    };
    const indented = (name: string) => {
      const i = lines.findIndex((l) => l.startsWith(`${name} `));
      return lines.slice(i, i + 6).map((l) => l.slice(col).replace(/ {3,}.*$/, ""));
    };
    expect(indented("spread")).toEqual([
      "m-v1 50 (50.0%)",
      "m-v2 30 (30.0%)",
      "m-v3 20 (20.0%)",
      "port 8080 (without m-v3):",
      "  m-v1 50 (62.5%)",
      "  m-v2 30 (37.5%)",
    ]);
    expect(indented("alt")).toEqual([
      "a-v1 50 (50.0%)",
      "a-v2 30 (30.0%)",
      "a-v3 20 (20.0%)",
      "port 9000 (without a-v2):",
      "  a-v1 50 (71.4%)",
      "  a-v3 20 (28.6%)",
    ]);
    expect(cell("ext")).toEqual(["e-v1 1 (100.0%)"]);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? "";
    expect(row("spread")).toContain(
      "; m-v3 lacks port 8080, so Linkerd serves that port with other shares (BACKENDS shows them)",
    );
    expect(row("ext")).toMatch(/ Pending, NoClusterIP +- +/);
    expect(row("ext")).toContain(
      "; Service ext is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP (it answers NoMatchingParent: parent service must have a ClusterIP), so the routes for it will not be used; split a Service with a ClusterIP instead",
    );
  });

  it("-o json has the served shares per port (only ports that differ) and the apex warning", async () => {
    const res = await status("-n", SHARES, "-o", "json");
    const doc = JSON.parse(res.stdout) as {
      items: { name: string; ports?: unknown; apexWarning?: string; reason: string }[];
    };
    const item = (name: string) => doc.items.find((i) => i.name === name);
    expect(item("spread")?.ports).toEqual([
      {
        port: 8080,
        backends: [
          { service: "m-v1", weight: "50", percent: 62.5 },
          { service: "m-v2", weight: "30", percent: 37.5 },
        ],
        leftOut: ["m-v3"],
      },
    ]);
    const alt = item("alt")?.ports as {
      port: number;
      backends: { service: string; percent: number }[];
      leftOut: string[];
    }[];
    expect(alt.map((p) => [p.port, p.leftOut, p.backends.map((b) => b.service)])).toEqual([
      [9000, ["a-v2"], ["a-v1", "a-v3"]],
    ]);
    expect(alt[0]?.backends[0]?.percent).toBeCloseTo(71.428571, 5);
    expect(alt[0]?.backends[1]?.percent).toBeCloseTo(28.571429, 5);
    expect(item("ext")?.ports).toBeUndefined();
    expect(item("ext")?.apexWarning).toBe(
      "Service ext is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP (it answers NoMatchingParent: parent service must have a ClusterIP), so the routes for it will not be used; split a Service with a ClusterIP instead",
    );
    expect(item("spread")?.apexWarning).toBeUndefined();
  });

  it("check names the ExternalName apex among the splits that need attention", async () => {
    const sync = byHint(await check(), "l5d-smi-ts-sync");
    expect(sync?.result).toBe("warning");
    expect(sync?.error).toMatch(
      /\t\* shares\/ext: Pending: [^\n]*; Service ext is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP \(it answers NoMatchingParent: parent service must have a ClusterIP\), so the routes for it will not be used; split a Service with a ClusterIP instead\n/,
    );
  });

  it("check's routes check repeats the ExternalName reason for the apex's route without status", async () => {
    // The route the adaptor would write, not yet given a status by Linkerd.
    await adaptorRoute("ext", "ext", 80, [["e-v1", 1]], SHARES);
    const routes = byHint(await check(), "l5d-smi-routes-accepted");
    expect(routes?.result).toBe("warning");
    expect(routes?.error).toContain(
      "\t* TrafficSplit shares/ext: HTTPRoute ext-smi-80 has no status from linkerd.io/policy-controller yet; Service ext is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP (it answers NoMatchingParent: parent service must have a ClusterIP), so the routes for it will not be used; split a Service with a ClusterIP instead\n",
    );
  });
});

describe("check with httproute TrafficSplits", () => {
  it("passes the CRD check, and warns about routes Linkerd does not accept and shadowing profiles", async () => {
    const checks = await check();
    expect(byHint(checks, "l5d-smi-gateway-crds")?.result).toBe("success");
    expect(byHint(checks, "l5d-smi-routes-accepted")?.hint).toBe(
      "https://github.com/linkerd-smi-ts/linkerd-smi/blob/main/docs/checks.md#l5d-smi-routes-accepted",
    );
    const routes = byHint(checks, "l5d-smi-routes-accepted");
    expect(routes?.result).toBe("warning");
    expect(routes?.error).toBe(
      "3 routes are not fully accepted by Linkerd:\n" +
        "\t* TrafficSplit routes/partial: HTTPRoute pay-smi-80 is used by Linkerd, but linkerd.io/policy-controller cannot resolve all its backends: ResolvedRefs=False (BackendNotFound); requests sent to those backends fail with HTTP 500\n" +
        "\t* TrafficSplit routes/refused: HTTPRoute api-smi-8080 is not accepted by linkerd.io/policy-controller: Accepted=False (NoMatchingParent: parent service must have a ClusterIP); Linkerd does not use it\n" +
        "\t* TrafficSplit routes/waiting: HTTPRoute cart-smi-80 has no status from linkerd.io/policy-controller yet: is Linkerd 2.15 or later installed, and its policy controller running?\n" +
        "\tRun linkerd smi status -n routes -o wide for details",
    );
    const shadow = byHint(checks, "l5d-smi-no-shadowing-profiles");
    expect(shadow?.result).toBe("warning");
    expect(shadow?.error).toContain(
      "\t* ServiceProfile clients/web.routes.svc.cluster.local has routes: proxies use it instead of the routes of TrafficSplit routes/accepted (service web)\n",
    );
    // The route states are not the sync check's: only db (no TCPRoute written yet) is there.
    const sync = byHint(checks, "l5d-smi-ts-sync");
    expect(sync?.error).toContain("routes/db: Pending");
    expect(sync?.error).not.toContain("routes/accepted");
    expect(sync?.error).not.toContain("routes/refused");
  });

  it("fails when an opaque port needs TCPRoute and its CRD is gone", async () => {
    await deleteCrd(
      "tcproutes.gateway.networking.k8s.io",
      "gateway.networking.k8s.io",
      "v1alpha2",
      "tcproutes",
    );
    const crds = byHint(await check(), "l5d-smi-gateway-crds");
    expect(crds?.result).toBe("error");
    expect(crds?.error).toBe(
      "the API server does not serve tcproutes.gateway.networking.k8s.io/v1alpha2, and routes/db splits a Service with an opaque port, where Linkerd uses only TCPRoutes: that port's traffic is not split.\n" +
        "\tInstall the TCPRoute CRD (Gateway API experimental channel, v1.2.1): kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.2.1/experimental-install.yaml",
    );
  });

  it("fails when HTTPRoute is not served, and status says why the routes are pending", async () => {
    await deleteCrd(
      "httproutes.gateway.networking.k8s.io",
      "gateway.networking.k8s.io",
      "v1",
      "httproutes",
    );
    await deleteCrd(
      "httproutes.gateway.networking.k8s.io",
      "gateway.networking.k8s.io",
      "v1beta1",
      "httproutes",
    );
    const crds = byHint(await check(), "l5d-smi-gateway-crds");
    expect(crds?.result).toBe("error");
    expect(crds?.error).toBe(
      "the API server does not serve httproutes.gateway.networking.k8s.io as v1 or v1beta1, so the adaptor cannot write the routes of routes/accepted, routes/db, routes/partial, routes/refused, routes/waiting.\n" +
        "\tInstall the Gateway API CRDs (standard channel, v1.2.1): kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.2.1/standard-install.yaml",
    );
    const res = await status("-n", NS, "-o", "json");
    const doc = JSON.parse(res.stdout) as {
      items: { name: string; state: string; reason: string }[];
    };
    expect(doc.items.find((i) => i.name === "accepted")).toMatchObject({
      state: "Pending",
      reason:
        "the API server does not serve httproutes.gateway.networking.k8s.io (v1 or v1beta1), so the adaptor cannot write the routes of this split: install the Gateway API CRDs",
    });
  });
});
