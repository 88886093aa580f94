import { SERVICE_PROFILE_RESOURCE } from "@linkerd-smi/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyError,
  Informer,
  isRetryable,
  objectKey,
  ResourceClient,
  splitKey,
  WorkQueue,
  type WorkResult,
} from "../src/index.js";
import {
  client,
  createNamespace,
  deleteNamespace,
  eventually,
  split,
  splits,
  type TrafficSplit,
} from "./helpers.js";

// The README's example, run for real: informer + work queue + server-side apply.
const admin = client();
let ns: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "loop");
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

describe("an informer, a work queue and apply together", () => {
  it("keep a ServiceProfile's dstOverrides in step with a TrafficSplit", async () => {
    const informer = new Informer(splits(admin), { namespace: ns, watchTimeoutSeconds: 60 });
    const profiles = new ResourceClient(admin, SERVICE_PROFILE_RESOURCE);
    const queue = new WorkQueue<string>();
    const enqueue = (s: TrafficSplit): void => {
      queue.add(objectKey(s));
    };
    informer.addHandlers({
      onAdd: enqueue,
      onUpdate: (_old, s) => {
        enqueue(s);
      },
      onDelete: enqueue,
    });
    let reconciles = 0;
    const reconcile = async (key: string): Promise<WorkResult> => {
      reconciles++;
      const { namespace, name } = splitKey(key);
      if (namespace === undefined) return "drop";
      const current = informer.get(namespace, name);
      if (current?.spec === undefined) return "ok";
      try {
        await profiles.apply(
          {
            apiVersion: "linkerd.io/v1alpha2",
            kind: "ServiceProfile",
            metadata: { namespace, name: `${current.spec.service}.${namespace}.svc.cluster.local` },
            spec: {
              dstOverrides: current.spec.backends.map((b) => ({
                authority: `${b.service}.${namespace}.svc.cluster.local:80`,
                weight: b.weight,
              })),
            },
          },
          { fieldManager: "smi-adaptor", force: true },
        );
        return "ok";
      } catch (error) {
        return isRetryable(classifyError(error)) ? "retry" : "drop";
      }
    };

    const stop = new AbortController();
    informer.start();
    expect(await informer.waitForSync(stop.signal)).toBe(true);
    const workers = queue.runWorkers(2, reconcile, { signal: stop.signal });
    try {
      const created = await splits(admin).create(split(ns, "web"));
      const profileName = `web.${ns}.svc.cluster.local`;
      const overrides = async () =>
        (await profiles.get(ns, profileName))?.spec.dstOverrides?.map(
          (d) => `${d.authority.split(".")[0] ?? ""}=${String(d.weight)}`,
        );
      await eventually(async () => {
        expect(await overrides()).toEqual(["web-v1=90", "web-v2=10"]);
      });
      await splits(admin).replace({
        ...created,
        spec: {
          service: "web",
          backends: [
            { service: "web-v1", weight: 0 },
            { service: "web-v2", weight: 100 },
          ],
        },
      });
      await eventually(async () => {
        expect(await overrides()).toEqual(["web-v1=0", "web-v2=100"]);
      });
      expect(reconciles).toBeGreaterThanOrEqual(2);
    } finally {
      stop.abort();
      await workers;
      await informer.stop();
    }
  });
});
