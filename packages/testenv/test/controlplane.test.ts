import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectOk, KubeHttp, readVersions, startEnvironment } from "../src/index.js";

const admin = KubeHttp.fromKubeconfig(inject("kubeconfig"));
const namespace = `testenv-${randomBytes(4).toString("hex")}`;
const splits = (version: string) =>
  `/apis/split.smi-spec.io/${version}/namespaces/${namespace}/trafficsplits`;
const profiles = `/apis/linkerd.io/v1alpha2/namespaces/${namespace}/serviceprofiles`;

beforeAll(async () => {
  expectOk(
    await admin.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    }),
    "create namespace",
  );
});

afterAll(async () => {
  await admin.delete(`/api/v1/namespaces/${namespace}`);
  admin.close();
});

describe("the local control plane", () => {
  it("is a real kube-apiserver of the pinned version", async () => {
    const res = expectOk(await admin.get("/version"), "GET /version");
    const version = res.body as { gitVersion: string; major: string; minor: string };
    console.log(`kube-apiserver reports ${JSON.stringify(version)}`);
    expect(version.gitVersion).toBe(readVersions().kubernetes);
    expect(`v${version.major}.${version.minor}`).toBe(
      readVersions().kubernetes.replace(/\.\d+$/, ""),
    );
    expect(inject("kubernetesVersion")).toBe(version.gitVersion);
  });

  it("stores a v1alpha1 TrafficSplit with weight 500m and serves it back as v1alpha2", async () => {
    expectOk(
      await admin.post(splits("v1alpha1"), {
        apiVersion: "split.smi-spec.io/v1alpha1",
        kind: "TrafficSplit",
        metadata: { name: "backend-traffic-split" },
        spec: {
          service: "backend-svc",
          backends: [
            { service: "backend-svc", weight: "500m" },
            { service: "failing-svc", weight: "0m" },
          ],
        },
      }),
      "create v1alpha1 split",
    );
    const res = expectOk(
      await admin.get(`${splits("v1alpha2")}/backend-traffic-split`),
      "read as v1alpha2",
    );
    // conversion: None, so the stored quantity string comes back unchanged under v1alpha2.
    expect(res.body).toMatchObject({
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      spec: {
        service: "backend-svc",
        backends: [
          { service: "backend-svc", weight: "500m" },
          { service: "failing-svc", weight: "0m" },
        ],
      },
    });
  });

  it("validates TrafficSplits against the CRD schema", async () => {
    const res = await admin.post(splits("v1alpha2"), {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "no-backends" },
      spec: { service: "backend-svc" },
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain("spec.backends: Required value");
  });

  it("stores a Linkerd ServiceProfile with routes and dstOverrides", async () => {
    const profile = {
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: { name: `backend-svc.${namespace}.svc.cluster.local` },
      spec: {
        routes: [{ name: "GET /", condition: { method: "GET", pathRegex: "/" } }],
        retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: "10s" },
        dstOverrides: [
          { authority: `backend-svc.${namespace}.svc.cluster.local`, weight: "500m" },
          { authority: `failing-svc.${namespace}.svc.cluster.local`, weight: "500m" },
        ],
      },
    };
    expectOk(await admin.post(profiles, profile), "create ServiceProfile");
    const res = expectOk(
      await admin.get(`${profiles}/${profile.metadata.name}`),
      "read ServiceProfile",
    );
    expect((res.body as typeof profile).spec).toEqual(profile.spec);

    const bad = await admin.post(profiles, {
      ...profile,
      metadata: { name: "bad-weight" },
      spec: { dstOverrides: [{ authority: "x", weight: "lots" }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain("spec.dstOverrides[0].weight");
  });

  it("refuses requests without credentials or with a bad token", async () => {
    const anonymous = new KubeHttp(admin.server, admin.caPem);
    const res = await anonymous.get(splits("v1alpha1"));
    expect(res.status).toBe(403);
    expect((res.body as { message: string }).message).toContain(
      'User "system:anonymous" cannot list',
    );
    const forged = anonymous.withCredentials({ token: "not-a-real-token" });
    expect((await forged.get(splits("v1alpha1"))).status).toBe(401);
    anonymous.close();
    forged.close();
  });
});

describe("a control plane started inside a test", () => {
  it("runs beside the shared one, mints service-account identities that RBAC governs, survives an apiserver restart and cleans up", async () => {
    const env = await startEnvironment({ log: () => undefined });
    try {
      expect(env.plane.server).not.toBe(inject("apiServer"));
      const root = env.plane.admin();
      const sa = { namespace: "rbac-check", name: "reader" };
      const reader = env.plane.client({ token: await env.plane.serviceAccountToken(sa) });
      const list = `/apis/split.smi-spec.io/v1alpha2/namespaces/${sa.namespace}/trafficsplits`;

      const denied = await reader.get(list);
      expect(denied.status).toBe(403);
      expect((denied.body as { message: string }).message).toContain(
        `User "system:serviceaccount:${sa.namespace}:${sa.name}" cannot list`,
      );

      expectOk(
        await root.apply(
          `/apis/rbac.authorization.k8s.io/v1/namespaces/${sa.namespace}/roles/split-reader`,
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "split-reader", namespace: sa.namespace },
            rules: [
              {
                apiGroups: ["split.smi-spec.io"],
                resources: ["trafficsplits"],
                verbs: ["get", "list"],
              },
            ],
          },
        ),
        "create role",
      );
      expectOk(
        await root.apply(
          `/apis/rbac.authorization.k8s.io/v1/namespaces/${sa.namespace}/rolebindings/split-reader`,
          {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "split-reader", namespace: sa.namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "split-reader" },
            subjects: [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }],
          },
        ),
        "bind role",
      );
      let allowed = await reader.get(list);
      for (let i = 0; i < 50 && allowed.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        allowed = await reader.get(list);
      }
      expect(allowed.status).toBe(200);
      const write = await reader.post(list, {
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        metadata: { name: "x" },
        spec: { service: "a", backends: [{ service: "a", weight: 1 }] },
      });
      expect(write.status).toBe(403);

      await env.plane.restartApiServer();
      const after = await env.plane
        .client({ token: await env.plane.serviceAccountToken(sa) })
        .get(list);
      expect(after.status).toBe(200);
    } finally {
      await env.plane.stop();
    }
    expect(existsSync(env.plane.dir)).toBe(false);
  }, 240_000);
});

describe("etcd compaction", () => {
  it("makes a watch that resumes from a compacted resourceVersion fail with 410 Gone", async () => {
    const env = await startEnvironment({
      log: () => undefined,
      apiServerArgs: ["--watch-cache=false"],
    });
    try {
      const root = env.plane.admin();
      const list = "/apis/split.smi-spec.io/v1alpha1/namespaces/default/trafficsplits";
      const before = expectOk(await root.get(list), "list splits");
      const oldVersion = (before.body as { metadata: { resourceVersion: string } }).metadata
        .resourceVersion;
      for (let i = 0; i < 3; i++) {
        expectOk(
          await root.post(list, {
            apiVersion: "split.smi-spec.io/v1alpha1",
            kind: "TrafficSplit",
            metadata: { name: `churn-${i}` },
            spec: { service: "a", backends: [{ service: "a", weight: 1 }] },
          }),
          "create split",
        );
      }
      const current = (
        await root.get(`${list}?watch=true&resourceVersion=${oldVersion}&timeoutSeconds=1`)
      ).text;
      expect(current).toContain('"type":"ADDED"');

      const revision = await env.plane.compactEtcd();
      expect(revision).toBeGreaterThan(Number(oldVersion));
      const gone = await root.get(
        `${list}?watch=true&resourceVersion=${oldVersion}&timeoutSeconds=1`,
      );
      const event = JSON.parse(gone.text.trim().split("\n")[0] ?? "{}") as {
        type: string;
        object: { code: number; reason: string };
      };
      expect(event.type).toBe("ERROR");
      expect(event.object).toMatchObject({ code: 410, reason: "Expired" });
    } finally {
      await env.plane.stop();
    }
  }, 120_000);
});
