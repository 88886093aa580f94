import type {
  HttpRouteGroupObject,
  Route,
  ServiceProfile,
  TrafficSplitObject,
} from "@linkerd-smi/core";
import type { InformerHandlers, KubeObject, WatchRestartReason } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { registerHandlers, sweepKeys, type Departed } from "./handlers.js";
import { ADAPTOR_APPLY, cachedProfile, cachedRoute, cachedSplit } from "../test/fixtures.js";

// The handlers map informer events to workqueue keys (`namespace/apex`); the keys below are
// written by hand from the adaptor's rules (README, "Architecture"), no apiserver involved.

/** An informer without an apiserver: a list, its handlers, and events delivered to them. */
class FakeInformer<T extends KubeObject> {
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly restartHooks: ((reason: WatchRestartReason, error: unknown) => void)[] = [];
  constructor(private items: T[] = []) {}
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.handlers.push(handlers);
    return () => undefined;
  }
  onWatchRestart(fn: (reason: WatchRestartReason, error: unknown) => void): () => void {
    this.restartHooks.push(fn);
    return () => undefined;
  }
  list(namespace?: string): T[] {
    return this.items.filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }
  add(obj: T): void {
    this.items.push(obj);
    for (const h of this.handlers) h.onAdd?.(obj);
  }
  update(old: T, obj: T): void {
    this.items = [...this.items.filter((o) => o !== old), obj];
    for (const h of this.handlers) h.onUpdate?.(old, obj);
  }
  delete(obj: T): void {
    this.items = this.items.filter((o) => o !== obj);
    for (const h of this.handlers) h.onDelete?.(obj, { finalStateUnknown: false });
  }
  restartWatch(): void {
    for (const hook of this.restartHooks) hook("error", new Error("watch closed"));
  }
}

const split = (
  namespace: string,
  name: string,
  service: string,
  matches?: { kind: string; name: string }[],
) =>
  cachedSplit(namespace, name, service, [[`${service}-v1`, 1]], {
    version: "v1alpha4",
    spec: matches === undefined ? undefined : { matches },
  });

const profile = (namespace: string, name: string, managedByAdaptor = false) =>
  cachedProfile(namespace, name, {
    managedFields: managedByAdaptor ? [ADAPTOR_APPLY] : undefined,
  });

const ADAPTOR_ROUTE = {
  "app.kubernetes.io/managed-by": "smi-adaptor",
  "smi.linkerd.io/apex": "web",
};

function setup(options: { clusterDomain?: string; parked?: string[] } = {}) {
  const splits = new FakeInformer<TrafficSplitObject>();
  const profiles = new FakeInformer<ServiceProfile>();
  const services = new FakeInformer<KubeObject>();
  const httpRoutes = new FakeInformer<Route>();
  const tcpRoutes = new FakeInformer<Route>();
  const routeGroups = new FakeInformer<HttpRouteGroupObject>();
  const sources = {
    splits,
    profiles,
    services,
    httpRoutes,
    tcpRoutes,
    routeGroups,
    all: [
      ["trafficsplits", splits],
      ["serviceprofiles", profiles],
    ] as const,
  };
  const keys: string[] = [];
  const departed: Departed = new Map();
  registerHandlers(sources, {
    clusterDomain: options.clusterDomain ?? "cluster.local",
    enqueue: (key) => keys.push(key),
    departed,
    parked: () => options.parked ?? [],
  });
  return { ...sources, keys, departed };
}

describe("the TrafficSplit handler", () => {
  it("enqueues the apex of an added split", () => {
    const { splits, keys, departed } = setup();
    splits.add(split("shop", "web-split", "web"));
    expect(keys).toEqual(["shop/web"]);
    expect(departed.size).toBe(0);
  });

  it("enqueues both apexes of a split moved to another, and remembers it left the old one", () => {
    const { splits, keys, departed } = setup();
    const before = split("shop", "web-split", "web");
    splits.add(before);
    keys.length = 0;
    splits.update(before, split("shop", "web-split", "api"));
    expect(keys).toEqual(["shop/web", "shop/api"]);
    expect([...departed.keys()]).toEqual(["shop/web"]);
    expect(departed.get("shop/web")).toBe(before);
  });

  it("enqueues the apex once for an update that keeps it, and remembers nothing", () => {
    const { splits, keys, departed } = setup();
    const before = split("shop", "web-split", "web");
    splits.add(before);
    keys.length = 0;
    splits.update(before, split("shop", "web-split", "web"));
    expect(keys).toEqual(["shop/web"]);
    expect(departed.size).toBe(0);
  });

  it("enqueues the apex of a deleted split and remembers the split, for the clean-up Event", () => {
    const { splits, keys, departed } = setup();
    const gone = split("shop", "web-split", "web");
    splits.add(gone);
    keys.length = 0;
    splits.delete(gone);
    expect(keys).toEqual(["shop/web"]);
    expect(departed.get("shop/web")).toBe(gone);
  });
});

describe("the ServiceProfile handler", () => {
  it("enqueues the apex a profile is named for, once per event", () => {
    const { profiles, keys } = setup();
    const p = profile("shop", "web.shop.svc.cluster.local");
    profiles.add(p);
    profiles.update(p, p);
    profiles.delete(p);
    expect(keys).toEqual(["shop/web", "shop/web", "shop/web"]);
  });

  it("enqueues the server's apex for a client-side profile in another namespace", () => {
    const { profiles, keys } = setup();
    profiles.add(profile("clients", "web.shop.svc.cluster.local"));
    expect(keys).toEqual(["shop/web"]);
  });

  it("honours the cluster domain, with or without a trailing dot", () => {
    const dotted = setup({ clusterDomain: "example.org." });
    dotted.profiles.add(profile("shop", "web.shop.svc.example.org"));
    dotted.profiles.add(profile("shop", "web.shop.svc.cluster.local"));
    expect(dotted.keys).toEqual(["shop/web"]);
  });

  it("enqueues nothing for a profile of another shape", () => {
    const { profiles, keys } = setup();
    for (const name of [
      "web",
      "web.shop",
      "a.web.shop.svc.cluster.local",
      "web.shop.svc.other.org",
    ])
      profiles.add(profile("shop", name));
    expect(keys).toEqual([]);
  });
});

describe("the Service, route and route group handlers", () => {
  it("enqueues a Service as an apex key", () => {
    const { services, keys } = setup();
    const svc = { apiVersion: "v1", kind: "Service", metadata: { namespace: "shop", name: "web" } };
    services.add(svc);
    services.update(svc, svc);
    services.delete(svc);
    expect(keys).toEqual(["shop/web", "shop/web", "shop/web"]);
  });

  it("enqueues a route's apex label and every Service parent, before and after an update", () => {
    const { httpRoutes, tcpRoutes, keys } = setup();
    const ours = cachedRoute("shop", "web-smi-80", ["web"], ADAPTOR_ROUTE);
    httpRoutes.add(ours);
    expect(keys).toEqual(["shop/web"]);
    keys.length = 0;
    const theirs = cachedRoute("shop", "mine", ["api", "cart"]);
    tcpRoutes.add(theirs);
    expect(keys).toEqual(["shop/api", "shop/cart"]);
    keys.length = 0;
    tcpRoutes.update(theirs, cachedRoute("shop", "mine", ["pay"]));
    expect(keys).toEqual(["shop/api", "shop/cart", "shop/pay"]);
  });

  it("enqueues the splits in the group's namespace whose matches name the group", () => {
    const { splits, routeGroups, keys } = setup();
    splits.add(split("shop", "by-group", "web", [{ kind: "HTTPRouteGroup", name: "rg" }]));
    splits.add(split("shop", "other-group", "api", [{ kind: "HTTPRouteGroup", name: "other" }]));
    splits.add(split("shop", "no-matches", "cart"));
    splits.add(split("elsewhere", "same-name", "pay", [{ kind: "HTTPRouteGroup", name: "rg" }]));
    keys.length = 0;
    const group = { kind: "HTTPRouteGroup", metadata: { namespace: "shop", name: "rg" } };
    routeGroups.add(group);
    routeGroups.delete(group);
    expect(keys).toEqual(["shop/web", "shop/web"]);
  });
});

describe("watch restarts", () => {
  it("enqueue again the keys parked after a permanent error", () => {
    const { splits, profiles, keys } = setup({ parked: ["shop/web", "pay/api"] });
    splits.restartWatch();
    expect(keys).toEqual(["shop/web", "pay/api"]);
    profiles.restartWatch();
    expect(keys).toEqual(["shop/web", "pay/api", "shop/web", "pay/api"]);
  });
});

describe("sweepKeys", () => {
  it("lists each split's apex, the profiles and the routes the adaptor manages, in that order", () => {
    const sources = setup();
    sources.splits.add(split("shop", "a", "web"));
    sources.splits.add(split("pay", "b", "api"));
    sources.profiles.add(profile("shop", "gone.shop.svc.cluster.local", true));
    // Not the adaptor's: left alone.
    sources.profiles.add(profile("shop", "theirs.shop.svc.cluster.local"));
    // The adaptor writes profiles only in the apex's namespace.
    sources.profiles.add(profile("clients", "web.shop.svc.cluster.local", true));
    sources.httpRoutes.add(
      cachedRoute("cart", "old-smi-80", ["old"], {
        ...ADAPTOR_ROUTE,
        "smi.linkerd.io/apex": "old",
      }),
    );
    sources.tcpRoutes.add(cachedRoute("cart", "mine", ["cart"]));
    expect(sweepKeys(sources, "cluster.local")).toEqual([
      "shop/web",
      "pay/api",
      "shop/gone",
      "cart/old",
    ]);
  });
});
