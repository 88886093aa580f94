import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  eventAppears,
  eventually,
  fqdn,
  getProfile,
  profileBecomes,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { policyControllerStatus, splitManifest } from "./fixtures.js";

// The cut-over between ServiceProfile and HTTPRoute (issue 27) against the real apiserver: the
// adaptor never lets one side stop carrying the split while a proxy may still use it. No
// Linkerd policy controller runs here, so the test writes the route status as it would
// (`Accepted`, controller linkerd.io/policy-controller). Expected objects are written by hand
// from the rules in core's outputs/cut-over.ts.

const GW = "/apis/gateway.networking.k8s.io";
const namespaces: string[] = [];
const running: RunningAdaptor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});
afterAll(async () => {
  await Promise.all(namespaces.map(deleteNamespace));
});

/** The apex and its primary select the same pods, as Flagger's do; the canary its own. */
async function services(ns: string): Promise<void> {
  for (const [name, app] of [
    ["web", "web-primary"],
    ["web-primary", "web-primary"],
    ["web-canary", "web-canary"],
  ] as const) {
    expectOk(
      await admin.post(`/api/v1/namespaces/${ns}/services`, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name },
        spec: {
          ports: [{ name: "http", port: 8080, targetPort: 8080, appProtocol: "http" }],
          selector: { app },
        },
      }),
      `create service ${ns}/${name}`,
    );
  }
}

const split = (weights: [number, number], annotations: Record<string, string>) =>
  splitManifest(
    "web-split",
    "web",
    [
      ["web-primary", weights[0]],
      ["web-canary", weights[1]],
    ],
    { annotations },
  );

interface StoredRoute {
  metadata: { name: string };
  spec: { rules: { backendRefs: { name: string; weight: number }[] }[] };
}

async function route(ns: string): Promise<StoredRoute | undefined> {
  const res = await admin.get(`${GW}/v1/namespaces/${ns}/httproutes/web-smi-8080`);
  if (res.status === 404) return undefined;
  return expectOk(res, "get the route").body as StoredRoute;
}

function routeWeights(ns: string, expected: [string, number][] | "absent"): Promise<unknown> {
  return eventually(`route web-smi-8080 in ${ns} to be ${JSON.stringify(expected)}`, async () => {
    const r = await route(ns);
    if (expected === "absent") return r === undefined ? "absent" : undefined;
    const got = r?.spec.rules.at(-1)?.backendRefs.map((b) => [b.name, b.weight]);
    return JSON.stringify(got) === JSON.stringify(expected) ? r : undefined;
  });
}

/** Linkerd's policy controller accepts the route. */
async function accept(ns: string): Promise<void> {
  expectOk(
    await admin.apply(
      `${GW}/v1/namespaces/${ns}/httproutes/web-smi-8080/status`,
      policyControllerStatus(ns, [
        ["Accepted", "True", "Accepted"],
        ["ResolvedRefs", "True", "ResolvedRefs"],
      ]),
      "policy-controller",
    ),
    "write the route status",
  );
}

const STATE = "smi.linkerd.io/cut-over-state";

describe("cut-over to httproute", () => {
  it("keeps dstOverrides in step until the route is accepted and the split rests, writes them again when it leaves rest, and drops the profile once the clients were restarted", async () => {
    const ns = await createNamespace("cut-fwd");
    namespaces.push(ns);
    await services(ns);
    running.push(await runAdaptor({ resyncPeriodMs: 0 }));
    const name = fqdn("web", ns);
    const overrides = (p: string, c: string) => [
      { authority: fqdn("web-primary", ns), weight: p },
      { authority: fqdn("web-canary", ns), weight: c },
    ];
    await applySplit(ns, split([5, 5], {}));
    await profileBecomes(ns, name, overrides("5", "5"));

    await applySplit(ns, split([5, 5], { "smi.linkerd.io/target": "httproute" }));
    await routeWeights(ns, [
      ["web-primary", 5],
      ["web-canary", 5],
    ]);
    await eventAppears(
      ns,
      "web-split",
      "CutOverPending",
      "waiting for Linkerd's policy controller to accept HTTPRoute web-smi-8080",
    );
    // A weight change while waiting reaches both sides.
    await applySplit(ns, split([9, 1], { "smi.linkerd.io/target": "httproute" }));
    await routeWeights(ns, [
      ["web-primary", 9],
      ["web-canary", 1],
    ]);
    await profileBecomes(ns, name, overrides("9", "1"));

    await accept(ns);
    await eventAppears(ns, "web-split", "CutOverPending", "waiting for the split to come to rest");
    expect((await getProfile(ns, name))?.spec.dstOverrides).toEqual(overrides("9", "1"));

    // At rest: the primary takes every request and selects the apex's pods.
    await applySplit(ns, split([1, 0], { "smi.linkerd.io/target": "httproute" }));
    const drained = await eventually("the profile to be emptied and marked", async () => {
      const p = await getProfile(ns, name);
      return JSON.stringify(p?.spec.dstOverrides) === "[]" && p?.metadata.annotations?.[STATE]
        ? p
        : undefined;
    });
    const since = (JSON.parse(drained.metadata.annotations?.[STATE] ?? "{}") as { since: string })
      .since;
    expect(JSON.parse(drained.metadata.annotations?.[STATE] ?? "")).toEqual({
      to: "httproute",
      since,
    });
    await eventAppears(ns, "web-split", "CutOver", "the split is at rest");

    // A canary starts before the clients were restarted: the dstOverrides come back.
    await applySplit(ns, split([5, 5], { "smi.linkerd.io/target": "httproute" }));
    await profileBecomes(ns, name, overrides("5", "5"));
    expect((await getProfile(ns, name))?.metadata.annotations?.[STATE]).toBeUndefined();
    await eventAppears(ns, "web-split", "CutOver", "left rest");

    await applySplit(ns, split([1, 0], { "smi.linkerd.io/target": "httproute" }));
    const again = await eventually("the profile emptied again", async () => {
      const p = await getProfile(ns, name);
      return JSON.stringify(p?.spec.dstOverrides) === "[]" && p?.metadata.annotations?.[STATE]
        ? p
        : undefined;
    });
    const since2 = (JSON.parse(again.metadata.annotations?.[STATE] ?? "{}") as { since: string })
      .since;
    // A restart before the profile was emptied again says nothing of the proxies since.
    await applySplit(
      ns,
      split([1, 0], {
        "smi.linkerd.io/target": "httproute",
        "smi.linkerd.io/clients-restarted": new Date(Date.parse(since2) - 60_000).toISOString(),
      }),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await getProfile(ns, name))?.metadata.annotations?.[STATE]).toBeDefined();

    await applySplit(
      ns,
      split([1, 0], {
        "smi.linkerd.io/target": "httproute",
        "smi.linkerd.io/clients-restarted": new Date(Date.parse(since2) + 1_000).toISOString(),
      }),
    );
    await profileBecomes(ns, name, "absent");
    await eventAppears(ns, "web-split", "CutOver", "has moved to its routes");
    expect(await route(ns)).toBeDefined();
  });
});

describe("cut-over back to serviceprofile", () => {
  it("writes the profile first and keeps the route in step until the clients were restarted", async () => {
    const ns = await createNamespace("cut-back");
    namespaces.push(ns);
    await services(ns);
    running.push(await runAdaptor({ resyncPeriodMs: 0, target: "httproute" }));
    const name = fqdn("web", ns);
    await applySplit(ns, split([5, 5], {}));
    await routeWeights(ns, [
      ["web-primary", 5],
      ["web-canary", 5],
    ]);
    await accept(ns);
    expect(await getProfile(ns, name)).toBeUndefined();

    await applySplit(ns, split([5, 5], { "smi.linkerd.io/target": "serviceprofile" }));
    const written = await profileBecomes(ns, name, [
      { authority: fqdn("web-primary", ns), weight: "5" },
      { authority: fqdn("web-canary", ns), weight: "5" },
    ]);
    if (written === "absent") throw new Error("unreachable");
    const state = JSON.parse(written.metadata.annotations?.[STATE] ?? "{}") as {
      to: string;
      since: string;
    };
    expect(state.to).toBe("serviceprofile");
    await eventAppears(
      ns,
      "web-split",
      "CutOverPending",
      "the routes the adaptor wrote stay in step",
    );
    // The route is still there, and follows the split.
    await applySplit(ns, split([9, 1], { "smi.linkerd.io/target": "serviceprofile" }));
    await routeWeights(ns, [
      ["web-primary", 9],
      ["web-canary", 1],
    ]);
    await profileBecomes(ns, name, [
      { authority: fqdn("web-primary", ns), weight: "9" },
      { authority: fqdn("web-canary", ns), weight: "1" },
    ]);

    await applySplit(
      ns,
      split([9, 1], {
        "smi.linkerd.io/target": "serviceprofile",
        "smi.linkerd.io/clients-restarted": new Date(Date.parse(state.since) + 1_000).toISOString(),
      }),
    );
    await routeWeights(ns, "absent");
    await eventually("the cut-over record to go", async () => {
      const p = await getProfile(ns, name);
      return p !== undefined && p.metadata.annotations?.[STATE] === undefined ? p : undefined;
    });
    expect((await getProfile(ns, name))?.spec.dstOverrides).toEqual([
      { authority: fqdn("web-primary", ns), weight: "9" },
      { authority: fqdn("web-canary", ns), weight: "1" },
    ]);
    await eventAppears(ns, "web-split", "CutOver", "has moved back to ServiceProfile");
  });
});
