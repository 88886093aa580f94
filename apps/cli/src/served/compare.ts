/**
 * Served against written: for one port of a split's apex, what Linkerd's policy controller
 * serves a proxy (its OutboundPolicy, decoded in policy.ts) beside what the split asks for
 * there (core's `portShares`: the backends that expose the port, the route weights the adaptor
 * writes and their shares). Pure.
 */
import type { PortShares } from "@linkerd-smi/core";
import type { ServedMetadata, ServedPolicy, ServedRoute, ServedRule } from "./policy.js";

export interface ServedShare {
  readonly service: string;
  readonly weight: number;
  /** weight / the sum of the rule's weights, in percent; 100 for a first_available backend. */
  readonly percent: number;
}

export interface PortComparison {
  readonly namespace: string;
  readonly split: string;
  readonly apex: string;
  readonly port: number;
  /** What the split asks for on this port: the route the adaptor writes and its backends. */
  readonly expected: {
    readonly route: string;
    readonly backends: readonly ServedShare[];
  };
  /** What a proxy is told: the protocol, the route it uses and that route's backends. */
  readonly served: {
    readonly protocol: ServedPolicy["protocol"];
    /** `HTTPRoute/web-smi-80`, or `default http` when Linkerd serves its own default route. */
    readonly route: string;
    readonly backends: readonly ServedShare[];
  };
  /** Empty when served equals expected. */
  readonly problems: readonly string[];
}

const describeMeta = (m: ServedMetadata | undefined) =>
  m === undefined ? "no metadata" : "default" in m ? `default ${m.default}` : `${m.kind}/${m.name}`;

const isCatchAll = (rule: ServedRule) =>
  rule.matches.length === 0 || rule.matches.some((m) => m === "PathPrefix /");

function sharesOf(rule: ServedRule | undefined): ServedShare[] {
  if (rule === undefined) return [];
  if (rule.distribution === "first_available")
    return rule.backends.slice(0, 1).map((b) => ({
      service: nameOf(b.metadata),
      weight: 1,
      percent: 100,
    }));
  const total = rule.backends.reduce((n, b) => n + (b.weight ?? 0), 0);
  return rule.backends.map((b) => ({
    service: nameOf(b.metadata),
    weight: b.weight ?? 0,
    percent: total === 0 ? 0 : ((b.weight ?? 0) / total) * 100,
  }));
}

function nameOf(m: ServedMetadata | undefined): string {
  if (m === undefined) return "?";
  return "default" in m ? `default ${m.default}` : m.name;
}

/** The routes a proxy uses for the policy's protocol (HTTP/1 ones when it detects). */
function routesFor(policy: ServedPolicy): readonly ServedRoute[] {
  const r = policy.routes;
  switch (policy.protocol) {
    case "detect":
    case "http1":
      return r.http1 ?? [];
    case "http2":
      return r.http2 ?? [];
    case "grpc":
      return r.grpc ?? [];
    case "opaque":
      return r.opaque ?? [];
    case "tls":
      return r.tls ?? [];
    case "none":
      return [];
  }
}

const formatShares = (shares: readonly ServedShare[]) =>
  shares.length === 0
    ? "no backend"
    : shares.map((s) => `${s.service} ${s.weight} (${s.percent.toFixed(2)}%)`).join(", ");

/**
 * Compares what Linkerd serves on `port` with `expected` (the port's entry of core's
 * `portShares` for the split). The split's rule is, in the adaptor's route, each rule whose
 * backends are not the apex alone (the catch-all rule of a split with matches sends to the
 * apex), or its catch-all rule when there is no other (all weights zero); shares must match
 * within 0.01 percentage points and weights exactly.
 */
export function compareServed(input: {
  readonly namespace: string;
  readonly split: string;
  readonly apex: string;
  readonly expected: PortShares;
  /** The route the adaptor writes for the port: `HTTPRoute/<apex>-smi-<port>` or a TCPRoute. */
  readonly route: { readonly kind: "HTTPRoute" | "TCPRoute"; readonly name: string };
  readonly served: ServedPolicy;
}): PortComparison {
  const { expected, route, served, apex } = input;
  const port = expected.port;
  const want: ServedShare[] = expected.backends.map((b) => ({
    service: b.service,
    weight: b.routeWeight,
    percent: b.percent,
  }));
  const routes = routesFor(served);
  const ours = routes.find(
    (r) =>
      r.metadata !== undefined &&
      !("default" in r.metadata) &&
      r.metadata.kind === route.kind &&
      r.metadata.name === route.name &&
      r.metadata.namespace === input.namespace,
  );
  const used = ours ?? routes[0];
  const splitRules = (used?.rules ?? []).filter((rule) => {
    const s = sharesOf(rule);
    return !(s.length === 1 && s[0]?.service === apex);
  });
  const rules =
    splitRules.length > 0 ? splitRules : (used?.rules ?? []).filter(isCatchAll).slice(0, 1);
  const problems: string[] = [];
  if (ours === undefined)
    problems.push(
      routes.length === 0
        ? `Linkerd serves no route on port ${port} (protocol ${served.protocol}), not ${route.kind} ${route.name}`
        : `Linkerd serves ${describeMeta(routes[0]?.metadata)} on port ${port} (protocol ${served.protocol}), not ${route.kind} ${route.name}`,
    );
  const first = sharesOf(rules[0]);
  for (const rule of rules) {
    const got = sharesOf(rule);
    const same =
      got.length === want.length &&
      got.every((g, i) => {
        const w = want[i];
        return (
          w !== undefined &&
          g.service === w.service &&
          g.weight === w.weight &&
          Math.abs(g.percent - w.percent) <= 0.01
        );
      });
    if (!same)
      problems.push(
        `on port ${port} Linkerd serves ${formatShares(got)}; the split asks for ${formatShares(want)}`,
      );
  }
  return {
    namespace: input.namespace,
    split: input.split,
    apex,
    port,
    expected: { route: `${route.kind}/${route.name}`, backends: want },
    served: {
      protocol: served.protocol,
      route: describeMeta(used?.metadata),
      backends: first,
    },
    problems: ours === undefined ? problems.slice(0, 2) : [...new Set(problems)],
  };
}
