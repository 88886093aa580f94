/**
 * `linkerd smi status` against the shared real kube-apiserver, in namespaces of its own.
 */
import { applyManifest, ControlPlane, KubeHttp, type ManifestObject } from "@linkerd-smi/testenv";
import { parse } from "yaml";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { smi } from "./smi.js";
import { service, serviceProfile, trafficSplit } from "./fixtures.js";

const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const A = "status-sample";
const B = "status-other";

const apply = (objects: unknown[]) => applyManifest(admin, objects as ManifestObject[], "kubectl");
const status = (...args: string[]) => smi(["status", "--kubeconfig", kubeconfig, ...args]);

beforeAll(async () => {
  await apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: A } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: B } },
    // Every backend exists (BackendNotFound has its own test below).
    ...["backend-svc", "failing-svc", "web-v1", "web-v2", "web-v3", "api-v1", "api-v2"].map((n) =>
      service(A, n),
    ),
    ...["cart-v1", "cart-v2", "search-v1"].map((n) => service(B, n)),
    // Linkerd's guide sample, in step.
    trafficSplit(A, "backend-split", "backend-svc", [
      ["backend-svc", 500],
      ["failing-svc", 500],
    ]),
    serviceProfile(A, "backend-svc", [
      ["backend-svc", "500"],
      ["failing-svc", "500"],
    ]),
    // Weights changed, the adaptor has not caught up.
    trafficSplit(A, "canary", "web", [
      ["web-v1", 900],
      ["web-v2", 100],
    ]),
    serviceProfile(A, "web", [
      ["web-v1", "500"],
      ["web-v2", "500"],
    ]),
    // No profile at all yet.
    trafficSplit(A, "fresh", "api", [
      ["api-v1", 1],
      ["api-v2", 3],
    ]),
    // Invalid: a negative weight (the CRD's schema accepts it).
    trafficSplit(B, "broken", "cart", [
      ["cart-v1", 100],
      ["cart-v2", -1],
    ]),
    // Skipped by annotation.
    trafficSplit(B, "hands-off", "search", [["search-v1", 1]]),
    serviceProfile(B, "search", [["search-v1", "7"]], { "smi.linkerd.io/skip": "true" }),
  ]);
  // A second split for web, created after the first: a conflict.
  await new Promise((r) => setTimeout(r, 1100));
  await apply([trafficSplit(A, "zz-late", "web", [["web-v3", 1]])]);
});

describe("linkerd smi status", () => {
  it("prints a table of one namespace's splits, backends one per line, aligned", async () => {
    const res = await status("-n", A, "-o", "wide");
    if (process.env.SHOW_OUTPUT === "1")
      console.log(`${res.stdout}\n${(await status("-A")).stdout}`);
    expect(res.stderr).toBe("");
    // zz-late is in Conflict: scripts can gate on the exit code.
    expect(res.code).toBe(1);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^NAME {3,}APEX {3,}TARGET {3,}BACKENDS {3,}STATE {3,}OUTPUT {3,}REASON$/,
    );
    const column = (header: string) => (lines[0] ?? "").indexOf(header);
    expect(res.stdout).toContain("backend-split");
    const row = lines.findIndex((l) => l.startsWith("backend-split "));
    expect(lines[row]?.slice(column("BACKENDS"))).toMatch(
      /^backend-svc 500 \(50\.0%\) +Synced +backend-svc\.status-sample\.svc\.cluster\.local +ServiceProfile backend-svc\.status-sample\.svc\.cluster\.local has the split's dstOverrides$/,
    );
    expect(lines[row + 1]).toBe(`${" ".repeat(column("BACKENDS"))}failing-svc 500 (50.0%)`);
    const canary = lines.findIndex((l) => l.startsWith("canary "));
    expect(lines[canary]?.slice(column("STATE"))).toMatch(
      /^Pending +web\.status-sample\.svc\.cluster\.local +ServiceProfile web\.status-sample\.svc\.cluster\.local is not in step with the split: weights differ: web-v1 500 instead of 900, web-v2 500 instead of 100$/,
    );
    expect(lines[canary]?.slice(column("BACKENDS"))).toMatch(/^web-v1 900 \(90\.0%\)/);
    expect(lines[canary + 1]?.trim()).toBe("web-v2 100 (10.0%)");
    const fresh = lines.findIndex((l) => l.startsWith("fresh "));
    expect(lines[fresh]).toMatch(
      /api-v1 1 \(25\.0%\) +Pending +api\.status-sample\.svc\.cluster\.local +ServiceProfile api\.status-sample\.svc\.cluster\.local does not exist yet/,
    );
    expect(lines[fresh + 1]?.trim()).toBe("api-v2 3 (75.0%)");
    const late = lines.findIndex((l) => l.startsWith("zz-late "));
    expect(lines[late]?.slice(column("STATE"))).toMatch(
      /^Conflict +web\.status-sample\.svc\.cluster\.local +TrafficSplit canary also splits service web and is older/,
    );
    expect(res.stdout).not.toContain("NAMESPACE");
  });

  it("-A adds the namespace column and shows invalid and skipped splits", async () => {
    const res = await status("-A", "-o", "wide");
    expect(res.code).toBe(1);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^NAMESPACE {3,}NAME {3,}APEX {3,}TARGET {3,}BACKENDS {3,}STATE {3,}OUTPUT {3,}REASON$/,
    );
    const broken = lines.findIndex((l) => l.startsWith(`${B} `) && l.includes("broken"));
    // An invalid split's backends as written, since Linkerd gets no shares from it.
    expect(lines[broken]).toMatch(
      /broken +cart +serviceprofile +cart-v1 100 +Invalid +- +error\[negative-weight\] spec\.backends\[1\]\.weight: /,
    );
    expect(lines[broken + 1]?.trim()).toBe("cart-v2  -1");
    expect(res.stdout).toMatch(
      /hands-off +search +serviceprofile +search-v1 1 \(100\.0%\) +Skipped +search\.status-other\.svc\.cluster\.local +ServiceProfile search\.status-other\.svc\.cluster\.local has the smi\.linkerd\.io\/skip annotation/,
    );
    // Sorted by namespace, then name.
    const namespaces = lines
      .slice(1)
      .flatMap((l) => (/^\S/.test(l) ? [l.split(" ")[0] ?? ""] : []));
    expect(namespaces).toEqual([...namespaces].sort());
    expect(namespaces.indexOf(A)).toBeGreaterThan(namespaces.lastIndexOf(B));
  });

  it("-o json and -o yaml for machines", async () => {
    const json = await status("-n", A, "-o", "json");
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as {
      clusterDomain: string;
      items: Record<string, unknown>[];
    };
    expect(doc.clusterDomain).toBe("cluster.local");
    expect(doc.items.map((i) => i.name)).toEqual(["backend-split", "canary", "fresh", "zz-late"]);
    expect(doc.items[0]).toEqual({
      namespace: A,
      name: "backend-split",
      apex: "backend-svc",
      target: "serviceprofile",
      // Other test files may install an adaptor in this shared cluster (-target serviceprofile).
      targetSource: expect.stringMatching(/^(default|adaptor)$/) as unknown,
      serviceProfile: `backend-svc.${A}.svc.cluster.local`,
      backends: [
        { service: "backend-svc", weight: "500", percent: 50 },
        { service: "failing-svc", weight: "500", percent: 50 },
      ],
      state: "Synced",
      reason: `ServiceProfile backend-svc.${A}.svc.cluster.local has the split's dstOverrides`,
    });
    const yaml = await status("-n", A, "-o", "yaml");
    expect(parse(yaml.stdout)).toEqual(doc);
  });

  it("fits 100 columns by default, takes a split's name, and exits 0 when nothing is Invalid or in Conflict", async () => {
    const all = await status("-A");
    expect(all.code).toBe(1);
    expect(all.stdout.split("\n")[0]).toMatch(
      /^NAMESPACE {3,}NAME {3,}APEX {3,}BACKENDS {3,}STATE$/,
    );
    // Other test files' splits are in the cluster too: measure this file's rows (and the header).
    const ours = all.stdout
      .split("\n")
      .filter(
        (l, i) => i === 0 || l.startsWith(`${A} `) || l.startsWith(`${B} `) || l.startsWith(" "),
      );
    expect(ours.length).toBeGreaterThan(2);
    for (const line of ours) expect(line.length, line).toBeLessThanOrEqual(100);

    const one = await status("-n", A, "backend-split");
    expect(one.code).toBe(0);
    expect(one.stdout.split("\n")).toEqual([
      "NAME            APEX          BACKENDS                  STATE",
      "backend-split   backend-svc   backend-svc 500 (50.0%)   Synced",
      "                              failing-svc 500 (50.0%)",
      "",
    ]);
    expect((await status("-n", B, "hands-off")).code).toBe(0);
    expect((await status("-n", B, "broken")).code).toBe(1);
    expect((await status("-n", A, "zz-late")).code).toBe(1);

    const missing = await status("-n", A, "no-such-split");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: TrafficSplit "no-such-split" not found in namespace ${A}; list them with: linkerd smi status -n ${A}\n`,
    );
  });

  it("shows a backend Service that does not exist beside the state (BackendNotFound)", async () => {
    const ns = "status-missing";
    await apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      service(ns, "shop-v1"),
      trafficSplit(ns, "shop-split", "shop", [
        ["shop-v1", 1],
        ["shop-v2", 1],
      ]),
      serviceProfile(ns, "shop", [
        ["shop-v1", "1"],
        ["shop-v2", "1"],
      ]),
    ]);
    const table = await status("-n", ns);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[1]).toBe(
      "shop-split   shop   shop-v1 1 (50.0%)   Synced, BackendNotFound",
    );
    const json = JSON.parse((await status("-n", ns, "-o", "json")).stdout) as {
      items: { state: string; missingBackends?: string[] }[];
    };
    expect(json.items[0]).toMatchObject({ state: "Synced", missingBackends: ["shop-v2"] });
    const wide = await status("-n", ns, "-o", "wide");
    expect(wide.stdout).toContain("backend Service shop-v2 not found");
  });

  it("--cluster-domain changes the profiles it looks for", async () => {
    const res = await status("-n", A, "--cluster-domain", "example.org", "-o", "json");
    const doc = JSON.parse(res.stdout) as {
      items: { name: string; state: string; reason: string }[];
    };
    expect(doc.items.find((i) => i.name === "backend-split")).toMatchObject({
      state: "Pending",
      reason: `ServiceProfile backend-svc.${A}.svc.example.org does not exist yet (is the smi-adaptor running?)`,
    });
  });

  it("says so when a namespace has no splits", async () => {
    const res = await status("-n", "default");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe("No TrafficSplits found in namespace default.\n");
    expect(JSON.parse((await status("-n", "default", "-o", "json")).stdout)).toEqual({
      clusterDomain: "cluster.local",
      items: [],
    });
  });

  it("exits 1 with advice when the cluster cannot be read", async () => {
    const down = await status("-A", "--api-addr", "https://127.0.0.1:1");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^Error: could not read TrafficSplits in any namespace: .*ECONNREFUSED/,
    );
    expect(down.stderr).toContain(
      "Check that the cluster is reachable and that --kubeconfig, --context and --api-addr point at it.",
    );

    const bare = await ControlPlane.start({ log: () => undefined });
    try {
      const res = await smi(["status", "-A", "--kubeconfig", bare.kubeconfigPath]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        "the TrafficSplit CRD (trafficsplits.split.smi-spec.io) is not installed",
      );
      expect(res.stderr).toContain("linkerd smi install | kubectl apply -f -");
    } finally {
      await bare.stop();
    }
  });

  it("usage errors exit 2", async () => {
    expect((await status("-n", A, "-A")).code).toBe(2);
    expect((await status("-o", "xml")).code).toBe(2);
  });
});
