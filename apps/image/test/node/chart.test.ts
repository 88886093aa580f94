/**
 * The chart on a real node (testenv's global-setup-node: kubelet, containerd, kube-proxy,
 * kube-scheduler, CoreDNS): the image from `pnpm image` imported into the node's containerd, the
 * README's Helm flow (`kubectl create namespace`, label, `helm install`, `linkerd smi check`)
 * with `--wait`, so the kubelet runs the adaptor's Pod to Ready on the chart's own probes, with
 * the chart's ServiceAccount and a token the kubelet projects, through the `kubernetes` Service.
 * What test/pod.ts adds by hand for podman, Kubernetes adds here itself.
 */
import type {} from "@linkerd-smi/testenv/global-setup";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  applyManifest,
  binaryPaths,
  chartDir,
  eventually,
  expectOk,
  importImage,
  KubeHttp,
  NODE_NAME,
  parseManifest,
} from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const imageDir = fileURLToPath(new URL("../..", import.meta.url));
const image = JSON.parse(readFileSync(`${imageDir}/dist/image.json`, "utf8")) as {
  reference: string;
  archive: string;
  version: string;
};
const cli = fileURLToPath(new URL("../../../cli/dist/bin/linkerd-smi.js", import.meta.url));
const backendSplit = fileURLToPath(
  new URL("../../../../examples/backend-split.yaml", import.meta.url),
);
const goInstall = fileURLToPath(
  new URL("../../../cli/test/testdata/upgrade/v0.2.7-install.yaml", import.meta.url),
);
const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const namespace = "linkerd-smi";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 150_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr });
      },
    );
  });
}

const helm = (...args: string[]) => run(binaryPaths().helm, args);
const smi = (...args: string[]) => run(process.execPath, [cli, ...args]);

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    serviceAccountName?: string;
    containers: {
      name: string;
      image: string;
      args?: string[];
      readinessProbe?: { httpGet?: { path: string; port: number | string } };
      livenessProbe?: { httpGet?: { path: string; port: number | string } };
    }[];
  };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { ready: boolean; restartCount: number; imageID: string }[];
  };
}

async function adaptorPods(): Promise<Pod[]> {
  const res = expectOk(
    await admin.get(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent("component=smi-adaptor")}`,
    ),
    "list adaptor pods",
  );
  return (res.body as { items: Pod[] }).items.filter(
    (p) => p.metadata.deletionTimestamp === undefined,
  );
}

const isReady = (p: Pod) =>
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

async function leaseHolder(): Promise<string | undefined> {
  const res = await admin.get(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/smi-adaptor`,
  );
  if (res.status !== 200) return undefined;
  return (res.body as { spec: { holderIdentity?: string } }).spec.holderIdentity;
}

beforeAll(async () => {
  const started = Date.now();
  await importImage(inject("nodeSocket"), `${imageDir}/dist/${image.archive}`);
  console.log(
    `${image.reference} imported into the node's containerd in ${String(Date.now() - started)} ms`,
  );
});

afterAll(() => {
  admin.close();
});

describe("the chart on the node, the README's Helm flow", () => {
  it("helm install --wait runs the adaptor Pod to Ready on the chart's probes, as the chart's ServiceAccount", async () => {
    expectOk(
      await admin.post("/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: namespace,
          labels: {
            "linkerd.io/extension": "smi",
            "pod-security.kubernetes.io/enforce": "privileged",
          },
        },
      }),
      "create the namespace",
    );
    const started = Date.now();
    const install = await helm(
      "install",
      "linkerd-smi",
      chartDir,
      "--namespace",
      namespace,
      "--wait",
      "--timeout",
      "90s",
    );
    expect(install.stderr).toBe("");
    expect(install.code).toBe(0);
    console.log(`helm install --wait: ${String(Date.now() - started)} ms`);

    const pods = await adaptorPods();
    expect(pods).toHaveLength(1);
    const [pod] = pods as [Pod];
    expect(isReady(pod)).toBe(true);
    expect(pod.spec.nodeName).toBe(NODE_NAME);
    expect(pod.spec.serviceAccountName).toBe("smi-adaptor");
    expect(pod.status.podIP).toMatch(/^198\.18\.250\.\d+$/);
    const [container] = pod.spec.containers;
    expect(container?.image).toBe(`ghcr.io/linkerd-smi-ts/smi-adaptor:${image.version}`);
    expect(container?.readinessProbe?.httpGet).toEqual({
      path: "/ready",
      port: "admin-http",
      scheme: "HTTP",
    });
    expect(container?.livenessProbe?.httpGet).toEqual({
      path: "/live",
      port: "admin-http",
      scheme: "HTTP",
    });
    expect(pod.status.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
  });

  it("converges the seed's backend-split into its ServiceProfile", async () => {
    await applyManifest(admin, parseManifest(readFileSync(backendSplit, "utf8")));
    const profile = await eventually(
      "the backend-svc ServiceProfile",
      async () => {
        const res = await admin.get(
          "/apis/linkerd.io/v1alpha2/namespaces/trafficsplit-sample/serviceprofiles/backend-svc.trafficsplit-sample.svc.cluster.local",
        );
        return res.status === 200 ? (res.body as { spec: unknown }) : undefined;
      },
      60_000,
      200,
    );
    expect(profile.spec).toEqual({
      dstOverrides: [
        { authority: "backend-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
        { authority: "failing-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
      ],
    });
  });

  it("linkerd smi check is green against it", async () => {
    const check = await smi("check");
    expect(check.stdout).toContain("√ SMI extension pods are running");
    expect(check.stdout).toContain(
      "√ TrafficSplits are valid and their ServiceProfiles are in sync",
    );
    expect(check.stdout).toContain("Status check results are √");
    expect(check.code).toBe(0);
  });

  it("with two replicas elects one leader and a PDB, and hands over when the leader's Pod is deleted", async () => {
    const upgrade = await helm(
      "upgrade",
      "linkerd-smi",
      chartDir,
      "--namespace",
      namespace,
      "--reuse-values",
      "--set",
      "adaptor.replicas=2",
      "--wait",
      "--timeout",
      "90s",
    );
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const pdb = expectOk(
      await admin.get(`/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/smi-adaptor`),
      "the PDB",
    ).body as { spec: { minAvailable: number }; status: { currentHealthy: number } };
    expect(pdb.spec.minAvailable).toBe(1);

    const pods = await eventually(
      "two Ready adaptor pods",
      async () => {
        const ready = (await adaptorPods()).filter(isReady);
        return ready.length === 2 ? ready : undefined;
      },
      120_000,
      200,
    );
    // A rolling update: the replicas to 2 adds -leader-elect=true to the template, and the Pod
    // that ran without it is gone.
    for (const p of pods) expect(p.spec.containers[0]?.args).toContain("-leader-elect=true");
    expect((await adaptorPods()).map((p) => p.metadata.name).sort()).toEqual(
      pods.map((p) => p.metadata.name).sort(),
    );
    const names = pods.map((p) => p.metadata.name);
    const leader = await eventually(
      "a leader",
      async () => {
        const holder = await leaseHolder();
        return names.find((n) => holder?.startsWith(`${n}_`) === true);
      },
      60_000,
      200,
    );
    expect(names.filter((n) => n !== leader)).toHaveLength(1);

    const started = Date.now();
    expectOk(
      await admin.delete(`/api/v1/namespaces/${namespace}/pods/${leader}`),
      "delete the leader's pod",
    );
    // The follower, or the Pod the ReplicaSet starts in the deleted one's place, whichever asks
    // first once the leader releases the lease on SIGTERM.
    const next = await eventually(
      "another replica to take the lease",
      async () => {
        const holder = await leaseHolder();
        const live = (await adaptorPods()).map((p) => p.metadata.name);
        const by = live.find((n) => n !== leader && holder?.startsWith(`${n}_`) === true);
        return by;
      },
      90_000,
      200,
    ).catch(async (error: unknown) => {
      const pods = (await adaptorPods()).map(
        (p) => `${p.metadata.name} ready=${String(isReady(p))}`,
      );
      throw new Error(
        `${String(error)}; lease holder ${String(await leaseHolder())}; pods ${pods.join(", ")}`,
      );
    });
    const handover = Date.now() - started;
    console.log(`lease handed from ${leader} to ${next} in ${String(handover)} ms`);
    // Released on SIGTERM, the lease is taken within a retry period (2 s); left to expire, it
    // would take its duration (15 s).
    expect(handover).toBeLessThan(10_000);

    // The new leader writes: a weight change reaches the profile.
    expectOk(
      await admin.request(
        "PATCH",
        "/apis/split.smi-spec.io/v1alpha2/namespaces/trafficsplit-sample/trafficsplits/backend-split",
        {
          body: {
            spec: {
              backends: [
                { service: "backend-svc", weight: 900 },
                { service: "failing-svc", weight: 100 },
              ],
            },
          },
          contentType: "application/merge-patch+json",
        },
      ),
      "reweight the split",
    );
    await eventually(
      "the profile at 900/100",
      async () => {
        const res = await admin.get(
          "/apis/linkerd.io/v1alpha2/namespaces/trafficsplit-sample/serviceprofiles/backend-svc.trafficsplit-sample.svc.cluster.local",
        );
        const spec = (res.body as { spec?: { dstOverrides?: { weight: string }[] } }).spec;
        return spec?.dstOverrides?.map((d) => d.weight).join("/") === "900/100" ? true : undefined;
      },
      60_000,
      200,
    );
  });

  it("upgrades in place from the Go v0.2.7 install's Deployment (a stand-in image in it) with `linkerd smi install`", async () => {
    const uninstall = await helm("uninstall", "linkerd-smi", "--namespace", namespace, "--wait");
    expect(uninstall.code, uninstall.stderr).toBe(0);
    await eventually(
      "the release's pods to be gone",
      async () => ((await adaptorPods()).length === 0 ? true : undefined),
      90_000,
      200,
    );
    // The Go CLI's install, as the CLI's upgrade test has it. Its image cannot be pulled here,
    // so the pause image stands in for the Go adaptor: the shape (names, selector, labels) is
    // what the upgrade has to take over.
    const objects = parseManifest(readFileSync(goInstall, "utf8"))
      .filter((o) => o.kind !== "Namespace")
      .map((o) => {
        if (o.kind !== "Deployment") return o;
        const d = structuredClone(o) as typeof o & {
          spec: { template: { spec: { containers: { image: string }[] } } };
        };
        const [container] = d.spec.template.spec.containers;
        if (container !== undefined) container.image = "localhost/linkerd-smi/pause:r2";
        return d;
      });
    await applyManifest(admin, objects, "kubectl");
    const [goPod] = await eventually(
      "the Go-shaped Pod to be Ready",
      async () => {
        const ready = (await adaptorPods()).filter(isReady);
        return ready.length === 1 ? ready : undefined;
      },
      90_000,
      200,
    );

    const install = await smi("install");
    expect(install.code, install.stderr).toBe(0);
    await applyManifest(admin, parseManifest(install.stdout), "kubectl");
    const [ours] = await eventually(
      "our adaptor's Pod in the Go one's place",
      async () => {
        const pods = await adaptorPods();
        const done =
          pods.length === 1 &&
          pods[0]?.metadata.name !== goPod?.metadata.name &&
          pods[0] !== undefined &&
          isReady(pods[0]);
        return done ? pods : undefined;
      },
      120_000,
      200,
    );
    expect(ours?.spec.containers[0]?.image).toBe(
      `ghcr.io/linkerd-smi-ts/smi-adaptor:${image.version}`,
    );
    const deployment = expectOk(
      await admin.get(`/apis/apps/v1/namespaces/${namespace}/deployments/smi-adaptor`),
      "the Deployment",
    ).body as { spec: { selector: { matchLabels: Record<string, string> } } };
    expect(deployment.spec.selector.matchLabels).toEqual({
      "linkerd.io/extension": "smi",
      component: "smi-adaptor",
    });

    // And it writes: a new weight reaches the profile.
    expectOk(
      await admin.request(
        "PATCH",
        "/apis/split.smi-spec.io/v1alpha2/namespaces/trafficsplit-sample/trafficsplits/backend-split",
        {
          body: {
            spec: {
              backends: [
                { service: "backend-svc", weight: 300 },
                { service: "failing-svc", weight: 700 },
              ],
            },
          },
          contentType: "application/merge-patch+json",
        },
      ),
      "reweight the split",
    );
    await eventually(
      "the profile at 300/700",
      async () => {
        const res = await admin.get(
          "/apis/linkerd.io/v1alpha2/namespaces/trafficsplit-sample/serviceprofiles/backend-svc.trafficsplit-sample.svc.cluster.local",
        );
        const spec = (res.body as { spec?: { dstOverrides?: { weight: string }[] } }).spec;
        return spec?.dstOverrides?.map((d) => d.weight).join("/") === "300/700" ? true : undefined;
      },
      60_000,
      200,
    );
  });
});
