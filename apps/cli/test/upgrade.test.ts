/**
 * Upgrading in place over linkerd-smi v0.2.7, on a control plane of its own (the cluster-scoped
 * smi-adaptor ClusterRole is shared by name with the other tests' installs): objects shaped as
 * the Go CLI's install (testdata/upgrade), as `kubectl apply` creates them; then our install
 * with server-side apply; our adaptor taking over the profile the Go adaptor wrote; `prune`; and
 * `uninstall` removing everything of the old install but the CRD.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  applyManifest,
  ControlPlane,
  eventually,
  expectOk,
  installCrds,
  type KubeHttp,
  ResourcePaths,
  type ManifestObject,
} from "@linkerd-smi/testenv";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSmi } from "./cli.js";
import { trafficSplit } from "./fixtures.js";

const fixture = fileURLToPath(new URL("./testdata/upgrade/v0.2.7-install.yaml", import.meta.url));
const controller = fileURLToPath(new URL("../../controller/dist/main.js", import.meta.url));
const NS = "linkerd-smi";
const APP = "shop";

const docs = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as ManifestObject | null)
    .filter((o): o is ManifestObject => o !== null && typeof o === "object" && "kind" in o);

let plane: ControlPlane;
let admin: KubeHttp;
let adaptor: ChildProcess | undefined;

/** Creates each object as client-side `kubectl apply` does: a create carrying last-applied-configuration. */
async function kubectlCreate(objects: readonly ManifestObject[]): Promise<void> {
  const paths = new ResourcePaths(admin);
  for (const object of objects) {
    const path = await paths.pathOf(object);
    const collection = path.slice(0, path.lastIndexOf("/"));
    const body = structuredClone(object) as ManifestObject & {
      metadata: { annotations?: Record<string, string> };
    };
    body.metadata.annotations = {
      ...body.metadata.annotations,
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(object),
    };
    expectOk(
      await admin.request("POST", `${collection}?fieldManager=kubectl-client-side-apply`, {
        body,
      }),
      `create ${object.kind} ${object.metadata.name}`,
    );
  }
}

const get = async <T>(path: string): Promise<T> => expectOk(await admin.get(path), path).body as T;

interface Deployment {
  metadata: { labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    strategy: unknown;
    template: {
      metadata: { annotations?: Record<string, string>; labels: Record<string, string> };
      spec: { containers: { name: string; image: string }[] };
    };
  };
}
interface Profile {
  spec: { dstOverrides?: { authority: string; weight: string | number }[] };
  metadata: { managedFields?: { manager: string; operation: string }[] };
}

beforeAll(async () => {
  plane = await ControlPlane.start({ log: () => undefined });
  await installCrds(plane);
  admin = plane.admin();
});

afterAll(async () => {
  adaptor?.kill("SIGTERM");
  await plane.stop();
});

describe("upgrading a linkerd-smi v0.2.7 install in place", () => {
  it("the Go install's objects are there, as its CLI made them", async () => {
    await kubectlCreate(docs(readFileSync(fixture, "utf8")));
    // The Go adaptor's work: a split and the profile it wrote (client-go Create, manager smi-adaptor).
    expectOk(
      await admin.apply(
        `/api/v1/namespaces/${APP}`,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: APP } },
        "test",
      ),
      "namespace",
    );
    await applyManifest(
      admin,
      [
        trafficSplit(APP, "web-split", "web", [
          ["web-v1", 900],
          ["web-v2", 100],
        ]) as ManifestObject,
      ],
      "kubectl",
    );
    expectOk(
      await admin.request(
        "POST",
        `/apis/linkerd.io/v1alpha2/namespaces/${APP}/serviceprofiles?fieldManager=smi-adaptor`,
        {
          body: {
            apiVersion: "linkerd.io/v1alpha2",
            kind: "ServiceProfile",
            metadata: { name: `web.${APP}.svc.cluster.local`, namespace: APP },
            spec: {
              dstOverrides: [
                { authority: `web-v1.${APP}.svc.cluster.local`, weight: "900" },
                { authority: `web-v2.${APP}.svc.cluster.local`, weight: "100" },
              ],
            },
          },
        },
      ),
      "the Go adaptor's profile",
    );
    const deployment = await get<Deployment>(
      `/apis/apps/v1/namespaces/${NS}/deployments/smi-adaptor`,
    );
    expect(deployment.spec.selector.matchLabels).toEqual({
      "linkerd.io/extension": "smi",
      component: "smi-adaptor",
    });
  });

  it("a Deployment with another selector is rejected: the upgrade depends on keeping it", async () => {
    const res = await admin.apply(
      `/apis/apps/v1/namespaces/${NS}/deployments/smi-adaptor`,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "smi-adaptor", namespace: NS },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/name": "smi-adaptor" } },
          template: {
            metadata: { labels: { "app.kubernetes.io/name": "smi-adaptor" } },
            spec: { containers: [{ name: "smi-adaptor", image: "x" }] },
          },
        },
      },
      "kubectl",
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain("field is immutable");
  });

  it("linkerd smi install, applied server-side, updates every object in place", async () => {
    const installed = await linkerdSmi(["install", "--kubeconfig", plane.kubeconfigPath]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    // kubectl apply --server-side --force-conflicts
    await applyManifest(admin, docs(installed.stdout), "kubectl");

    const deployment = await get<Deployment>(
      `/apis/apps/v1/namespaces/${NS}/deployments/smi-adaptor`,
    );
    expect(deployment.spec.selector.matchLabels).toEqual({
      "linkerd.io/extension": "smi",
      component: "smi-adaptor",
    });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      "linkerd.io/inject": "enabled",
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      "app.kubernetes.io/name": "smi-adaptor",
      "app.kubernetes.io/part-of": "linkerd-smi",
    });
    expect(deployment.spec.template.spec.containers[0]?.image).not.toContain("v0.2.7");
    // The old pod stops before the new one starts: never two adaptors at once.
    expect(deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    const role = await get<{ rules: { resources: string[]; verbs: string[] }[] }>(
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/smi-adaptor",
    );
    expect(role.rules.find((r) => r.resources.includes("serviceprofiles"))?.verbs).toEqual([
      "get",
      "list",
      "watch",
      "create",
      "patch",
      "delete",
    ]);
    const version = await linkerdSmi(["version", "--kubeconfig", plane.kubeconfigPath, "--short"]);
    const [client, server] = version.stdout.trim().split("\n");
    expect(server).toBe(client);
  });

  it("our adaptor takes over the profile the Go adaptor wrote", async () => {
    adaptor = spawn(
      process.execPath,
      [controller, "-kubeconfig", plane.kubeconfigPath, "-metrics-addr", "127.0.0.1:0"],
      { stdio: "ignore" },
    );
    await applyManifest(
      admin,
      [
        trafficSplit(APP, "web-split", "web", [
          ["web-v1", 500],
          ["web-v2", 500],
        ]) as ManifestObject,
      ],
      "kubectl",
    );
    const profile = await eventually(
      "the adaptor to write the new weights",
      async () => {
        const p = await get<Profile>(
          `/apis/linkerd.io/v1alpha2/namespaces/${APP}/serviceprofiles/web.${APP}.svc.cluster.local`,
        );
        return p.spec.dstOverrides?.every((d) => String(d.weight) === "500") === true
          ? p
          : undefined;
      },
      60_000,
      200,
    );
    expect(profile.spec.dstOverrides).toEqual([
      { authority: `web-v1.${APP}.svc.cluster.local`, weight: "500" },
      { authority: `web-v2.${APP}.svc.cluster.local`, weight: "500" },
    ]);
    expect(
      profile.metadata.managedFields?.some(
        (f) => f.manager === "smi-adaptor" && f.operation === "Apply",
      ),
    ).toBe(true);
    adaptor.kill("SIGTERM");
  });

  it("prune lists what the chart no longer renders, and only that", async () => {
    const empty = await linkerdSmi(["prune", "--kubeconfig", plane.kubeconfigPath]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe("");
    // Something of the extension's (by its label) that our chart does not have.
    await applyManifest(
      admin,
      [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "smi-leftover",
            namespace: NS,
            labels: { "linkerd.io/extension": "smi" },
          },
        },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: { name: "smi-old-role", labels: { "linkerd.io/extension": "smi" } },
        },
      ] as unknown as ManifestObject[],
      "kubectl",
    );
    const res = await linkerdSmi(["prune", "--kubeconfig", plane.kubeconfigPath]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      [
        "---",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: smi-leftover",
        `  namespace: ${NS}`,
        "---",
        "apiVersion: rbac.authorization.k8s.io/v1",
        "kind: ClusterRole",
        "metadata:",
        "  name: smi-old-role",
        "",
      ].join("\n"),
    );
  });

  it("uninstall removes what is left of the old install, the CRD aside", async () => {
    const res = await linkerdSmi(["uninstall"]);
    expect(res.code).toBe(0);
    const paths = new ResourcePaths(admin);
    for (const object of docs(res.stdout)) {
      const del = await admin.delete(await paths.pathOf(object));
      expect([200, 202], `${object.kind} ${object.metadata.name}`).toContain(del.status);
    }
    for (const path of [
      `/apis/apps/v1/namespaces/${NS}/deployments/smi-adaptor`,
      `/api/v1/namespaces/${NS}/serviceaccounts/smi-adaptor`,
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/smi-adaptor",
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/smi-adaptor",
    ])
      expect((await admin.get(path)).status, path).toBe(404);
    expect(
      (
        await admin.get(
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trafficsplits.split.smi-spec.io",
        )
      ).status,
    ).toBe(200);
  });
});
