import { afterAll, beforeAll, describe, it } from "vitest";
import {
  applySplit,
  createNamespace,
  deleteNamespace,
  fqdn,
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

describe("splits as real clients write them", () => {
  it("Flagger: v1alpha1, string weights, -primary/-canary backends, owned by a Canary", async () => {
    const ns = await createNamespace("flagger", ["podinfo", "podinfo-primary", "podinfo-canary"]);
    namespaces.push(ns);
    const split = (primary: string, canary: string) =>
      splitManifest(
        "podinfo",
        "podinfo",
        [
          ["podinfo-primary", primary],
          ["podinfo-canary", canary],
        ],
        {
          version: "v1alpha1",
          metadata: {
            ownerReferences: [
              {
                apiVersion: "flagger.app/v1beta1",
                kind: "Canary",
                name: "podinfo",
                uid: "0b5d2a6e-6a2e-4a36-9b0b-0b6a3f0c1d11",
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
        },
      );
    await applySplit(ns, split("100", "0"));
    await profileBecomes(ns, fqdn("podinfo", ns), [
      { authority: fqdn("podinfo-primary", ns), weight: "100" },
      { authority: fqdn("podinfo-canary", ns), weight: "0" },
    ]);
    await applySplit(ns, split("90", "10"));
    await profileBecomes(ns, fqdn("podinfo", ns), [
      { authority: fqdn("podinfo-primary", ns), weight: "90" },
      { authority: fqdn("podinfo-canary", ns), weight: "10" },
    ]);
  });

  it("Argo Rollouts: the apex is also the stable backend, three backends", async () => {
    const ns = await createNamespace("argo", [
      "rollouts-demo",
      "rollouts-demo-canary",
      "rollouts-demo-preview",
    ]);
    namespaces.push(ns);
    await applySplit(
      ns,
      splitManifest("rollouts-demo", "rollouts-demo", [
        ["rollouts-demo", 70],
        ["rollouts-demo-canary", 20],
        ["rollouts-demo-preview", 10],
      ]),
    );
    await profileBecomes(ns, fqdn("rollouts-demo", ns), [
      { authority: fqdn("rollouts-demo", ns), weight: "70" },
      { authority: fqdn("rollouts-demo-canary", ns), weight: "20" },
      { authority: fqdn("rollouts-demo-preview", ns), weight: "10" },
    ]);
  });

  it("linkerd-failover: v1alpha2 weights flipping between 1 and 0", async () => {
    const ns = await createNamespace("failover", ["sample-svc", "sample-svc-remote"]);
    namespaces.push(ns);
    const split = (local: number, remote: number) =>
      splitManifest(
        "sample-svc",
        "sample-svc",
        [
          ["sample-svc", local],
          ["sample-svc-remote", remote],
        ],
        { labels: { "app.kubernetes.io/managed-by": "linkerd-failover" } },
      );
    const name = fqdn("sample-svc", ns);
    await applySplit(ns, split(1, 0));
    await profileBecomes(ns, name, [
      { authority: fqdn("sample-svc", ns), weight: "1" },
      { authority: fqdn("sample-svc-remote", ns), weight: "0" },
    ]);
    await applySplit(ns, split(0, 1));
    await profileBecomes(ns, name, [
      { authority: fqdn("sample-svc", ns), weight: "0" },
      { authority: fqdn("sample-svc-remote", ns), weight: "1" },
    ]);
    await applySplit(ns, split(1, 0));
    await profileBecomes(ns, name, [
      { authority: fqdn("sample-svc", ns), weight: "1" },
      { authority: fqdn("sample-svc-remote", ns), weight: "0" },
    ]);
  });
});
