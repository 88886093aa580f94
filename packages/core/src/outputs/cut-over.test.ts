import { describe, expect, it } from "vitest";
import { decideApex, type ApexDecision } from "../decide.js";
import type { Route, ServiceLike } from "../gateway-types.js";
import { ProxyModel, type ServedWorld } from "../proxy-model.js";
import type { TrafficSplitObject } from "../resources.js";
import type { ServiceProfile } from "../types.js";
import { httpRouteOutput } from "./http-route.js";
import { serviceProfileOutput } from "./service-profile.js";
import { targetedOutput, type TargetedAction, type TargetedWorld } from "./targeted.js";
import { ADAPTOR_APPLY, NS, PROFILE, serviceLike, trafficSplit } from "../../test/fixtures.js";

// Every cut-over sequence the adaptor can produce, driven through the proxy model: the adaptor
// (core's decision, carried out on an in-memory cluster), Linkerd's policy controller (it
// accepts routes when told), and clients whose proxies follow linkerd2-proxy's stack cache.
// Expected shares are written by hand per weight setting, in terms of pods: `web` (the apex)
// and `web-primary` select the same pods, as Flagger's apex and primary do.

const APEX = "web";
const PODS: Record<string, string> = {
  web: "primary",
  "web-primary": "primary",
  "web-canary": "canary",
};

type Weights = "w5050" | "w9010" | "rest";
const WEIGHTS: Record<Weights, [number, number]> = {
  w5050: [500, 500],
  w9010: [900, 100],
  rest: [1000, 0],
};
/** What every client must be served, by pods, hand-written. */
const EXPECTED: Record<Weights, Record<string, number>> = {
  w5050: { primary: 0.5, canary: 0.5 },
  w9010: { primary: 0.9, canary: 0.1 },
  rest: { primary: 1 },
};

const service = (name: string, app: string): ServiceLike =>
  serviceLike([{ name: "http", port: 80, targetPort: 8080, appProtocol: "http" }], {
    name,
    selector: { app },
    clusterIP: null,
  });
const SERVICES: Record<string, ServiceLike> = {
  web: service("web", "web-primary"),
  "web-primary": service("web-primary", "web-primary"),
  "web-canary": service("web-canary", "web-canary"),
};

interface Cluster {
  now: number;
  rv: number;
  split: TrafficSplitObject;
  weights: Weights;
  profile: ServiceProfile | undefined;
  routes: Route[];
}

function iso(ms: number): string {
  return new Date(Date.UTC(2026, 11, 4, 21, 0, 0) + ms).toISOString();
}

function newSplit(target: "serviceprofile" | "httproute", weights: Weights): TrafficSplitObject {
  const [p, c] = WEIGHTS[weights];
  return trafficSplit(
    "web",
    [
      ["web-primary", p],
      ["web-canary", c],
    ],
    { service: APEX, uid: "uid-split", annotations: { "smi.linkerd.io/target": target } },
  );
}

const planner = targetedOutput({
  target: "serviceprofile",
  serviceProfile: serviceProfileOutput(),
  httpRoute: httpRouteOutput(),
});

function world(c: Cluster): TargetedWorld {
  return {
    profile: c.profile,
    routes: {
      namespace: NS,
      apex: APEX,
      service: SERVICES.web,
      routes: c.routes,
      profiles: c.profile === undefined ? [] : [c.profile],
      backendPorts: (n) => SERVICES[n]?.spec?.ports?.map((p) => p.port),
      serviceNamed: (n) => SERVICES[n],
    },
  };
}

function decide(c: Cluster): ApexDecision<TrafficSplitObject, TargetedAction> {
  return decideApex(
    { namespace: NS, apex: APEX, splits: [c.split], existing: world(c), now: iso(c.now) },
    planner,
  );
}

const OWNED = [ADAPTOR_APPLY];

/** Carries an action out as the API server would (server-side apply of what the adaptor owns). */
function carryOut(c: Cluster, action: TargetedAction): void {
  if (action.kind === "none") return;
  const rv = () => String(++c.rv);
  if (action.routes.kind === "sync") {
    for (const r of action.routes.apply) {
      const i = c.routes.findIndex((x) => x.kind === r.kind && x.metadata.name === r.metadata.name);
      const old = c.routes[i];
      const next = {
        ...structuredClone(r),
        metadata: {
          ...structuredClone(r.metadata),
          uid: old?.metadata.uid ?? `uid-${r.metadata.name ?? ""}`,
          resourceVersion: rv(),
          creationTimestamp: old?.metadata.creationTimestamp ?? iso(c.now),
        },
        // The status subresource survives an apply of the spec.
        ...(old?.status === undefined ? {} : { status: old.status }),
      } as Route;
      if (i < 0) c.routes.push(next);
      else c.routes[i] = next;
    }
    for (const d of action.routes.delete)
      c.routes = c.routes.filter((x) => x.metadata.name !== d.name);
  }
  const p =
    action.routes.kind === "sync" && action.routes.profile.kind !== "none"
      ? action.routes.profile
      : action.profile;
  switch (p.kind) {
    case "none":
      return;
    case "apply": {
      const annotations: Record<string, string> = {};
      if (p.previousDstOverrides !== undefined)
        annotations["smi.linkerd.io/previous-dst-overrides"] = p.previousDstOverrides;
      if (p.cutOverState !== undefined)
        annotations["smi.linkerd.io/cut-over-state"] = p.cutOverState;
      c.profile = {
        apiVersion: "linkerd.io/v1alpha2",
        kind: "ServiceProfile",
        metadata: {
          name: p.name,
          namespace: p.namespace,
          uid: c.profile?.metadata.uid ?? "uid-profile",
          resourceVersion: rv(),
          managedFields: OWNED,
          ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
        },
        spec: { dstOverrides: p.dstOverrides.map((d) => ({ ...d })) },
      };
      return;
    }
    case "restore":
    case "delete":
    case "clear":
      // Only the adaptor wrote to this profile: nothing of it is left.
      c.profile = undefined;
      return;
  }
}

/** Reconciles until the adaptor has nothing left to write, as its own writes requeue the apex. */
function reconcile(c: Cluster): ApexDecision<TrafficSplitObject, TargetedAction> {
  for (let i = 0; i < 6; i++) {
    const d = decide(c);
    if (d.action.kind === "none") return d;
    carryOut(c, d.action);
  }
  throw new Error(`the adaptor never settles: ${JSON.stringify(decide(c).action)}`);
}

function acceptRoutes(c: Cluster): void {
  c.routes = c.routes.map((r) => ({
    ...r,
    status: {
      parents: [
        {
          parentRef: { group: "core", kind: "Service", name: APEX, port: 80 },
          controllerName: "linkerd.io/policy-controller",
          conditions: [{ type: "Accepted", status: "True", reason: "Accepted" }],
        },
      ],
    },
  }));
}

function annotate(c: Cluster, key: string, value: string): void {
  c.split = structuredClone(c.split);
  c.split.metadata.annotations = { ...c.split.metadata.annotations, [key]: value };
}

function setWeights(c: Cluster, w: Weights): void {
  c.split = structuredClone(c.split);
  const [p, q] = WEIGHTS[w];
  c.split.spec = {
    service: APEX,
    backends: [
      { service: "web-primary", weight: p },
      { service: "web-canary", weight: q },
    ],
  };
  c.weights = w;
}

/**
 * Clients: one keeps a connection open forever, one reconnects every second (never idle 5 s),
 * one goes quiet during each pause (its stack expires).
 */
interface Clients {
  busy: ProxyModel;
  chatty: ProxyModel;
  idle: ProxyModel;
}

const EVENTS = [
  "toRoutes",
  "toProfile",
  "w5050",
  "w9010",
  "rest",
  "accept",
  "pause",
  "restartAndSay",
  "force",
] as const;
type Event = (typeof EVENTS)[number];

function served(c: Cluster): ServedWorld {
  return { namespace: NS, apex: APEX, port: 80, profile: c.profile, routes: c.routes };
}

function byPods(shares: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [svc, share] of shares) {
    const pods = PODS[svc] ?? svc;
    out[pods] = Math.round(((out[pods] ?? 0) + share) * 1e9) / 1e9;
  }
  return out;
}

function apply(c: Cluster, clients: Clients, e: Event): void {
  switch (e) {
    case "toRoutes":
      annotate(c, "smi.linkerd.io/target", "httproute");
      break;
    case "toProfile":
      annotate(c, "smi.linkerd.io/target", "serviceprofile");
      break;
    case "w5050":
    case "w9010":
    case "rest":
      setWeights(c, e);
      break;
    case "accept":
      acceptRoutes(c);
      break;
    case "pause":
      // The idle client says nothing for 6 s; the chatty one still reconnects every second, so
      // it is never idle 5 s.
      for (let i = 0; i < 6; i++) {
        c.now += 1_000;
        clients.chatty.open(served(c), c.now);
        clients.chatty.close(served(c), c.now);
      }
      break;
    case "restartAndSay":
      // The operator restarts every client workload, then annotates the split.
      clients.busy.restart();
      clients.chatty.restart();
      clients.idle.restart();
      c.now += 1_000;
      annotate(c, "smi.linkerd.io/clients-restarted", iso(c.now));
      break;
    case "force":
      annotate(c, "smi.linkerd.io/cut-over", "force");
      break;
  }
  c.now += 1_000;
}

interface Observation {
  busy: Record<string, number>;
  chatty: Record<string, number>;
  idle: Record<string, number>;
  fresh: Record<string, number>;
  state: string;
  reason: string;
}

function observe(
  c: Cluster,
  clients: Clients,
  d: ApexDecision<TrafficSplitObject, TargetedAction>,
): Observation {
  const w = served(c);
  const busy = byPods(clients.busy.open(w, c.now).shares);
  clients.busy.close(w, c.now); // the connection opened at the start stays open
  const chatty = byPods(clients.chatty.open(w, c.now).shares);
  clients.chatty.close(w, c.now);
  const idle = byPods(clients.idle.open(w, c.now).shares);
  clients.idle.close(w, c.now);
  const fresh = byPods(new ProxyModel().open(w, c.now).shares);
  const status = d.splits[0];
  return { busy, chatty, idle, fresh, state: status?.state ?? "", reason: status?.reason ?? "" };
}

/** A cluster in steady state on `target`, with every client connected. */
function start(target: "serviceprofile" | "httproute"): { c: Cluster; clients: Clients } {
  const c: Cluster = {
    now: 0,
    rv: 1,
    split: newSplit(target, "w5050"),
    weights: "w5050",
    profile: undefined,
    routes: [],
  };
  reconcile(c);
  acceptRoutes(c);
  reconcile(c);
  const clients = { busy: new ProxyModel(), chatty: new ProxyModel(), idle: new ProxyModel() };
  clients.busy.open(served(c), c.now); // never closed
  for (const p of [clients.chatty, clients.idle]) {
    p.open(served(c), c.now);
    p.close(served(c), c.now);
  }
  c.now += 1_000;
  return { c, clients };
}

function step(c: Cluster, clients: Clients, e: Event): Observation {
  apply(c, clients, e);
  const d = reconcile(c);
  // Every event after the pause is a second apart: the idle client's stack expired during it.
  return observe(c, clients, d);
}

describe("the cut-over, hand-written timelines", () => {
  it("to the routes at 50/50: both sides carry the split until it rests; then the profile drains, then goes", () => {
    const { c, clients } = start("serviceprofile");
    const half = { primary: 0.5, canary: 0.5 };
    let o = step(c, clients, "toRoutes");
    expect(o).toMatchObject({
      busy: half,
      chatty: half,
      idle: half,
      fresh: half,
      state: "CutOverPending",
    });
    expect(o.reason).toContain(
      "waiting for Linkerd's policy controller to accept HTTPRoute web-smi-80",
    );
    expect(c.profile?.spec.dstOverrides?.length).toBe(2);
    o = step(c, clients, "accept");
    expect(o).toMatchObject({ busy: half, fresh: half, state: "CutOverPending" });
    expect(o.reason).toContain(
      "waiting for the split to come to rest (web-primary, web-canary share the traffic",
    );
    o = step(c, clients, "w9010");
    expect(o).toMatchObject({
      busy: { primary: 0.9, canary: 0.1 },
      fresh: { primary: 0.9, canary: 0.1 },
      state: "CutOverPending",
    });
    o = step(c, clients, "rest");
    expect(o).toMatchObject({
      busy: { primary: 1 },
      idle: { primary: 1 },
      fresh: { primary: 1 },
      state: "CutOverPending",
    });
    expect(c.profile?.spec.dstOverrides).toEqual([]);
    expect(o.reason).toContain(
      "keep it while they stay busy, and send to web, the same pods as the split",
    );
    // The busy client still holds its profile stack; a new one takes the route.
    expect(clients.busy.cachedPath(served(c), c.now)).toBe("profile");
    expect(new ProxyModel().open(served(c), c.now).path).toBe("policy");
    // A pause: the idle client's stack expires and it takes the route; the chatty one, never
    // idle 5 s, keeps the profile, as the busy one does.
    o = step(c, clients, "pause");
    expect(o).toMatchObject({ busy: { primary: 1 }, chatty: { primary: 1 }, idle: { primary: 1 } });
    expect(clients.idle.cachedPath(served(c), c.now)).toBe("policy");
    expect(clients.chatty.cachedPath(served(c), c.now)).toBe("profile");
    // A canary starts before the clients were restarted: the dstOverrides come back.
    o = step(c, clients, "w5050");
    expect(o).toMatchObject({
      busy: half,
      chatty: half,
      idle: half,
      fresh: half,
      state: "CutOverPending",
    });
    expect(c.profile?.spec.dstOverrides?.length).toBe(2);
    o = step(c, clients, "rest");
    expect(o).toMatchObject({
      busy: { primary: 1 },
      fresh: { primary: 1 },
      state: "CutOverPending",
    });
    expect(c.profile?.spec.dstOverrides).toEqual([]);
    expect(o.reason).toContain(`proxies that chose ServiceProfile ${PROFILE} before`);
    o = step(c, clients, "restartAndSay");
    expect(o).toMatchObject({ busy: { primary: 1 }, fresh: { primary: 1 }, state: "Synced" });
    expect(c.profile).toBeUndefined();
    expect(clients.busy.cachedPath(served(c), c.now)).toBe("policy");
    o = step(c, clients, "w9010");
    expect(o).toMatchObject({ busy: { primary: 0.9, canary: 0.1 }, state: "Synced" });
    expect(c.profile).toBeUndefined();
  });

  it("back to the profile: the routes stay in step until the clients are restarted", () => {
    const { c, clients } = start("httproute");
    expect(c.profile).toBeUndefined();
    let o = step(c, clients, "toProfile");
    expect(o).toMatchObject({
      busy: { primary: 0.5, canary: 0.5 },
      fresh: { primary: 0.5, canary: 0.5 },
      state: "CutOverPending",
    });
    expect(o.reason).toContain("the routes the adaptor wrote stay in step with it");
    expect(c.routes.length).toBe(1);
    expect(clients.busy.cachedPath(served(c), c.now)).toBe("policy");
    expect(new ProxyModel().open(served(c), c.now).path).toBe("profile");
    o = step(c, clients, "w9010");
    expect(o).toMatchObject({
      busy: { primary: 0.9, canary: 0.1 },
      fresh: { primary: 0.9, canary: 0.1 },
    });
    expect(c.routes[0]?.spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([900, 100]);
    o = step(c, clients, "restartAndSay");
    expect(o).toMatchObject({ busy: { primary: 0.9, canary: 0.1 }, state: "Synced" });
    expect(c.routes).toEqual([]);
    expect(c.profile?.metadata.annotations).toBeUndefined();
  });

  it("forced at 90/10: proxies that chose the profile go to the apex alone, and the state says so", () => {
    const { c, clients } = start("serviceprofile");
    step(c, clients, "w9010");
    step(c, clients, "toRoutes");
    step(c, clients, "accept");
    const o = step(c, clients, "force");
    expect(o).toMatchObject({
      busy: { primary: 1 },
      fresh: { primary: 0.9, canary: 0.1 },
      state: "CutOverPending",
    });
    expect(o.reason).toContain(
      "send every request to web (forced; web-primary, web-canary share the traffic)",
    );
  });
});

/** The events that can follow in a sequence, and what is then allowed of the clients. */
function check(c: Cluster, o: Observation, path: readonly Event[]): void {
  const want = EXPECTED[c.weights];
  const forced = c.split.metadata.annotations?.["smi.linkerd.io/cut-over"] === "force";
  for (const who of ["busy", "chatty", "idle", "fresh"] as const) {
    const got = o[who];
    if (JSON.stringify(got) === JSON.stringify(want)) continue;
    // The only way out: forced, and the adaptor says it waits and why.
    const said = o.state === "CutOverPending" && o.reason.includes("forced");
    if (forced && said && JSON.stringify(got) === JSON.stringify({ primary: 1 })) continue;
    throw new Error(
      `after ${path.join(" → ")}: the ${who} client is served ${JSON.stringify(got)} instead of ${JSON.stringify(want)} (state ${o.state}: ${o.reason})`,
    );
  }
}

function explore(
  c: Cluster,
  clients: Clients,
  path: Event[],
  depth: number,
  counter: { sequences: number },
): void {
  if (depth === 0) {
    counter.sequences++;
    return;
  }
  for (const e of EVENTS) {
    const next: Cluster = structuredClone(c);
    const nextClients: Clients = {
      busy: clients.busy.clone(),
      chatty: clients.chatty.clone(),
      idle: clients.idle.clone(),
    };
    const o = step(next, nextClients, e);
    path.push(e);
    check(next, o, path);
    explore(next, nextClients, path, depth - 1, counter);
    path.pop();
  }
}

describe("every cut-over sequence", () => {
  // 9 events, 4 deep from each steady state: 6,561 sequences each, every prefix checked.
  const depth = Number(process.env.CUT_OVER_DEPTH ?? 4);
  for (const from of ["serviceprofile", "httproute"] as const) {
    it(`from ${from}: no client is ever served other weights than the split's, unless forced and said`, () => {
      const { c, clients } = start(from);
      const counter = { sequences: 0 };
      explore(c, clients, [], depth, counter);
      expect(counter.sequences).toBe(9 ** depth);
    }, 600_000);
  }
});
