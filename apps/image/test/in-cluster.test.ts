/**
 * The linux/amd64 image run as the chart's Deployment runs it (test/pod.ts),
 * against the real apiserver of testenv, with the chart's ServiceAccount and
 * RBAC and a token the apiserver minted for it.
 */
import type {} from "@linkerd-smi/testenv/global-setup";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eventually, expectOk, parseManifest } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pullPlatform } from "./built.js";
import {
  AdaptorPod,
  applyIdentity,
  clusterFromKubeconfig,
  renderForTest,
  type Chart,
} from "./pod.js";

const cluster = clusterFromKubeconfig(inject("kubeconfig"));
const { admin } = cluster;
const pods: AdaptorPod[] = [];
const namespaces: string[] = [];
let imageId: string;

beforeAll(async () => {
  imageId = await pullPlatform("amd64");
});
afterAll(async () => {
  for (const pod of pods) await pod.remove();
  for (const ns of namespaces) await admin.delete(`/api/v1/namespaces/${ns}`);
  admin.close();
});

const unique = (prefix: string): string => {
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  namespaces.push(ns);
  return ns;
};

async function start(chart: Chart, podName?: string): Promise<AdaptorPod> {
  const pod = await AdaptorPod.start(cluster, chart, {
    imageId,
    ...(podName === undefined ? {} : { podName }),
  });
  pods.push(pod);
  return pod;
}

/** A namespace with these Services (ClusterIP, port 8080). */
async function namespaceWith(prefix: string, services: string[]): Promise<string> {
  const ns = unique(prefix);
  expectOk(
    await admin.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    }),
    ns,
  );
  for (const name of services)
    expectOk(
      await admin.post(`/api/v1/namespaces/${ns}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name },
        spec: { ports: [{ port: 8080, name: "http" }], selector: { app: name } },
      }),
      `service ${name}`,
    );
  return ns;
}

/** The backend-split sample of Linkerd's SMI guide (as apps/cli's testdata has it), in `ns`. */
function backendSplit(ns: string): Record<string, unknown> {
  const file = fileURLToPath(
    new URL("../../cli/test/testdata/validate/backend-split.yaml", import.meta.url),
  );
  const [split] = parseManifest(readFileSync(file, "utf8"));
  if (split === undefined) throw new Error(`${file} holds no object`);
  return { ...split, metadata: { ...split.metadata, namespace: ns } };
}

interface Profile {
  spec?: { dstOverrides?: { authority: string; weight: string }[] };
  metadata: { managedFields?: { manager: string }[] };
}

const profile = async (ns: string, name: string): Promise<Profile | undefined> => {
  const res = await admin.get(`/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${name}`);
  return res.status === 200 ? (res.body as Profile) : undefined;
};

interface Lease {
  spec?: { holderIdentity?: string | null };
}
const lease = async (ns: string): Promise<Lease | undefined> => {
  const res = await admin.get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/smi-adaptor`);
  return res.status === 200 ? (res.body as Lease) : undefined;
};
/** The pod (of `candidates`) whose identity holds the Lease, once one does. */
const leaseHolder = (ns: string, candidates: AdaptorPod[]) =>
  eventually(
    "a pod to hold the smi-adaptor Lease",
    async () => {
      const holder = (await lease(ns))?.spec?.holderIdentity ?? "";
      return candidates.find((p) => holder.startsWith(`${p.podName}_`));
    },
    60_000,
    200,
  );

/** The status line of /proc/<pid>/status for the container's main process, seen from the host. */
function procStatus(pid: number, key: string): string {
  const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
  return new RegExp(`^${key}:\\s*(.*)$`, "m").exec(status)?.[1]?.trim() ?? "";
}

describe("the image as the chart's pod", () => {
  it("runs as the chart's user with no capabilities, keeps the backend-split sample's profile and answers the probes", async () => {
    const releaseNs = unique("smi-image");
    const chart = await renderForTest(releaseNs);
    await applyIdentity(admin, chart);
    const pod = await start(chart);
    const readyMs = await pod.waitReady();
    console.log(
      `smi-adaptor image (linux/amd64): podman run to /ready 200 in ${readyMs.toFixed(0)} ms`,
    );

    // The process the container runs, as the kernel sees it.
    const { Pid } = await pod.inspect();
    expect(procStatus(Pid, "Uid").split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
    expect(procStatus(Pid, "Gid").split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
    expect(procStatus(Pid, "CapEff")).toBe("0000000000000000");
    expect(procStatus(Pid, "CapBnd")).toBe("0000000000000000");
    expect(procStatus(Pid, "NoNewPrivs")).toBe("1");
    expect(pod.memory().limitBytes).toBe(chart.memoryLimitBytes);
    const mounts = readFileSync(`/proc/${String(Pid)}/mounts`, "utf8").split("\n");
    const root = mounts.find((m) => m.split(" ")[1] === "/");
    expect(root?.split(" ")[3]?.split(",")).toContain("ro");

    const ns = await namespaceWith("trafficsplit-sample", ["backend-svc", "failing-svc"]);
    expectOk(
      await admin.post(
        `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits`,
        backendSplit(ns),
      ),
      "create backend-split",
    );
    const fqdn = (svc: string) => `${svc}.${ns}.svc.cluster.local`;
    const written = await eventually(
      "the backend-split ServiceProfile",
      async () => {
        const p = await profile(ns, fqdn("backend-svc"));
        return p?.spec?.dstOverrides?.length === 2 ? p : undefined;
      },
      60_000,
      200,
    );
    expect(written.spec).toEqual({
      dstOverrides: [
        { authority: fqdn("backend-svc"), weight: "500" },
        { authority: fqdn("failing-svc"), weight: "500" },
      ],
    });
    expect(written.metadata.managedFields?.map((m) => m.manager)).toEqual(["smi-adaptor"]);

    expect(await pod.probe("readinessProbe")).toBe(200);
    expect(await pod.probe("livenessProbe")).toBe(200);
    const logs = await pod.logs();
    expect(logs).toContain(
      `created serviceprofile/${fqdn("backend-svc")} for trafficsplit/backend-split`,
    );
    // One JSON object per line (the chart's -log-format=json), nothing else: no Node warning.
    expect(chart.container.args).toContain("-log-format=json");
    const notJson = logs
      .split("\n")
      .filter((line) => line !== "")
      .filter((line) => {
        try {
          return typeof (JSON.parse(line) as { level?: unknown }).level !== "string";
        } catch {
          return true;
        }
      });
    expect(notJson).toEqual([]);
  });

  it("ends on SIGTERM within the chart's grace period, releasing its Lease", async () => {
    const releaseNs = unique("smi-image-term");
    const chart = await renderForTest(releaseNs, { "adaptor.replicas": 2 });
    expect(chart.container.args).toContain("-leader-elect=true");
    await applyIdentity(admin, chart);
    const pod = await start(chart);
    await pod.waitReady();
    expect(await leaseHolder(releaseNs, [pod])).toBe(pod);

    await pod.stop(); // podman stop -t <terminationGracePeriodSeconds>: SIGTERM, then SIGKILL
    const state = await pod.inspect();
    // 0 is the adaptor's own exit after SIGTERM; SIGKILL at the deadline would be 137.
    expect(state).toMatchObject({ Running: false, ExitCode: 0, OOMKilled: false });
    const held = (await lease(releaseNs))?.spec?.holderIdentity;
    expect(held ?? "").toBe("");
    const logs = await pod.logs();
    expect(logs).toContain("leader election: released the lease");
    expect(logs).toContain('"msg":"stopped"');
  });

  it("elects one leader of two; when the leader is killed the other takes over and writes", async () => {
    const releaseNs = unique("smi-image-ha");
    const chart = await renderForTest(releaseNs, { "adaptor.replicas": 2 });
    await applyIdentity(admin, chart);
    const a = await start(chart, "smi-adaptor-a");
    const b = await start(chart, "smi-adaptor-b");
    await Promise.all([a.waitReady(), b.waitReady()]);

    const leader = await leaseHolder(releaseNs, [a, b]);
    const follower = leader === a ? b : a;
    await eventually(
      "the leader to say so in its metrics",
      async () => ((await leader.metric("smi_adaptor_leader")) === 1 ? true : undefined),
      30_000,
      200,
    );
    expect(await follower.metric("smi_adaptor_leader")).toBe(0);

    await leader.kill(); // no release: the follower must wait out the lease
    expect((await leader.inspect()).Running).toBe(false);
    expect(await leaseHolder(releaseNs, [follower])).toBe(follower);
    await eventually(
      "the new leader to say so in its metrics",
      async () => ((await follower.metric("smi_adaptor_leader")) === 1 ? true : undefined),
      30_000,
      200,
    );

    // The new leader writes.
    const ns = await namespaceWith("trafficsplit-handover", ["backend-svc", "failing-svc"]);
    expectOk(
      await admin.post(
        `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits`,
        backendSplit(ns),
      ),
      "create backend-split",
    );
    await eventually(
      "the new leader's ServiceProfile",
      async () =>
        (await profile(ns, `backend-svc.${ns}.svc.cluster.local`))?.spec?.dstOverrides?.length === 2
          ? true
          : undefined,
      60_000,
      200,
    );
  });
});
