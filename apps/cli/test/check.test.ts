/**
 * `linkerd smi check` against a real kube-apiserver of its own (so that "before install" and
 * "installed" are states of this file alone). There is no scheduler or kubelet: the adaptor Pod
 * is created from the chart's Deployment template and its status is written through the
 * `status` subresource, as a kubelet writes it.
 */
import { readFileSync } from "node:fs";
import {
  applyManifest,
  expectOk,
  startEnvironment,
  type KubeHttp,
  type ManifestObject,
  type TestEnvironment,
} from "@linkerd-smi/testenv";
import { microTime } from "@linkerd-smi/kube";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { helmTemplate } from "./cli.js";
import { smi } from "./smi.js";
import { service, serviceProfile, trafficSplit } from "./fixtures.js";

const NS = "linkerd-smi";
const POD_A = "smi-adaptor-6c9f7d8b5-x7k2p";
const POD_B = "smi-adaptor-6c9f7d8b5-q4n8z";
// Hints point at this project's docs (a test in src/home.test.ts checks every anchor exists).
const HINTS = "https://github.com/linkerd-smi-ts/linkerd-smi/blob/main/docs/checks.md#";

let env: TestEnvironment;
let admin: KubeHttp;
let kubeconfig: string;
let podTemplate: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };

const check = (...args: string[]) =>
  smi(["check", "--kubeconfig", kubeconfig, "--wait", "2s", ...args]);

async function eventually<T>(
  what: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function objects(manifest: string): (ManifestObject & Record<string, unknown>)[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as unknown)
    .filter(
      (o): o is ManifestObject & Record<string, unknown> =>
        typeof o === "object" && o !== null && "kind" in o,
    );
}

async function apply(object: Record<string, unknown>): Promise<void> {
  await applyManifest(admin, [object as unknown as ManifestObject], "kubectl");
}

/** Creates an adaptor Pod from the chart's template and reports it as the kubelet would. */
async function adaptorPod(name: string, ready: boolean): Promise<void> {
  const existing = await admin.get(`/api/v1/namespaces/${NS}/pods/${name}`);
  if (existing.status === 404) {
    expectOk(
      await admin.post(`/api/v1/namespaces/${NS}/pods`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: NS, labels: podTemplate.metadata.labels },
        spec: podTemplate.spec,
      }),
      `create pod ${name}`,
    );
  }
  await podStatus(name, ready);
}

async function podStatus(name: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  expectOk(
    await admin.request("PATCH", `/api/v1/namespaces/${NS}/pods/${name}/status`, {
      contentType: "application/merge-patch+json",
      body: {
        status: {
          phase: "Running",
          conditions: [
            { type: "Initialized", status: "True", lastTransitionTime: now },
            { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: now },
            { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now },
          ],
          containerStatuses: [
            {
              name: "smi-adaptor",
              ready,
              started: true,
              restartCount: 0,
              image: "cr.l5d.io/linkerd/smi-adaptor:test",
              imageID: "",
              state: { running: { startedAt: now } },
            },
          ],
        },
      },
    }),
    `set the status of pod ${name}`,
  );
}

async function deletePod(name: string): Promise<void> {
  await admin.request("DELETE", `/api/v1/namespaces/${NS}/pods/${name}?gracePeriodSeconds=0`);
  await eventually(
    () => admin.get(`/api/v1/namespaces/${NS}/pods/${name}`),
    (r) => r.status === 404,
  );
}

/** Services, so that the splits' backends exist (else BackendNotFound). */
async function services(namespace: string, names: string[]): Promise<void> {
  for (const name of names) await apply(service(namespace, name));
}

async function namespace(name: string): Promise<void> {
  await apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

async function setRules(serviceProfileVerbs: string[]): Promise<void> {
  const role = objects(await helmTemplate(["--namespace", NS])).find(
    (o) => o.kind === "ClusterRole" && o.metadata.name === "smi-adaptor",
  );
  if (role === undefined) throw new Error("the chart has no ClusterRole smi-adaptor");
  for (const rule of role.rules as { resources: string[]; verbs: string[] }[])
    if (rule.resources.includes("serviceprofiles")) rule.verbs = serviceProfileVerbs;
  await apply(role);
}

beforeAll(async () => {
  env = await startEnvironment({ log: () => undefined });
  admin = env.plane.admin();
  kubeconfig = env.kubeconfig;
});

afterAll(async () => {
  await env.plane.stop();
});

describe("linkerd smi check", () => {
  it("prints its metadata for linkerd check", async () => {
    const res = await smi(["_extension-metadata"]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ name: "linkerd-smi", checks: "cluster" });
  });

  it("before install: --pre passes, check fails on the namespace with a hint", async () => {
    const pre = await check("--pre");
    expect(pre.stdout).toBe(
      [
        "linkerd-smi-pre",
        "---------------",
        "√ Linkerd ServiceProfile CRD is installed",
        "√ can create non-namespaced resources",
        "√ can create the extension's resources in namespace linkerd-smi",
        "√ the SMI extension is not already installed",
        "",
        "Status check results are √",
        "",
      ].join("\n"),
    );
    expect(pre.code).toBe(0);

    const res = await check();
    expect(res.stdout).toBe(
      [
        "linkerd-smi",
        "-----------",
        "× linkerd-smi extension Namespace exists",
        '    namespace with label "linkerd.io/extension: smi" not found; install the extension with: linkerd smi install | kubectl apply -f -',
        `    see ${HINTS}l5d-smi-ns-exists for hints`,
        "",
        "Status check results are ×",
        "",
      ].join("\n"),
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(1);

    const json = await check("-o", "json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      success: false,
      categories: [
        {
          categoryName: "linkerd-smi",
          checks: [
            {
              description: "linkerd-smi extension Namespace exists",
              hint: `${HINTS}l5d-smi-ns-exists`,
              error: expect.stringContaining("not found") as unknown,
              result: "error",
            },
          ],
        },
      ],
    });
  });

  it("--pre says which objects a user may not create", async () => {
    const user = await env.plane.serviceAccountKubeconfig({ namespace: "default", name: "nobody" });
    const res = await smi(["check", "--pre", "--kubeconfig", user, "-n", "smi-elsewhere"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      "× can create non-namespaced resources\n    you are not allowed to:\n\t* create namespaces (all namespaces)\n",
    );
    expect(res.stdout).toContain(
      "\t* create customresourcedefinitions.apiextensions.k8s.io (all namespaces)\n",
    );
    expect(res.stdout).toContain(
      "× can create the extension's resources in namespace smi-elsewhere\n",
    );
    expect(res.stdout).toContain("\t* create deployments.apps in namespace smi-elsewhere\n");
    expect(res.stdout).toContain(`    see ${HINTS}l5d-smi-pre-k8s for hints\n`);
  });

  it("checks the objects --pre checks against what the chart renders", async () => {
    const kinds = new Set(
      objects(await helmTemplate(["--namespace", NS, "--set", "installNamespace=true"])).map(
        (o) => o.kind,
      ),
    );
    expect([...kinds].sort()).toEqual(
      [
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "Deployment",
        "Namespace",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
      ].sort(),
    );
  });

  it("a healthy install: every check passes, in Linkerd's table and JSON", async () => {
    const rendered = objects(
      await helmTemplate(["--namespace", NS, "--set", "installNamespace=true"]),
    );
    await applyManifest(
      admin,
      rendered.filter((o) => o.kind !== "CustomResourceDefinition"),
      "kubectl",
    );
    const deployment = rendered.find((o) => o.kind === "Deployment") as unknown as {
      spec: { template: typeof podTemplate };
    };
    podTemplate = deployment.spec.template;
    await adaptorPod(POD_A, true);
    await namespace("shop");
    await services("shop", ["web", "web-v1", "web-v2", "cart", "cart-v1", "cart-v2"]);
    await apply(
      trafficSplit("shop", "web-split", "web", [
        ["web-v1", 900],
        ["web-v2", 100],
      ]),
    );
    await apply(
      serviceProfile("shop", "web", [
        ["web-v1", "900"],
        ["web-v2", "100"],
      ]),
    );

    const res = await eventually(check, (r) => r.code === 0);
    // The whole output, as apps/cli/README.md shows it (apps/demo's README test checks that).
    expect(res.stdout).toBe(
      readFileSync(new URL("./testdata/check_healthy.golden", import.meta.url), "utf8"),
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);

    const json = await check("-o", "json");
    expect(json.code).toBe(0);
    const output = JSON.parse(json.stdout) as {
      success: boolean;
      categories: { categoryName: string; checks: Record<string, unknown>[] }[];
    };
    expect(output.success).toBe(true);
    expect(output.categories.map((c) => c.categoryName)).toEqual(["linkerd-smi"]);
    expect(output.categories[0]?.checks).toHaveLength(7);
    for (const c of output.categories[0]?.checks ?? []) {
      expect(Object.keys(c)).toEqual(["description", "result"]);
      expect(c.result).toBe("success");
    }
  });

  it("--pre fails once the extension is installed", async () => {
    const res = await check("--pre");
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      "× the SMI extension is not already installed\n    the SMI extension is already installed in namespace linkerd-smi (labelled linkerd.io/extension=smi); run linkerd smi check to check it\n",
    );
  });

  it("accepts the flags linkerd check forwards, exactly as it spells them", async () => {
    // cli/cmd/check.go getExtensionCheckFlags: every non-empty value as --flag=value, then --output=json.
    const res = await smi([
      "check",
      `--api-addr=${env.plane.server}`,
      "--as-group=[]",
      `--kubeconfig=${kubeconfig}`,
      "--linkerd-namespace=linkerd",
      "--verbose=false",
      "--proxy=false",
      "--wait=5m0s",
      "--output=json",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { success: boolean }).success).toBe(true);
  });

  it("warns about an invalid split and a profile out of step, naming them; --namespace limits that", async () => {
    await namespace("broken");
    await apply(
      trafficSplit("broken", "api-split", "api", [
        ["api-v1", 1],
        ["api-v2", -5],
      ]),
    );
    await apply(
      trafficSplit("shop", "cart-split", "cart", [
        ["cart-v1", 500],
        ["cart-v2", 500],
      ]),
    );
    await apply(
      serviceProfile("shop", "cart", [
        ["cart-v1", "900"],
        ["cart-v2", "100"],
      ]),
    );

    const res = await check();
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      [
        "‼ TrafficSplits are valid and their ServiceProfiles are in sync",
        "    2 of 3 TrafficSplits need attention:",
        "\t* broken/api-split: Invalid: error[negative-weight] spec.backends[1].weight: spec.backends[1].weight is -5, a negative weight",
      ].join("\n"),
    );
    expect(res.stdout).toContain(
      "\t* shop/cart-split: Pending: ServiceProfile cart.shop.svc.cluster.local is not in step with the split: weights differ: cart-v1 900 instead of 500, cart-v2 100 instead of 500\n" +
        "\tRun linkerd smi status -A for details\n" +
        `    see ${HINTS}l5d-smi-ts-sync for hints\n\nStatus check results are √\n`,
    );

    const json = JSON.parse((await check("-o", "json")).stdout) as {
      success: boolean;
      categories: { checks: { description: string; result: string; error?: string }[] }[];
    };
    expect(json.success).toBe(true);
    const sync = json.categories[0]?.checks.at(-1);
    expect(sync?.result).toBe("warning");
    expect(sync?.error).toContain("broken/api-split: Invalid");

    const shop = await check("--namespace", "shop");
    expect(shop.stdout).toContain(
      "‼ TrafficSplits in namespace shop are valid and their ServiceProfiles are in sync\n    1 of 2 TrafficSplits needs attention:\n\t* shop/cart-split: Pending",
    );
    expect(shop.stdout).not.toContain("api-split");

    await apply(
      serviceProfile("shop", "cart", [
        ["cart-v1", "500"],
        ["cart-v2", "500"],
      ]),
    );
    const fixed = await check("-n", "shop");
    expect(fixed.stdout).toContain(
      "√ TrafficSplits in namespace shop are valid and their ServiceProfiles are in sync\n",
    );
    const broken = await check("-n", "broken", "-o", "short");
    expect(broken.stdout).toMatch(
      /^linkerd-smi\n-----------\n‼ TrafficSplits in namespace broken are valid/,
    );
    expect(broken.stdout).not.toContain("√ linkerd-smi extension Namespace exists");
  });

  it("warns about a backend Service that does not exist, though the profile is Synced, and names the status command", async () => {
    await services("shop", ["search", "search-v1"]);
    await apply(
      trafficSplit("shop", "search-split", "search", [
        ["search-v1", 1],
        ["serch-v2", 1],
      ]),
    );
    await apply(
      serviceProfile("shop", "search", [
        ["search-v1", "1"],
        ["serch-v2", "1"],
      ]),
    );
    const res = await check("-n", "shop");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      "‼ TrafficSplits in namespace shop are valid and their ServiceProfiles are in sync\n" +
        "    1 of 3 TrafficSplits needs attention:\n" +
        "\t* shop/search-split: Synced, but backend Service shop/serch-v2 does not exist (BackendNotFound): Linkerd sends its share to a name that does not resolve\n" +
        "\tRun linkerd smi status -n shop for details\n" +
        `    see ${HINTS}l5d-smi-ts-sync for hints\n`,
    );
    const status = await smi(["status", "-n", "shop", "search-split", "--kubeconfig", kubeconfig]);
    expect(status.code).toBe(0);
    expect(status.stdout.split("\n")[1]).toMatch(
      /^search-split +search +search-v1 1 \(50\.0%\) +Synced, BackendNotFound$/,
    );
    await services("shop", ["serch-v2"]);
    expect((await check("-n", "shop")).stdout).toContain(
      "√ TrafficSplits in namespace shop are valid and their ServiceProfiles are in sync\n",
    );
  });

  it("fails naming the verb the adaptor's RBAC is missing", async () => {
    await setRules(["get", "list", "watch", "create", "delete"]);
    const res = await eventually(check, (r) => r.code === 1);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      [
        "× SMI extension service account has the permissions the adaptor needs",
        "    ServiceAccount linkerd-smi/smi-adaptor is not allowed to:",
        "\t* patch serviceprofiles.linkerd.io (all namespaces)",
        "\tReinstall the extension's RBAC",
      ].join("\n"),
    );
    expect(res.stdout).toContain(`    see ${HINTS}l5d-smi-adaptor-rbac for hints\n`);
    expect(res.stdout).toMatch(/Status check results are ×\n$/);
    await setRules(["get", "list", "watch", "create", "patch", "delete"]);
    expect((await eventually(check, (r) => r.code === 0)).code).toBe(0);
  });

  it("waits for the adaptor pods to be ready, up to --wait", async () => {
    await podStatus(POD_A, false);
    const failed = await check("--wait", "1s");
    expect(failed.code).toBe(1);
    // Its stderr is no terminal: no spinner, so one line says what it waits for.
    expect(failed.stderr).toBe(
      `Waiting for "SMI extension pods are running" (up to 1s, --wait): container "smi-adaptor" in pod "${POD_A}" is not ready\n`,
    );
    expect(failed.stdout).toContain(
      `× SMI extension pods are running\n    container "smi-adaptor" in pod "${POD_A}" is not ready\n    see ${HINTS}l5d-smi-pods-running for hints\n`,
    );

    const started = Date.now();
    const waiting = check("--wait", "60s");
    await new Promise((r) => setTimeout(r, 1500));
    await podStatus(POD_A, true);
    const passed = await waiting;
    expect(passed.stdout).toContain("√ SMI extension pods are running\n");
    expect(passed.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);

    await deletePod(POD_A);
    const none = await check("--wait", "0s");
    // What is true: replicas is 1, and no pod exists (no controller manager runs here).
    expect(none.stdout).toContain(
      "× SMI extension pods are running\n    Deployment linkerd-smi/smi-adaptor wants 1 replica but no pod with linkerd.io/extension=smi,component=smi-adaptor exists; no ReplicaSet has created one yet: see kubectl -n linkerd-smi describe deployment/smi-adaptor and its events\n",
    );
    const deployment = `/apis/apps/v1/namespaces/${NS}/deployments/smi-adaptor`;
    const scale = (replicas: number) =>
      admin.request("PATCH", deployment, {
        contentType: "application/merge-patch+json",
        body: { spec: { replicas } },
      });
    expectOk(await scale(0), "scale to zero");
    expect((await check("--wait", "0s")).stdout).toContain(
      "× SMI extension pods are running\n    Deployment linkerd-smi/smi-adaptor is scaled to zero; scale it up with: kubectl -n linkerd-smi scale deployment/smi-adaptor --replicas=1\n",
    );
    expectOk(await scale(1), "scale back to one");
    await adaptorPod(POD_A, true);
  });

  it("with two replicas, checks that one holds the Lease", async () => {
    await adaptorPod(POD_B, true);
    const none = await check();
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(
      "‼ SMI adaptor replicas have elected one leader\n    2 replicas run but there is no Lease linkerd-smi/smi-adaptor",
    );

    const lease = (renewed: Date, holder = `${POD_A}_1a2b3c4d`) => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "smi-adaptor", namespace: NS },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 15,
        acquireTime: microTime(renewed),
        renewTime: microTime(renewed),
      },
    });
    await apply(lease(new Date()));
    const held = await check();
    expect(held.stdout).toContain("√ SMI adaptor replicas have elected one leader\n");
    expect(held.code).toBe(0);

    await apply(lease(new Date(Date.now() - 120_000)));
    const stale = await check();
    expect(stale.stdout).toMatch(
      new RegExp(
        `‼ SMI adaptor replicas have elected one leader\\n    Lease linkerd-smi/smi-adaptor is stale: ${POD_A}_1a2b3c4d last renewed it 1[12]\\ds ago`,
      ),
    );

    await apply(lease(new Date(), "smi-adaptor-gone_99"));
    const stranger = await check();
    expect(stranger.stdout).toContain(
      "is held by smi-adaptor-gone_99, which is not one of the adaptor pods",
    );
    await deletePod(POD_B);
  });

  it("--proxy: Linkerd's data-plane checks of the adaptor's pods (injected, proxies ready, current trust anchors)", async () => {
    // POD_A, from the chart's template, was never injected (no proxy injector runs here).
    const unmeshed = await check("--proxy", "--wait", "0s");
    expect(unmeshed.code).toBe(1);
    expect(unmeshed.stdout).toContain(
      `‼ SMI extension pods are injected\n    could not find the linkerd-proxy container in pod:\n\t* ${POD_A}\n`,
    );
    expect(unmeshed.stdout).toContain(
      `× SMI extension proxies are healthy\n    no "linkerd-proxy" containers found in the "${NS}" namespace\n    see ${HINTS}l5d-smi-proxy-healthy for hints\n`,
    );
    expect((await check()).stdout).not.toContain("proxies are healthy");

    // The same pod as the injector makes it: a linkerd-proxy container with the trust anchors.
    await deletePod(POD_A);
    const meshed = "smi-adaptor-6c9f7d8b5-m3shd";
    expectOk(
      await admin.post(`/api/v1/namespaces/${NS}/pods`, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: meshed,
          namespace: NS,
          labels: { ...podTemplate.metadata.labels, "linkerd.io/control-plane-ns": "linkerd" },
        },
        spec: {
          ...podTemplate.spec,
          containers: [
            {
              name: "linkerd-proxy",
              image: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
              env: [{ name: "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", value: "ANCHOR-1" }],
            },
            ...(podTemplate.spec.containers as unknown[]),
          ],
        },
      }),
      "meshed pod",
    );
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const running = (name: string) => ({
      name,
      ready: true,
      started: true,
      restartCount: 0,
      image: "x",
      imageID: "",
      state: { running: { startedAt: now } },
    });
    expectOk(
      await admin.request("PATCH", `/api/v1/namespaces/${NS}/pods/${meshed}/status`, {
        contentType: "application/merge-patch+json",
        body: {
          status: {
            phase: "Running",
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }],
            containerStatuses: [running("linkerd-proxy"), running("smi-adaptor")],
          },
        },
      }),
      "meshed pod status",
    );
    await namespace("linkerd");
    const roots = (bundle: string) =>
      apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "linkerd-identity-trust-roots", namespace: "linkerd" },
        data: { "ca-bundle.crt": bundle },
      });
    await roots("ANCHOR-2");
    const rotated = await check("--proxy", "--wait", "0s");
    expect(rotated.stdout).toContain("√ SMI extension pods are injected\n");
    expect(rotated.stdout).toContain(
      `× SMI extension proxies are healthy\n    Some pods do not have the current trust bundle and must be restarted:\n\t* ${meshed}\n`,
    );
    await roots("ANCHOR-1\n");
    const healthy = await check("--proxy", "--wait", "0s");
    expect(healthy.stdout).toContain("√ SMI extension proxies are healthy\n");
    expect(healthy.code).toBe(0);

    await deletePod(meshed);
    await adaptorPod(POD_A, true);
  });

  it("reports a cluster it cannot reach on the first check", async () => {
    const res = await smi([
      "check",
      "--kubeconfig",
      kubeconfig,
      "--api-addr",
      "https://127.0.0.1:1",
      "--wait",
      "0s",
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /^linkerd-smi\n-{11}\n× linkerd-smi extension Namespace exists\n {4}list namespaces: .*ECONNREFUSED/,
    );
  });

  it("says so when the extension's namespace is being deleted", async () => {
    // The namespace controller runs here: an object with a finalizer keeps the deleted
    // namespace Terminating, labels and all, until the test lets it go.
    const hold = `/api/v1/namespaces/${NS}/configmaps/hold-namespace`;
    expectOk(
      await admin.post(`/api/v1/namespaces/${NS}/configmaps`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "hold-namespace", finalizers: ["test.linkerd-smi.io/hold"] },
      }),
      "a ConfigMap that holds the namespace",
    );
    onTestFinished(async () => {
      await admin.request("PATCH", hold, {
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
    });
    expectOk(await admin.delete(`/api/v1/namespaces/${NS}`), "delete the namespace");
    const res = await check();
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      `× linkerd-smi extension Namespace exists\n    namespace "linkerd-smi" with label "linkerd.io/extension: smi" is being deleted;`,
    );
    expect((await check("--pre")).stdout).toContain(
      "already installed in namespace linkerd-smi (being deleted)",
    );
  });

  it("rejects bad flags as usage errors", async () => {
    expect((await check("-o", "yaml")).code).toBe(2);
    expect((await check("--wait", "soon")).code).toBe(2);
    expect((await check("--pre=maybe")).code).toBe(2);
  });
});
