import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  EventRecorder,
  KubeClient,
  LeaderElector,
  loadKubeConfig,
  ResourceClient,
  ServiceV1,
  type KubeRequest,
} from "../src/index.js";
import { client, createNamespace, deleteNamespace, eventually } from "./helpers.js";

const admin = client();
let ns: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "hook");
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

/** A client whose onRequest hook records `METHOD resource` for every request. */
function recordingClient(): { kube: KubeClient; seen: string[] } {
  const seen: string[] = [];
  const kube = new KubeClient(loadKubeConfig({ kubeconfig: inject("kubeconfig") }), {
    onRequest: (req: KubeRequest) => seen.push(`${req.method} ${req.resource ?? "-"}`),
  });
  return { kube, seen };
}

describe("KubeClientOptions.onRequest", () => {
  it("reports the method and the resource of every ResourceClient request, once each", async () => {
    const { kube, seen } = recordingClient();
    const services = new ResourceClient(kube, ServiceV1);
    const manifest = {
      metadata: { name: "web", namespace: ns },
      spec: { ports: [{ port: 80 }] },
    };
    await services.create(manifest);
    await services.apply(
      { ...manifest, metadata: { ...manifest.metadata, labels: { tier: "front" } } },
      { fieldManager: "hook-test" },
    );
    expect((await services.get(ns, "web"))?.metadata?.labels).toEqual({ tier: "front" });
    await services.mergePatch(ns, "web", { metadata: { annotations: { a: "b" } } });
    expect(await services.delete(ns, "web")).toBe(true);
    expect(await services.get(ns, "web")).toBeUndefined();
    await services.list(ns);
    expect(seen).toEqual([
      "POST services",
      "PATCH services",
      "GET services",
      "PATCH services",
      "DELETE services",
      "GET services",
      "GET services",
    ]);
    kube.close();
  });

  it("reports Events written by the EventRecorder as events", async () => {
    const { kube, seen } = recordingClient();
    const services = new ResourceClient(kube, ServiceV1);
    const svc = await services.create({
      metadata: { name: "about", namespace: ns },
      spec: { ports: [{ port: 80 }] },
    });
    seen.length = 0;
    const recorder = new EventRecorder({ client: kube, component: "hook-test" });
    recorder.event({ ...svc, apiVersion: "v1", kind: "Service" }, "Normal", "Tested", "hello");
    await recorder.flush();
    expect(seen).toEqual(["POST events"]);
    kube.close();
  });

  it("reports the LeaderElector's reads and writes as leases", async () => {
    const { kube, seen } = recordingClient();
    const elector = new LeaderElector({
      client: kube,
      lease: { namespace: ns, name: "hooked" },
      identity: "pod-a",
      leaseDurationSeconds: 3,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.5,
    });
    elector.start();
    await eventually(() => {
      expect(elector.isLeader()).toBe(true);
    });
    await elector.stop();
    // Acquiring a Lease that does not exist yet: a read (404), then a create.
    expect(seen.slice(0, 2)).toEqual(["GET leases", "POST leases"]);
    // Releasing on stop: a read, then a replace that clears the holder.
    expect(seen.slice(-2)).toEqual(["GET leases", "PUT leases"]);
    expect(new Set(seen.map((s) => s.split(" ")[1]))).toEqual(new Set(["leases"]));
    kube.close();
  });
});
