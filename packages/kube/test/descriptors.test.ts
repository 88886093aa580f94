import { randomBytes } from "node:crypto";
import {
  apexOfSplit,
  SERVICE_PROFILE_RESOURCE,
  trafficSplitResource,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClusterRoleBindingV1,
  ClusterRoleV1,
  DeploymentV1,
  Informer,
  NamespaceV1,
  PodV1,
  ResourceClient,
  ServiceAccountV1,
} from "../src/index.js";
import { client, createNamespace, deleteNamespace, eventually } from "./helpers.js";

const admin = client();
let ns: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "descriptors");
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

describe("built-in descriptors", () => {
  it("read and write Namespaces, ServiceAccounts, Pods and Deployments", async () => {
    const namespace = await new ResourceClient(admin, NamespaceV1).get(undefined, ns);
    expect(namespace?.metadata?.name).toBe(ns);
    // kube-controller-manager creates the namespace's "default" account, which the
    // ServiceAccount admission plugin needs before a pod can be created.
    const accounts = new ResourceClient(admin, ServiceAccountV1);
    await eventually(async () => {
      expect((await accounts.get(ns, "default"))?.metadata?.name).toBe("default");
    });
    await accounts.create({ metadata: { name: "smi-adaptor", namespace: ns } });
    expect((await accounts.get(ns, "smi-adaptor"))?.metadata?.namespace).toBe(ns);
    const pods = new ResourceClient(admin, PodV1);
    await pods.create({
      metadata: { name: "web-0", namespace: ns, labels: { app: "web" } },
      spec: { containers: [{ name: "app", image: "registry.invalid/web:1" }] },
    });
    const listed = await pods.list(ns, { labelSelector: "app=web" });
    expect(listed.items.map((p) => [p.apiVersion, p.kind, p.metadata?.name])).toEqual([
      ["v1", "Pod", "web-0"],
    ]);
    expect(listed.items[0]?.spec?.containers[0]?.image).toBe("registry.invalid/web:1");

    const deployments = new ResourceClient(admin, DeploymentV1);
    await deployments.create({
      metadata: { name: "smi-adaptor", namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "smi-adaptor" } },
        template: {
          metadata: { labels: { app: "smi-adaptor" } },
          spec: { containers: [{ name: "adaptor", image: "registry.invalid/adaptor:1" }] },
        },
      },
    });
    const deployment = await deployments.get(ns, "smi-adaptor");
    expect(deployment?.apiVersion).toBe("apps/v1");
    expect(deployment?.spec?.replicas).toBe(2);
  });

  it("read and write cluster-scoped ClusterRoles and ClusterRoleBindings", async () => {
    const name = `descriptors-${randomBytes(4).toString("hex")}`;
    const roles = new ResourceClient(admin, ClusterRoleV1);
    const bindings = new ResourceClient(admin, ClusterRoleBindingV1);
    await roles.create({
      metadata: { name },
      rules: [{ apiGroups: ["split.smi-spec.io"], resources: ["trafficsplits"], verbs: ["get"] }],
    });
    await bindings.create({
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: ns }],
    });
    expect((await roles.get(undefined, name))?.rules?.[0]?.resources).toEqual(["trafficsplits"]);
    const binding = await bindings.get(undefined, name);
    expect(binding?.roleRef.name).toBe(name);
    expect(binding?.metadata?.namespace).toBeUndefined();
    expect(await bindings.delete(undefined, name)).toBe(true);
    expect(await roles.delete(undefined, name)).toBe(true);
    expect(await roles.get(undefined, name)).toBeUndefined();
  });
});

describe("@linkerd-smi/core's descriptors", () => {
  it("serve a ResourceClient and an indexed Informer as they are", async () => {
    const stored = new ResourceClient(admin, trafficSplitResource("v1alpha1"));
    const split = (name: string, service: string): TrafficSplitObject => ({
      apiVersion: "split.smi-spec.io/v1alpha1",
      kind: "TrafficSplit",
      metadata: { name, namespace: ns },
      spec: { service, backends: [{ service: `${service}-v1`, weight: "1" }] },
    });
    await stored.create(split("a", "web"));
    await stored.create(split("b", "web"));
    await stored.create(split("c", "api"));
    const informer = new Informer(new ResourceClient(admin, trafficSplitResource()), {
      namespace: ns,
      watchTimeoutSeconds: 60,
    });
    informer.addIndex("apex", (s) => [`${s.metadata.namespace}/${apexOfSplit(s)}`]);
    informer.start();
    try {
      expect(await informer.waitForSync(AbortSignal.timeout(20_000))).toBe(true);
      const names = (value: string) =>
        informer
          .byIndex("apex", value)
          .map((s) => s.metadata.name)
          .sort();
      expect(names(`${ns}/web`)).toEqual(["a", "b"]);
      expect(names(`${ns}/api`)).toEqual(["c"]);
      // Served as v1alpha2: the same objects, read through the other version.
      expect(informer.get(ns, "c")?.apiVersion).toBe("split.smi-spec.io/v1alpha2");
      await stored.mergePatch(ns, "b", { spec: { service: "api" } });
      await stored.delete(ns, "a");
      await eventually(() => {
        expect(names(`${ns}/web`)).toEqual([]);
        expect(names(`${ns}/api`)).toEqual(["b", "c"]);
      });
    } finally {
      await informer.stop();
    }
    // Not found in a namespace without profiles: the ServiceProfile CRD is installed.
    const profiles = new ResourceClient(admin, SERVICE_PROFILE_RESOURCE);
    expect((await profiles.list(ns)).items).toEqual([]);
  });
});
