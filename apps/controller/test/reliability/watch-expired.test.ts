import { expectOk, KubeHttp, startEnvironment } from "@linkerd-smi/testenv";
import { describe, expect, it } from "vitest";
import { SplitFleet, metricFrom, startPartition, until } from "../chaos.js";
import { adaptorKubeconfig, runAdaptor } from "../harness.js";

const GONE = 'smi_adaptor_watch_restarts_total{resource="trafficsplits",reason="gone"}';

describe("a TrafficSplit watch resumed from a compacted resourceVersion", () => {
  it("relists on 410 Gone and converges, cleaning up after splits deleted during the gap", async () => {
    // Watches go straight to etcd, so a compaction surfaces as 410 Gone (the
    // watch cache would otherwise serve a short gap from memory).
    const env = await startEnvironment({
      log: () => undefined,
      apiServerArgs: ["--watch-cache=false"],
    });
    const client = KubeHttp.fromKubeconfig(env.kubeconfig);
    // The adaptor reaches kube-apiserver through a proxy that can cut it off,
    // while the apiserver stays up for the writes and etcd for the compaction.
    const partition = await startPartition(env.plane.server);
    const adaptor = await runAdaptor({
      kubeconfig: partition.kubeconfig(await adaptorKubeconfig(env.kubeconfig)),
      logLevel: "info",
    });
    try {
      const ns = "gap";
      expectOk(
        await client.post("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns },
        }),
        "create namespace",
      );
      const fleet = new SplitFleet(() => client, ns, 12, "svc");
      await fleet.createServices();
      await fleet.createSplits(() => [1, 1]);
      let last: string[] = [];
      const cleaned: string[] = [];
      const converged = async () => {
        last = await fleet.mismatches(cleaned);
        return last.length === 0 ? true : undefined;
      };
      const describeLast = () => last.slice(0, 5).join("; ");
      await until("the first profiles", converged, 30_000, describeLast);
      const profilePath = (apex: string) =>
        `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${apex}.${ns}.svc.cluster.local`;
      // Someone else adds to one profile: when its split goes, only dstOverrides may go.
      const [labelled = "", deleted = "", ...rest] = fleet.apexes;
      const updated = rest.slice(0, 4);
      expectOk(
        await client.request("PATCH", `${profilePath(labelled)}?fieldManager=team-tool`, {
          body: { metadata: { labels: { team: "payments" } } },
          contentType: "application/merge-patch+json",
        }),
        "label a profile",
      );
      await until("the adaptor to see the label", converged, 10_000, describeLast);

      const metric = async (series: string) =>
        metricFrom((await adaptor.admin.inject("/metrics")).body, series) ?? 0;
      const goneBefore = await metric(GONE);
      const cutAt = Date.now();
      partition.cut();
      await until(
        "the adaptor to see its TrafficSplit watch down",
        () =>
          Promise.resolve(
            adaptor.readiness().reasons.some((r) => r.startsWith("trafficsplits watch is down"))
              ? true
              : undefined,
          ),
        10_000,
      );

      // The gap: changes the adaptor cannot see, then etcd compacts them away.
      for (const apex of updated) await fleet.setWeights(apex, [7, 3]);
      await fleet.deleteSplit(deleted);
      await fleet.deleteSplit(labelled);
      cleaned.push(`${labelled}.${ns}.svc.cluster.local`);
      const revision = await env.plane.compactEtcd();
      // Nothing reached the adaptor meanwhile.
      expect((await client.get(profilePath(deleted))).status).toBe(200);
      partition.heal();
      const healedAt = Date.now();

      await until("the TrafficSplit informer to relist after 410 Gone", async () =>
        (await metric(GONE)) > goneBefore ? true : undefined,
      );
      await until("every profile to converge", converged, 30_000, describeLast);
      const convergedAt = Date.now();
      console.log(
        `adaptor cut off for ${healedAt - cutAt} ms, etcd compacted to revision ${revision}; ` +
          `relisted and converged ${convergedAt - healedAt} ms after the network came back ` +
          `(trafficsplits watch restarts: gone ${await metric(GONE)}, error ${await metric('smi_adaptor_watch_restarts_total{resource="trafficsplits",reason="error"}')})`,
      );

      // Every profile is as its split says: the changed weights, the deleted
      // split's profile gone, the labelled one kept without dstOverrides.
      expect((await client.get(profilePath(deleted))).status).toBe(404);
      const kept = expectOk(await client.get(profilePath(labelled)), "labelled profile").body as {
        metadata: { labels?: Record<string, string> };
        spec: Record<string, unknown>;
      };
      expect(kept.metadata.labels).toEqual({ team: "payments" });
      expect(kept.spec.dstOverrides).toBeUndefined();
      for (const apex of updated) {
        const profile = expectOk(await client.get(profilePath(apex)), `profile of ${apex}`)
          .body as { spec: { dstOverrides: { weight: string }[] } };
        expect(profile.spec.dstOverrides.map((o) => o.weight)).toEqual(["7", "3"]);
      }
      expect(await fleet.mismatches(cleaned)).toEqual([]);
      // Every informer is watching again (each retries on its own backoff).
      await until("the adaptor to be ready again", async () =>
        (await adaptor.admin.inject("/ready")).statusCode === 200 ? true : undefined,
      );
    } finally {
      await adaptor.stop();
      await partition.close();
      client.close();
      await env.plane.stop();
    }
  }, 120_000);
});
