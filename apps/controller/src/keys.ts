/**
 * The workqueue key, `namespace/apex` (one apex Service, one output), its inverse, and the key
 * of each object the handlers see.
 */
import {
  APEX_LABEL,
  apexOfSplit,
  parseServiceProfileName,
  type Route,
  type ServiceProfile,
  type TrafficSplitObject,
} from "@linkerd-smi/core";

export function apexKey(namespace: string, apex: string): string {
  return `${namespace}/${apex}`;
}

/** The inverse of {@link apexKey}. */
export function parseApexKey(key: string): { namespace: string; apex: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), apex: key.slice(slash + 1) };
}

/** The key of the apex a split targets. */
export function keyOfSplit(split: TrafficSplitObject): string {
  return apexKey(split.metadata.namespace, apexOfSplit(split));
}

/**
 * The key of the apex a profile is named for (`<apex>.<namespace>.svc.<domain>`), whatever
 * namespace the profile is in (client-side profiles live in the clients' namespaces); undefined
 * for another name.
 */
export function keyOfProfile(profile: ServiceProfile, clusterDomain: string): string | undefined {
  const parsed = parseServiceProfileName(profile.metadata.name ?? "", clusterDomain);
  return parsed === undefined ? undefined : apexKey(parsed.namespace, parsed.apex);
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
