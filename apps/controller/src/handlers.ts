/**
 * Event handlers, one per kind: each maps an informer event to the workqueue keys
 * (`namespace/apex`, see `keys.ts`) of the apexes it may change, and the split handler remembers
 * which split left an apex, so the clean-up Event can name it. They never do work. The sweep is
 * the same mapping over every cached object, for the start and each resync.
 */
import {
  apexOfServiceProfileName,
  isAdaptorRoute,
  managedByAdaptor,
  type HttpRouteGroupObject,
  type Route,
  type ServiceProfile,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import type { Informer, InformerHandlers, KubeObject } from "@linkerd-smi/kube";
import { apexKey, keyOfProfile, keyOfRoute, keyOfSplit, keysOfRoute } from "./keys.js";

/** Splits that left an apex (deleted or retargeted), by the apex's key, until it is reconciled. */
export type Departed = Map<string, TrafficSplitObject>;

type Watched<T extends KubeObject> = Pick<Informer<T>, "addHandlers" | "list">;

/** What the handlers watch and the sweep lists: the informers, or fakes of them in tests. */
interface HandlerSources {
  readonly splits: Watched<TrafficSplitObject>;
  readonly profiles: Watched<ServiceProfile>;
  readonly services: Pick<Informer<KubeObject>, "addHandlers">;
  readonly httpRoutes?: Watched<Route>;
  readonly tcpRoutes?: Watched<Route>;
  readonly routeGroups?: Pick<Informer<HttpRouteGroupObject>, "addHandlers">;
  readonly all: readonly (readonly [string, Pick<Informer<KubeObject>, "onWatchRestart">])[];
}

interface HandlerDeps {
  readonly clusterDomain: string;
  readonly enqueue: (key: string) => void;
  readonly departed: Departed;
  /** Keys whose write was refused for good: retried when a watch restarts (the apiserver came back). */
  readonly parked: () => readonly string[];
}

/** The same handler for adds, updates (the new object) and deletes. */
function onEvery<T>(handle: (obj: T) => void): InformerHandlers<T> {
  return { onAdd: handle, onUpdate: (_old, obj) => handle(obj), onDelete: handle };
}

/** A split's apex; a split that moves to another apex or is deleted leaves the old one. */
function splitHandler({ enqueue, departed }: HandlerDeps): InformerHandlers<TrafficSplitObject> {
  return {
    onAdd: (split) => enqueue(keyOfSplit(split)),
    onUpdate: (old, split) => {
      const before = keyOfSplit(old);
      const after = keyOfSplit(split);
      if (before !== after) {
        departed.set(before, old);
        enqueue(before);
      }
      enqueue(after);
    },
    onDelete: (split) => {
      departed.set(keyOfSplit(split), split);
      enqueue(keyOfSplit(split));
    },
  };
}

/** The apex a profile is named for, in any namespace (a client-side profile shadows routes). */
function profileHandler({ enqueue, clusterDomain }: HandlerDeps): InformerHandlers<ServiceProfile> {
  return onEvery((profile) => {
    const key = keyOfProfile(profile, clusterDomain);
    if (key !== undefined) enqueue(key);
  });
}

/** A Service is an apex (its ports decide the routes) or a backend of one. */
function serviceHandler({ enqueue }: HandlerDeps): InformerHandlers<KubeObject> {
  return onEvery((svc) =>
    enqueue(apexKey(svc.metadata?.namespace ?? "", svc.metadata?.name ?? "")),
  );
}

/** A route's apex label and parent Services, before and after an update. */
function routeHandler({ enqueue }: HandlerDeps): InformerHandlers<Route> {
  const onRoute = (route: Route) => {
    for (const key of keysOfRoute(route)) enqueue(key);
  };
  return {
    onAdd: onRoute,
    onUpdate: (old, route) => {
      onRoute(old);
      onRoute(route);
    },
    onDelete: onRoute,
  };
}

/** The splits in the group's namespace whose matches name it. */
function routeGroupHandler(
  splits: Watched<TrafficSplitObject>,
  { enqueue }: HandlerDeps,
): InformerHandlers<HttpRouteGroupObject> {
  return onEvery((group) => {
    for (const split of splits.list(group.metadata.namespace)) {
      const matches = (split.spec as { matches?: { name?: string }[] } | undefined)?.matches;
      if (Array.isArray(matches) && matches.some((m) => m.name === group.metadata.name))
        enqueue(keyOfSplit(split));
    }
  });
}

/** Registers one handler per kind, and the retry of parked keys when a watch restarts. */
export function registerHandlers(sources: HandlerSources, deps: HandlerDeps): void {
  sources.splits.addHandlers(splitHandler(deps));
  sources.profiles.addHandlers(profileHandler(deps));
  sources.services.addHandlers(serviceHandler(deps));
  sources.httpRoutes?.addHandlers(routeHandler(deps));
  sources.tcpRoutes?.addHandlers(routeHandler(deps));
  sources.routeGroups?.addHandlers(routeGroupHandler(sources.splits, deps));
  for (const [, informer] of sources.all)
    informer.onWatchRestart(() => {
      for (const key of deps.parked()) deps.enqueue(key);
    });
}

/**
 * Every key the start and each resync check, in order: each split's apex; the orphan sweep,
 * apexes whose profile the adaptor manages (the split may be gone or point elsewhere); and those
 * of the routes it wrote (garbage collection removes most of them with their split).
 */
export function sweepKeys(sources: HandlerSources, clusterDomain: string): string[] {
  const keys = sources.splits.list().map(keyOfSplit);
  for (const profile of sources.profiles.list()) {
    const { namespace = "", name = "" } = profile.metadata;
    const apex = apexOfServiceProfileName(name, namespace, clusterDomain);
    if (apex !== undefined && managedByAdaptor(profile)) keys.push(apexKey(namespace, apex));
  }
  for (const route of [
    ...(sources.httpRoutes?.list() ?? []),
    ...(sources.tcpRoutes?.list() ?? []),
  ]) {
    const key = keyOfRoute(route);
    if (key !== undefined && isAdaptorRoute(route)) keys.push(key);
  }
  return keys;
}
