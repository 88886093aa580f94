import type {} from "@linkerd-smi/testenv/global-setup";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyManifest,
  expectOk,
  KubeHttp,
  ResourcePaths,
  type RenderedObject,
} from "@linkerd-smi/testenv";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  chartDir,
  chartYaml,
  EXPECTED_CLUSTER_GRANTS,
  EXPECTED_NAMESPACE_GRANTS,
  eventually,
  GO_VALUES,
  helm as run,
  helms,
  one,
  render,
  type Deployment,
} from "./helpers.js";

const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const CRD =
  "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trafficsplits.split.smi-spec.io";
const ROUTE_GROUP_CRD =
  "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutegroups.specs.smi-spec.io";
const namespaces: string[] = [];
afterAll(async () => {
  for (const ns of namespaces) await admin.delete(`/api/v1/namespaces/${ns}`);
  admin.close();
});

const unique = (prefix: string) => {
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  namespaces.push(ns);
  return ns;
};

/** helm against the test control plane, with its own config and cache directories. */
const helmHome = mkdtempSync(join(tmpdir(), "chart-tests-helm-"));
const helmEnv = {
  KUBECONFIG: kubeconfig,
  HELM_CONFIG_HOME: join(helmHome, "config"),
  HELM_CACHE_HOME: join(helmHome, "cache"),
  HELM_DATA_HOME: join(helmHome, "data"),
};

// With Helm 4 and with Helm 3 (users run both), one after the other: each adopts the CRDs.
describe.each(helms)("$name install and uninstall on a real apiserver", ({ binary }) => {
  const helm = (args: readonly string[]) => run(args, helmEnv, binary);
  it("installs as the README says, prints the NOTES, upgrades, and uninstalls keeping the CRD", async () => {
    const ns = unique("smi-helm");
    // The README's steps: create the namespace and label it as the CLI would.
    expectOk(
      await admin.apply(`/api/v1/namespaces/${ns}`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: ns,
          labels: {
            "linkerd.io/extension": "smi",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      }),
      "create namespace",
    );
    // The control plane already has the CRDs (testenv installed them); hand them to
    // the release as Helm's adoption rules want, so uninstall has to keep them.
    for (const crd of [CRD, ROUTE_GROUP_CRD])
      expectOk(
        await admin.request("PATCH", crd, {
          contentType: "application/merge-patch+json",
          body: {
            metadata: {
              labels: { "app.kubernetes.io/managed-by": "Helm" },
              annotations: {
                "meta.helm.sh/release-name": "linkerd-smi",
                "meta.helm.sh/release-namespace": ns,
              },
            },
          },
        }),
        "adopt the CRD",
      );

    const installed = await helm(["install", "linkerd-smi", chartDir, "--namespace", ns]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain("STATUS: deployed");
    const notes = installed.stdout.slice(installed.stdout.indexOf("NOTES:"));
    expect(notes).toContain(`kubectl -n ${ns} logs deploy/smi-adaptor smi-adaptor`);
    expect(notes.trim().split("\n").at(-1)?.trim()).toBe("linkerd smi check");

    expect((await admin.get(`/apis/apps/v1/namespaces/${ns}/deployments/smi-adaptor`)).status).toBe(
      200,
    );
    const clusterRole = "/apis/rbac.authorization.k8s.io/v1/clusterroles/smi-adaptor";
    expect((await admin.get(clusterRole)).status).toBe(200);

    // An upgrade to two replicas adds leader election and the PodDisruptionBudget.
    const pdb = `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/smi-adaptor`;
    expect((await admin.get(pdb)).status).toBe(404);
    const upgraded = await helm([
      "upgrade",
      "linkerd-smi",
      chartDir,
      "--namespace",
      ns,
      "--set",
      "adaptor.replicas=2",
    ]);
    expect(upgraded.stderr).toBe("");
    expect(upgraded.code).toBe(0);
    expect((await admin.get(pdb)).status).toBe(200);
    const deployment = expectOk(
      await admin.get(`/apis/apps/v1/namespaces/${ns}/deployments/smi-adaptor`),
      "get deployment",
    ).body as Deployment;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0]?.args).toContain("-leader-elect=true");

    const uninstalled = await helm(["uninstall", "linkerd-smi", "--namespace", ns]);
    expect(uninstalled.code).toBe(0);
    expect(uninstalled.stdout).toContain("These resources were kept due to the resource policy:");
    expect(uninstalled.stdout).toContain("trafficsplits.split.smi-spec.io");
    expect(uninstalled.stdout).toContain("httproutegroups.specs.smi-spec.io");
    expect((await admin.get(CRD)).status).toBe(200);
    expect((await admin.get(ROUTE_GROUP_CRD)).status).toBe(200);
    expect((await admin.get(clusterRole)).status).toBe(404);
    expect((await admin.get(`/apis/apps/v1/namespaces/${ns}/deployments/smi-adaptor`)).status).toBe(
      404,
    );
  });

  it("installs a new release beside the CRDs an uninstalled one kept, as the seed's `helm install --generate-name` does", async () => {
    // What the test above leaves, as any uninstall does: both CRDs kept, still carrying
    // the old release's ownership annotations, which Helm refuses to take over.
    const crdBefore = expectOk(await admin.get(CRD), "get CRD").body as {
      metadata: { annotations: Record<string, string>; resourceVersion: string };
    };
    expect(crdBefore.metadata.annotations["meta.helm.sh/release-name"]).toBe("linkerd-smi");

    const ns = unique("smi-helm-again");
    expectOk(
      await admin.apply(`/api/v1/namespaces/${ns}`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      }),
      "create namespace",
    );
    const installed = await helm(["install", chartDir, "--generate-name", "--namespace", ns]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    const notes = installed.stdout.slice(installed.stdout.indexOf("NOTES:"));
    for (const [crd, template] of [
      ["trafficsplits.split.smi-spec.io", "trafficsplit"],
      ["httproutegroups.specs.smi-spec.io", "httproutegroup"],
    ])
      expect(notes).toContain(
        `The CRD ${crd} was already installed (kept from release linkerd-smi):\n` +
          "this release uses it as it is and does not manage it. To bring it to this\n" +
          "chart's version:\n" +
          `  helm template linkerd-smi <this chart> --show-only templates/${template}-crd.yaml | kubectl apply --server-side --force-conflicts -f -\n`,
      );
    // The CRD is untouched, and the new release does not own it.
    const crdAfter = expectOk(await admin.get(CRD), "get CRD").body as typeof crdBefore;
    expect(crdAfter.metadata.resourceVersion).toBe(crdBefore.metadata.resourceVersion);
    const release = /NAME: (\S+)/.exec(installed.stdout)?.[1] ?? "";
    expect(release).toMatch(/^linkerd-smi-\d+$/);
    const manifest = await helm(["get", "manifest", release, "--namespace", ns]);
    expect(manifest.stdout).not.toContain("kind: CustomResourceDefinition");
    expect(manifest.stdout).toContain("kind: Deployment");

    const uninstalled = await helm(["uninstall", release, "--namespace", ns]);
    expect(uninstalled.code).toBe(0);
    expect((await admin.get(CRD)).status).toBe(200);
    expect((await admin.get(ROUTE_GROUP_CRD)).status).toBe(200);
  });

  it("upgrades with the Go chart's values file and says what it did with each Go-only key", async () => {
    const ns = unique("smi-helm-go");
    expectOk(
      await admin.apply(`/api/v1/namespaces/${ns}`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      }),
      "create namespace",
    );
    const installed = await helm(["install", "linkerd-smi", chartDir, "--namespace", ns]);
    expect(installed.code).toBe(0);
    expect(installed.stdout).not.toContain("Values of the Go linkerd-smi chart");

    const upgraded = await helm([
      "upgrade",
      "linkerd-smi",
      chartDir,
      "--namespace",
      ns,
      "-f",
      GO_VALUES,
    ]);
    expect(upgraded.stderr).toBe("");
    expect(upgraded.code).toBe(0);
    expect(upgraded.stdout).toContain(
      [
        "Values of the Go linkerd-smi chart in this release, and what was done with them:",
        "  - linkerdNamespace (linkerd): the adaptor reads the cluster's default opaque ports from the linkerd-config ConfigMap there (-linkerd-namespace).",
        "  - namespaceMetadata: not used; there is no namespace-metadata Job: the adaptor labels its namespace linkerd.io/extension=smi itself.",
        "  - adaptor.runAsUser (65534): the adaptor runs as that user.",
        `  - adaptor.image.registry cr.l5d.io/linkerd is the Go adaptor's image, which does not take this adaptor's flags: running ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion} instead (set adaptor.image.registry to choose another).`,
        "  - adaptor.resources.requests.memory 20Mi would starve this adaptor (about 57 MiB idle, 83 MiB at 1,000 TrafficSplits, where the Go adaptor needed 20Mi): this chart's default 112Mi is used instead; set it to 64Mi or more to choose.",
        "  - adaptor.resources.limits.memory 20Mi would starve this adaptor (about 57 MiB idle, 83 MiB at 1,000 TrafficSplits, where the Go adaptor needed 20Mi): this chart's default 320Mi is used instead; set it to 64Mi or more to choose.",
        "",
        "To make sure everything works, run:",
      ].join("\n"),
    );
    const deployment = expectOk(
      await admin.get(`/apis/apps/v1/namespaces/${ns}/deployments/smi-adaptor`),
      "get deployment",
    ).body as Deployment;
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(
      `ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion}`,
    );
    expect((await helm(["uninstall", "linkerd-smi", "--namespace", ns])).code).toBe(0);
  });
});

describe("the CLI's manifest (installNamespace=true) applied to a real apiserver", () => {
  const ns = unique("smi-psa");
  let objects: RenderedObject[] = [];

  it("is accepted, object by object, by server-side apply", async () => {
    // Unmeshed, so that the namespace enforces restricted (a meshed adaptor
    // without Linkerd's CNI needs a privileged proxy-init).
    objects = await render({
      namespace: ns,
      set: { installNamespace: true, "adaptor.proxyInject": false },
    });
    expect(objects[0]?.kind).toBe("Namespace");
    await applyManifest(admin, objects, "chart-tests");
    const paths = new ResourcePaths(admin);
    for (const object of objects)
      expect(
        (await admin.get(await paths.pathOf(object))).status,
        `${object.kind}/${object.metadata.name}`,
      ).toBe(200);
    const namespace = expectOk(await admin.get(`/api/v1/namespaces/${ns}`), "get namespace")
      .body as {
      metadata: { labels: Record<string, string> };
    };
    expect(namespace.metadata.labels).toMatchObject({
      "linkerd.io/extension": "smi",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  const podFrom = (mutate: (container: Record<string, unknown>) => void = () => undefined) => {
    const template = one<Deployment>(objects, "Deployment").spec.template;
    const pod = structuredClone({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `smi-adaptor-${randomBytes(3).toString("hex")}`,
        namespace: ns,
        labels: template.metadata.labels,
      },
      spec: template.spec,
    });
    const container = pod.spec.containers[0];
    if (container === undefined) throw new Error("no container");
    mutate(container as unknown as Record<string, unknown>);
    return pod;
  };
  const dryRunCreate = (pod: unknown) =>
    admin.request("POST", `/api/v1/namespaces/${ns}/pods?dryRun=All`, { body: pod });
  const messageOf = (res: { body: unknown; text: string }) =>
    typeof res.body === "object" && res.body !== null && "message" in res.body
      ? String(res.body.message)
      : res.text;

  it("admits the adaptor's own pod under Pod Security restricted", async () => {
    const res = await dryRunCreate(podFrom());
    expect(messageOf(res)).not.toContain("PodSecurity");
    expect(res.status).toBe(201);
  });

  it("rejects the same pod made privileged or allowed to run as root", async () => {
    const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
      [
        "privileged",
        (c) => {
          c.securityContext = {
            ...(c.securityContext as object),
            privileged: true,
            allowPrivilegeEscalation: true,
          };
        },
        /privileged \(container "smi-adaptor" must not set securityContext\.privileged=true\)/,
      ],
      [
        "runAsNonRoot: false",
        (c) => {
          c.securityContext = { ...(c.securityContext as object), runAsNonRoot: false };
        },
        /runAsNonRoot != true \(container "smi-adaptor" must not set securityContext\.runAsNonRoot=false\)/,
      ],
    ];
    for (const [what, mutate, reason] of cases) {
      // The namespace's labels reach the admission plugin's cache within moments.
      const message = await eventually(`a PodSecurity rejection (${what})`, async () => {
        const res = await dryRunCreate(podFrom(mutate));
        return res.status === 403 ? messageOf(res) : undefined;
      });
      expect(message).toContain('violates PodSecurity "restricted:latest"');
      expect(message).toMatch(reason);
    }
  });

  it("lets the chart's ServiceAccount do exactly what the adaptor needs (SubjectAccessReview)", async () => {
    const user = `system:serviceaccount:${ns}:smi-adaptor`;
    const groups = [
      "system:serviceaccounts",
      `system:serviceaccounts:${ns}`,
      "system:authenticated",
    ];
    const verbs = [
      "get",
      "list",
      "watch",
      "create",
      "update",
      "patch",
      "delete",
      "deletecollection",
    ];
    const resources: [string, string][] = [
      ["split.smi-spec.io", "trafficsplits"],
      ["linkerd.io", "serviceprofiles"],
      ["", "services"],
      ["gateway.networking.k8s.io", "httproutes"],
      ["gateway.networking.k8s.io", "tcproutes"],
      ["gateway.networking.k8s.io", "grpcroutes"],
      ["gateway.networking.k8s.io", "gateways"],
      ["specs.smi-spec.io", "httproutegroups"],
      ["", "events"],
      ["", "pods"],
      ["", "secrets"],
      ["", "configmaps"],
      ["apps", "deployments"],
      ["coordination.k8s.io", "leases"],
    ];
    const allowed = async (namespace: string) => {
      const out: string[] = [];
      await Promise.all(
        resources.flatMap(([group, resource]) =>
          verbs.map(async (verb) => {
            const res = expectOk(
              await admin.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
                apiVersion: "authorization.k8s.io/v1",
                kind: "SubjectAccessReview",
                spec: { user, groups, resourceAttributes: { namespace, verb, group, resource } },
              }),
              "SubjectAccessReview",
            );
            if ((res.body as { status: { allowed: boolean } }).status.allowed)
              out.push(`${group === "" ? "core" : group}/${resource}:${verb}`);
          }),
        ),
      );
      return out.sort();
    };
    // In any namespace: the ClusterRole; in the release namespace: also the Lease Role. Asked
    // without a name, the grants narrowed to names (configmaps[linkerd-config]) are not there.
    const unnamed = EXPECTED_CLUSTER_GRANTS.filter((g) => !g.includes("["));
    expect(await allowed("default")).toEqual(unnamed);
    expect(await allowed(ns)).toEqual([...unnamed, ...EXPECTED_NAMESPACE_GRANTS].sort());
    // ConfigMaps: only linkerd-config (the cluster's default opaque ports), read, in any namespace.
    const configMapVerb = async (verb: string, name: string) => {
      const res = expectOk(
        await admin.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user,
            groups,
            resourceAttributes: { namespace: "linkerd", verb, resource: "configmaps", name },
          },
        }),
        "SubjectAccessReview",
      );
      return (res.body as { status: { allowed: boolean } }).status.allowed;
    };
    for (const verb of ["get", "list", "watch"])
      expect(await configMapVerb(verb, "linkerd-config"), verb).toBe(true);
    expect(await configMapVerb("get", "linkerd-identity-trust-roots")).toBe(false);
    expect(await configMapVerb("update", "linkerd-config")).toBe(false);
    // Namespaces: only patching its own (the extension label), nothing else of any.
    const namespaceVerb = async (verb: string, name: string) => {
      const res = expectOk(
        await admin.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: { user, groups, resourceAttributes: { verb, resource: "namespaces", name } },
        }),
        "SubjectAccessReview",
      );
      return (res.body as { status: { allowed: boolean } }).status.allowed;
    };
    expect(await namespaceVerb("patch", ns)).toBe(true);
    expect(await namespaceVerb("patch", "default")).toBe(false);
    for (const verb of ["get", "update", "delete"])
      expect(await namespaceVerb(verb, ns), verb).toBe(false);
  });
});
