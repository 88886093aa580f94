import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applySplit,
  createNamespace,
  deleteNamespace,
  deleteSplit,
  eventAppears,
  fqdn,
  getProfile,
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

describe("Linkerd's getting-started guide", () => {
  it("turns the backend-split sample into the ServiceProfile the guide shows", async () => {
    const ns = await createNamespace("trafficsplit-sample", ["backend-svc", "failing-svc"]);
    namespaces.push(ns);
    await applySplit(
      ns,
      splitManifest("backend-split", "backend-svc", [
        ["backend-svc", 500],
        ["failing-svc", 500],
      ]),
    );
    await profileBecomes(ns, fqdn("backend-svc", ns), [
      { authority: fqdn("backend-svc", ns), weight: "500" },
      { authority: fqdn("failing-svc", ns), weight: "500" },
    ]);
    const profile = await getProfile(ns, fqdn("backend-svc", ns));
    expect(profile?.spec).toEqual({
      dstOverrides: [
        { authority: fqdn("backend-svc", ns), weight: "500" },
        { authority: fqdn("failing-svc", ns), weight: "500" },
      ],
    });
    expect(profile?.metadata.managedFields?.map((m) => m.manager)).toEqual(["smi-adaptor"]);
    await eventAppears(
      ns,
      "backend-split",
      "Created",
      `Created ServiceProfile ${fqdn("backend-svc", ns)}`,
    );

    const messages = adaptor.logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        "Using cluster domain: cluster.local",
        "Starting SMI Controller",
        "Waiting for informer caches to sync",
        "Starting workers",
        "Started workers",
        `created serviceprofile/${fqdn("backend-svc", ns)} for trafficsplit/backend-split`,
        // The split, as linkerd-smi v0.2.7 logs it (was the apex key, ns/backend-svc).
        `Successfully synced '${ns}/backend-split'`,
      ]),
    );
    expect(messages.some((m) => m.startsWith("starting admin server on "))).toBe(true);
  });
});

describe("linkerd-smi's own integration scenario", () => {
  it("follows a v1alpha1 split from 500m/0m to 500m/500m to deletion", async () => {
    const ns = await createNamespace("smi-scenario", ["backend-svc", "failing-svc"]);
    namespaces.push(ns);
    const split = (failing: string) =>
      splitManifest(
        "backend-traffic-split",
        "backend-svc",
        [
          ["backend-svc", "500m"],
          ["failing-svc", failing],
        ],
        { version: "v1alpha1" },
      );
    const name = fqdn("backend-svc", ns);
    await applySplit(ns, split("0m"));
    // Go's canonical Quantity form, as linkerd-smi writes it: "0m" is "0".
    await profileBecomes(ns, name, [
      { authority: fqdn("backend-svc", ns), weight: "500m" },
      { authority: fqdn("failing-svc", ns), weight: "0" },
    ]);
    await applySplit(ns, split("500m"));
    await profileBecomes(ns, name, [
      { authority: fqdn("backend-svc", ns), weight: "500m" },
      { authority: fqdn("failing-svc", ns), weight: "500m" },
    ]);
    await eventAppears(ns, "backend-traffic-split", "Updated");
    await deleteSplit(ns, "backend-traffic-split");
    // The adaptor created the profile and nobody else added to it: it goes away
    // (linkerd-smi left an empty profile behind, which shadows HTTPRoutes).
    await profileBecomes(ns, name, "absent");
    await eventAppears(ns, "backend-traffic-split", "Deleted", name);
  });
});
