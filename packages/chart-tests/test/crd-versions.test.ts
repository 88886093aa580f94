import type {} from "@linkerd-smi/testenv/global-setup";
import { randomBytes } from "node:crypto";
import { expectOk, KubeHttp } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, inject, it } from "vitest";

// The chart's CRDs use `conversion: None`: one stored object is served in every version, and the
// apiserver prunes what the schema of a version does not declare. These tests write in one
// version and read in all of them, on the real apiserver.

const admin = KubeHttp.fromKubeconfig(inject("kubeconfig"));
const ns = `crd-versions-${randomBytes(3).toString("hex")}`;
afterAll(async () => {
  await admin.delete(`/api/v1/namespaces/${ns}`);
  admin.close();
});

const VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"] as const;

async function namespace(): Promise<void> {
  expectOk(
    await admin.apply(`/api/v1/namespaces/${ns}`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    }),
    "create namespace",
  );
}

describe("TrafficSplit served as v1alpha1..v1alpha4", () => {
  it("keeps the matches of a split written as v1alpha4, whatever version it is read in", async () => {
    await namespace();
    const matches = [{ kind: "HTTPRouteGroup", name: "ios", apiGroup: "specs.smi-spec.io" }];
    const created = expectOk(
      await admin.post(`/apis/split.smi-spec.io/v1alpha4/namespaces/${ns}/trafficsplits`, {
        apiVersion: "split.smi-spec.io/v1alpha4",
        kind: "TrafficSplit",
        metadata: { name: "web" },
        spec: {
          service: "web",
          backends: [
            { service: "web-v1", weight: 90 },
            { service: "web-v2", weight: 10 },
          ],
          matches,
        },
      }),
      "create a v1alpha4 split",
    );
    expect((created.body as { spec: { matches: unknown } }).spec.matches).toEqual(matches);
    for (const version of VERSIONS) {
      const res = expectOk(
        await admin.get(`/apis/split.smi-spec.io/${version}/namespaces/${ns}/trafficsplits/web`),
        `read as ${version}`,
      );
      const body = res.body as {
        apiVersion: string;
        spec: { matches?: unknown; backends: unknown };
      };
      expect([version, body.apiVersion, body.spec.matches]).toEqual([
        version,
        `split.smi-spec.io/${version}`,
        matches,
      ]);
      expect(body.spec.backends).toEqual([
        { service: "web-v1", weight: 90 },
        { service: "web-v2", weight: 10 },
      ]);
    }
  });

  it("keeps v1alpha1 quantity weights when read as v1alpha4", async () => {
    await namespace();
    expectOk(
      await admin.post(`/apis/split.smi-spec.io/v1alpha1/namespaces/${ns}/trafficsplits`, {
        apiVersion: "split.smi-spec.io/v1alpha1",
        kind: "TrafficSplit",
        metadata: { name: "flagger" },
        spec: {
          service: "podinfo",
          backends: [
            { service: "podinfo-primary", weight: "500m" },
            { service: "podinfo-canary", weight: "500m" },
          ],
        },
      }),
      "create a v1alpha1 split",
    );
    const res = expectOk(
      await admin.get(`/apis/split.smi-spec.io/v1alpha4/namespaces/${ns}/trafficsplits/flagger`),
      "read as v1alpha4",
    );
    expect((res.body as { spec: { backends: unknown } }).spec.backends).toEqual([
      { service: "podinfo-primary", weight: "500m" },
      { service: "podinfo-canary", weight: "500m" },
    ]);
  });
});

describe("HTTPRouteGroup served as v1alpha1..v1alpha4", () => {
  const match = {
    name: "ios",
    pathRegex: "/api/.*",
    methods: ["GET"],
    headers: { "user-agent": ".*iPhone.*" },
  };

  it("keeps spec.matches (v1alpha4) and top-level matches (v1alpha2) in every version", async () => {
    await namespace();
    expectOk(
      await admin.post(`/apis/specs.smi-spec.io/v1alpha4/namespaces/${ns}/httproutegroups`, {
        apiVersion: "specs.smi-spec.io/v1alpha4",
        kind: "HTTPRouteGroup",
        metadata: { name: "new" },
        spec: { matches: [match] },
      }),
      "create a v1alpha4 group",
    );
    expectOk(
      await admin.post(`/apis/specs.smi-spec.io/v1alpha2/namespaces/${ns}/httproutegroups`, {
        apiVersion: "specs.smi-spec.io/v1alpha2",
        kind: "HTTPRouteGroup",
        metadata: { name: "old" },
        matches: [match],
      }),
      "create a v1alpha2 group",
    );
    for (const version of VERSIONS) {
      const fresh = expectOk(
        await admin.get(`/apis/specs.smi-spec.io/${version}/namespaces/${ns}/httproutegroups/new`),
        `read new as ${version}`,
      ).body as { spec?: { matches?: unknown } };
      expect([version, fresh.spec?.matches]).toEqual([version, [match]]);
      const old = expectOk(
        await admin.get(`/apis/specs.smi-spec.io/${version}/namespaces/${ns}/httproutegroups/old`),
        `read old as ${version}`,
      ).body as { matches?: unknown };
      expect([version, old.matches]).toEqual([version, [match]]);
    }
  });
});
