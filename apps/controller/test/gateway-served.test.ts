import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  eventAppears,
  eventually,
  listEvents,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { policyControllerStatus, splitManifest } from "./fixtures.js";

// Issue 26, what Linkerd serves and not what it accepts, against the real apiserver and the
// Gateway API CRDs: ports Linkerd serves only TCPRoutes on get TCPRoutes, a regex Linkerd
// cannot compile blocks the split, and route status written as Linkerd's policy controller
// writes it while it restarts (no policy controller runs here: the test writes the status) is a
// Warning only when it lasts.

const namespaces: string[] = [];
const running: RunningAdaptor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

async function start(options: Parameters<typeof runAdaptor>[0] = {}): Promise<RunningAdaptor> {
  const adaptor = await runAdaptor({ resyncPeriodMs: 0, target: "httproute", ...options });
  running.push(adaptor);
  return adaptor;
}

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(prefix);
  namespaces.push(ns);
  return ns;
}

async function service(
  ns: string,
  name: string,
  ports: { port: number; appProtocol?: string }[] = [{ port: 8080 }],
): Promise<void> {
  expectOk(
    await admin.post(`/api/v1/namespaces/${ns}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: { ports: ports.map((p, i) => ({ name: `p${i}`, ...p })), selector: { app: name } },
    }),
    `create service ${ns}/${name}`,
  );
}

const GW = "/apis/gateway.networking.k8s.io";
const names = async (ns: string, kind: "httproutes" | "tcproutes") =>
  (
    expectOk(
      await admin.get(`${GW}/${kind === "tcproutes" ? "v1alpha2" : "v1"}/namespaces/${ns}/${kind}`),
      `list ${kind}`,
    ).body as { items: { metadata: { name: string } }[] }
  ).items
    .map((r) => r.metadata.name)
    .sort();

const split = (matches?: unknown) =>
  splitManifest(
    "web-split",
    "web",
    [
      ["web-v1", 900],
      ["web-v2", 100],
    ],
    { version: "v1alpha4", spec: matches === undefined ? undefined : { matches } },
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ports Linkerd serves only TCPRoutes on", () => {
  it("linkerd.io/tcp, grpc and linkerd.io/OPAQUE ports get TCPRoutes (the apiserver wants a lowercase prefix); http and HTTP ports HTTPRoutes", async () => {
    const ns = await namespace("gw-served");
    const ports = [
      { port: 80, appProtocol: "http" },
      { port: 81, appProtocol: "HTTP" },
      { port: 7000, appProtocol: "linkerd.io/tcp" },
      { port: 9090, appProtocol: "grpc" },
      { port: 9091, appProtocol: "linkerd.io/OPAQUE" },
    ];
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s, ports);
    await start();
    await applySplit(ns, split());
    await eventually("the routes", async () => {
      const [http, tcp] = [await names(ns, "httproutes"), await names(ns, "tcproutes")];
      return http.length === 2 && tcp.length === 3 ? { http, tcp } : undefined;
    }).then((r) =>
      expect(r).toEqual({
        http: ["web-smi-80", "web-smi-81"],
        tcp: ["web-smi-7000", "web-smi-9090", "web-smi-9091"],
      }),
    );
  });
});

describe("regexes Linkerd cannot compile", () => {
  it("a look-ahead in an HTTPRouteGroup blocks the split with a RoutesBlocked Warning, and no route is written", async () => {
    const ns = await namespace("gw-regex");
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s, [{ port: 80 }]);
    expectOk(
      await admin.post(`/apis/specs.smi-spec.io/v1alpha4/namespaces/${ns}/httproutegroups`, {
        apiVersion: "specs.smi-spec.io/v1alpha4",
        kind: "HTTPRouteGroup",
        metadata: { name: "api" },
        spec: { matches: [{ name: "public", pathRegex: "/api/(?!internal).*" }] },
      }),
      "create the HTTPRouteGroup",
    );
    await start();
    await applySplit(ns, split([{ kind: "HTTPRouteGroup", name: "api" }]));
    const event = await eventAppears(ns, "web-split", "RoutesBlocked", "(?!internal)");
    expect(event.type).toBe("Warning");
    expect(event.message).toBe(
      'HTTPRouteGroup api matches[0].pathRegex "/api/(?!internal).*" is not a regex Linkerd can use: the Rust regex crate says look-around, including look-ahead and look-behind, is not supported (at character 6, "(?!int"), and Linkerd\'s policy controller drops the whole route, catch-all rule included, when one does not compile; rewrite it without look-around, back-references or atomic groups (for /api/(?!internal).* list the paths to split instead). The routes of service web keep their last good state.',
    );
    expect(await names(ns, "httproutes")).toEqual([]);
  });
});

describe("route status settles before it is a Warning", () => {
  // A message that changes with each write, so that each is a new status.
  const status = (ns: string, conditions: [string, string, string][], generation: number) =>
    policyControllerStatus(ns, conditions, generation % 2 === 0 ? "" : " ");
  const writeStatus = async (ns: string, conditions: [string, string, string][], n: number) =>
    expectOk(
      await admin.apply(
        `${GW}/v1/namespaces/${ns}/httproutes/web-smi-8080/status`,
        status(ns, conditions, n),
        "policy-controller",
      ),
      "write the route status",
    );
  const warnings = async (ns: string) =>
    (await listEvents(ns, "web-split")).filter(
      (e) =>
        e.type === "Warning" && (e.reason === "RouteNotAccepted" || e.reason === "BackendNotFound"),
    );

  it("a policy-controller restart (NoMatchingParent, BackendNotFound, True within 5 s) gives none; a lasting one gives exactly one", async () => {
    const ns = await namespace("gw-settle");
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s);
    await start();
    await applySplit(ns, split());
    await eventually("the HTTPRoute", async () =>
      (await names(ns, "httproutes")).includes("web-smi-8080") ? true : undefined,
    );
    // The restart: caches fill, the status is rewritten many times in 5 s.
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 2_000) {
      await writeStatus(
        ns,
        [
          ["Accepted", "False", "NoMatchingParent"],
          ["ResolvedRefs", "True", "ResolvedRefs"],
        ],
        n++,
      );
      await sleep(100);
    }
    while (Date.now() - started < 4_500) {
      await writeStatus(
        ns,
        [
          ["Accepted", "True", "Accepted"],
          ["ResolvedRefs", "False", "BackendNotFound"],
        ],
        n++,
      );
      await sleep(100);
    }
    await writeStatus(
      ns,
      [
        ["Accepted", "True", "Accepted"],
        ["ResolvedRefs", "True", "ResolvedRefs"],
      ],
      n++,
    );
    // Past the 10 s window of the first bad status, and the re-checks it asked for.
    await sleep(Math.max(0, started + 13_000 - Date.now()));
    expect(await warnings(ns)).toEqual([]);

    // A condition that lasts: one Warning after the window, not before, and only one.
    const lasting = Date.now();
    for (let i = 0; i < 5; i++) {
      await writeStatus(
        ns,
        [
          ["Accepted", "False", "NoMatchingParent"],
          ["ResolvedRefs", "True", "ResolvedRefs"],
        ],
        n++,
      );
      await sleep(200);
    }
    await sleep(Math.max(0, lasting + 7_000 - Date.now()));
    expect(await warnings(ns)).toEqual([]);
    const event = await eventAppears(ns, "web-split", "RouteNotAccepted", "NoMatchingParent");
    expect(Date.now() - lasting).toBeGreaterThanOrEqual(10_000);
    for (let i = 0; i < 5; i++) {
      await writeStatus(
        ns,
        [
          ["Accepted", "False", "NoMatchingParent"],
          ["ResolvedRefs", "True", "ResolvedRefs"],
        ],
        n++,
      );
      await sleep(200);
    }
    await sleep(2_000);
    const after = await warnings(ns);
    expect(after.map((e) => [e.reason, e.count ?? 1])).toEqual([["RouteNotAccepted", 1]]);
    expect(event.message).toContain(
      "HTTPRoute web-smi-8080 is not accepted by linkerd.io/policy-controller",
    );
  }, 90_000);
});

describe("the cluster's default opaque ports (Linkerd's linkerd-config)", () => {
  // data.values as Linkerd's control plane chart renders proxy.opaquePorts (helm template of
  // linkerd2 edge-26.8.3's charts/linkerd-control-plane with --set proxy.opaquePorts=...).
  const linkerdConfig = (opaquePorts: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "linkerd-config" },
    data: {
      values: `clusterDomain: cluster.local\nproxy:\n  nativeSidecar: true\n  opaquePorts: ${opaquePorts}\n`,
    },
  });
  async function split7000(ns: string) {
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s, [{ port: 7000 }]);
    await applySplit(ns, split());
  }
  const routes = async (ns: string) => ({
    http: await names(ns, "httproutes"),
    tcp: await names(ns, "tcproutes"),
  });

  it("a port linkerd-config lists gets a TCPRoute; when the list changes, an HTTPRoute replaces it", async () => {
    const ns = await namespace("gw-lcfg");
    expectOk(
      await admin.apply(
        `/api/v1/namespaces/${ns}/configmaps/linkerd-config`,
        linkerdConfig("25,7000-7001"),
      ),
      "create linkerd-config",
    );
    // The adaptor runs as the chart's ServiceAccount: the chart grants it linkerd-config.
    await start({ linkerdNamespace: ns });
    await split7000(ns);
    await eventually("a TCPRoute on 7000", async () => {
      const r = await routes(ns);
      return r.tcp.length === 1 ? r : undefined;
    }).then((r) => expect(r).toEqual({ http: [], tcp: ["web-smi-7000"] }));
    expectOk(
      await admin.apply(`/api/v1/namespaces/${ns}/configmaps/linkerd-config`, linkerdConfig("25")),
      "update linkerd-config",
    );
    await eventually("an HTTPRoute on 7000", async () => {
      const r = await routes(ns);
      return r.http.length === 1 && r.tcp.length === 0 ? r : undefined;
    }).then((r) => expect(r).toEqual({ http: ["web-smi-7000"], tcp: [] }));
  });

  it("-default-opaque-ports, given, wins over linkerd-config", async () => {
    const ns = await namespace("gw-lcfg-flag");
    expectOk(
      await admin.post(`/api/v1/namespaces/${ns}/configmaps`, linkerdConfig("7000")),
      "create linkerd-config",
    );
    const adaptor = await start({ linkerdNamespace: ns, defaultOpaquePorts: [] });
    await split7000(ns);
    await eventually("an HTTPRoute on 7000", async () => {
      const r = await routes(ns);
      return r.http.length === 1 ? r : undefined;
    }).then((r) => expect(r).toEqual({ http: ["web-smi-7000"], tcp: [] }));
    expect(
      adaptor.logs.some((l) => l.includes("default opaque ports  (-default-opaque-ports)")),
    ).toBe(true);
  });

  it("without linkerd-config, Linkerd's own list: 3306 gets a TCPRoute, and the log says why", async () => {
    const ns = await namespace("gw-lcfg-none");
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s, [{ port: 3306 }]);
    const adaptor = await start({ linkerdNamespace: ns });
    await applySplit(ns, split());
    await eventually("a TCPRoute on 3306", async () => {
      const r = await routes(ns);
      return r.tcp.length === 1 ? r : undefined;
    }).then((r) => expect(r).toEqual({ http: [], tcp: ["web-smi-3306"] }));
    expect(
      adaptor.logs.some((l) =>
        l.includes(
          `ConfigMap ${ns}/linkerd-config not found: is Linkerd installed in \\"${ns}\\"?: using Linkerd's default opaque ports 25,587,3306,4444,5432,6379,9300,11211`,
        ),
      ),
    ).toBe(true);
  });
});
