import { randomBytes } from "node:crypto";
import { startEnvironment, KubeHttp, expectOk } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import {
  ADAPTOR_NAMESPACE,
  adaptorKubeconfig,
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  deleteSplit,
  eventually,
  fqdn,
  metricValue,
  profileBecomes,
  runAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

const namespaces: string[] = [];
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

const split = (name: string, service: string, weights: [number, number]) =>
  splitManifest(name, service, [
    [`${service}-v1`, weights[0]],
    [`${service}-v2`, weights[1]],
  ]);

describe("missed deletions", () => {
  it("sweeps the profile of a split deleted while the adaptor was down", async () => {
    const ns = await createNamespace("orphan", ["web", "web-v1", "web-v2"]);
    namespaces.push(ns);
    const first = await runAdaptor();
    await applySplit(ns, split("web", "web", [1, 1]));
    await profileBecomes(ns, fqdn("web", ns), [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ]);
    await first.stop();
    await deleteSplit(ns, "web");
    const second = await runAdaptor();
    try {
      await profileBecomes(ns, fqdn("web", ns), "absent");
    } finally {
      await second.stop();
    }
  });
});

describe("resync", () => {
  it("rechecks every split on the resync period and writes nothing when nothing changed", async () => {
    // Its own control plane: on the shared one, splits other test files leave behind
    // (no namespace controller runs, so they outlive their namespaces) keep a fresh
    // adaptor busy recording their Events, which would blur "nothing written".
    const env = await startEnvironment({ log: () => undefined });
    const local = KubeHttp.fromKubeconfig(env.kubeconfig);
    const adaptor = await runAdaptor({
      kubeconfig: await adaptorKubeconfig(env.kubeconfig),
      resyncPeriodMs: 500,
    });
    try {
      const ns = "idle";
      expectOk(
        await local.post("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns },
        }),
        "namespace",
      );
      for (const name of ["web", "web-v1", "web-v2"]) {
        expectOk(
          await local.post(`/api/v1/namespaces/${ns}/services`, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name },
            spec: { ports: [{ port: 80 }], selector: { app: name } },
          }),
          `service ${name}`,
        );
      }
      expectOk(
        await local.apply(
          `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/web`,
          { kind: "TrafficSplit", ...split("web", "web", [3, 1]) },
          "kubectl",
        ),
        "apply split",
      );
      const profilePath = `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${fqdn("web", ns)}`;
      const profile = () =>
        eventually("the profile", async () => {
          const res = await local.get(profilePath);
          return res.status === 200
            ? (res.body as {
                metadata: { resourceVersion: string };
                spec: { dstOverrides?: { weight: string }[] };
              })
            : undefined;
        });
      await eventually("the profile to be written", async () =>
        (await profile()).spec.dstOverrides?.map((o) => o.weight).join("/") === "3/1"
          ? true
          : undefined,
      );
      await eventually("the Created event to be recorded", async () =>
        (await metricValue(adaptor, 'smi_adaptor_api_writes_total{resource="events"}')) > 0
          ? true
          : undefined,
      );
      const before = await profile();
      const writes = await metricValue(
        adaptor,
        'smi_adaptor_api_writes_total{resource="serviceprofiles"}',
      );
      const events = await metricValue(adaptor, 'smi_adaptor_api_writes_total{resource="events"}');
      const unchanged = await metricValue(
        adaptor,
        'smi_adaptor_reconciles_total{result="unchanged"}',
      );
      await eventually("two resyncs", async () =>
        (await metricValue(adaptor, 'smi_adaptor_reconciles_total{result="unchanged"}')) >=
        unchanged + 2
          ? true
          : undefined,
      );
      expect(
        await metricValue(adaptor, 'smi_adaptor_api_writes_total{resource="serviceprofiles"}'),
      ).toBe(writes);
      expect(await metricValue(adaptor, 'smi_adaptor_api_writes_total{resource="events"}')).toBe(
        events,
      );
      expect((await profile()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      local.close();
    } finally {
      await adaptor.stop();
      await env.plane.stop();
    }
  }, 60_000);
});

describe("leader election", () => {
  it("lets exactly one of two replicas write, and hands over within seconds of a graceful stop", async () => {
    const ns = await createNamespace("ha", ["web", "web-v1", "web-v2"]);
    namespaces.push(ns);
    // The Lease lives where the chart's Role allows it: the release namespace.
    const leaderElectionId = `smi-adaptor-${randomBytes(3).toString("hex")}`;
    const electionFlags = {
      leaderElect: true,
      leaderElectionNamespace: ADAPTOR_NAMESPACE,
      leaderElectionId,
      // A lease far longer than the test waits: b can only lead soon after a stops if a
      // released the Lease on its way out.
      leaseDurationMs: 30_000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
    };
    const a = await runAdaptor({ ...electionFlags, identity: "replica-a" });
    await eventually("replica-a to lead", async () =>
      (await metricValue(a, "smi_adaptor_leader")) === 1 ? true : undefined,
    );
    const b = await runAdaptor({ ...electionFlags, identity: "replica-b" });
    try {
      expect(await metricValue(b, "smi_adaptor_leader")).toBe(0);
      expect((await b.admin.inject("/ready")).statusCode).toBe(200);
      await applySplit(ns, split("web", "web", [1, 0]));
      await profileBecomes(ns, fqdn("web", ns), [
        { authority: fqdn("web-v1", ns), weight: "1" },
        { authority: fqdn("web-v2", ns), weight: "0" },
      ]);
      expect(
        await metricValue(a, 'smi_adaptor_api_writes_total{resource="serviceprofiles"}'),
      ).toBeGreaterThan(0);
      expect(await metricValue(b, 'smi_adaptor_api_writes_total{resource="serviceprofiles"}')).toBe(
        0,
      );

      const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ADAPTOR_NAMESPACE}/leases/${leaderElectionId}`;
      const held = (
        expectOk(await admin.get(leasePath), "get lease").body as {
          spec: { holderIdentity?: string; renewTime: string };
        }
      ).spec;
      expect(held.holderIdentity).toBe("replica-a");
      const stoppedAt = Date.now();
      await a.stop(); // what SIGTERM does: finish, release the Lease, exit
      await eventually(
        "replica-b to lead",
        async () => ((await metricValue(b, "smi_adaptor_leader")) === 1 ? true : undefined),
        15_000,
      );
      const takeover = Date.now() - stoppedAt;
      console.log(
        `leader hand-over after a graceful stop took ${takeover} ms (lease duration 30000 ms)`,
      );
      // Order: b acquired the Lease before a's record would have expired, which only a
      // release allows.
      const acquired = (
        expectOk(await admin.get(leasePath), "get lease").body as { spec: { acquireTime: string } }
      ).spec.acquireTime;
      expect(Date.parse(acquired)).toBeLessThan(Date.parse(held.renewTime) + 30_000);

      await applySplit(ns, split("web", "web", [0, 1]));
      await profileBecomes(ns, fqdn("web", ns), [
        { authority: fqdn("web-v1", ns), weight: "0" },
        { authority: fqdn("web-v2", ns), weight: "1" },
      ]);
      expect(
        await metricValue(b, 'smi_adaptor_api_writes_total{resource="serviceprofiles"}'),
      ).toBeGreaterThan(0);
      const lease = expectOk(
        await admin.get(
          `/apis/coordination.k8s.io/v1/namespaces/${ADAPTOR_NAMESPACE}/leases/${leaderElectionId}`,
        ),
        "get lease",
      ).body as { spec: { holderIdentity?: string } };
      expect(lease.spec.holderIdentity).toBe("replica-b");
    } finally {
      await a.stop();
      await b.stop();
      await admin.delete(
        `/apis/coordination.k8s.io/v1/namespaces/${ADAPTOR_NAMESPACE}/leases/${leaderElectionId}`,
      );
    }
  });
});

describe("a watch broken by the apiserver", () => {
  it("goes unready while kube-apiserver is down and converges after it restarts", async () => {
    const env = await startEnvironment({ log: () => undefined });
    const root = env.plane.admin();
    // Its own control plane gets the chart's ServiceAccount and RBAC too.
    const adaptor = await runAdaptor({ kubeconfig: await adaptorKubeconfig(env.kubeconfig) });
    try {
      const ns = "restart";
      expectOk(
        await root.post("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns },
        }),
        "namespace",
      );
      const local = KubeHttp.fromKubeconfig(env.kubeconfig);
      const put = async (weights: [number, number]) =>
        expectOk(
          await local.apply(
            `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/web`,
            { kind: "TrafficSplit", ...split("web", "web", weights) },
            "kubectl",
          ),
          "apply split",
        );
      const profilePath = `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${fqdn("web", ns)}`;
      const weightsNow = async () => {
        const res = await local.get(profilePath);
        return res.status === 200
          ? (res.body as { spec: { dstOverrides?: { weight: string }[] } }).spec.dstOverrides
              ?.map((o) => o.weight)
              .join("/")
          : undefined;
      };
      await put([1, 2]);
      await eventually("first profile", async () =>
        (await weightsNow()) === "1/2" ? true : undefined,
      );

      await env.plane.stopApiServer();
      await eventually("readiness to drop", async () =>
        (await adaptor.admin.inject("/ready")).statusCode === 503 ? true : undefined,
      );
      await env.plane.startApiServer();
      await eventually(
        "readiness to return",
        async () => ((await adaptor.admin.inject("/ready")).statusCode === 200 ? true : undefined),
        30_000,
      );
      expect(
        (await metricValue(
          adaptor,
          'smi_adaptor_watch_restarts_total{resource="trafficsplits",reason="error"}',
        )) +
          (await metricValue(
            adaptor,
            'smi_adaptor_watch_restarts_total{resource="trafficsplits",reason="gone"}',
          )),
      ).toBeGreaterThan(0);

      const fresh = KubeHttp.fromKubeconfig(env.kubeconfig);
      expectOk(
        await fresh.apply(
          `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/web`,
          { kind: "TrafficSplit", ...split("web", "web", [5, 7]) },
          "kubectl",
        ),
        "apply split after restart",
      );
      await eventually(
        "profile after restart",
        async () => {
          const res = await fresh.get(profilePath);
          const w = (
            res.body as { spec?: { dstOverrides?: { weight: string }[] } }
          ).spec?.dstOverrides
            ?.map((o) => o.weight)
            .join("/");
          return w === "5/7" ? true : undefined;
        },
        30_000,
      );
      fresh.close();
      local.close();
    } finally {
      await adaptor.stop();
      await env.plane.stop();
    }
  }, 120_000);
});
