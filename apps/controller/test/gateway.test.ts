import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  deleteSplit,
  eventAppears,
  eventually,
  fqdn,
  paths,
  profileBecomes,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

// The Gateway API output against the real apiserver: the Gateway API CRDs (experimental channel,
// from the sigs.k8s.io/gateway-api module) validate every route we write with their OpenAPI and
// CEL rules, the adaptor runs as the chart's ServiceAccount (RBAC), and kube-controller-manager
// garbage-collects routes whose TrafficSplit is gone. Expected routes are written by hand.

const namespaces: string[] = [];
const running: RunningAdaptor[] = [];
// One adaptor at a time: two with different targets would undo each other's work.
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

async function start(options: Parameters<typeof runAdaptor>[0] = {}): Promise<RunningAdaptor> {
  const adaptor = await runAdaptor({ resyncPeriodMs: 0, ...options });
  running.push(adaptor);
  return adaptor;
}
async function stop(adaptor: RunningAdaptor): Promise<void> {
  await adaptor.stop();
  running.splice(running.indexOf(adaptor), 1);
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
  annotations?: Record<string, string>,
): Promise<void> {
  expectOk(
    await admin.post(`/api/v1/namespaces/${ns}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
      spec: {
        ports: ports.map((p, i) => ({ name: `p${i}`, ...p })),
        selector: { app: name },
      },
    }),
    `create service ${ns}/${name}`,
  );
}

const routePath = (kind: "httproutes" | "tcproutes", ns: string, name?: string) =>
  `/apis/gateway.networking.k8s.io/${kind === "tcproutes" ? "v1alpha2" : "v1"}/namespaces/${ns}/${kind}${name === undefined ? "" : `/${name}`}`;

interface StoredRoute {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
  };
  spec: { parentRefs: unknown[]; rules: { matches?: unknown[]; backendRefs: unknown[] }[] };
}

async function routes(kind: "httproutes" | "tcproutes", ns: string): Promise<StoredRoute[]> {
  const body = expectOk(await admin.get(routePath(kind, ns)), `list ${kind}`).body as {
    items: StoredRoute[];
  };
  return body.items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

function routesBecome(
  kind: "httproutes" | "tcproutes",
  ns: string,
  names: string[],
): Promise<StoredRoute[]> {
  return eventually(`${kind} in ${ns} to be [${names.join(", ")}]`, async () => {
    const list = await routes(kind, ns);
    return JSON.stringify(list.map((r) => r.metadata.name)) === JSON.stringify(names)
      ? list
      : undefined;
  });
}

const backend = (name: string, port: number, weight: number) => ({
  group: "",
  kind: "Service",
  name,
  port,
  weight,
});
const ROOT = { path: { type: "PathPrefix", value: "/" } };

describe("-target httproute", () => {
  it("turns the seeds' backend-split into an HTTPRoute the real CRD accepts, owned by the split", async () => {
    const ns = await namespace("gw-seed");
    await service(ns, "backend-svc");
    await service(ns, "failing-svc");
    await start({ target: "httproute" });
    await applySplit(
      ns,
      splitManifest("backend-split", "backend-svc", [
        ["backend-svc", 500],
        ["failing-svc", 500],
      ]),
    );
    const [route] = await routesBecome("httproutes", ns, ["backend-svc-smi-8080"]);
    const split = expectOk(await admin.get(paths.split(ns, "backend-split")), "get split").body as {
      metadata: { uid: string };
    };
    expect(route?.metadata.ownerReferences).toEqual([
      {
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        name: "backend-split",
        uid: split.metadata.uid,
        controller: true,
      },
    ]);
    expect(route?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "smi-adaptor",
      "smi.linkerd.io/apex": "backend-svc",
    });
    expect(route?.spec).toEqual({
      parentRefs: [{ group: "core", kind: "Service", name: "backend-svc", port: 8080 }],
      rules: [
        {
          matches: [ROOT],
          backendRefs: [backend("backend-svc", 8080, 500), backend("failing-svc", 8080, 500)],
        },
      ],
    });
    await eventAppears(ns, "backend-split", "Created", "HTTPRoute backend-svc-smi-8080");
  });

  it("Flagger v1alpha1 quantities, linkerd-failover 1/0 flips, a multi-port apex with an opaque port", async () => {
    const ns = await namespace("gw-flagger");
    await service(ns, "podinfo", [{ port: 9898 }, { port: 5432 }]);
    await service(ns, "podinfo-primary", [{ port: 9898 }, { port: 5432 }]);
    await service(ns, "podinfo-canary", [{ port: 9898 }, { port: 5432 }]);
    await start({ target: "httproute" });
    await applySplit(
      ns,
      splitManifest(
        "podinfo",
        "podinfo",
        [
          ["podinfo-primary", "750m"],
          ["podinfo-canary", "0.25"],
        ],
        { version: "v1alpha1" },
      ),
    );
    // 5432 is one of Linkerd's default opaque ports: a TCPRoute there.
    const [http] = await routesBecome("httproutes", ns, ["podinfo-smi-9898"]);
    // (the failover split below adds db-smi-8080 to this namespace)
    const [tcp] = await routesBecome("tcproutes", ns, ["podinfo-smi-5432"]);
    expect(http?.spec.rules[0]?.backendRefs).toEqual([
      backend("podinfo-primary", 9898, 750),
      backend("podinfo-canary", 9898, 250),
    ]);
    expect(tcp?.spec).toEqual({
      parentRefs: [{ group: "core", kind: "Service", name: "podinfo", port: 5432 }],
      rules: [
        {
          backendRefs: [
            backend("podinfo-primary", 5432, 750),
            backend("podinfo-canary", 5432, 250),
          ],
        },
      ],
    });
    // linkerd-failover (v1alpha2) flips 1/0 on its own split.
    await service(ns, "db", [{ port: 8080 }]);
    await service(ns, "db-remote", [{ port: 8080 }]);
    const failover = (primary: number, remote: number) => ({
      apiVersion: "split.smi-spec.io/v1alpha2",
      metadata: { name: "db" },
      spec: {
        service: "db",
        backends: [
          { service: "db", weight: primary },
          { service: "db-remote", weight: remote },
        ],
      },
    });
    await applySplit(ns, failover(1, 0));
    const weights = async () => {
      const r = (await routes("httproutes", ns)).find((x) => x.metadata.name === "db-smi-8080");
      return JSON.stringify(r?.spec.rules[0]?.backendRefs);
    };
    await eventually("db's route at 1/0", async () =>
      (await weights()) === JSON.stringify([backend("db", 8080, 1), backend("db-remote", 8080, 0)])
        ? true
        : undefined,
    );
    await applySplit(ns, failover(0, 1));
    await eventually("db's route flipped to 0/1", async () =>
      (await weights()) === JSON.stringify([backend("db", 8080, 0), backend("db-remote", 8080, 1)])
        ? true
        : undefined,
    );
  });

  it("Argo (v1alpha3, the apex as a backend, three backends, matches) becomes rules plus the catch-all", async () => {
    const ns = await namespace("gw-argo");
    for (const s of ["rollouts-demo", "rollouts-demo-canary", "rollouts-demo-stable"])
      await service(ns, s, [{ port: 80 }]);
    expectOk(
      await admin.post(`/apis/specs.smi-spec.io/v1alpha4/namespaces/${ns}/httproutegroups`, {
        apiVersion: "specs.smi-spec.io/v1alpha4",
        kind: "HTTPRouteGroup",
        metadata: { name: "canary-header" },
        spec: { matches: [{ name: "canary", headers: { "x-canary": "true" }, methods: ["GET"] }] },
      }),
      "create the HTTPRouteGroup",
    );
    await start({ target: "httproute" });
    await applySplit(
      ns,
      splitManifest(
        "rollouts-demo",
        "rollouts-demo",
        [
          ["rollouts-demo", 50],
          ["rollouts-demo-canary", 30],
          ["rollouts-demo-stable", 20],
        ],
        {
          version: "v1alpha3",
          spec: { matches: [{ kind: "HTTPRouteGroup", name: "canary-header" }] },
        },
      ),
    );
    const [route] = await routesBecome("httproutes", ns, ["rollouts-demo-smi-80"]);
    expect(route?.spec.rules).toEqual([
      {
        matches: [
          {
            path: { type: "PathPrefix", value: "/" },
            method: "GET",
            headers: [{ type: "RegularExpression", name: "x-canary", value: "true" }],
          },
        ],
        backendRefs: [
          backend("rollouts-demo", 80, 50),
          backend("rollouts-demo-canary", 80, 30),
          backend("rollouts-demo-stable", 80, 20),
        ],
      },
      { matches: [ROOT], backendRefs: [backend("rollouts-demo", 80, 1)] },
    ]);
  });
});

describe("cut-over, both ways, with a user-written profile present", () => {
  it("annotation to httproute keeps the adaptor's profile in step (the split never rests here) and warns about the shadowing one; back again keeps the routes in step", async () => {
    const ns = await namespace("gw-cut");
    const clients = await namespace("gw-clients");
    for (const s of ["web", "web-v1", "web-v2"]) await service(ns, s);
    await start(); // default -target serviceprofile
    const split = (annotations?: Record<string, string>) =>
      splitManifest(
        "web",
        "web",
        [
          ["web-v1", 9],
          ["web-v2", 1],
        ],
        { annotations },
      );
    await applySplit(ns, split());
    const name = fqdn("web", ns);
    await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "9" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ]);
    // A client-side profile with routes, written by someone else, in the clients' namespace.
    expectOk(
      await admin.post(paths.profiles(clients), {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { name },
        spec: { routes: [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }] },
      }),
      "create the user's profile",
    );

    await applySplit(ns, split({ "smi.linkerd.io/target": "httproute" }));
    await routesBecome("httproutes", ns, ["web-smi-8080"]);
    // No policy controller accepts the route here: the profile keeps carrying the split.
    await eventAppears(ns, "web", "CutOverPending", "waiting for Linkerd's policy controller");
    await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "9" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ]);
    await eventAppears(ns, "web", "ShadowedByServiceProfile", `in namespace ${clients} has routes`);
    // The user's profile is never touched.
    expectOk(await admin.get(paths.profile(clients, name)), "the user's profile is still there");

    await applySplit(ns, split({ "smi.linkerd.io/target": "serviceprofile" }));
    await eventAppears(ns, "web", "CutOver", "moves back to ServiceProfile");
    // The route stays, in step, for the proxies that may have chosen it.
    await routesBecome("httproutes", ns, ["web-smi-8080"]);
    await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "9" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ]);
  });
});

describe("garbage collection", () => {
  it("removes the routes of a split deleted while the adaptor is stopped (ownerReference, kube-controller-manager)", async () => {
    const ns = await namespace("gw-gc");
    for (const s of ["api", "api-v1", "api-v2"]) await service(ns, s, [{ port: 80 }, { port: 81 }]);
    const adaptor = await start({ target: "httproute" });
    await applySplit(
      ns,
      splitManifest("api", "api", [
        ["api-v1", 1],
        ["api-v2", 1],
      ]),
    );
    await routesBecome("httproutes", ns, ["api-smi-80", "api-smi-81"]);
    await stop(adaptor);
    await deleteSplit(ns, "api");
    await routesBecome("httproutes", ns, []);
  });
});
