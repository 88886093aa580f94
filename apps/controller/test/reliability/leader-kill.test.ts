import { randomBytes } from "node:crypto";
import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import {
  SplitFleet,
  driveWeights,
  metricFrom,
  processExists,
  sampler,
  spawnAdaptor,
  until,
  type AdaptorProcess,
} from "../chaos.js";
import {
  ADAPTOR_NAMESPACE,
  adaptorKubeconfig,
  admin,
  createNamespace,
  deleteNamespace,
} from "../harness.js";

const namespaces: string[] = [];
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 500;
const WRITES = 'smi_adaptor_api_writes_total{resource="serviceprofiles"}';

describe("two replicas, the leader killed with SIGKILL during churn", () => {
  it("lets the other take over within the lease duration, converges, and never has two writers", async () => {
    const ns = await createNamespace("failover");
    namespaces.push(ns);
    const fleet = new SplitFleet(() => admin, ns, 100, "api");
    await fleet.createServices();
    await fleet.createSplits(() => [50, 50]);
    const leaseName = `smi-adaptor-${randomBytes(3).toString("hex")}`;
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ADAPTOR_NAMESPACE}/leases/${leaseName}`;
    const args = [
      "-leader-elect",
      `-leader-election-namespace=${ADAPTOR_NAMESPACE}`,
      `-leader-election-id=${leaseName}`,
      `-lease-duration=${LEASE_MS}ms`,
      `-renew-deadline=${RENEW_MS}ms`,
      `-retry-period=${RETRY_MS}ms`,
      "-log-level=info",
    ];
    const kubeconfig = await adaptorKubeconfig();
    const replicas: AdaptorProcess[] = [];
    try {
      const first = await spawnAdaptor(kubeconfig, args);
      replicas.push(first);
      await until(
        "the first replica to lead",
        async () => ((await first.metric("smi_adaptor_leader")) === 1 ? true : undefined),
        15_000,
      );
      const second = await spawnAdaptor(kubeconfig, args);
      replicas.push(second);
      await second.waitReady();
      let last: string[] = [];
      const converged = async () => {
        last = await fleet.mismatches();
        return last.length === 0 ? true : undefined;
      };
      await until("the first profiles", converged, 30_000, () => last.slice(0, 5).join("; "));
      const holderBefore = (
        expectOk(await admin.get(leasePath), "get lease").body as {
          spec: { holderIdentity: string };
        }
      ).spec.holderIdentity;

      // Watch the standby throughout: while it does not lead, it writes nothing.
      const standby = sampler(async () => {
        const text = await second.metrics();
        return {
          leader: metricFrom(text, "smi_adaptor_leader") ?? 0,
          writes: metricFrom(text, WRITES) ?? 0,
        };
      }, 50);
      const driver = driveWeights(fleet, { workers: 2 });
      await until(
        "the churn to be under way",
        () => Promise.resolve(driver.report.succeeded >= 40 ? true : undefined),
        20_000,
      );
      const firstWrites = await first.metric(WRITES);
      expect(firstWrites).toBeGreaterThan(0);
      expect(await second.metric(WRITES)).toBe(0);

      const killedAt = Date.now();
      first.kill("SIGKILL");
      const exit = await first.exited;
      // The old leader's last renewal: nobody writes the Lease until the standby takes over.
      const lastRenewal = (
        expectOk(await admin.get(leasePath), "get lease").body as {
          spec: { holderIdentity: string; renewTime: string };
        }
      ).spec;
      // Bound by the mechanism, not by a guess at machine speed: the standby needs one lease
      // duration after it last saw the record change, then one retry; three lease durations
      // leave room for a loaded machine.
      await until(
        "the standby to take over",
        async () => ((await second.metric("smi_adaptor_leader")) === 1 ? true : undefined),
        3 * LEASE_MS,
        () => "",
        20,
      );
      const takeover = Date.now() - killedAt;
      console.log(
        `takeover after SIGKILL of the leader: ${takeover} ms (lease ${LEASE_MS} ms, retry period ${RETRY_MS} ms)`,
      );
      const succeededAtTakeover = driver.report.succeeded;
      await until(
        "the churn to go on under the new leader",
        () =>
          Promise.resolve(driver.report.succeeded >= succeededAtTakeover + 40 ? true : undefined),
        20_000,
      );
      const report = await driver.stop();
      const stoppedAt = Date.now();
      await until("every profile to converge", converged, 30_000, () =>
        last.slice(0, 5).join("; "),
      );
      console.log(
        `driver ${JSON.stringify(report)}; converged ${Date.now() - stoppedAt} ms after the last update; ` +
          `ServiceProfile writes: old leader ${firstWrites} before its SIGKILL, standby 0 before and ${await second.metric(WRITES)} after the takeover`,
      );
      const samples = await standby.stop();

      expect(exit.signal).toBe("SIGKILL");
      expect(processExists(first.pid)).toBe(false);
      // Order: the standby took the lease only once it had expired. The old leader's last
      // renewal plus the lease duration comes before the standby's acquireTime (one retry
      // period allowed: the standby counts from when it read the record).
      expect(lastRenewal.holderIdentity).toBe(holderBefore);
      const acquired = (
        expectOk(await admin.get(leasePath), "get lease").body as { spec: { acquireTime: string } }
      ).spec.acquireTime;
      const expiredAt = Date.parse(lastRenewal.renewTime) + LEASE_MS;
      console.log(
        `the standby acquired the lease ${Date.parse(acquired) - expiredAt} ms after it expired`,
      );
      expect(Date.parse(acquired)).toBeGreaterThanOrEqual(expiredAt - RETRY_MS);
      // The standby wrote no ServiceProfile before it led; afterwards it did all the writing.
      const values = samples.flatMap((s) => (s.value instanceof Error ? [] : [s.value]));
      expect(values.length).toBeGreaterThan(10);
      expect(values.filter((v) => v.leader === 0).every((v) => v.writes === 0)).toBe(true);
      expect(await second.metric(WRITES)).toBeGreaterThan(0);
      const lease = expectOk(await admin.get(leasePath), "get lease").body as {
        spec: { holderIdentity: string; leaseTransitions?: number };
      };
      expect(lease.spec.holderIdentity).not.toBe(holderBefore);
      expect(second.logs()).toContain(lease.spec.holderIdentity);
      expect(report.lost).toEqual([]);
      expect(await fleet.mismatches()).toEqual([]);
      expect(second.running()).toBe(true);
    } finally {
      for (const replica of replicas) replica.kill("SIGKILL");
      await admin.delete(leasePath);
    }
  }, 120_000);
});
