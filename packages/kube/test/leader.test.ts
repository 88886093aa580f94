import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaderElector, LeaseV1, ResourceClient, type LeaderElectorOptions } from "../src/index.js";
import { client, createNamespace, deleteNamespace, eventually } from "./helpers.js";

const admin = client();
let ns: string;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  ns = await createNamespace(admin, "leader");
});

afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop({ release: false })));
  await deleteNamespace(admin, ns);
  admin.close();
});

interface Candidate {
  elector: LeaderElector;
  identity: string;
  log: string[];
  leadingSignal: AbortSignal | undefined;
}

function candidate(
  identity: string,
  lease: string,
  options: Partial<LeaderElectorOptions> = {},
): Candidate {
  const c: Candidate = {
    identity,
    log: [],
    leadingSignal: undefined,
    elector: undefined as unknown as LeaderElector,
  };
  c.elector = new LeaderElector({
    client: admin,
    lease: { namespace: ns, name: lease },
    identity,
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 0.5,
    onStartedLeading: (signal) => {
      c.leadingSignal = signal;
      c.log.push("started");
    },
    onStoppedLeading: () => c.log.push("stopped"),
    onNewLeader: (id) => c.log.push(`leader ${id}`),
    ...options,
  });
  electors.push(c.elector);
  return c;
}

async function holder(lease: string): Promise<string | undefined> {
  return (await new ResourceClient(admin, LeaseV1).get(ns, lease))?.spec?.holderIdentity;
}

/** Waits until exactly one of the candidates leads, and returns [leader, follower]. */
async function oneLeader(a: Candidate, b: Candidate): Promise<[Candidate, Candidate]> {
  return eventually(() => {
    expect(a.elector.isLeader() !== b.elector.isLeader()).toBe(true);
    return a.elector.isLeader() ? [a, b] : [b, a];
  });
}

describe("LeaderElector", () => {
  it("elects exactly one of two candidates and records it on the Lease", async () => {
    const a = candidate("pod-a", "one");
    const b = candidate("pod-b", "one");
    a.elector.start();
    b.elector.start();
    const [leader, follower] = await oneLeader(a, b);
    expect(await holder("one")).toBe(leader.identity);
    // Stays that way over several renewals.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(leader.elector.isLeader()).toBe(true);
      expect(follower.elector.isLeader()).toBe(false);
    }
    expect(leader.log).toEqual([`leader ${leader.identity}`, "started"]);
    expect(follower.log).toEqual([`leader ${leader.identity}`]);
    expect(follower.elector.leader()).toBe(leader.identity);
    const lease = await new ResourceClient(admin, LeaseV1).get(ns, "one");
    expect(lease?.spec?.leaseDurationSeconds).toBe(3);
    expect(lease?.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(lease?.spec?.renewTime ?? "")).toBeGreaterThan(
      Date.parse(lease?.spec?.acquireTime ?? ""),
    );
    await a.elector.stop({ release: false });
    await b.elector.stop({ release: false });
  });

  it("hands over within a couple of retry periods when the leader releases", async () => {
    const opts = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 1 };
    const a = candidate("pod-a", "release", opts);
    const b = candidate("pod-b", "release", opts);
    a.elector.start();
    await eventually(() => {
      expect(a.elector.isLeader()).toBe(true);
    });
    b.elector.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.elector.isLeader()).toBe(false);
    const transitionsBefore =
      (await new ResourceClient(admin, LeaseV1).get(ns, "release"))?.spec?.leaseTransitions ?? 0;
    const began = Date.now();
    await a.elector.release();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.log.at(-1)).toBe("stopped");
    expect(a.leadingSignal?.aborted).toBe(true);
    await eventually(() => {
      expect(b.elector.isLeader()).toBe(true);
    });
    const took = Date.now() - began;
    // Without the release, b would have waited the 15s lease duration.
    expect(took).toBeLessThan(5_000);
    const lease = await new ResourceClient(admin, LeaseV1).get(ns, "release");
    expect(lease?.spec?.holderIdentity).toBe("pod-b");
    expect(lease?.spec?.leaseTransitions).toBe(transitionsBefore + 1);
    expect(lease?.spec?.leaseDurationSeconds).toBe(15);
    await b.elector.stop();
    expect(await holder("release")).toBe("");
  });

  it("takes over after the lease duration when the leader stops renewing", async () => {
    const a = candidate("pod-a", "crash");
    const b = candidate("pod-b", "crash");
    a.elector.start();
    await eventually(() => {
      expect(a.elector.isLeader()).toBe(true);
    });
    b.elector.start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(b.elector.isLeader()).toBe(false);
    // A crash: no release, the lease just stops being renewed.
    await a.elector.stop({ release: false });
    expect(await holder("crash")).toBe("pod-a");
    const began = Date.now();
    await eventually(() => {
      expect(b.elector.isLeader()).toBe(true);
    });
    const took = Date.now() - began;
    // b waits until it has seen the record unchanged for leaseDurationSeconds (3s).
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(6_000);
    expect(await holder("crash")).toBe("pod-b");
    expect(b.log).toContain("leader pod-b");
    await b.elector.stop();
  });

  it("steps down at once when it finds someone else holding the lease", async () => {
    const a = candidate("pod-a", "stolen");
    a.elector.start();
    await eventually(() => {
      expect(a.elector.isLeader()).toBe(true);
    });
    const leases = new ResourceClient(admin, LeaseV1);
    const lease = await leases.get(ns, "stolen");
    if (lease?.spec === undefined) throw new Error("no lease");
    await leases.replace({ ...lease, spec: { ...lease.spec, holderIdentity: "intruder" } });
    await eventually(
      () => {
        expect(a.elector.isLeader()).toBe(false);
      },
      { timeoutMs: 2_000 },
    );
    expect(a.leadingSignal?.aborted).toBe(true);
    expect(a.log).toContain("leader intruder");
    expect(a.log).toContain("stopped");
    await a.elector.stop();
  });

  it("rejects timings that cannot be safe", () => {
    const base = { client: admin, lease: { namespace: ns, name: "x" }, identity: "me" };
    expect(
      () => new LeaderElector({ ...base, leaseDurationSeconds: 5, renewDeadlineSeconds: 5 }),
    ).toThrow(/greater than renewDeadlineSeconds/);
    expect(
      () => new LeaderElector({ ...base, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }),
    ).toThrow(/1\.2/);
    expect(() => new LeaderElector({ ...base, identity: "" })).toThrow(/identity/);
  });
});
