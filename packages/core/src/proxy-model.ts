/**
 * A model of how a Linkerd proxy (linkerd2-proxy release/v2.366.0, the proxy of Linkerd
 * edge-26.8.3) chooses, per destination, between a ServiceProfile and the policy controller's
 * routes, and which backends it then sends to. The adaptor's cut-over is sequenced from these
 * rules (see `outputs/cut-over.ts`), and a test drives every cut-over sequence through the model.
 *
 * The rules, each from the proxy's code:
 *
 * 1. The choice is made once, when the proxy builds the HTTP stack of a destination:
 *    `HttpSidecar::from` (linkerd/app/outbound/src/sidecar.rs) and
 *    `Http<Logical>::try_from` (linkerd/app/outbound/src/ingress.rs) call
 *    `should_override_policy` (linkerd/app/outbound/src/http/logical/profile.rs), which picks the
 *    profile when `Profile::has_routes_or_targets` (linkerd/service-profiles/src/lib.rs): it has
 *    routes or at least one target. Later profile or policy updates stream into the stack that
 *    was chosen (`http::spawn_routes`); they never switch it.
 * 2. A `dstOverrides` entry of weight 0 is no target (`convert_dst_override` in
 *    linkerd/service-profiles/src/proto.rs returns None for it); Linkerd's destination service
 *    sends `MilliValue() * 10` as the weight (linkerd2 `toDstOverrides`).
 * 3. A profile stack without targets sends everything to the profile's own address, the apex
 *    (`impl From<(Routes, T)> for Params`, profile.rs: `Distribution::first_available` of the
 *    logical address). A policy stack without a route of ours uses the policy controller's
 *    default route, also to the apex.
 * 4. The stack is cached per destination (`push_new_idle_cached` in
 *    linkerd/app/outbound/src/http.rs; the key is `HttpSidecar`'s `orig_dst` and HTTP version,
 *    its `PartialEq`/`Hash`). `IdleCache::evict` (linkerd/idle-cache/src/lib.rs) drops an entry
 *    only once no handle to it is held (no connection uses it) and `idle` has passed since the
 *    last handle was dropped; `idle` is `LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT`, 5 s by
 *    default (`DEFAULT_OUTBOUND_DISCOVERY_IDLE_TIMEOUT`, linkerd/app/src/env.rs). A client that
 *    keeps a connection open, or opens one less than 5 s after the last closed, keeps its stack.
 * 5. A proxy restart empties every cache.
 *
 * What the model leaves out: the delay between an API server write and the proxy's discovery
 * update (one reconcile is taken as one instant), per-request balancing (weights are shares),
 * and the gRPC and opaque stacks (only HTTP routes split there).
 *
 * @packageDocumentation
 */

import { decodeQuantity, isQuantityError, milliValue } from "./quantity.js";
import type { Route } from "./gateway-types.js";
import { routeAcceptance } from "./outputs/route-acceptance.js";
import type { ServiceProfile } from "./types.js";

/** `DEFAULT_OUTBOUND_DISCOVERY_IDLE_TIMEOUT` of linkerd/app/src/env.rs, in milliseconds. */
export const OUTBOUND_DISCOVERY_IDLE_TIMEOUT_MS = 5_000;

/** The stack a proxy built for a destination. */
export type ProxyPath = "profile" | "policy";

/** Each Service's share of the requests (0..1); an empty map means every request fails. */
export type ServedShares = ReadonlyMap<string, number>;

/** What Linkerd's control plane serves for one apex port at an instant. */
export interface ServedWorld {
  readonly namespace: string;
  readonly apex: string;
  readonly port: number;
  /** The ServiceProfile `<apex>.<namespace>.svc.<domain>`; undefined when there is none. */
  readonly profile: ServiceProfile | undefined;
  /** The HTTPRoutes of the namespace, with the status the policy controller wrote. */
  readonly routes: readonly Route[];
}

/** A profile's targets as the proxy holds them: Service name and weight, weight 0 dropped. */
export function profileTargets(
  profile: ServiceProfile | undefined,
): { service: string; weight: number }[] {
  const overrides = (profile?.spec as { dstOverrides?: unknown } | undefined)?.dstOverrides;
  if (!Array.isArray(overrides)) return [];
  return overrides.flatMap((o: { authority?: unknown; weight?: unknown }) => {
    const q = decodeQuantity(o.weight);
    if (isQuantityError(q) || typeof o.authority !== "string") return [];
    // linkerd2 toDstOverrides: MilliValue() * 10 as the proto weight.
    const weight = Number(milliValue(q)) * 10;
    if (weight === 0) return [];
    return [{ service: o.authority.split(".")[0] ?? "", weight }];
  });
}

/** `Profile::has_routes_or_targets`, as `should_override_policy` asks it. */
export function profileOverridesPolicy(profile: ServiceProfile | undefined): boolean {
  if (profile === undefined) return false;
  const routes = (profile.spec as { routes?: unknown } | undefined)?.routes;
  return (Array.isArray(routes) && routes.length > 0) || profileTargets(profile).length > 0;
}

function accepted(route: Route, apex: string, port: number): boolean {
  return routeAcceptance(route, apex, port).accepted === true;
}

function shares(entries: readonly { service: string; weight: number }[]): ServedShares {
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  const out = new Map<string, number>();
  if (total === 0) return out;
  // A backend of weight 0 is never picked.
  for (const e of entries)
    if (e.weight > 0) out.set(e.service, (out.get(e.service) ?? 0) + e.weight / total);
  return out;
}

/** What a stack on `path` sends to, given what the control plane serves now. */
export function servedBy(path: ProxyPath, world: ServedWorld): ServedShares {
  if (path === "profile") {
    const targets = profileTargets(world.profile);
    return targets.length === 0 ? new Map([[world.apex, 1]]) : shares(targets);
  }
  // The policy controller orders a parent's routes by creationTimestamp, then name; the first
  // accepted HTTPRoute for this port whose catch-all rule splits decides.
  const route = world.routes
    .filter((r) => r.kind === "HTTPRoute" && accepted(r, world.apex, world.port))
    .filter((r) => r.spec.parentRefs.some((p) => p.name === world.apex && p.port === world.port))
    .sort((a, b) =>
      (a.metadata.creationTimestamp ?? "") === (b.metadata.creationTimestamp ?? "")
        ? (a.metadata.name ?? "") < (b.metadata.name ?? "")
          ? -1
          : 1
        : (a.metadata.creationTimestamp ?? "") < (b.metadata.creationTimestamp ?? "")
          ? -1
          : 1,
    )[0];
  if (route === undefined) return new Map([[world.apex, 1]]);
  interface Rule {
    matches?: { path?: { type?: string; value?: string } }[];
    backendRefs?: { name: string; weight?: number }[];
  }
  const rules = (route.spec as { rules?: Rule[] }).rules ?? [];
  // The rule every request matches: no matches, or the path prefix `/`.
  const catchAll = rules.find(
    (r) =>
      (r.matches ?? []).length === 0 ||
      (r.matches ?? []).some((m) => m.path?.type === "PathPrefix" && m.path.value === "/"),
  );
  const refs = catchAll?.backendRefs ?? [];
  // Gateway API: a backendRef without weight has weight 1.
  return shares(refs.map((b) => ({ service: b.name, weight: b.weight ?? 1 })));
}

interface CacheEntry {
  readonly path: ProxyPath;
  /** Connections using the entry now. */
  holders: number;
  /** When the last connection using it closed. */
  releasedAt: number;
}

/** One client's proxy: its stack cache for the destinations it talks to. */
export class ProxyModel {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(readonly idleTimeoutMs: number = OUTBOUND_DISCOVERY_IDLE_TIMEOUT_MS) {}

  private key(world: ServedWorld): string {
    return `${world.namespace}/${world.apex}:${String(world.port)}`;
  }

  /** The entry for `world`'s destination, after dropping it if it has been idle long enough. */
  private live(world: ServedWorld, now: number): CacheEntry | undefined {
    const key = this.key(world);
    const entry = this.cache.get(key);
    if (
      entry !== undefined &&
      entry.holders === 0 &&
      now - entry.releasedAt >= this.idleTimeoutMs
    ) {
      this.cache.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Opens a connection to the destination at `now` (building the stack if none is cached) and
   * says which path it uses and what it sends to. The connection stays open until
   * {@link close}.
   */
  open(world: ServedWorld, now: number): { path: ProxyPath; shares: ServedShares } {
    let entry = this.live(world, now);
    if (entry === undefined) {
      entry = {
        path: profileOverridesPolicy(world.profile) ? "profile" : "policy",
        holders: 0,
        releasedAt: now,
      };
      this.cache.set(this.key(world), entry);
    }
    entry.holders++;
    return { path: entry.path, shares: servedBy(entry.path, world) };
  }

  /** Closes one connection to the destination at `now`. */
  close(world: ServedWorld, now: number): void {
    const entry = this.cache.get(this.key(world));
    if (entry === undefined || entry.holders === 0) return;
    entry.holders--;
    if (entry.holders === 0) entry.releasedAt = now;
  }

  /** The path the cached stack holds, if any, without touching it. */
  cachedPath(world: ServedWorld, now: number): ProxyPath | undefined {
    const entry = this.cache.get(this.key(world));
    if (entry === undefined) return undefined;
    if (entry.holders === 0 && now - entry.releasedAt >= this.idleTimeoutMs) return undefined;
    return entry.path;
  }

  /** A copy with the same cache, to explore what happens next along two paths. */
  clone(): ProxyModel {
    const copy = new ProxyModel(this.idleTimeoutMs);
    for (const [key, entry] of this.cache) copy.cache.set(key, { ...entry });
    return copy;
  }

  /** A proxy restart: every cached stack goes. */
  restart(): void {
    this.cache.clear();
  }
}
