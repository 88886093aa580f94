/**
 * Event handlers: they only map objects to workqueue keys (`namespace/apex`), and remember which
 * split last decided an apex it left, so the clean-up Event can name it. They never do work.
 */
import {
  APEX_LABEL,
  apexOfServiceProfileName,
  type Route,
  apexOfSplit,
  type ServiceProfile,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import type { Informer } from "@linkerd-smi/kube";
import { apexKey } from "./keys.js";

/** The index of the split informer that finds the splits of an apex: `namespace/apex`. */
export const BY_APEX = "apex";

/** The key of the apex a split targets. */
export function keyOfSplit(split: TrafficSplitObject): string {
  return apexKey(split.metadata.namespace, apexOfSplit(split));
}

/** The key of the apex whose profile this is, if its name has our shape. */
export function keyOfProfile(profile: ServiceProfile, clusterDomain: string): string | undefined {
  const { namespace = "", name = "" } = profile.metadata;
  const apex = apexOfServiceProfileName(name, namespace, clusterDomain);
  return apex === undefined ? undefined : apexKey(namespace, apex);
}

/**
 * The key of the apex a profile is named for, whatever namespace the profile is in:
 * `<apex>.<namespace>.svc.<domain>` (client-side profiles live in the clients' namespaces).
 */
export function keyOfProfileName(name: string, clusterDomain: string): string | undefined {
  const suffix = `.svc.${clusterDomain.replace(/\.$/, "")}`;
  if (!name.endsWith(suffix)) return undefined;
  const [apex, namespace, ...rest] = name.slice(0, -suffix.length).split(".");
  return apex === undefined || namespace === undefined || rest.length > 0 || apex === ""
    ? undefined
    : apexKey(namespace, apex);
}

/** The key of the apex a route the adaptor wrote belongs to (its apex label). */
export function keyOfRoute(route: Route): string | undefined {
  const apex = route.metadata.labels?.[APEX_LABEL];
  return apex === undefined ? undefined : apexKey(route.metadata.namespace ?? "", apex);
}

/** Every apex key a route concerns: its apex label, and the Services it names as parents. */
export function keysOfRoute(route: Route): string[] {
  const ns = route.metadata.namespace ?? "";
  const parents = Array.isArray(route.spec.parentRefs) ? route.spec.parentRefs : [];
  const keys = parents
    .filter((p) => (p as { kind?: string }).kind === "Service")
    .map((p) => apexKey(ns, p.name));
  const own = keyOfRoute(route);
  return [...new Set(own === undefined ? keys : [own, ...keys])];
}

/** Splits that left an apex (deleted or retargeted), by the apex's key, until it is reconciled. */
export type Departed = Map<string, TrafficSplitObject>;

interface HandlerDeps {
  splits: Informer<TrafficSplitObject>;
  profiles: Informer<ServiceProfile>;
  clusterDomain: string;
  enqueue: (key: string) => void;
  departed: Departed;
}

/** Registers the handlers and the by-apex index on the informers. */
export function registerHandlers(deps: HandlerDeps): void {
  const { splits, profiles, enqueue, departed } = deps;
  splits.addIndex(BY_APEX, (split) => [keyOfSplit(split)]);
  splits.addHandlers({
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
  });
  const onProfile = (profile: ServiceProfile) => {
    const key = keyOfProfile(profile, deps.clusterDomain);
    if (key !== undefined) enqueue(key);
  };
  profiles.addHandlers({
    onAdd: onProfile,
    onUpdate: (_old, profile) => onProfile(profile),
    onDelete: onProfile,
  });
}
