import { SERVICE_PROFILE_RESOURCE } from "@linkerd-smi/core";
import { join } from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readKubeconfig, writeKubeconfig } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  classifyError,
  defineResource,
  KubeClient,
  KubeConfigError,
  KubeError,
  loadKubeConfig,
  ResourceClient,
  ServiceAccountV1,
  type KubeObject,
} from "../src/index.js";
import {
  client,
  createNamespace,
  deleteNamespace,
  split,
  TrafficSplitV1Alpha2,
} from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "kube-config-it-"));
const admin = client();
let ns: string;
let other: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "config");
  other = await createNamespace(admin, "config-other");
  await new ResourceClient(admin, TrafficSplitV1Alpha2).create(split(ns, "web"));
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  await deleteNamespace(admin, other);
  admin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig with the test cluster twice: "good" with the admin token, "bad" with a wrong one. */
function twoContexts(): string {
  const { server, caPem, user } = readKubeconfig(inject("kubeconfig"));
  const cluster = { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") };
  const path = join(dir, "two-contexts.json");
  writeFileSync(
    path,
    // JSON is YAML: client-node reads it like any kubeconfig.
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "one", cluster },
        { name: "two", cluster },
      ],
      users: [
        { name: "admin", user: { token: user.token } },
        { name: "stranger", user: { token: "not-a-valid-token" } },
      ],
      contexts: [
        { name: "good", context: { cluster: "one", user: "admin" } },
        { name: "bad", context: { cluster: "two", user: "stranger" } },
      ],
      "current-context": "bad",
    }),
  );
  return path;
}

describe("loadKubeConfig against a real apiserver", () => {
  it("--context picks which identity talks to the cluster", async () => {
    const path = twoContexts();
    const good = new KubeClient(loadKubeConfig({ kubeconfig: path, context: "good" }));
    const current = new KubeClient(loadKubeConfig({ kubeconfig: path }));
    try {
      const list = await new ResourceClient(good, TrafficSplitV1Alpha2).list(ns);
      expect(list.items.map((s) => s.metadata?.name)).toEqual(["web"]);
      const error = await new ResourceClient(current, TrafficSplitV1Alpha2)
        .list(ns)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeError);
      expect(classifyError(error)).toBe("unauthorized");
      expect((error as KubeError).status).toBe(401);
    } finally {
      good.close();
      current.close();
    }
  });

  it("a missing --context lists the contexts that exist", () => {
    const path = twoContexts();
    expect(() => loadKubeConfig({ kubeconfig: path, context: "prod" })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ kubeconfig: path, context: "prod" })).toThrow(
      `context "prod" does not exist in kubeconfig ${path}; available contexts: good, bad`,
    );
  });

  it("--as impersonates: the apiserver judges jane, not the admin", async () => {
    const jane = client({ as: "jane" });
    try {
      const error = await new ResourceClient(jane, TrafficSplitV1Alpha2)
        .list(ns)
        .catch((e: unknown) => e);
      expect(classifyError(error)).toBe("forbidden");
      expect((error as KubeError).status).toBe(403);
      expect((error as KubeError).message).toContain('"jane"');
      expect((error as KubeError).message).toMatch(
        /^list trafficsplits\.split\.smi-spec\.io in namespace/,
      );
    } finally {
      jane.close();
    }
  });

  it("--as-group sends every group: jane in system:masters may list", async () => {
    const janeAdmin = client({ as: "jane", asGroups: ["developers", "system:masters"] });
    try {
      const list = await new ResourceClient(janeAdmin, TrafficSplitV1Alpha2).list(ns);
      expect(list.items).toHaveLength(1);
    } finally {
      janeAdmin.close();
    }
  });

  it("a service account's own token is subject to RBAC", async () => {
    const sa = "smi-reader";
    await new ResourceClient(admin, ServiceAccountV1).create({
      metadata: { name: sa, namespace: ns },
    });
    await new ResourceClient(
      admin,
      defineResource<KubeObject & { rules: unknown[] }>({
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "roles",
        kind: "Role",
        namespaced: true,
      }),
    ).create({
      metadata: { name: "read-splits", namespace: ns },
      rules: [
        {
          apiGroups: ["split.smi-spec.io"],
          resources: ["trafficsplits"],
          verbs: ["get", "list", "watch"],
        },
      ],
    });
    await new ResourceClient(
      admin,
      defineResource<KubeObject & { roleRef: unknown; subjects: unknown[] }>({
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "rolebindings",
        kind: "RoleBinding",
        namespaced: true,
      }),
    ).create({
      metadata: { name: "read-splits", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-splits" },
      subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
    });
    const minted = (await admin.request({
      method: "POST",
      path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 600 },
      },
      context: { verb: "create", resource: "serviceaccounts/token", namespace: ns, name: sa },
    })) as { status: { token: string } };
    const { server, caPem } = readKubeconfig(inject("kubeconfig"));
    const path = writeKubeconfig(
      join(dir, "sa.yaml"),
      { server, caPem },
      { token: minted.status.token },
    );
    const reader = new KubeClient(loadKubeConfig({ kubeconfig: path }));
    try {
      // Allowed by the Role.
      expect((await new ResourceClient(reader, TrafficSplitV1Alpha2).list(ns)).items).toHaveLength(
        1,
      );
      expect(
        (await new ResourceClient(reader, TrafficSplitV1Alpha2).get(ns, "web"))?.spec?.service,
      ).toBe("web");
      // Everything else is denied, and says who asked.
      const denials = await Promise.all([
        new ResourceClient(reader, TrafficSplitV1Alpha2)
          .create(split(ns, "new"))
          .catch((e: unknown) => e),
        new ResourceClient(reader, TrafficSplitV1Alpha2).list(other).catch((e: unknown) => e),
        new ResourceClient(reader, SERVICE_PROFILE_RESOURCE).list(ns).catch((e: unknown) => e),
      ]);
      for (const denial of denials) {
        expect(classifyError(denial)).toBe("forbidden");
        expect((denial as KubeError).message).toContain(`system:serviceaccount:${ns}:${sa}`);
      }
    } finally {
      reader.close();
    }
  });
});
