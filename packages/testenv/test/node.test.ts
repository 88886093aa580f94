// The test node, started by this file (root; it waits for the machine's node lock): real Pods
// scheduled, sandboxed by containerd and networked on the guarded bridge; a broken guard takes
// it down; and nothing of it is left on the machine afterwards.
import { execFileSync } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  expectOk,
  leftovers,
  NODE_NAME,
  startEnvironment,
  type KubeHttp,
  type TestEnvironment,
} from "../src/index.js";

let env: TestEnvironment;
let admin: KubeHttp;

beforeAll(async () => {
  env = await startEnvironment({ node: true, log: (m) => console.log(`[node.test] ${m}`) });
  admin = env.plane.admin();
}, 600_000);

afterAll(async () => {
  await env.plane.stop();
});

interface Pod {
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
  };
  spec?: { nodeName?: string };
}

describe("the test node", () => {
  it("registers as a Ready Node at the guarded address, and runs a scheduled Pod on the pod network", async () => {
    const node = expectOk(await admin.get(`/api/v1/nodes/${NODE_NAME}`), "get node").body as {
      status: { addresses: { type: string; address: string }[]; nodeInfo: Record<string, string> };
    };
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "198.18.250.1" });
    expect(node.status.nodeInfo.kubeletVersion).toBe("v1.36.3");
    expect(node.status.nodeInfo.containerRuntimeVersion).toBe("containerd://2.2.9");
    console.log(
      `node Ready in ${((env.plane.node?.figures?.readyMs ?? 0) / 1000).toFixed(1)}s; RSS KiB: ${JSON.stringify(env.plane.node?.memory())}`,
    );

    // The kubernetes Service's endpoint is the apiserver on the node's address, not loopback.
    const endpoints = expectOk(
      await admin.get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes"),
      "kubernetes EndpointSlice",
    ).body as { endpoints: { addresses: string[] }[] };
    expect(endpoints.endpoints[0]?.addresses).toEqual(["198.18.250.1"]);

    await eventually("the default ServiceAccount", async () =>
      (await admin.get("/api/v1/namespaces/default/serviceaccounts/default")).status === 200
        ? true
        : undefined,
    );
    expectOk(
      await admin.post("/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "sleeper" },
        spec: {
          containers: [
            {
              name: "pause",
              image: "localhost/linkerd-smi/pause:r2",
              imagePullPolicy: "IfNotPresent",
              resources: { limits: { memory: "16Mi" } },
            },
          ],
        },
      }),
      "create pod",
    );
    const started = Date.now();
    const pod = await eventually(
      "the pod to be Ready",
      async () => {
        const p = expectOk(await admin.get("/api/v1/namespaces/default/pods/sleeper"), "pod")
          .body as Pod;
        const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
        return ready === true ? p : undefined;
      },
      60_000,
    );
    console.log(`pod Ready ${String(Date.now() - started)} ms after its creation`);
    expect(pod.spec?.nodeName).toBe(NODE_NAME);
    expect(pod.status?.podIP).toMatch(/^198\.18\.250\.(\d+)$/);
    expect(pod.status?.podIP).not.toBe("198.18.250.1");
    // Its veth is on the node's bridge.
    expect(leftovers().links.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("serves cluster names from CoreDNS on the node's address, the Pods' nameserver, and nothing else", async () => {
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers(["198.18.250.1"]);
    // The kubernetes Service's ClusterIP, the first of the Service range.
    expect(await resolver.resolve4("kubernetes.default.svc.cluster.local")).toEqual(["198.19.0.1"]);
    // No forwarding: the catch-all server block has no plugin that answers, so a name outside
    // the cluster fails there (SERVFAIL) and is never looked up elsewhere.
    await expect(resolver.resolve4("example.com")).rejects.toMatchObject({ code: "ESERVFAIL" });
    const pod = expectOk(await admin.get("/api/v1/namespaces/default/pods/sleeper"), "pod")
      .body as { spec?: { dnsPolicy?: string } };
    expect(pod.spec?.dnsPolicy).toBe("ClusterFirst");
  });

  it("is taken down, kubelet and containers, when the guard breaks while it runs", async () => {
    const node = env.plane.node;
    expect(node?.guardFailure).toBeUndefined();
    execFileSync("iptables", ["-w", "-t", "mangle", "-F", "SMI-NODE-GUARD"]);
    const failure = await eventually(
      "the node to notice",
      () => Promise.resolve(node?.guardFailure),
      15_000,
    );
    expect(failure).toContain(
      "test node: the guard broke while the node ran, so it was taken down: SMI-NODE-GUARD lacks the rule",
    );
    await eventually(
      "the node to be gone",
      () =>
        Promise.resolve(leftovers().processes === 0 && leftovers().mounts === 0 ? true : undefined),
      15_000,
    );
    expect(leftovers()).toEqual({ processes: 0, mounts: 0, links: [], chains: [] });
  }, 60_000);

  it("leaves nothing behind once stopped", async () => {
    await env.plane.stop();
    expect(leftovers()).toEqual({ processes: 0, mounts: 0, links: [], chains: [] });
    const routes = execFileSync("ip", ["-4", "route", "show", "type", "blackhole"], {
      encoding: "utf8",
    });
    expect(routes).not.toContain("198.19.0.0/16");
  }, 60_000);
});
