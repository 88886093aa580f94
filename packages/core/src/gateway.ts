/**
 * TrafficSplit -> Gateway API routes, as Linkerd's policy controller reads them: for each port of
 * the apex Service one HTTPRoute (or, on an opaque port, one TCPRoute) whose parent is the apex
 * at that port and whose backends are the split's backends at the same port, with integer
 * weights that keep the split's shares. SMI v1alpha3/v1alpha4 `matches` (HTTPRouteGroups)
 * become a rule for the matching requests plus the catch-all rule to the apex that the SMI spec
 * requires. The adaptor's route planner and `linkerd smi convert` both call
 * {@link translateSplitToRoutes}, so they cannot disagree.
 *
 * Facts from Linkerd (linkerd/linkerd2, policy-controller):
 * - `k8s/index/src/outbound/index.rs` (`impl ... for Service`, `apply`) and `core/src/outbound.rs`
 *   (`AppProtocol::from_str`): a port's `appProtocol`, lowercased, is HTTP/1 as `http`, HTTP/2 as
 *   `kubernetes.io/h2c`, opaque as `linkerd.io/opaque` or `linkerd.io/tcp`, and unknown otherwise
 *   (`grpc`, `https`, `tcp`, ...); a port without `appProtocol` is opaque when the
 *   `config.linkerd.io/opaque-ports` annotation lists it (an annotation with one invalid entry
 *   lists nothing: `ports.rs`, `ports_annotation`); without the annotation the cluster's default
 *   opaque ports apply (the control plane chart's `proxy.opaquePorts`:
 *   25,587,3306,4444,5432,6379,9300,11211). For opaque and unknown ports Linkerd serves only
 *   TCPRoutes (`grpc/src/outbound.rs`): an HTTPRoute there is Accepted but never used, and makes
 *   a TCPRoute on the same port `RouteReasonConflicted`. So such ports get a TCPRoute.
 * - `core/src/routes.rs` (`PathMatch::regex`), `k8s/index/src/routes/http.rs`: path and header
 *   regexes are compiled by the Rust `regex` crate, and a route with one it rejects is dropped
 *   whole; see {@link rustRegexError}.
 * - `k8s/status/src/index.rs` (`parent_condition_service`, `parent_has_conflicting_routes`): a
 *   parent Service without a ClusterIP is not accepted, and a TCPRoute on a parent that also has
 *   an HTTPRoute is `RouteReasonConflicted`; so each port gets exactly one kind of route.
 *
 * @packageDocumentation
 */

import { Reason } from "./decide.js";
import {
  GATEWAY_GROUP,
  HTTP_ROUTE_METHODS,
  TCP_ROUTE_VERSION,
  type HttpRoute,
  type HttpRouteMatch,
  type HttpRouteMethodName,
  type HttpRouteRule,
  type HttpRouteVersion,
  type Route,
  type ServiceBackendRef,
  type ServiceLike,
  type ServiceParentRef,
  type TcpRoute,
} from "./gateway-types.js";
import { FIELD_MANAGER } from "./ownership.js";
import type { ParsedTrafficSplit } from "./parse.js";
import { routeWeights } from "./route-weights.js";
import { rustRegexError } from "./rust-regex.js";
import type { HTTPMatch, ObjectMeta, OwnerReference } from "./types.js";

/** The Service annotation that lists opaque ports (`3306,4000-4010`). */
export const OPAQUE_PORTS_ANNOTATION = "config.linkerd.io/opaque-ports";
/** The `appProtocol` that makes a Service port opaque. */
export const OPAQUE_APP_PROTOCOL = "linkerd.io/opaque";
/** Linkerd's default opaque ports (its control plane chart's `proxy.opaquePorts`). */
export const LINKERD_DEFAULT_OPAQUE_PORTS: readonly number[] = Object.freeze([
  25, 587, 3306, 4444, 5432, 6379, 9300, 11211,
]);
/** Label on every route the adaptor writes: who made it. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** Label on every route the adaptor writes: the apex Service it routes. */
export const APEX_LABEL = "smi.linkerd.io/apex";
/** Annotation on every route written for a split: the split's name. */
export const SPLIT_ANNOTATION = "smi.linkerd.io/traffic-split";
/** Label on routes printed by `linkerd smi convert`. */
export const CONVERTED_LABEL = "smi.linkerd.io/converted";

/** Gateway API v1.2.1 limits that apply to what we write. */
export const GATEWAY_LIMITS = Object.freeze({
  backendRefsPerRule: 16,
  matchesPerRule: 64,
  headersPerMatch: 16,
  pathLength: 1024,
  headerNameLength: 256,
  headerValueLength: 4096,
});

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * The route names: the adaptor's `<apex>-smi-<port>`, `convert`'s `<apex>-<port>`. They differ on
 * purpose: routes printed by `convert` and applied while the adaptor's routes still exist are
 * new objects without an owner, so deleting the TrafficSplits afterwards (which garbage-collects
 * the adaptor's routes) leaves them in place. An apex is a DNS-1035 label (at most 63
 * characters) and a port at most 5 digits, so both fit the 253 characters of a name.
 */
export function routeName(apex: string, port: number, style: "adaptor" | "convert"): string {
  return style === "adaptor" ? `${apex}-smi-${port}` : `${apex}-${port}`;
}

/**
 * The ports listed by a `config.linkerd.io/opaque-ports` value: numbers and ranges
 * (`25,3306,4000-4002`), read as Linkerd's `parse_portset` reads them (policy-controller
 * `k8s/index/src/ports.rs`): entries split on `,`, empty ones skipped, a range split on its
 * first `-` with each side trimmed, each number 1..65535 with an optional `+`. Entries that are
 * not are returned in `invalid`; Linkerd then ignores the whole value (see
 * {@link opaquePortsOf}).
 */
export function parsePortList(value: string): { ports: Set<number>; invalid: string[] } {
  const ports = new Set<number>();
  const invalid: string[] = [];
  const port = (text: string) => {
    const t = text.trim();
    return /^\+?\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 65535 ? Number(t) : undefined;
  };
  for (const raw of value.split(",")) {
    const dash = raw.indexOf("-");
    if (dash < 0 && raw.trim() === "") continue;
    const low = port(dash < 0 ? raw : raw.slice(0, dash));
    const high = dash < 0 ? low : port(raw.slice(dash + 1));
    if (low === undefined || high === undefined || low > high) {
      invalid.push(raw.trim());
      continue;
    }
    for (let p = low; p <= high; p++) ports.add(p);
  }
  return { ports, invalid };
}

/**
 * The opaque ports of `service` as Linkerd's policy controller reads them
 * (`k8s/index/src/outbound/index.rs`, `ports_annotation(...).unwrap_or_else(default_opaque_ports)`):
 * the annotation's ports when it is there; an EMPTY set when it is there but one entry is invalid
 * (`ports.rs`, `ports_annotation`: "If the annotation is not set or is invalid, the empty set is
 * returned" — not the defaults); the cluster's default opaque ports when there is no annotation.
 */
export function opaquePortsOf(
  service: ServiceLike,
  defaultOpaquePorts: readonly number[] = LINKERD_DEFAULT_OPAQUE_PORTS,
): { ports: ReadonlySet<number>; from: "annotation" | "defaults"; invalid: string[] } {
  const annotation = service.metadata?.annotations?.[OPAQUE_PORTS_ANNOTATION];
  if (annotation === undefined)
    return { ports: new Set(defaultOpaquePorts), from: "defaults", invalid: [] };
  const { ports, invalid } = parsePortList(annotation);
  return { ports: invalid.length > 0 ? new Set() : ports, from: "annotation", invalid };
}

/**
 * What Linkerd makes of a port's `appProtocol` (policy-controller `core/src/outbound.rs`,
 * `AppProtocol::from_str`, on the value lowercased): `http` is HTTP/1, `kubernetes.io/h2c`
 * HTTP/2, `linkerd.io/tcp` and `linkerd.io/opaque` opaque, anything else unknown.
 */
export function parseAppProtocol(value: string): "http1" | "http2" | "opaque" | "unknown" {
  switch (value.toLowerCase()) {
    case "http":
      return "http1";
    case "kubernetes.io/h2c":
      return "http2";
    case "linkerd.io/tcp":
    case "linkerd.io/opaque":
      return "opaque";
    default:
      return "unknown";
  }
}

/** How Linkerd's policy controller serves one port of a Service, see {@link portProtocol}. */
export interface PortProtocol {
  /**
   * `http1`, `http2`: HTTPRoutes are served; `detect` (no `appProtocol`, not opaque): HTTPRoutes
   * are served too; `opaque`, `unknown`: only TCPRoutes are served.
   */
  readonly kind: "http1" | "http2" | "detect" | "opaque" | "unknown";
  /** The port's `appProtocol` as written, when it decided. */
  readonly appProtocol?: string;
  /** What decided: the port's `appProtocol`, the annotation, the cluster's defaults. */
  readonly from: "appProtocol" | "annotation" | "defaults";
}

/**
 * How Linkerd serves `port` of `service`: a port's `appProtocol` decides (see
 * {@link parseAppProtocol}); a port without one is opaque when {@link opaquePortsOf} lists it,
 * else its protocol is detected. An empty `appProtocol` counts as none (the API server does not
 * store one). For opaque and unknown ports Linkerd serves only TCPRoutes (policy-controller
 * `grpc/src/outbound.rs`, `Some(AppProtocol::Opaque) | Some(AppProtocol::Unknown(_))`).
 */
export function portProtocol(
  service: ServiceLike,
  port: number,
  defaultOpaquePorts: readonly number[] = LINKERD_DEFAULT_OPAQUE_PORTS,
): PortProtocol {
  const entry = service.spec?.ports?.find((p) => p.port === port);
  const appProtocol = entry?.appProtocol;
  if (appProtocol !== undefined && appProtocol !== "")
    return { kind: parseAppProtocol(appProtocol), appProtocol, from: "appProtocol" };
  const opaque = opaquePortsOf(service, defaultOpaquePorts);
  return {
    kind: opaque.ports.has(port) ? "opaque" : "detect",
    from: opaque.from === "annotation" ? "annotation" : "defaults",
  };
}

/** Whether Linkerd serves HTTPRoutes on `port` of `service` (else only TCPRoutes). */
export function servesHttpRoutes(
  service: ServiceLike,
  port: number,
  defaultOpaquePorts?: readonly number[],
): boolean {
  const { kind } = portProtocol(service, port, defaultOpaquePorts);
  return kind !== "opaque" && kind !== "unknown";
}

/**
 * Whether Linkerd serves only TCPRoutes on `port` of `service`: an opaque port, or one whose
 * `appProtocol` it does not know (see {@link portProtocol}). `defaultOpaquePorts` is the
 * cluster's list, Linkerd's default when not given.
 */
export function isOpaquePort(
  service: ServiceLike,
  port: number,
  defaultOpaquePorts: readonly number[] = LINKERD_DEFAULT_OPAQUE_PORTS,
): boolean {
  return !servesHttpRoutes(service, port, defaultOpaquePorts);
}

/** Why a port gets no HTTPRoute, for Events: `appProtocol grpc, which Linkerd does not know`. */
function nonHttpWhy(protocol: PortProtocol): string {
  if (protocol.from === "appProtocol")
    return protocol.kind === "unknown"
      ? `has appProtocol ${protocol.appProtocol ?? ""}, which Linkerd does not know (only http and kubernetes.io/h2c are HTTP)`
      : `has appProtocol ${protocol.appProtocol ?? ""}, which Linkerd treats as opaque`;
  return protocol.from === "annotation"
    ? `is opaque (annotation ${OPAQUE_PORTS_ANNOTATION})`
    : "is opaque (one of the cluster's default opaque ports)";
}

/** A note for an Event, with a constant reason. */
export interface RouteNote {
  readonly type: "Normal" | "Warning";
  readonly reason: Reason;
  readonly message: string;
}

/** What became of one port of the apex. */
export interface PortOutcome {
  readonly port: number;
  /** The route written for it, or `none` when it gets none (see `why`). */
  readonly kind: "HTTPRoute" | "TCPRoute" | "none";
  readonly name?: string;
  readonly why?: string;
}

/** The input of {@link translateSplitToRoutes}. */
export interface RouteTranslationInput {
  readonly split: ParsedTrafficSplit;
  readonly namespace: string;
  /** The apex Service; undefined when it does not exist (nothing can be written then). */
  readonly service: ServiceLike | undefined;
  /** The HTTPRouteGroup named `name` in the split's namespace, as read; undefined when absent. */
  readonly routeGroup?: (name: string) => unknown;
  /**
   * The ports a backend Service exposes; undefined when unknown (the backend is then kept). A
   * backend that does not expose the apex's port is left out of that port's route, as the SMI
   * spec says, with a Warning.
   */
  readonly backendPorts?: (name: string) => readonly number[] | undefined;
  /** Default `v1`. */
  readonly apiVersion?: HttpRouteVersion;
  /** Whether TCPRoute (v1alpha2) is served; default true. */
  readonly tcpRouteServed?: boolean;
  /** The cluster's default opaque ports; Linkerd's default when not given. */
  readonly defaultOpaquePorts?: readonly number[];
  /**
   * `adaptor`: labels and names of the adaptor, and an ownerReference to `owner`. `convert`:
   * routes that belong to nobody, for users to keep.
   */
  readonly style: "adaptor" | "convert";
  /** The TrafficSplit that owns the routes (adaptor style); its apiVersion as read, name, uid. */
  readonly owner?: { readonly apiVersion: string; readonly name: string; readonly uid: string };
}

/** The result of {@link translateSplitToRoutes}. */
export type RouteTranslation =
  | {
      readonly ok: true;
      readonly routes: Route[];
      readonly ports: PortOutcome[];
      readonly notes: RouteNote[];
    }
  /** Nothing can be written: `problems` say why and what to do. */
  | { readonly ok: false; readonly problems: string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The matches of an HTTPRouteGroup in any version (top level in v1alpha1/2, under spec after). */
function routeGroupMatches(group: unknown): unknown {
  if (!isRecord(group)) return undefined;
  if (Array.isArray(group.matches)) return group.matches;
  return isRecord(group.spec) ? group.spec.matches : undefined;
}

const PATH_PREFIX_ROOT = { type: "PathPrefix", value: "/" } as const;

/**
 * A regex Linkerd cannot compile, on one line: where, the pattern, the Rust `regex` crate's
 * words, and what to do.
 */
function regexProblem(where: string, pattern: string, error: string): string {
  return `${where} ${JSON.stringify(pattern)} is not a regex Linkerd can use: the Rust regex crate says ${error}, and Linkerd's policy controller drops the whole route, catch-all rule included, when one does not compile; rewrite it without look-around, back-references or atomic groups (for /api/(?!internal).* list the paths to split instead)`;
}

/**
 * The regexes of an HTTPRouteGroup (any version) that Linkerd cannot compile, each with the
 * path of its field (`spec.matches[0].pathRegex`, `spec.matches[1].headers.x-user`) and a
 * one-line message; for `linkerd smi validate`, which checks the group by itself.
 */
export function routeGroupRegexProblems(group: unknown): { path: string; message: string }[] {
  if (!isRecord(group)) return [];
  const topLevel = Array.isArray(group.matches);
  const list = routeGroupMatches(group);
  if (!Array.isArray(list)) return [];
  const out: { path: string; message: string }[] = [];
  list.forEach((m: unknown, j) => {
    if (!isRecord(m)) return;
    const at = `${topLevel ? "" : "spec."}matches[${j}]`;
    const check = (path: string, value: unknown) => {
      if (typeof value !== "string" || value === "") return;
      const error = rustRegexError(value);
      if (error !== undefined)
        out.push({ path, message: regexProblem(path, value, error).slice(path.length + 1) });
    };
    check(`${at}.pathRegex`, m.pathRegex);
    if (isRecord(m.headers))
      for (const [name, value] of Object.entries(m.headers)) check(`${at}.headers.${name}`, value);
  });
  return out;
}

/** One SMI HTTPMatch as Gateway API matches (one per method), or problems. */
function translateHttpMatch(
  match: HTTPMatch,
  where: string,
): { matches: HttpRouteMatch[]; problems: string[] } {
  const problems: string[] = [];
  const path =
    typeof match.pathRegex === "string" && match.pathRegex !== ""
      ? { type: "RegularExpression" as const, value: match.pathRegex }
      : { ...PATH_PREFIX_ROOT };
  if (path.value.length > GATEWAY_LIMITS.pathLength)
    problems.push(`${where}.pathRegex is longer than ${GATEWAY_LIMITS.pathLength} characters`);
  else if (path.type === "RegularExpression") {
    const error = rustRegexError(path.value);
    if (error !== undefined) problems.push(regexProblem(`${where}.pathRegex`, path.value, error));
  }
  const headers: { type: "RegularExpression"; name: string; value: string }[] = [];
  if (match.headers !== undefined) {
    if (!isRecord(match.headers)) {
      problems.push(`${where}.headers must be a mapping of header name to value`);
    } else {
      for (const [name, value] of Object.entries(match.headers)) {
        if (typeof value !== "string") {
          problems.push(`${where}.headers.${name} must be a string`);
        } else if (!HEADER_NAME.test(name) || name.length > GATEWAY_LIMITS.headerNameLength) {
          problems.push(`${where}.headers: ${JSON.stringify(name)} is not a valid header name`);
        } else if (value.length > GATEWAY_LIMITS.headerValueLength) {
          problems.push(`${where}.headers.${name} is longer than 4096 characters`);
        } else {
          const error = rustRegexError(value);
          if (error !== undefined)
            problems.push(regexProblem(`${where}.headers.${name}`, value, error));
          else headers.push({ type: "RegularExpression", name, value });
        }
      }
      if (headers.length > GATEWAY_LIMITS.headersPerMatch)
        problems.push(
          `${where}.headers has ${headers.length} entries; an HTTPRoute match allows ${GATEWAY_LIMITS.headersPerMatch}`,
        );
    }
  }
  const methods: (HttpRouteMethodName | undefined)[] = [];
  const listed = Array.isArray(match.methods) ? match.methods : [];
  if (listed.length === 0 || listed.includes("*")) {
    methods.push(undefined);
  } else {
    for (const m of listed) {
      const upper = typeof m === "string" ? m.toUpperCase() : "";
      if ((HTTP_ROUTE_METHODS as readonly string[]).includes(upper)) {
        if (!methods.includes(upper as HttpRouteMethodName))
          methods.push(upper as HttpRouteMethodName);
      } else {
        problems.push(
          `${where}.methods has ${JSON.stringify(m)}; use * or one of ${HTTP_ROUTE_METHODS.join(", ")}`,
        );
      }
    }
  }
  const matches = methods.map((method) => ({
    path,
    ...(method === undefined ? {} : { method }),
    ...(headers.length === 0 ? {} : { headers }),
  }));
  return { matches, problems };
}

/**
 * The Gateway API matches of a split's `spec.matches`: every match of every referenced
 * HTTPRouteGroup (SMI: a reference selects the whole group), or problems.
 */
export function translateSplitMatches(
  split: ParsedTrafficSplit,
  routeGroup: ((name: string) => unknown) | undefined,
  namespace: string,
): { matches: HttpRouteMatch[]; problems: string[] } {
  const problems: string[] = [];
  const out: HttpRouteMatch[] = [];
  const seen = new Set<string>();
  (split.matches ?? []).forEach((ref, i) => {
    const at = `spec.matches[${i}]`;
    if (ref.kind !== "HTTPRouteGroup") {
      problems.push(
        `${at} is a ${ref.kind}; only HTTPRouteGroup matches can be expressed as HTTPRoute rules`,
      );
      return;
    }
    const group = routeGroup?.(ref.name);
    if (group === undefined) {
      problems.push(
        `${at} names HTTPRouteGroup ${ref.name}, which does not exist in namespace ${namespace}; create it or remove the match`,
      );
      return;
    }
    const list = routeGroupMatches(group);
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`HTTPRouteGroup ${ref.name} has no matches; add some or remove ${at}`);
      return;
    }
    list.forEach((entry: unknown, j) => {
      const where = `HTTPRouteGroup ${ref.name} matches[${j}]`;
      if (!isRecord(entry)) {
        problems.push(`${where} must be a mapping`);
        return;
      }
      const translated = translateHttpMatch(entry, where);
      problems.push(...translated.problems);
      for (const m of translated.matches) {
        const key = JSON.stringify(m);
        if (!seen.has(key)) {
          seen.add(key);
          out.push(m);
        }
      }
    });
  });
  if (out.length > GATEWAY_LIMITS.matchesPerRule)
    problems.push(
      `the split's HTTPRouteGroups give ${out.length} matches; an HTTPRoute rule allows ${GATEWAY_LIMITS.matchesPerRule}`,
    );
  return { matches: out, problems };
}

function metadataFor(
  input: RouteTranslationInput,
  name: string,
): ObjectMeta & { name: string; namespace: string } {
  const { split, namespace, style, owner } = input;
  const splitName = owner?.name ?? split.name;
  const annotations = splitName === undefined ? undefined : { [SPLIT_ANNOTATION]: splitName };
  const labels =
    style === "adaptor"
      ? { [MANAGED_BY_LABEL]: FIELD_MANAGER, [APEX_LABEL]: split.service }
      : { [CONVERTED_LABEL]: "true" };
  const ownerReferences: OwnerReference[] | undefined =
    style === "adaptor" && owner !== undefined && owner.uid !== ""
      ? [
          {
            apiVersion: owner.apiVersion,
            kind: "TrafficSplit",
            name: owner.name,
            uid: owner.uid,
            controller: true,
          },
        ]
      : undefined;
  return {
    name,
    namespace,
    labels,
    ...(annotations === undefined ? {} : { annotations }),
    ...(ownerReferences === undefined ? {} : { ownerReferences }),
  };
}

/**
 * Why Linkerd will not use routes whose parent is the apex `service`, when it has no ClusterIP:
 * headless (`clusterIP: None`) or `type: ExternalName` (Linkerd's policy controller answers
 * `NoMatchingParent: parent service must have a ClusterIP`). Undefined for an ordinary Service.
 * The adaptor's `RouteNotAccepted` Warning, `status` and `check` say this.
 */
export function apexWithoutClusterIP(service: ServiceLike, apex: string): string | undefined {
  if (service.spec?.type === "ExternalName")
    return `Service ${apex} is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP (it answers NoMatchingParent: parent service must have a ClusterIP), so the routes for it will not be used; split a Service with a ClusterIP instead`;
  if (service.spec?.clusterIP === "None")
    return `Service ${apex} is headless (clusterIP: None): Linkerd's policy controller accepts routes only on Services with a ClusterIP, so the routes for it will not be used`;
  return undefined;
}

/**
 * The routes of a valid split (see the package note). Pure; the result is the same for the
 * adaptor and `convert` except for names, labels and the ownerReference.
 */
export function translateSplitToRoutes(input: RouteTranslationInput): RouteTranslation {
  const { split, namespace, service } = input;
  const apex = split.service;
  const problems: string[] = [];
  if (service === undefined) {
    return {
      ok: false,
      problems: [
        `Service ${apex} does not exist in namespace ${namespace}: its ports decide the routes (one per port); create it`,
      ],
    };
  }
  const servicePorts = (service.spec?.ports ?? []).filter(
    (p) => typeof p.port === "number" && (p.protocol ?? "TCP") === "TCP",
  );
  if (servicePorts.length === 0) {
    problems.push(
      `Service ${apex} in namespace ${namespace} has no TCP port: a route's parent is a Service port; add one`,
    );
  }
  if (split.backends.length > GATEWAY_LIMITS.backendRefsPerRule) {
    problems.push(
      `spec.backends has ${split.backends.length} entries; an HTTPRoute rule allows ${GATEWAY_LIMITS.backendRefsPerRule} backendRefs (Gateway API v1.2.1), so split across fewer backends`,
    );
  }
  const hasMatches = (split.matches ?? []).length > 0;
  const matched = hasMatches
    ? translateSplitMatches(split, input.routeGroup, namespace)
    : { matches: [], problems: [] };
  problems.push(...matched.problems);
  if (problems.length > 0) return { ok: false, problems };

  const notes: RouteNote[] = [];
  const routes: Route[] = [];
  const ports: PortOutcome[] = [];
  const version = input.apiVersion ?? "v1";
  const tcpServed = input.tcpRouteServed ?? true;
  const annotation = service.metadata?.annotations?.[OPAQUE_PORTS_ANNOTATION];
  if (annotation !== undefined) {
    const { invalid } = parsePortList(annotation);
    if (invalid.length > 0)
      notes.push({
        type: "Warning",
        reason: Reason.InvalidSpec,
        message: `Service ${apex} annotation ${OPAQUE_PORTS_ANNOTATION} has entries that are not ports or port ranges (${invalid.join(", ")}), so Linkerd ignores the whole annotation: no port of ${apex} is opaque by it, not even the cluster's default opaque ports; fix or remove those entries`,
      });
  }
  const noClusterIP = apexWithoutClusterIP(service, apex);
  if (noClusterIP !== undefined)
    notes.push({ type: "Warning", reason: Reason.RouteNotAccepted, message: noClusterIP });
  const seenPorts = new Set<number>();
  for (const { port } of servicePorts) {
    if (seenPorts.has(port)) continue;
    seenPorts.add(port);
    const protocol = portProtocol(service, port, input.defaultOpaquePorts);
    const opaque = protocol.kind === "opaque" || protocol.kind === "unknown";
    const kept: { service: string; milli: bigint }[] = [];
    const leftOut: string[] = [];
    for (const b of split.backends) {
      const exposed = input.backendPorts?.(b.service);
      if (exposed !== undefined && !exposed.includes(port)) leftOut.push(b.service);
      else kept.push(b);
    }
    if (leftOut.length > 0)
      notes.push({
        type: "Warning",
        reason: Reason.BackendPortMissing,
        message: `backend ${leftOut.join(", ")} does not expose port ${port} of ${apex}, so ${leftOut.length > 1 ? "they are" : "it is"} left out of that port's route (SMI: a backend must expose the apex's ports)`,
      });
    const { weights } = routeWeights(kept.map((b) => b.milli));
    const parentRef: ServiceParentRef = { group: "core", kind: "Service", name: apex, port };
    const allZero = weights.every((w) => w === 0);
    const backendRefs: ServiceBackendRef[] = allZero
      ? [{ group: "", kind: "Service", name: apex, port, weight: 1 }]
      : kept.map((b, i) => ({
          group: "",
          kind: "Service",
          name: b.service,
          port,
          weight: weights[i] ?? 0,
        }));
    if (allZero)
      notes.push({
        type: "Normal",
        reason: Reason.AllWeightsZero,
        message: `every backend of port ${port} has weight 0, so its route sends every request to ${apex} itself, as Linkerd does with a ServiceProfile`,
      });
    const name = routeName(apex, port, input.style);
    if (opaque) {
      if (hasMatches) {
        ports.push({
          port,
          kind: "none",
          why: `port ${port} ${nonHttpWhy(protocol)}, so HTTP matches cannot apply there; its traffic stays on ${apex}`,
        });
        notes.push({
          type: "Warning",
          reason: Reason.MatchesNotSupported,
          message: `port ${port} of ${apex} ${nonHttpWhy(protocol)}: Linkerd serves only TCPRoutes there and sees no HTTP requests, so the split's matches cannot apply and that port's traffic stays on ${apex}`,
        });
        continue;
      }
      if (!tcpServed) {
        ports.push({
          port,
          kind: "none",
          why: `port ${port} ${nonHttpWhy(protocol)} and TCPRoute is not served`,
        });
        notes.push({
          type: "Warning",
          reason: Reason.CRDMissing,
          message: `port ${port} of ${apex} ${nonHttpWhy(protocol)}, where Linkerd uses only TCPRoutes, and tcproutes.${GATEWAY_GROUP} is not served, so that port gets no route; install the Gateway API experimental channel CRD (v1.2.1) to split it${protocol.kind === "unknown" ? ", or set its appProtocol to http or kubernetes.io/h2c if it carries HTTP" : ""}`,
        });
        continue;
      }
      const route: TcpRoute = {
        apiVersion: `${GATEWAY_GROUP}/${TCP_ROUTE_VERSION}`,
        kind: "TCPRoute",
        metadata: metadataFor(input, name),
        spec: { parentRefs: [parentRef], rules: [{ backendRefs }] },
      };
      routes.push(route);
      ports.push({ port, kind: "TCPRoute", name });
      continue;
    }
    const rules: HttpRouteRule[] = hasMatches
      ? [
          { matches: matched.matches, backendRefs },
          {
            matches: [{ path: { ...PATH_PREFIX_ROOT } }],
            backendRefs: [{ group: "", kind: "Service", name: apex, port, weight: 1 }],
          },
        ]
      : [{ matches: [{ path: { ...PATH_PREFIX_ROOT } }], backendRefs }];
    const route: HttpRoute = {
      apiVersion: `${GATEWAY_GROUP}/${version}`,
      kind: "HTTPRoute",
      metadata: metadataFor(input, name),
      spec: { parentRefs: [parentRef], rules },
    };
    routes.push(route);
    ports.push({ port, kind: "HTTPRoute", name });
  }
  return { ok: true, routes, ports, notes };
}

/** Key-sorted JSON, for comparing objects whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A route spec with Gateway API v1.2.1's defaults filled in (parentRef group and kind,
 * backendRef group, kind and weight, rule matches, path and header match types), so that a
 * spec as the API server stores it compares equal to the spec we wrote.
 */
export function normalizeRouteSpec(kind: string, spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  const parentRefs = Array.isArray(spec.parentRefs)
    ? spec.parentRefs.map((p: unknown) =>
        isRecord(p) ? { group: GATEWAY_GROUP, kind: "Gateway", ...p } : p,
      )
    : spec.parentRefs;
  const backend = (b: unknown) =>
    isRecord(b) ? { group: "", kind: "Service", weight: 1, ...b } : b;
  const pathOf = (p: unknown) => (isRecord(p) ? { ...PATH_PREFIX_ROOT, ...p } : p);
  const header = (h: unknown) => (isRecord(h) ? { type: "Exact", ...h } : h);
  const match = (m: unknown) =>
    isRecord(m)
      ? {
          ...m,
          path: pathOf(m.path ?? {}),
          ...(Array.isArray(m.headers) ? { headers: m.headers.map(header) } : {}),
        }
      : m;
  const rawRules = Array.isArray(spec.rules)
    ? spec.rules
    : kind === "HTTPRoute"
      ? [{ matches: [{ path: { ...PATH_PREFIX_ROOT } }] }]
      : [];
  const rules = rawRules.map((r: unknown) => {
    if (!isRecord(r)) return r;
    const out: Record<string, unknown> = { ...r };
    if (Array.isArray(r.backendRefs)) out.backendRefs = r.backendRefs.map(backend);
    if (kind === "HTTPRoute") {
      const matches = Array.isArray(r.matches) ? r.matches : [{ path: { ...PATH_PREFIX_ROOT } }];
      out.matches = matches.map(match);
    }
    return out;
  });
  return { ...spec, parentRefs, rules };
}

/** A summary of a route's backends for Events: `web-v1:900, web-v2:100 on port 80`. */
export function describeRoute(route: Route): string {
  const rules = route.spec.rules as { backendRefs: ServiceBackendRef[] }[];
  const weighted = rules[0]?.backendRefs ?? [];
  const port = route.spec.parentRefs[0]?.port;
  return `${route.kind} ${route.metadata.name ?? ""} (${weighted.map((b) => `${b.name}:${b.weight}`).join(", ")} on port ${port ?? "?"})`;
}
