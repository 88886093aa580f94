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
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  applyManifest,
  binaryPaths,
  chartDir,
  containerProcess,
  deleteManifest,
  eventually,
  expectOk,
  importImage,
  KubeHttp,
  NODE_NAME,
  parseManifest,
  StaticServer,
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
const kubectl = (...args: string[]) => run("kubectl", args);
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
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      imageID: string;
      containerID?: string;
    }[];
  };
}

async function adaptorPods(ns = namespace): Promise<Pod[]> {
  const res = expectOk(
    await admin.get(
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent("component=smi-adaptor")}`,
    ),
    "list adaptor pods",
  );
  return (res.body as { items: Pod[] }).items.filter(
    (p) => p.metadata.deletionTimestamp === undefined,
  );
}

const isReady = (p: Pod) =>
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** Waits until exactly `count` adaptor Pods of `ns` are Ready, and returns them. */
function readyAdaptorPods(what: string, count: number, ns = namespace, timeoutMs = 120_000) {
  return eventually(
    what,
    async () => {
      const ready = (await adaptorPods(ns)).filter(isReady);
      return ready.length === count ? ready : undefined;
    },
    timeoutMs,
    200,
  );
}

async function leaseHolder(): Promise<string | undefined> {
  const res = await admin.get(
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/smi-adaptor`,
  );
  if (res.status !== 200) return undefined;
  return (res.body as { spec: { holderIdentity?: string } }).spec.holderIdentity;
}

/** Sets backend-split's weights and waits for the adaptor to write them into the profile. */
async function reweight(backend: number, failing: number): Promise<void> {
  expectOk(
    await admin.request(
      "PATCH",
      "/apis/split.smi-spec.io/v1alpha2/namespaces/trafficsplit-sample/trafficsplits/backend-split",
      {
        body: {
          spec: {
            backends: [
              { service: "backend-svc", weight: backend },
              { service: "failing-svc", weight: failing },
            ],
          },
        },
        contentType: "application/merge-patch+json",
      },
    ),
    "reweight the split",
  );
  const want = `${String(backend)}/${String(failing)}`;
  await eventually(
    `the profile at ${want}`,
    async () => {
      const res = await admin.get(
        "/apis/linkerd.io/v1alpha2/namespaces/trafficsplit-sample/serviceprofiles/backend-svc.trafficsplit-sample.svc.cluster.local",
      );
      const spec = (res.body as { spec?: { dstOverrides?: { weight: string }[] } }).spec;
      return spec?.dstOverrides?.map((d) => d.weight).join("/") === want ? true : undefined;
    },
    60_000,
    200,
  );
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

    // What the kernel says of the adaptor's process, as the kubelet started it from the chart's
    // securityContext and resources: nobody (65534), no capabilities, the 320Mi limit.
    const main = await containerProcess(
      inject("nodeSocket"),
      pod.status.containerStatuses?.[0]?.containerID ?? "",
    );
    expect(main.uids).toEqual([65534, 65534, 65534, 65534]);
    expect(main.gids).toEqual([65534, 65534, 65534, 65534]);
    expect(main.capEff).toBe(0n);
    expect(main.capBnd).toBe(0n);
    expect(main.noNewPrivs).toBe(true);
    expect(main.readOnlyRoot).toBe(true);
    expect(main.memoryLimit).toBe(320 * 1024 * 1024);
  });

  it("converges the seed's backend-split into its ServiceProfile", async () => {
    await applyManifest(admin, parseManifest(readFileSync(backendSplit, "utf8")));
    const profile = await eventually(
      "the backend-svc ServiceProfile",
      async () => {
        const res = await admin.get(
          "/apis/linkerd.io/v1alpha2/namespaces/trafficsplit-sample/serviceprofiles/backend-svc.trafficsplit-sample.svc.cluster.local",
        );
        return res.status === 200
          ? (res.body as { spec: unknown; metadata: { managedFields?: { manager: string }[] } })
          : undefined;
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
    expect(profile.metadata.managedFields?.map((m) => m.manager)).toEqual(["smi-adaptor"]);

    // Its log, as `kubectl logs` reads it through the kubelet: one JSON object per line (the
    // chart's -log-format=json) and nothing else, no Node warning.
    const logs = await kubectl("logs", "-n", namespace, "deployment/smi-adaptor");
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(
      "created serviceprofile/backend-svc.trafficsplit-sample.svc.cluster.local for trafficsplit/backend-split",
    );
    const notJson = logs.stdout
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

    const pods = await readyAdaptorPods("two Ready adaptor pods", 2);
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

    // Its log to the end, through the kubelet, as it stops.
    const leaderLog = kubectl("logs", "--follow", "-n", namespace, `pod/${leader}`);
    await eventually(
      "the leader's log to be followed",
      async () => {
        const r = await kubectl("logs", "-n", namespace, `pod/${leader}`);
        return r.stdout.includes("leader election:") ? true : undefined;
      },
      30_000,
      200,
    );
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

    // The kubelet sends SIGTERM and removes the Pod once its container has exited: an adaptor
    // that ignored the signal would be killed at the end of the 30 s grace period.
    await eventually(
      "the deleted leader's Pod to be gone",
      async () =>
        (await admin.get(`/api/v1/namespaces/${namespace}/pods/${leader}`)).status === 404
          ? true
          : undefined,
      60_000,
      100,
    );
    const gone = Date.now() - started;
    console.log(`the deleted leader's Pod was gone ${String(gone)} ms after the delete`);
    expect(gone).toBeLessThan(20_000);
    const stopped = await leaderLog;
    expect(stopped.stdout).toContain("leader election: released the lease");
    expect(stopped.stdout).toContain('"msg":"stopped"');

    // The new leader writes: a weight change reaches the profile.
    await reweight(900, 100);
  });

  it("when the leader is killed (SIGKILL, no release) another candidate takes the lease once it expires, and says so in its metrics", async () => {
    // The Pod the ReplicaSet started in place of the deleted leader's, Ready too.
    const pods = await readyAdaptorPods("two Ready adaptor pods", 2);
    const holder = await eventually("a lease holder", leaseHolder, 30_000, 200);
    const leader = pods.find((p) => holder.startsWith(`${p.metadata.name}_`));
    expect(leader, holder).toBeDefined();
    const main = await containerProcess(
      inject("nodeSocket"),
      leader?.status.containerStatuses?.[0]?.containerID ?? "",
    );
    const started = Date.now();
    process.kill(main.pid, "SIGKILL");
    const next = await eventually(
      "another holder of the lease",
      async () => {
        const h = await leaseHolder();
        return h !== undefined && h !== holder ? h : undefined;
      },
      60_000,
      100,
    );
    const took = Date.now() - started;
    console.log(`after SIGKILL of ${holder}, ${next} took the lease in ${String(took)} ms`);
    // Nobody released it: it had to expire (a 15 s duration, renewed every 2 s), so not before
    // 10 s; and within a retry period of its expiry.
    expect(took).toBeGreaterThan(10_000);
    expect(took).toBeLessThan(25_000);

    const by = (await adaptorPods()).find((p) => next.startsWith(`${p.metadata.name}_`));
    expect(by?.status.podIP).toBeDefined();
    const metric = await eventually(
      "smi_adaptor_leader 1 on the new leader",
      async () => {
        const text = await (await fetch(`http://${by?.status.podIP ?? ""}:9995/metrics`)).text();
        return /^smi_adaptor_leader 1$/m.test(text) ? true : undefined;
      },
      30_000,
      200,
    );
    expect(metric).toBe(true);
    // The killed container is restarted by the kubelet in its Pod, and is Ready again.
    await eventually(
      "the killed container restarted and Ready",
      async () => {
        const p = (await adaptorPods()).find((q) => q.metadata.name === leader?.metadata.name);
        return p !== undefined &&
          isReady(p) &&
          (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1
          ? true
          : undefined;
      },
      90_000,
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
    const [goPod] = await readyAdaptorPods("the Go-shaped Pod to be Ready", 1, namespace, 90_000);

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
    await reweight(300, 700);
  });
});

describe("the seed's walkthrough on the node: helm repo add, helm install --generate-name", () => {
  let repo: StaticServer | undefined;
  let helmHome: string | undefined;
  afterAll(async () => {
    await repo?.stop();
    if (helmHome !== undefined) rmSync(helmHome, { recursive: true, force: true });
  });
  /** helm with a configuration of its own, so `repo add` touches nothing of the machine's. */
  const seedHelm = (...args: string[]) => {
    if (helmHome === undefined) throw new Error("no helm home yet");
    return run("env", [
      `HELM_CONFIG_HOME=${helmHome}/config`,
      `HELM_CACHE_HOME=${helmHome}/cache`,
      `HELM_DATA_HOME=${helmHome}/data`,
      binaryPaths().helm,
      ...args,
    ]);
  };
  let release = "";

  it("the chart from a chart repository, as the seed installs it, runs its Pod to Ready in the current namespace", async () => {
    // What the previous block left (`linkerd smi install`'s objects, CRDs included: the chart
    // brings its own) goes, so that the release owns every object it renders.
    const left = await smi("install");
    expect(left.code, left.stderr).toBe(0);
    await deleteManifest(admin, parseManifest(left.stdout));
    await eventually(
      "the linkerd-smi namespace and the TrafficSplit CRD to be gone",
      async () =>
        (await admin.get(`/api/v1/namespaces/${namespace}`)).status === 404 &&
        (
          await admin.get(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trafficsplits.split.smi-spec.io",
          )
        ).status === 404
          ? true
          : undefined,
      120_000,
      200,
    );

    helmHome = mkdtempSync(join(tmpdir(), "seed-helm-"));
    const root = join(helmHome, "repo");
    mkdirSync(root);
    const packaged = await helm("package", chartDir, "--destination", root);
    expect(packaged.code, packaged.stderr).toBe(0);
    repo = await StaticServer.start(root);
    const indexed = await helm("repo", "index", root, "--url", repo.url);
    expect(indexed.code, indexed.stderr).toBe(0);

    // The seed's two lines, with the repository's address in place of linkerd.github.io.
    const added = await seedHelm("repo", "add", "l5d-smi", repo.url);
    expect(added.stdout.trim()).toBe(`"l5d-smi" has been added to your repositories`);
    const install = await seedHelm("install", "l5d-smi/linkerd-smi", "--generate-name");
    expect(install.code, install.stderr).toBe(0);
    release = /^NAME: (linkerd-smi-\d+)$/m.exec(install.stdout)?.[1] ?? "";
    expect(release, install.stdout).not.toBe("");
    expect(install.stdout).toMatch(/^NAMESPACE: default$/m);
    expect(repo.requests).toContain("GET /index.yaml");
    const tarball = /saved it to: .*\/(linkerd-smi-[^/]+\.tgz)$/m.exec(packaged.stdout)?.[1];
    expect(tarball, packaged.stdout).toBeDefined();
    expect(repo.requests).toContain(`GET /${tarball ?? ""}`);

    const [pod] = await readyAdaptorPods(
      "the adaptor's Pod in the default namespace to be Ready",
      1,
      "default",
    );
    expect(pod?.spec.containers[0]?.image).toBe(
      `ghcr.io/linkerd-smi-ts/smi-adaptor:${image.version}`,
    );
    // The adaptor labels the namespace it runs in, so that check finds the extension there.
    await eventually(
      "the default namespace labelled linkerd.io/extension=smi",
      async () => {
        const ns = expectOk(await admin.get("/api/v1/namespaces/default"), "get namespace")
          .body as { metadata: { labels?: Record<string, string> } };
        return ns.metadata.labels?.["linkerd.io/extension"] === "smi" ? true : undefined;
      },
      60_000,
      200,
    );
  });

  it("converges the sample, kubectl describe shows the profile's overrides, and check is green", async () => {
    await applyManifest(admin, parseManifest(readFileSync(backendSplit, "utf8")));
    const described = await eventually(
      "kubectl describe serviceprofile to show the split",
      async () => {
        // The profile the previous block's adaptor left (at 300/700) is this one's to rewrite.
        const r = await kubectl("describe", "serviceprofile", "-n", "trafficsplit-sample");
        return r.code === 0 && /Weight:\s+500\s+Authority:/.test(r.stdout) ? r.stdout : undefined;
      },
      60_000,
      200,
    );
    expect(described).toMatch(/^Name:\s+backend-svc\.trafficsplit-sample\.svc\.cluster\.local$/m);
    expect(described.replace(/\s+/g, " ")).toContain(
      "Dst Overrides: Authority: backend-svc.trafficsplit-sample.svc.cluster.local Weight: 500 Authority: failing-svc.trafficsplit-sample.svc.cluster.local Weight: 500",
    );

    const check = await smi("check");
    expect(check.stdout).toContain("√ SMI extension pods are running");
    expect(check.stdout).toContain("Status check results are √");
    expect(check.code, check.stdout).toBe(0);
  });

  it("a Job in the sample's namespace resolves its Services through the node's CoreDNS and completes", async () => {
    const services = ["backend-svc", "failing-svc"];
    const ips = await Promise.all(
      services.map(async (name) => {
        const svc = expectOk(
          await admin.get(`/api/v1/namespaces/trafficsplit-sample/services/${name}`),
          `get service ${name}`,
        ).body as { spec: { clusterIP: string } };
        return svc.spec.clusterIP;
      }),
    );
    // The adaptor's image has node; a short name resolves through the Pod's search path.
    const script = `const dns = require("node:dns").promises;
Promise.all(${JSON.stringify(services)}.map((n) => dns.lookup(n, 4))).then(
  (as) => console.log(as.map((a) => a.address).join(" ")),
  (e) => { console.error(e.message); process.exit(1); });`;
    expectOk(
      await admin.post("/apis/batch/v1/namespaces/trafficsplit-sample/jobs", {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "resolve" },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [
                {
                  name: "resolve",
                  image: `ghcr.io/linkerd-smi-ts/smi-adaptor:${image.version}`,
                  imagePullPolicy: "IfNotPresent",
                  command: ["/usr/local/bin/node", "-e", script],
                },
              ],
            },
          },
        },
      }),
      "create the Job",
    );
    const condition = await eventually(
      "the Job to finish",
      async () => {
        const job = expectOk(
          await admin.get("/apis/batch/v1/namespaces/trafficsplit-sample/jobs/resolve"),
          "get job",
        ).body as { status?: { conditions?: { type: string; status: string }[] } };
        return job.status?.conditions?.find(
          (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
        )?.type;
      },
      90_000,
      200,
    );
    const logs = await kubectl("logs", "-n", "trafficsplit-sample", "job/resolve");
    expect(condition, logs.stdout + logs.stderr).toBe("Complete");
    expect(logs.stdout.trim()).toBe(ips.join(" "));
    expect(ips.every((ip) => ip.startsWith("198.19."))).toBe(true);
  });

  it("helm uninstall removes the release and its Pod", async () => {
    const uninstall = await seedHelm("uninstall", release, "--wait");
    expect(uninstall.code, uninstall.stderr).toBe(0);
    await eventually(
      "the release's Pod to be gone",
      async () => ((await adaptorPods("default")).length === 0 ? true : undefined),
      90_000,
      200,
    );
  });
});
