import { expectOk, KubeHttp, startEnvironment } from "@linkerd-smi/testenv";
import { describe, expect, it } from "vitest";
import {
  SplitFleet,
  driveWeights,
  sampler,
  spawnAdaptor,
  until,
  type AdaptorProcess,
} from "../chaos.js";
import { adaptorKubeconfig } from "../harness.js";

const SPLITS = 500;

describe("kube-apiserver killed during churn", () => {
  it(`keeps running and converges all ${SPLITS} profiles after a SIGKILL of kube-apiserver`, async () => {
    // A control plane of its own: this test kills its apiserver.
    const env = await startEnvironment({ log: () => undefined });
    const client = KubeHttp.fromKubeconfig(env.kubeconfig);
    let adaptor: AdaptorProcess | undefined;
    try {
      const ns = "churn";
      expectOk(
        await client.post("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns },
        }),
        "create namespace",
      );
      const fleet = new SplitFleet(() => client, ns, SPLITS);
      let started = Date.now();
      await fleet.createServices();
      console.log(`created ${SPLITS * 3} Services in ${Date.now() - started} ms`);

      adaptor = await spawnAdaptor(await adaptorKubeconfig(env.kubeconfig), ["-log-level=info"]);
      const running = adaptor;
      await running.waitReady();
      started = Date.now();
      await fleet.createSplits(() => [500, 500]);
      let last: string[] = [];
      const describeLast = () => `${last.length} mismatches, e.g. ${last.slice(0, 5).join("; ")}`;
      const convergedOrRecord = async () => {
        last = await fleet.mismatches();
        return last.length === 0 ? true : undefined;
      };
      await until(`${SPLITS} profiles`, convergedOrRecord, 60_000, describeLast, 250);
      console.log(
        `${SPLITS} splits created and their profiles written in ${Date.now() - started} ms`,
      );

      const pid = running.pid;
      const driver = driveWeights(fleet, { workers: 4 });
      await until(
        "the driver to be changing weights",
        () => Promise.resolve(driver.report.succeeded >= 50 ? true : undefined),
        30_000,
      );
      const readiness = sampler(async () => (await running.get("/ready")).status, 50);

      const killedAt = Date.now();
      await env.plane.killApiServer();
      await until(
        "the adaptor to report not ready",
        async () => ((await running.get("/ready")).status === 503 ? true : undefined),
        20_000,
      );
      await until(
        "weight updates to fail",
        () => Promise.resolve(driver.report.failed > 0 ? true : undefined),
        20_000,
      );
      const failedWhileDown = driver.report.failed;
      const restartAt = Date.now();
      await env.plane.startApiServer();
      const upAt = Date.now();
      const succeededAtRestart = driver.report.succeeded;
      await until(
        "the churn to go on after the restart",
        () =>
          Promise.resolve(driver.report.succeeded >= succeededAtRestart + 100 ? true : undefined),
        30_000,
      );
      const report = await driver.stop();
      const stoppedAt = Date.now();
      await until(
        "every profile to converge after the outage",
        convergedOrRecord,
        90_000,
        describeLast,
        250,
      );
      const convergedAt = Date.now();
      const samples = await readiness.stop();

      console.log(
        `apiserver down ${upAt - killedAt} ms (start took ${upAt - restartAt} ms); driver: ${JSON.stringify(report)}; ` +
          `all ${SPLITS} profiles converged ${convergedAt - upAt} ms after the apiserver was back ` +
          `(${convergedAt - stoppedAt} ms after the last update)`,
      );

      expect(failedWhileDown).toBeGreaterThan(0);
      expect(report.recovered).toBeGreaterThan(0);
      expect(report.lost).toEqual([]);
      // /ready went false while the apiserver was down, and is true again.
      const during = samples.filter((s) => s.at >= killedAt && s.at <= upAt);
      const unready = during.filter((s) => s.value === 503).length;
      console.log(
        `/ready answered 503 to ${unready} of ${during.length} samples during the outage`,
      );
      expect(unready).toBeGreaterThan(0);
      // Its admin server answered every sample, outage or not.
      expect(samples.filter((s) => s.value instanceof Error).map((s) => String(s.value))).toEqual(
        [],
      );
      await until(
        "the adaptor to be ready again",
        async () => ((await running.get("/ready")).status === 200 ? true : undefined),
        30_000,
      );
      // The same process throughout: it never crashed or restarted.
      expect(running.running()).toBe(true);
      expect(running.pid).toBe(pid);
      expect((await running.get("/live")).status).toBe(200);
      expect(
        await running.metric(
          'smi_adaptor_watch_restarts_total{resource="trafficsplits",reason="error"}',
        ),
      ).toBeGreaterThan(0);
      expect(await fleet.mismatches()).toEqual([]);
    } finally {
      adaptor?.kill("SIGKILL");
      client.close();
      await env.plane.stop();
    }
  }, 240_000);
});
