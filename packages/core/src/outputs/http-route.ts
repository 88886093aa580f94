/**
 * The Gateway API output (`-target httproute`): a valid winner becomes one HTTPRoute per port of
 * the apex Service (a TCPRoute on an opaque port), see {@link translateSplitToRoutes}. The plan
 * also carries the cut-over from the ServiceProfile output:
 *
 * - the ServiceProfile the adaptor wrote for the apex loses its `dstOverrides` (or is deleted if
 *   it holds nothing else), because a proxy uses a profile with routes or non-zero
 *   `dstOverrides` instead of any HTTPRoute for that Service (linkerd2-proxy `profile.rs`,
 *   `should_override_policy`);
 * - any other profile for the apex that still shadows the routes gets a
 *   `ShadowedByServiceProfile` Warning naming it;
 * - client proxies may keep the choice they made until their profile cache entry expires
 *   (linkerd/linkerd2#11032): an Event says so, and what to do.
 *
 * With no split left it deletes the routes the adaptor wrote for the apex, and only those. A
 * route written by someone else is never touched: one with our name blocks that port (Warning
 * `RouteConflict`), one for the same parent is reported (Warning `OtherRoute`, saying which route
 * Linkerd uses for equally specific matches: the older creationTimestamp, then the name).
 *
 * @packageDocumentation
 */

import {
  Reason,
  type OutputPlan,
  type OutputPlanner,
  type PlanContext,
  type Winner,
} from "../decide.js";
import type { Diagnostic } from "../diagnostics.js";
import {
  APEX_LABEL,
  GATEWAY_LIMITS,
  MANAGED_BY_LABEL,
  canonicalJson,
  describeRoute,
  normalizeRouteSpec,
  translateSplitToRoutes,
} from "../gateway.js";
import type { HttpRouteVersion, Route, ServiceLike } from "../gateway-types.js";
import { FIELD_MANAGER, managedByAdaptor } from "../ownership.js";
import { decodeQuantity, isQuantityError } from "../quantity.js";
import { serviceProfileName } from "../translate.js";
import type { ServiceProfile } from "../types.js";
import {
  describeRouteConditions,
  routeAcceptance,
  routeAcceptanceMessage,
} from "./route-acceptance.js";
import { serviceProfileOutput, type ServiceProfileAction } from "./service-profile.js";

/** What exists today around an apex, as the Gateway API output needs it. */
export interface RouteWorld {
  readonly namespace: string;
  readonly apex: string;
  /** The apex Service; undefined when it does not exist. */
  readonly service: ServiceLike | undefined;
  /** The HTTPRoutes and TCPRoutes of the namespace (others are ignored). */
  readonly routes: readonly Route[];
  /** ServiceProfiles named for the apex (`<apex>.<namespace>.svc.<domain>`), in any namespace. */
  readonly profiles?: readonly ServiceProfile[];
  /** HTTPRouteGroups by name in the namespace, as read. */
  readonly routeGroup?: (name: string) => unknown;
  /** The ports a backend Service exposes; undefined when unknown. */
  readonly backendPorts?: (name: string) => readonly number[] | undefined;
  /** A Service of the namespace by name (the cut-over compares backends with the apex). */
  readonly serviceNamed?: (name: string) => ServiceLike | undefined;
  /** Whether TCPRoute v1alpha2 is served; default true. */
  readonly tcpRouteServed?: boolean;
}

/** A route to delete, if it is still the same object at the same version. */
export interface RouteRef {
  readonly apiVersion: string;
  readonly kind: "HTTPRoute" | "TCPRoute";
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

/** What the Gateway API output writes for an apex. */
export type RouteAction =
  | { readonly kind: "none" }
  | {
      readonly kind: "sync";
      readonly namespace: string;
      /** Routes to server-side apply (field manager smi-adaptor), whole. */
      readonly apply: readonly Route[];
      /** Routes the adaptor wrote that are no longer wanted. */
      readonly delete: readonly RouteRef[];
      /** The cut-over: what happens to the ServiceProfile the adaptor wrote for the apex. */
      readonly profile: ServiceProfileAction;
    };

/** Options of {@link httpRouteOutput}. */
export interface HttpRouteOutputOptions {
  /** Default `cluster.local`. */
  readonly clusterDomain?: string;
  /** The HTTPRoute version to write: `v1` (default) or `v1beta1` (Linkerd 2.15-2.17). */
  readonly apiVersion?: HttpRouteVersion;
  /**
   * The cluster's default opaque ports; Linkerd's default when not given. A function is asked
   * at every plan, for an adaptor that follows the cluster's `linkerd-config` as it changes.
   */
  readonly defaultOpaquePorts?: readonly number[] | (() => readonly number[]);
}

/** True when the adaptor wrote this route for `apex` (its labels say so). */
export function isAdaptorRoute(route: Route, apex?: string): boolean {
  const labels = route.metadata.labels ?? {};
  return (
    labels[MANAGED_BY_LABEL] === FIELD_MANAGER &&
    (apex === undefined || labels[APEX_LABEL] === apex)
  );
}

function parentNamesApex(route: Route, apex: string): boolean {
  const parents = (route.spec as { parentRefs?: unknown }).parentRefs;
  return (
    Array.isArray(parents) &&
    parents.some((p: { kind?: string; group?: string; name?: string }) => {
      const group = p.group ?? "";
      return p.kind === "Service" && (group === "" || group === "core") && p.name === apex;
    })
  );
}

/** The ports of `apex` a route's parentRefs name; undefined when one names the Service without a port (all of them). */
function parentPortsOf(route: Route, apex: string): Set<number> | undefined {
  const ports = new Set<number>();
  const parents = (route.spec as { parentRefs?: unknown }).parentRefs;
  for (const p of Array.isArray(parents)
    ? (parents as { kind?: string; group?: string; name?: string; port?: number }[])
    : []) {
    const group = p.group ?? "";
    if (p.kind !== "Service" || (group !== "" && group !== "core") || p.name !== apex) continue;
    if (typeof p.port !== "number") return undefined;
    ports.add(p.port);
  }
  return ports;
}

/**
 * For each route the adaptor wants of `other`'s kind on a port `other` also routes, which of the
 * two Linkerd uses for equally specific matches: Linkerd's policy controller orders the routes of
 * one parent by creationTimestamp, then by name. A route not created yet will be the newer one.
 * Nothing is said when a creationTimestamp is unknown.
 */
function tiesWith(
  other: Route,
  apex: string,
  desired: readonly Route[],
  existing: readonly Route[],
): string[] {
  const theirName = other.metadata.name ?? "";
  const ports = parentPortsOf(other, apex);
  const theirTime = other.metadata.creationTimestamp;
  const out: string[] = [];
  for (const route of desired) {
    const name = route.metadata.name ?? "";
    const port = route.spec.parentRefs[0]?.port;
    if (route.kind !== other.kind || name === theirName || port === undefined) continue;
    if (ports !== undefined && !ports.has(port)) continue;
    const ours = existing.find(
      (r) => r.kind === route.kind && r.metadata.name === name && isAdaptorRoute(r),
    );
    const where = `on port ${port}`;
    if (ours === undefined) {
      out.push(
        `${where} ${theirName} wins over ${name}, which the smi-adaptor has yet to create and which will be newer`,
      );
      continue;
    }
    const ourTime = ours.metadata.creationTimestamp;
    const t = theirTime === undefined ? NaN : Date.parse(theirTime);
    const o = ourTime === undefined ? NaN : Date.parse(ourTime);
    if (Number.isNaN(t) || Number.isNaN(o)) continue;
    if (t !== o) {
      const [first, second] = t < o ? [theirName, name] : [name, theirName];
      const [early, late] = t < o ? [theirTime, ourTime] : [ourTime, theirTime];
      out.push(
        `${where} ${first} wins over ${second} (created ${early ?? ""}, before ${late ?? ""})`,
      );
    } else {
      const [first, second] = theirName < name ? [theirName, name] : [name, theirName];
      out.push(
        `${where} ${first} wins over ${second} (both created ${theirTime ?? ""}; ${first} sorts first by name)`,
      );
    }
  }
  return out;
}

function sameRoute(existing: Route, desired: Route): boolean {
  const labels = existing.metadata.labels ?? {};
  const wantLabels = desired.metadata.labels ?? {};
  const annotations = existing.metadata.annotations ?? {};
  const wantAnnotations = desired.metadata.annotations ?? {};
  const owners = existing.metadata.ownerReferences ?? [];
  const wantOwners = desired.metadata.ownerReferences ?? [];
  return (
    existing.apiVersion === desired.apiVersion &&
    Object.entries(wantLabels).every(([k, v]) => labels[k] === v) &&
    Object.entries(wantAnnotations).every(([k, v]) => annotations[k] === v) &&
    wantOwners.every((o) => owners.some((x) => x.uid === o.uid && x.controller === o.controller)) &&
    canonicalJson(normalizeRouteSpec(existing.kind, existing.spec)) ===
      canonicalJson(normalizeRouteSpec(desired.kind, desired.spec))
  );
}

function refOf(route: Route): RouteRef {
  const { namespace = "", name = "", uid = "", resourceVersion = "" } = route.metadata;
  return { apiVersion: route.apiVersion, kind: route.kind, namespace, name, uid, resourceVersion };
}

/** A weight Linkerd would use: a quantity that is not zero. Unreadable weights count, to be safe. */
function nonZeroWeight(weight: unknown): boolean {
  const q = decodeQuantity(weight);
  return isQuantityError(q) || q.nanos !== 0n;
}

/**
 * Why a ServiceProfile makes proxies ignore HTTPRoutes for its Service, or undefined when it does
 * not: it has `routes`, or a `dstOverrides` entry with a non-zero weight.
 */
export function shadowingOf(
  profile: ServiceProfile,
  ignoreDstOverrides = false,
): string | undefined {
  const spec = (profile.spec as ServiceProfile["spec"] | undefined) ?? {};
  const reasons: string[] = [];
  if (Array.isArray(spec.routes) && spec.routes.length > 0) reasons.push("routes");
  if (
    !ignoreDstOverrides &&
    Array.isArray(spec.dstOverrides) &&
    spec.dstOverrides.some((d) => nonZeroWeight(d.weight))
  )
    reasons.push("non-zero dstOverrides");
  return reasons.length === 0 ? undefined : reasons.join(" and ");
}

const CACHE_ADVICE =
  "Client proxies that already resolved the service may keep using what they chose before until their cache entry expires (linkerd/linkerd2#11032); restart the client workloads (kubectl rollout restart) to make them switch now.";

/** What the cut-over does to the profile the adaptor wrote, for the CutOver Event. */
function cutOverOfProfile(action: ServiceProfileAction): string {
  switch (action.kind) {
    case "delete":
      return "the profile the adaptor created is deleted";
    case "restore":
      return action.dstOverrides === undefined
        ? "the dstOverrides someone wrote since are kept"
        : `the dstOverrides the adaptor had taken over are given back to ${action.manager} (if any of them is non-zero, proxies keep using the profile: remove them to let the routes decide)`;
    default:
      return "the dstOverrides the adaptor wrote are removed";
  }
}

/** The Gateway API output, for {@link decideApex}. */
export function httpRouteOutput(
  options: HttpRouteOutputOptions = {},
): OutputPlanner<RouteWorld, RouteAction> {
  const { clusterDomain } = options;
  const profiles = serviceProfileOutput(clusterDomain === undefined ? {} : { clusterDomain });
  const profileName = (namespace: string, apex: string) =>
    serviceProfileName(apex, namespace, clusterDomain);

  const plan = (
    winner: Winner<unknown>,
    world: RouteWorld | undefined,
    context: PlanContext = {},
  ): OutputPlan<RouteAction> => {
    const { namespace, parsed } = winner;
    const apex = parsed.service;
    const existing = world?.routes ?? [];
    const raw = winner.split as {
      apiVersion?: string;
      metadata?: { name?: string; uid?: string };
    };
    const translation = translateSplitToRoutes({
      split: parsed,
      namespace,
      service: world?.service,
      ...(world?.routeGroup === undefined ? {} : { routeGroup: world.routeGroup }),
      ...(world?.backendPorts === undefined ? {} : { backendPorts: world.backendPorts }),
      ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
      ...(world?.tcpRouteServed === undefined ? {} : { tcpRouteServed: world.tcpRouteServed }),
      ...(options.defaultOpaquePorts === undefined
        ? {}
        : {
            defaultOpaquePorts:
              typeof options.defaultOpaquePorts === "function"
                ? options.defaultOpaquePorts()
                : options.defaultOpaquePorts,
          }),
      style: "adaptor",
      owner: {
        apiVersion: raw.apiVersion ?? parsed.apiVersion,
        name: raw.metadata?.name ?? parsed.name ?? "",
        uid: raw.metadata?.uid ?? "",
      },
    });
    if (!translation.ok) {
      const why = translation.problems.join("; ");
      return {
        action: { kind: "none" },
        result: "invalid",
        events: [
          {
            type: "Warning",
            reason: Reason.RoutesBlocked,
            message: `${why}. The routes of service ${apex} keep their last good state.`,
          },
        ],
        state: { state: "Pending", reason: why },
      };
    }

    const events: {
      type: "Normal" | "Warning";
      reason: Reason;
      message: string;
      settle?: string;
    }[] = [...translation.notes];
    const apply: Route[] = [];
    const pendingWhy: string[] = [];
    // Every route exists, is ours and is accepted: a proxy's policy stack gets the split.
    let ready = translation.routes.length > 0;
    const wanted = new Set<string>();
    for (const desired of translation.routes) {
      const name = desired.metadata.name ?? "";
      wanted.add(`${desired.kind}/${name}`);
      const current = existing.find((r) => r.kind === desired.kind && r.metadata.name === name);
      if (current !== undefined && !isAdaptorRoute(current)) {
        events.push({
          type: "Warning",
          reason: Reason.RouteConflict,
          message: `${desired.kind} ${name} exists and was not written by the smi-adaptor, so it is left as it is and port ${desired.spec.parentRefs[0]?.port ?? "?"} of ${apex} is not split; rename or delete that route.`,
        });
        pendingWhy.push(`${desired.kind} ${name} belongs to someone else`);
        ready = false;
        continue;
      }
      const port = desired.spec.parentRefs[0]?.port ?? 0;
      if (current === undefined || routeAcceptance(current, apex, port).accepted !== true)
        ready = false;
      if (current === undefined || !sameRoute(current, desired)) {
        apply.push(desired);
        pendingWhy.push(
          current === undefined
            ? `${desired.kind} ${name} does not exist yet (is the smi-adaptor running?)`
            : `${desired.kind} ${name} is not in step with the split`,
        );
        continue;
      }
      const acceptance = routeAcceptance(current, apex, port);
      const said = routeAcceptanceMessage(`${desired.kind} ${name}`, acceptance);
      if (acceptance.state === "RouteNotAccepted") {
        events.push({
          type: "Warning",
          reason: Reason.RouteNotAccepted,
          settle: `${desired.kind}/${name}/Accepted`,
          message: `${said}.`,
        });
        pendingWhy.push(
          `${desired.kind} ${name}: ${describeRouteConditions(acceptance.conditions ?? [])}`,
        );
      } else if (acceptance.state === "RouteRefsNotResolved") {
        events.push({
          type: "Warning",
          reason: Reason.BackendNotFound,
          settle: `${desired.kind}/${name}/ResolvedRefs`,
          message: `${said}. Create the backend Services, or remove them from the split.`,
        });
      }
    }
    const deletes = existing
      .filter((r) => isAdaptorRoute(r, apex) && !wanted.has(`${r.kind}/${r.metadata.name ?? ""}`))
      .map(refOf);
    for (const other of existing) {
      if (isAdaptorRoute(other) || !parentNamesApex(other, apex)) continue;
      const ties = tiesWith(other, apex, translation.routes, existing);
      events.push({
        type: "Warning",
        reason: Reason.OtherRoute,
        message: `${other.kind} ${other.metadata.name ?? ""} also routes service ${apex} and was not written by the smi-adaptor; Linkerd merges its rules with the split's, and the more specific match wins; between equally specific matches for the same port, Linkerd uses the route created first (older creationTimestamp, then name)${ties.length === 0 ? "" : `: ${ties.join("; ")}`}. A route the smi-adaptor re-creates (as at a cut-over) is newer and loses such ties. It is left as it is.`,
      });
    }

    // The cut-over from the ServiceProfile output.
    const ownName = profileName(namespace, apex);
    const ownProfile = (world?.profiles ?? []).find(
      (p) => p.metadata.name === ownName && p.metadata.namespace === namespace,
    );
    let profileAction: ServiceProfileAction = { kind: "none" };
    if (
      ownProfile !== undefined &&
      managedByAdaptor(ownProfile) &&
      context.leaveOwnProfile !== true
    ) {
      const cleanup = profiles.cleanup(ownProfile);
      profileAction = cleanup.action;
      if (cleanup.action.kind !== "none") {
        events.push({
          type: "Normal",
          reason: Reason.CutOver,
          message: `Service ${apex} moves from ServiceProfile ${ownName} to ${translation.routes.map((r) => `${r.kind} ${r.metadata.name ?? ""}`).join(", ")}: ${cutOverOfProfile(cleanup.action)}. ${CACHE_ADVICE}`,
        });
      }
    }
    for (const p of world?.profiles ?? []) {
      if (p === ownProfile && context.leaveOwnProfile === true) continue;
      // Given back, the dstOverrides stay: they may shadow the routes.
      const clearing =
        p === ownProfile && (profileAction.kind === "clear" || profileAction.kind === "delete");
      if (clearing && profileAction.kind === "delete") continue;
      const why = shadowingOf(p, clearing);
      if (why === undefined) continue;
      const where = `ServiceProfile ${p.metadata.name ?? ""} in namespace ${p.metadata.namespace ?? ""}`;
      events.push({
        type: "Warning",
        reason: Reason.ShadowedByServiceProfile,
        message: `${where} has ${why}, so proxies${p.metadata.namespace === namespace ? "" : ` in namespace ${p.metadata.namespace ?? ""}`} use it instead of the routes for ${apex} and ignore the split; remove its ${why} (or delete it) to let the routes apply. ${CACHE_ADVICE}`,
      });
      pendingWhy.push(`${where} shadows the routes`);
    }

    const missing = winner.missingBackends;
    if (missing.length > 0 && (apply.length > 0 || deletes.length > 0)) {
      events.push({
        type: "Warning",
        reason: Reason.BackendNotFound,
        message: `backend Service${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not found in namespace ${namespace}; the routes name ${missing.length > 1 ? "them" : "it"} anyway, and Linkerd fails requests sent there until ${missing.length > 1 ? "they exist" : "it exists"}.`,
      });
    }
    const changes = apply.length + deletes.length + (profileAction.kind === "none" ? 0 : 1);
    const anyOurs = existing.some((r) => isAdaptorRoute(r, apex));
    for (const r of apply) {
      const known = existing.some((x) => x.kind === r.kind && x.metadata.name === r.metadata.name);
      events.push({
        type: "Normal",
        reason: known ? Reason.Updated : Reason.Created,
        message: `${known ? "Updated" : "Created"} ${describeRoute(r)}.`,
      });
    }
    for (const d of deletes) {
      events.push({
        type: "Normal",
        reason: Reason.Deleted,
        message: `Deleted ${d.kind} ${d.name}: service ${apex} no longer has that port, or it changed kind.`,
      });
    }
    const names = translation.routes.map((r) => `${r.kind} ${r.metadata.name ?? ""}`).join(", ");
    return {
      action:
        changes === 0
          ? { kind: "none" }
          : { kind: "sync", namespace, apply, delete: deletes, profile: profileAction },
      result: changes === 0 ? "unchanged" : anyOurs ? "updated" : "created",
      events,
      ready,
      names: translation.routes.map((r) => `${r.kind} ${r.metadata.name ?? ""}`),
      state:
        pendingWhy.length === 0
          ? {
              state: "Synced",
              reason:
                translation.routes.length === 0
                  ? `no port of ${apex} can carry a route`
                  : `${names} ${translation.routes.length > 1 ? "have" : "has"} the split's backends`,
            }
          : { state: "Pending", reason: pendingWhy.join("; ") },
    };
  };

  return {
    target: "httproute",
    none: { kind: "none" },
    kind: "HTTPRoute",
    nameOf: (_namespace, apex) => `${apex}-smi-<port>`,
    check(winner): Diagnostic[] {
      const n = winner.parsed.backends.length;
      if (n <= GATEWAY_LIMITS.backendRefsPerRule) return [];
      return [
        {
          severity: "error",
          code: "too-many-backends",
          path: "spec.backends",
          message: `spec.backends has ${n} entries; an HTTPRoute rule allows ${GATEWAY_LIMITS.backendRefsPerRule} backendRefs (Gateway API v1.2.1), so split across fewer backends or use -target serviceprofile`,
        },
      ];
    },
    plan,
    cleanup(world) {
      const ours = (world?.routes ?? []).filter((r) =>
        world === undefined ? false : isAdaptorRoute(r, world.apex),
      );
      if (ours.length === 0) return { action: { kind: "none" }, result: "absent", events: [] };
      return {
        action: {
          kind: "sync",
          namespace: world?.namespace ?? "",
          apply: [],
          delete: ours.map(refOf),
          profile: { kind: "none" },
        },
        result: "deleted",
        events: ours.map((r) => ({
          type: "Normal" as const,
          reason: Reason.Deleted,
          message: `Deleted ${r.kind} ${r.metadata.name ?? ""}: no TrafficSplit routes service ${world?.apex ?? ""} through Gateway API routes any more.`,
        })),
      };
    },
  };
}
