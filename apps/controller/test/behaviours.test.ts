import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  applySplit,
  createNamespace,
  createService,
  deleteNamespace,
  deleteSplit,
  eventAppears,
  eventually,
  fqdn,
  getProfile,
  listEvents,
  paths,
  profileBecomes,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

let adaptor: RunningAdaptor;
const namespaces: string[] = [];
beforeAll(async () => {
  adaptor = await runAdaptor();
});
afterAll(async () => {
  await adaptor.stop();
  await Promise.all(namespaces.map(deleteNamespace));
});

async function namespace(prefix: string, services = ["web", "web-v1", "web-v2"]): Promise<string> {
  const ns = await createNamespace(prefix, services);
  namespaces.push(ns);
  return ns;
}

const split = (
  name: string,
  service: string,
  backends: [string, string | number][],
  version = "v1alpha2",
) => splitManifest(name, service, backends, { version });

async function createProfile(
  ns: string,
  profile: Record<string, unknown>,
  manager = "kubectl-create",
): Promise<void> {
  expectOk(
    await admin.request("POST", `${paths.profiles(ns)}?fieldManager=${manager}`, {
      body: { apiVersion: "linkerd.io/v1alpha2", kind: "ServiceProfile", ...profile },
    }),
    "create profile",
  );
}

describe("an existing ServiceProfile", () => {
  it("keeps routes, retryBudget, opaquePorts, labels and annotations: only dstOverrides is ours", async () => {
    const ns = await namespace("keep");
    const name = fqdn("web", ns);
    const mine = {
      routes: [
        {
          name: "GET /api",
          condition: { method: "GET", pathRegex: "/api" },
          isRetryable: true,
          timeout: "300ms",
        },
      ],
      retryBudget: { retryRatio: 0.2, minRetriesPerSecond: 10, ttl: "10s" },
      opaquePorts: ["3306"],
    };
    await createProfile(ns, {
      metadata: { name, labels: { team: "a" }, annotations: { note: "hand-made" } },
      spec: mine,
    });
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 900],
        ["web-v2", 100],
      ]),
    );
    const profile = await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "900" },
      { authority: fqdn("web-v2", ns), weight: "100" },
    ]);
    expect(profile).not.toBe("absent");
    if (profile === "absent") return;
    expect(profile.spec).toMatchObject(mine);
    expect(profile.metadata.labels).toEqual({ team: "a" });
    expect(profile.metadata.annotations).toEqual({ note: "hand-made" });
    await eventAppears(ns, "web", "Updated");

    // Deleting the split removes only what the adaptor added: the profile stays.
    await deleteSplit(ns, "web");
    const cleaned = await profileBecomes(ns, name, "no-overrides");
    expect(cleaned !== "absent" && cleaned.spec).toMatchObject(mine);
    await eventAppears(ns, "web", "Cleaned", name);
  });

  it("is never written while it carries smi.linkerd.io/skip", async () => {
    const ns = await namespace("skip");
    const name = fqdn("web", ns);
    const pinned = [{ authority: fqdn("web-v1", ns), weight: "1" }];
    await createProfile(ns, {
      metadata: { name, annotations: { "smi.linkerd.io/skip": "true" } },
      spec: { dstOverrides: pinned },
    });
    const before = await getProfile(ns, name);
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 1],
        ["web-v2", 1],
      ]),
    );
    // The Event is written after the adaptor decided: it has reconciled web with the split.
    await eventAppears(ns, "web", "Skipped", "smi.linkerd.io/skip");
    const after = await getProfile(ns, name);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.spec.dstOverrides).toEqual(pinned);
  });

  it("is neither deleted nor cleaned when its split goes while it carries smi.linkerd.io/skip", async () => {
    const ns = await namespace("skipgone");
    const name = fqdn("web", ns);
    const written = [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ];
    // A profile the adaptor wrote, so that removing the split would delete or clean it...
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 1],
        ["web-v2", 1],
      ]),
    );
    await profileBecomes(ns, name, written);
    // ...which its user then pins with the annotation (the dstOverrides stay the adaptor's).
    expectOk(
      await admin.request("PATCH", `${paths.profile(ns, name)}?fieldManager=kubectl-annotate`, {
        body: { metadata: { annotations: { "smi.linkerd.io/skip": "true" } } },
        contentType: "application/merge-patch+json",
      }),
      "annotate profile",
    );
    await eventAppears(ns, "web", "Skipped", "smi.linkerd.io/skip");
    const before = await getProfile(ns, name);
    const skipped = 'smi_adaptor_reconciles_total{result="skipped"}';
    const skippedBefore = await metricOf(skipped);
    const reconcilesBefore = await reconciles();

    await deleteSplit(ns, "web");
    // Barriers before "nothing changed": the adaptor has reconciled since the split went, and
    // has processed a later change (another split's profile written).
    await eventually("a reconcile after the split was deleted", async () =>
      (await reconciles()) > reconcilesBefore ? true : undefined,
    );
    await applySplit(ns, split("later", "web-v1", [["web-v2", 1]]));
    await profileBecomes(ns, fqdn("web-v1", ns), [{ authority: fqdn("web-v2", ns), weight: "1" }]);

    const after = await getProfile(ns, name);
    expect(after?.spec.dstOverrides).toEqual(written);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    // It went the deletion path and stopped there because of the annotation.
    expect(await metricOf(skipped)).toBeGreaterThan(skippedBefore);
    expect(after?.metadata.annotations?.["smi.linkerd.io/skip"]).toBe("true");
  });

  it("takes over dstOverrides another field manager wrote, says whose, and gives them back", async () => {
    const ns = await namespace("takeover");
    const name = fqdn("web", ns);
    const theirs = [{ authority: fqdn("web-v1", ns), weight: "1" }];
    // Written by hand with kubectl apply (client-side): the adaptor never wrote them.
    await createProfile(
      ns,
      { metadata: { name }, spec: { dstOverrides: theirs } },
      "kubectl-client-side-apply",
    );
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 500],
        ["web-v2", 500],
      ]),
    );
    const taken = await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "500" },
      { authority: fqdn("web-v2", ns), weight: "500" },
    ]);
    expect(taken !== "absent" && taken.metadata.annotations).toEqual({
      "smi.linkerd.io/previous-dst-overrides": `{"manager":"kubectl-client-side-apply","dstOverrides":[{"authority":"web-v1.${ns}.svc.cluster.local","weight":"1"}]}`,
    });
    const updated = await eventAppears(ns, "web", "Updated");
    expect(updated.message).toBe(
      `Updated ServiceProfile ${name} dstOverrides to web-v1.${ns}.svc.cluster.local=500, web-v2.${ns}.svc.cluster.local=500 (they were kubectl-client-side-apply's: web-v1.${ns}.svc.cluster.local=1; kept in the annotation smi.linkerd.io/previous-dst-overrides and given back when no TrafficSplit targets service web).`,
    );

    // The split goes: their dstOverrides come back, theirs again, and the annotation goes.
    await deleteSplit(ns, "web");
    const back = await profileBecomes(ns, name, theirs);
    expect(back).not.toBe("absent");
    if (back === "absent") return;
    await eventually("the annotation to go", async () => {
      const p = await getProfile(ns, name);
      return p?.metadata.annotations === undefined ? true : undefined;
    });
    const after = await getProfile(ns, name);
    expect(after?.spec.dstOverrides).toEqual(theirs);
    // The adaptor has let go of everything: only their field manager is left.
    expect(new Set(after?.metadata.managedFields?.map((m) => m.manager))).toEqual(
      new Set(["kubectl-client-side-apply"]),
    );
    const restored = await eventAppears(ns, "web", "Restored");
    expect(restored.message).toBe(
      `Gave the dstOverrides of ServiceProfile ${name} back to kubectl-client-side-apply: no TrafficSplit targets service web any more, so they are web-v1.${ns}.svc.cluster.local=1 again, as before the adaptor took them over.`,
    );
  });

  it("has hand edits of dstOverrides restored, with an Event", async () => {
    const ns = await namespace("restore");
    const name = fqdn("web", ns);
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 500],
        ["web-v2", 500],
      ]),
    );
    const desired = [
      { authority: fqdn("web-v1", ns), weight: "500" },
      { authority: fqdn("web-v2", ns), weight: "500" },
    ];
    await profileBecomes(ns, name, desired);
    expectOk(
      await admin.request("PATCH", `${paths.profile(ns, name)}?fieldManager=kubectl-edit`, {
        body: { spec: { dstOverrides: [{ authority: fqdn("web-v1", ns), weight: "1" }] } },
        contentType: "application/merge-patch+json",
      }),
      "hand edit",
    );
    await profileBecomes(ns, name, desired);
    await eventAppears(ns, "web", "Updated", "restored: kubectl-edit had changed them");
  });
});

describe("TrafficSplit changes", () => {
  it("moves the profile when spec.service changes", async () => {
    const ns = await namespace("rename", ["web", "api", "web-v1", "web-v2"]);
    await applySplit(
      ns,
      split("s", "web", [
        ["web-v1", 1],
        ["web-v2", 3],
      ]),
    );
    await profileBecomes(ns, fqdn("web", ns), [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v2", ns), weight: "3" },
    ]);
    await applySplit(
      ns,
      split("s", "api", [
        ["web-v1", 1],
        ["web-v2", 3],
      ]),
    );
    await profileBecomes(ns, fqdn("api", ns), [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v2", ns), weight: "3" },
    ]);
    await profileBecomes(ns, fqdn("web", ns), "absent");
  });

  it("keeps the last good profile and reports an invalid split", async () => {
    const ns = await namespace("invalid");
    const name = fqdn("web", ns);
    await applySplit(
      ns,
      split(
        "web",
        "web",
        [
          ["web-v1", "900m"],
          ["web-v2", "100m"],
        ],
        "v1alpha1",
      ),
    );
    const good = [
      { authority: fqdn("web-v1", ns), weight: "900m" },
      { authority: fqdn("web-v2", ns), weight: "100m" },
    ];
    await profileBecomes(ns, name, good);
    const before = await getProfile(ns, name);
    await applySplit(
      ns,
      split(
        "web",
        "web",
        [
          ["web-v1", "-1"],
          ["web-v2", "lots"],
        ],
        "v1alpha1",
      ),
    );
    const event = await eventAppears(ns, "web", "InvalidSpec", "spec.backends[0].weight");
    expect(event.type).toBe("Warning");
    expect(event.message).toContain("spec.backends[1].weight");
    expect(event.message).toContain("keeps its last good state");
    const after = await getProfile(ns, name);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(await metricOf('smi_adaptor_reconciles_total{result="invalid"}')).toBeGreaterThan(0);
  });

  it("writes splits whose backend Service is missing, with a warning", async () => {
    const ns = await namespace("missing", ["web", "web-v1"]);
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 1],
        ["web-v3", 1],
      ]),
    );
    await profileBecomes(ns, fqdn("web", ns), [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v3", ns), weight: "1" },
    ]);
    const event = await eventAppears(ns, "web", "BackendNotFound", "web-v3");
    expect(event.type).toBe("Warning");
    expect(event.message).not.toContain("web-v1,");
    await createService(ns, "web-v3");
  });

  it("accepts all-zero weights and says that Linkerd then routes to the apex", async () => {
    const ns = await namespace("zero");
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 0],
        ["web-v2", 0],
      ]),
    );
    await profileBecomes(ns, fqdn("web", ns), [
      { authority: fqdn("web-v1", ns), weight: "0" },
      { authority: fqdn("web-v2", ns), weight: "0" },
    ]);
    const event = await eventAppears(ns, "web", "Created", "All weights are zero");
    expect(event.type).toBe("Normal");
  });

  it("scales weights that would overflow Linkerd's uint32 down proportionally", async () => {
    const ns = await namespace("overflow");
    await applySplit(
      ns,
      split("web", "web", [
        ["web-v1", 900_000],
        ["web-v2", 100_000],
      ]),
    );
    const profile = await eventAppears(ns, "web", "WeightsScaled");
    expect(profile.type).toBe("Warning");
    const written = await getProfile(ns, fqdn("web", ns));
    const milli = (written?.spec.dstOverrides ?? []).map((o) => toMilli(String(o.weight)));
    expect(milli).toHaveLength(2);
    for (const m of milli) expect(m * 10).toBeLessThanOrEqual(2 ** 32 - 1);
    expect((milli[0] ?? 0) / (milli[1] ?? 1)).toBeCloseTo(9, 3);
  });
});

describe("two splits on one apex", () => {
  it("lets the oldest win, warns the other, and hands over when the winner goes", async () => {
    const ns = await namespace("conflict");
    const name = fqdn("web", ns);
    await applySplit(
      ns,
      split("a-first", "web", [
        ["web-v1", 1],
        ["web-v2", 0],
      ]),
    );
    await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("web-v2", ns), weight: "0" },
    ]);
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has one-second resolution
    await applySplit(
      ns,
      split("b-second", "web", [
        ["web-v1", 0],
        ["web-v2", 1],
      ]),
    );
    const warning = await eventAppears(ns, "b-second", "Conflict", "a-first");
    expect(warning.type).toBe("Warning");
    const still = await getProfile(ns, name);
    expect(still?.spec.dstOverrides?.map((o) => o.weight)).toEqual(["1", "0"]);
    await deleteSplit(ns, "a-first");
    await profileBecomes(ns, name, [
      { authority: fqdn("web-v1", ns), weight: "0" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ]);
    expect((await listEvents(ns, "a-first")).some((e) => e.reason === "Conflict")).toBe(false);
  });
});

/** Reconciles so far, whatever their result. */
async function reconciles(): Promise<number> {
  const body = (await adaptor.admin.inject("/metrics")).body;
  return body
    .split("\n")
    .filter((l) => l.startsWith("smi_adaptor_reconciles_total{"))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function metricOf(series: string): Promise<number> {
  const body = (await adaptor.admin.inject("/metrics")).body;
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function toMilli(q: string): number {
  const m = /^(\d+)(m|k|M|G)?$/.exec(q);
  if (m === null) throw new Error(`unexpected quantity ${q}`);
  const scale = { m: 1, "": 1000, k: 1e6, M: 1e9, G: 1e12 }[m[2] ?? ""] ?? Number.NaN;
  return Number(m[1]) * scale;
}
