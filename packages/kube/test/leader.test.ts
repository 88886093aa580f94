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
    // Stays that way over several renewals: wait until the leader has renewed the Lease
    // three times (its renewTime moved), checking after each that nothing changed hands.
    const renewals = new Set<string>();
    await eventually(
      async () => {
        const renewTime = (await new ResourceClient(admin, LeaseV1).get(ns, "one"))?.spec
          ?.renewTime;
        if (renewTime !== undefined) renewals.add(renewTime);
        expect(leader.elector.isLeader()).toBe(true);
        expect(follower.elector.isLeader()).toBe(false);
        expect(await holder("one")).toBe(leader.identity);
        expect(renewals.size).toBeGreaterThanOrEqual(4);
      },
      { intervalMs: 100 },
    );
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

  it("hands over before the lease expires when the leader releases", async () => {
    // A lease far longer than the test waits: b can only lead this soon if a's release
    // handed the lease over; otherwise it would have to wait out the 60 s.
    const leaseMs = 60_000;
    const opts = {
      leaseDurationSeconds: leaseMs / 1000,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 1,
    };
    const a = candidate("pod-a", "release", opts);
    const b = candidate("pod-b", "release", opts);
    a.elector.start();
    await eventually(() => {
      expect(a.elector.isLeader()).toBe(true);
    });
    b.elector.start();
    // b has tried and found a leading (it reports the leader it saw), yet does not lead.
    await eventually(() => {
      expect(b.log).toContain("leader pod-a");
    });
    expect(b.elector.isLeader()).toBe(false);
    const before = await new ResourceClient(admin, LeaseV1).get(ns, "release");
    const transitionsBefore = before?.spec?.leaseTransitions ?? 0;
    await a.elector.release();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.log.at(-1)).toBe("stopped");
    expect(a.leadingSignal?.aborted).toBe(true);
    await eventually(
      () => {
        expect(b.elector.isLeader()).toBe(true);
      },
      { timeoutMs: leaseMs / 2 },
    );
    const lease = await new ResourceClient(admin, LeaseV1).get(ns, "release");
    expect(lease?.spec?.holderIdentity).toBe("pod-b");
    expect(lease?.spec?.leaseTransitions).toBe(transitionsBefore + 1);
    expect(lease?.spec?.leaseDurationSeconds).toBe(leaseMs / 1000);
    // b acquired the lease while a's record was still valid: only the release explains it.
    const validUntil = Date.parse(before?.spec?.renewTime ?? "") + leaseMs;
    const acquired = Date.parse(lease?.spec?.acquireTime ?? "");
    console.log(
      `handover: b acquired ${validUntil - acquired} ms before a's lease would have expired`,
    );
    expect(acquired).toBeLessThan(validUntil);
    await b.elector.stop();
    expect(await holder("release")).toBe("");
  });

  it("takes over only after the lease duration when the leader stops renewing", async () => {
    const leaseMs = 3_000;
    const a = candidate("pod-a", "crash");
    const b = candidate("pod-b", "crash");
    a.elector.start();
    await eventually(() => {
      expect(a.elector.isLeader()).toBe(true);
    });
    b.elector.start();
    await eventually(() => {
      expect(b.log).toContain("leader pod-a");
    });
    expect(b.elector.isLeader()).toBe(false);
    // A crash: no release, the lease just stops being renewed.
    await a.elector.stop({ release: false });
    const last = await new ResourceClient(admin, LeaseV1).get(ns, "crash");
    expect(last?.spec?.holderIdentity).toBe("pod-a");
    // Bound by the mechanism: b needs one lease duration after it last saw the record
    // change, plus retries; a few lease durations is ample even on a loaded machine.
    await eventually(
      () => {
        expect(b.elector.isLeader()).toBe(true);
      },
      { timeoutMs: 5 * leaseMs },
    );
    const lease = await new ResourceClient(admin, LeaseV1).get(ns, "crash");
    expect(lease?.spec?.holderIdentity).toBe("pod-b");
    // Order: b must not take a lease that is still valid. a's last renewal plus the lease
    // duration comes before b's acquisition (both written by this host's clock). b counts
    // from when it read the record, which can precede a's write by one request in flight,
    // so allow one retry period (500 ms) of that.
    const expiredAt = Date.parse(last?.spec?.renewTime ?? "") + leaseMs - 500;
    const acquired = Date.parse(lease?.spec?.acquireTime ?? "");
    console.log(`takeover: b acquired ${acquired - expiredAt} ms after a's lease expired`);
    expect(acquired).toBeGreaterThanOrEqual(expiredAt);
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
