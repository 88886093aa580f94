import { SERVICE_PROFILE_RESOURCE, type ServiceProfile } from "@linkerd-smi/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyError,
  KubeError,
  ResourceClient,
  ServiceV1,
  type WatchEvent,
} from "../src/index.js";
import {
  client,
  createNamespace,
  deleteNamespace,
  quantitySplit,
  split,
  splits,
  TrafficSplitV1Alpha1,
  type TrafficSplit,
} from "./helpers.js";

const admin = client();
let ns: string;

beforeAll(async () => {
  ns = await createNamespace(admin, "resources");
});

afterAll(async () => {
  await deleteNamespace(admin, ns);
  admin.close();
});

async function failure(promise: Promise<unknown>): Promise<KubeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KubeError);
  return error as KubeError;
}

describe("ResourceClient", () => {
  it("creates, gets and lists with selectors; a missing object is undefined", async () => {
    const ts = splits(admin);
    const created = await ts.create({
      ...split(ns, "crud"),
      metadata: { name: "crud", namespace: ns, labels: { app: "crud" } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await ts.create(split(ns, "other"));
    const got = await ts.get(ns, "crud");
    expect(got?.spec).toEqual({
      service: "crud",
      backends: [
        { service: "crud-v1", weight: 90 },
        { service: "crud-v2", weight: 10 },
      ],
    });
    expect(await ts.get(ns, "does-not-exist")).toBeUndefined();
    const labelled = await ts.list(ns, { labelSelector: "app=crud" });
    expect(labelled.items.map((i) => i.metadata?.name)).toEqual(["crud"]);
    expect(labelled.items[0]?.kind).toBe("TrafficSplit");
    expect(labelled.items[0]?.apiVersion).toBe("split.smi-spec.io/v1alpha2");
    expect(Number(labelled.resourceVersion)).toBeGreaterThan(0);
    const byField = await ts.list(ns, { fieldSelector: "metadata.name=other" });
    expect(byField.items.map((i) => i.metadata?.name)).toEqual(["other"]);
    const all = await ts.list();
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(
      expect.arrayContaining([`${ns}/crud`, `${ns}/other`]),
    );
  });

  it("pages through long lists", async () => {
    const pageNs = await createNamespace(admin, "pages");
    try {
      const ts = splits(admin);
      for (let i = 0; i < 5; i++) await ts.create(split(pageNs, `s${i}`));
      const first = await ts.list(pageNs, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.continue).toBeTypeOf("string");
      const all = await ts.listAll(pageNs, { limit: 2 });
      expect(all.items.map((i) => i.metadata?.name)).toEqual(["s0", "s1", "s2", "s3", "s4"]);
    } finally {
      await deleteNamespace(admin, pageNs);
    }
  });

  it("reads a v1alpha1 split with quantity weights through v1alpha2 unchanged", async () => {
    await new ResourceClient(admin, TrafficSplitV1Alpha1).create(quantitySplit(ns, "quantities"));
    const read = await splits(admin).get(ns, "quantities");
    expect(read?.apiVersion).toBe("split.smi-spec.io/v1alpha2");
    expect(read?.spec?.backends).toEqual([
      { service: "backend-svc", weight: "500m" },
      { service: "failing-svc", weight: "0m" },
    ]);
  });

  it("already-exists, invalid and namespaced-only errors are classified", async () => {
    const ts = splits(admin);
    await ts.create(split(ns, "dup"));
    const dup = await failure(ts.create(split(ns, "dup")));
    expect(dup.kind).toBe("already-exists");
    expect(dup.status).toBe(409);
    expect(dup.message).toMatch(
      /^create trafficsplits\.split\.smi-spec\.io "dup" in namespace ".*": AlreadyExists \(409\)/,
    );
    const invalid = await failure(
      ts.create({
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        metadata: { name: "no-backends", namespace: ns },
        spec: { service: "x" } as NonNullable<TrafficSplit["spec"]>,
      }),
    );
    expect(invalid.kind).toBe("invalid");
    expect(invalid.status).toBe(422);
    expect(invalid.serverMessage).toMatch(/backends/);
    const missingNs = await failure(ts.get(undefined, "x"));
    expect(missingNs.message).toMatch(/namespace is required/);
  });

  it("replace with a stale resourceVersion is a conflict and changes nothing", async () => {
    const ts = splits(admin);
    const v1 = await ts.create(split(ns, "occ"));
    const v2 = await ts.replace({
      ...v1,
      spec: {
        service: "occ",
        backends: [
          { service: "occ-v1", weight: 50 },
          { service: "occ-v2", weight: 50 },
        ],
      },
    });
    expect(v2.metadata?.resourceVersion).not.toBe(v1.metadata?.resourceVersion);
    const stale = await failure(
      ts.replace({ ...v1, spec: { service: "occ", backends: [{ service: "occ-v1", weight: 1 }] } }),
    );
    expect(stale.kind).toBe("conflict");
    expect(classifyError(stale)).toBe("conflict");
    expect(stale.reason).toBe("Conflict");
    expect((await ts.get(ns, "occ"))?.spec?.backends.map((b) => b.weight)).toEqual([50, 50]);
  });

  it("server-side apply: managers own fields, a second manager conflicts, force takes over", async () => {
    const profiles = new ResourceClient(admin, SERVICE_PROFILE_RESOURCE);
    const name = `web.${ns}.svc.cluster.local`;
    const profile = (weights: [number, number]): ServiceProfile => ({
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: { name, namespace: ns },
      spec: {
        dstOverrides: [
          { authority: `web-v1.${ns}.svc.cluster.local:80`, weight: weights[0] },
          { authority: `web-v2.${ns}.svc.cluster.local:80`, weight: weights[1] },
        ],
      },
    });
    const applied = await profiles.apply(profile([900, 100]), { fieldManager: "smi-adaptor" });
    expect(applied.spec.dstOverrides?.map((d) => d.weight)).toEqual([900, 100]);
    // Applying the same again is a no-op.
    const again = await profiles.apply(profile([900, 100]), { fieldManager: "smi-adaptor" });
    expect(again.metadata.resourceVersion).toBe(applied.metadata.resourceVersion);
    const conflict = await failure(
      profiles.apply(profile([100, 900]), { fieldManager: "someone-else" }),
    );
    expect(conflict.kind).toBe("conflict");
    expect(conflict.status).toBe(409);
    expect(conflict.serverMessage).toMatch(/conflict.*smi-adaptor/i);
    const forced = await profiles.apply(profile([100, 900]), {
      fieldManager: "someone-else",
      force: true,
    });
    expect(forced.spec.dstOverrides?.map((d) => d.weight)).toEqual([100, 900]);
    const managers = forced.metadata.managedFields?.map((m) => m.manager);
    expect(managers).toContain("someone-else");
    // dry run validates without persisting
    await profiles.apply(profile([1, 1]), { fieldManager: "someone-else", dryRun: true });
    expect((await profiles.get(ns, name))?.spec.dstOverrides?.map((d) => d.weight)).toEqual([
      100, 900,
    ]);
  });

  it("merge patch changes only what it names", async () => {
    const ts = splits(admin);
    await ts.create({
      ...split(ns, "patched"),
      metadata: { name: "patched", namespace: ns, labels: { keep: "me" } },
    });
    const patched = await ts.mergePatch(ns, "patched", {
      metadata: { annotations: { note: "hi" } },
      spec: { service: "renamed" },
    });
    expect(patched.metadata?.labels).toEqual({ keep: "me" });
    expect(patched.metadata?.annotations).toEqual({ note: "hi" });
    expect(patched.spec?.service).toBe("renamed");
    expect(patched.spec?.backends).toHaveLength(2);
    expect(
      (await failure(ts.mergePatch(ns, "absent", { metadata: { labels: { a: "b" } } }))).kind,
    ).toBe("not-found");
  });

  it("delete honours a uid precondition and reports an absent object", async () => {
    const ts = splits(admin);
    const obj = await ts.create(split(ns, "doomed"));
    const wrong = await failure(
      ts.delete(ns, "doomed", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }),
    );
    expect(wrong.kind).toBe("conflict");
    expect(await ts.get(ns, "doomed")).toBeDefined();
    expect(await ts.delete(ns, "doomed", { preconditions: { uid: obj.metadata?.uid ?? "" } })).toBe(
      true,
    );
    expect(await ts.get(ns, "doomed")).toBeUndefined();
    expect(await ts.delete(ns, "doomed")).toBe(false);
  });

  it("works for core resources too (Services)", async () => {
    const services = new ResourceClient(admin, ServiceV1);
    const svc = await services.create({
      metadata: { name: "web", namespace: ns },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    });
    expect(svc.apiVersion).toBe("v1");
    expect(svc.spec?.clusterIP).toMatch(/^198\.19\./);
    expect((await services.list(ns)).items.map((s) => s.metadata?.name)).toEqual(["web"]);
  });

  it("watch delivers changes in order and ends when its timeout passes", async () => {
    const watchNs = await createNamespace(admin, "watch");
    try {
      const ts = splits(admin);
      const start = await ts.list(watchNs);
      const events: string[] = [];
      let opened = false;
      const began = Date.now();
      const watching = ts.watch(
        watchNs,
        {
          resourceVersion: start.resourceVersion,
          timeoutSeconds: 2,
          onOpen: () => (opened = true),
        },
        (e: WatchEvent<TrafficSplit>) => {
          if (e.type !== "BOOKMARK")
            events.push(
              `${e.type} ${e.object.metadata?.name ?? ""} ${e.object.spec?.backends.length ?? 0}`,
            );
        },
      );
      const created = await ts.create(split(watchNs, "w"));
      await ts.replace({
        ...created,
        spec: { service: "w", backends: [{ service: "w-v1", weight: 1 }] },
      });
      await ts.delete(watchNs, "w");
      await watching;
      expect(opened).toBe(true);
      expect(Date.now() - began).toBeGreaterThanOrEqual(1_500);
      expect(events).toEqual(["ADDED w 2", "MODIFIED w 1", "DELETED w 1"]);
    } finally {
      await deleteNamespace(admin, watchNs);
    }
  });

  it("an aborted watch stops at once with the abort reason", async () => {
    const abort = new AbortController();
    const watching = splits(admin).watch(
      ns,
      {
        timeoutSeconds: 60,
        signal: abort.signal,
        onOpen: () => {
          abort.abort(new Error("stop"));
        },
      },
      () => undefined,
    );
    // Left alone the watch would end normally after 60 s; rejecting with the abort reason
    // shows the abort ended it (the time it took is printed, not asserted).
    const began = performance.now();
    await expect(watching).rejects.toThrow("stop");
    console.log(`aborted watch settled in ${Math.round(performance.now() - began)} ms`);
  });
});
