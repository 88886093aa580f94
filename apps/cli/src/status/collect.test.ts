import { describe, expect, it } from "vitest";
import type { ServiceProfile, TrafficSplitObject as TrafficSplit } from "@linkerd-smi/core";
import { clusterDomainFromArgs, splitStatuses } from "./collect.js";

describe("clusterDomainFromArgs", () => {
  it.each<[string[], string | undefined]>([
    [["-cluster-domain=cluster.local"], "cluster.local"],
    [["-worker-threads=2", "--cluster-domain=example.org"], "example.org"],
    [["-cluster-domain", "example.org"], "example.org"],
    [["--cluster-domain"], undefined],
    [["-log-level=debug"], undefined],
    [[], undefined],
  ])("%j -> %j", (args, domain) => {
    expect(clusterDomainFromArgs(args)).toBe(domain);
  });
});

const split = (
  namespace: string,
  name: string,
  service: string,
  created = "2024-01-01T00:00:00Z",
): TrafficSplit => ({
  metadata: { namespace, name, creationTimestamp: created },
  spec: { service, backends: [{ service: `${service}-v1`, weight: 1 }] },
});

describe("splitStatuses", () => {
  it("judges each split within its namespace and sorts by namespace, then name", () => {
    const profiles: ServiceProfile[] = [
      {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: { namespace: "b", name: "web.b.svc.cluster.local" },
        spec: { dstOverrides: [{ authority: "web-v1.b.svc.cluster.local", weight: "1" }] },
      },
    ];
    const rows = splitStatuses(
      [
        split("b", "web", "web"),
        split("a", "zeta", "web"),
        split("a", "alpha", "web", "2024-02-01T00:00:00Z"),
      ],
      profiles,
    );
    expect(rows.map((r) => [r.namespace, r.name, r.state])).toEqual([
      ["a", "alpha", "Conflict"],
      ["a", "zeta", "Pending"],
      ["b", "web", "Synced"],
    ]);
    expect(rows[2]).toEqual({
      namespace: "b",
      name: "web",
      apex: "web",
      target: "serviceprofile",
      targetSource: "default",
      serviceProfile: "web.b.svc.cluster.local",
      backends: [{ service: "web-v1", weight: "1", percent: 100 }],
      state: "Synced",
      reason: "ServiceProfile web.b.svc.cluster.local has the split's dstOverrides",
    });
  });

  it("looks for profiles under the given cluster domain", () => {
    const rows = splitStatuses([split("b", "web", "web")], [], "example.org");
    expect(rows[0]?.reason).toContain("web.b.svc.example.org does not exist yet");
  });
});
