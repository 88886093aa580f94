import { describe, expect, it } from "vitest";
import {
  LINKERD_DEFAULT_OPAQUE_PORTS,
  opaquePortsOf,
  parseAppProtocol,
  parsePortList,
  portProtocol,
  translateSplitToRoutes,
  type RouteTranslationInput,
} from "./gateway.js";
import type { ServiceLike } from "./gateway-types.js";
import type { ParsedTrafficSplit } from "./parse.js";

// What Linkerd serves, not what it accepts (issue 26, points 1 and 2). Expected values come from
// linkerd2 edge-26.8.3's policy controller, read by hand:
// - core/src/outbound.rs, `impl FromStr for AppProtocol`: `s.to_ascii_lowercase()`, then
//   "http" => Http1, "kubernetes.io/h2c" => Http2, "linkerd.io/tcp" | "linkerd.io/opaque" =>
//   Opaque, anything else => Unknown;
// - grpc/src/outbound.rs: `Some(AppProtocol::Opaque) | Some(AppProtocol::Unknown(_))` uses
//   only `policy.tcp_routes`;
// - k8s/index/src/outbound/index.rs: the port's appProtocol first, then
//   `ports_annotation(...).unwrap_or_else(|| default_opaque_ports)` for the vacant ports;
// - k8s/index/src/ports.rs, `ports_annotation`: "If the annotation is ... invalid, the empty set
//   is returned"; `parse_portset`: split on ',', a range split on the first '-', each side
//   trimmed and parsed as NonZeroU16 (Rust's integer parsing takes a leading '+');
// and from what was seen on a cluster: HTTPRoutes on `linkerd.io/tcp` and `grpc` ports are
// Accepted and never served; a regex with look-around drops the whole route.

const NS = "shop";
const OWNER = { apiVersion: "split.smi-spec.io/v1alpha4", name: "web-split", uid: "uid-1" };
const SPLIT: ParsedTrafficSplit = {
  apiVersion: "split.smi-spec.io/v1alpha4",
  name: "web-split",
  service: "web",
  backends: [
    { service: "web-v1", weight: "9", milli: 9000n },
    { service: "web-v2", weight: "1", milli: 1000n },
  ],
  allWeightsZero: false,
};

function svc(
  ports: { port: number; appProtocol?: string }[],
  annotations?: Record<string, string>,
): ServiceLike {
  return {
    metadata: { name: "web", namespace: NS, ...(annotations === undefined ? {} : { annotations }) },
    spec: { clusterIP: "10.0.0.1", ports },
  };
}

const translate = (
  input: Partial<RouteTranslationInput> & Pick<RouteTranslationInput, "service">,
) =>
  translateSplitToRoutes({ split: SPLIT, namespace: NS, style: "adaptor", owner: OWNER, ...input });

const kinds = (service: ServiceLike, defaults?: readonly number[]) => {
  const r = translate({
    service,
    ...(defaults === undefined ? {} : { defaultOpaquePorts: defaults }),
  });
  if (!r.ok) throw new Error(r.problems.join("; "));
  return r.ports.map((p) => [p.port, p.kind]);
};

describe("parseAppProtocol (AppProtocol::from_str)", () => {
  it("lowercases first: http is HTTP/1, kubernetes.io/h2c HTTP/2", () => {
    expect(["http", "HTTP", "Http"].map(parseAppProtocol)).toEqual(["http1", "http1", "http1"]);
    expect(["kubernetes.io/h2c", "Kubernetes.IO/H2C"].map(parseAppProtocol)).toEqual([
      "http2",
      "http2",
    ]);
  });

  it("linkerd.io/tcp and linkerd.io/opaque, in any case, are opaque", () => {
    expect(
      ["linkerd.io/tcp", "linkerd.io/opaque", "Linkerd.io/Opaque", "LINKERD.IO/TCP"].map(
        parseAppProtocol,
      ),
    ).toEqual(["opaque", "opaque", "opaque", "opaque"]);
  });

  it("anything else is unknown: grpc, https, tcp, h2c, http2, kubernetes.io/ws", () => {
    expect(
      ["grpc", "https", "tcp", "h2c", "http2", "kubernetes.io/ws", "kubernetes.io/wss"].map(
        parseAppProtocol,
      ),
    ).toEqual(Array(7).fill("unknown"));
  });
});

describe("which ports get a TCPRoute", () => {
  it("linkerd.io/tcp, grpc and any unknown appProtocol get a TCPRoute; http, HTTP and h2c an HTTPRoute", () => {
    const service = svc([
      { port: 80, appProtocol: "http" },
      { port: 81, appProtocol: "HTTP" },
      { port: 82, appProtocol: "kubernetes.io/h2c" },
      { port: 83, appProtocol: "linkerd.io/tcp" },
      { port: 84, appProtocol: "grpc" },
      { port: 85, appProtocol: "Linkerd.io/Opaque" },
      { port: 86, appProtocol: "https" },
      { port: 87 },
    ]);
    expect(kinds(service)).toEqual([
      [80, "HTTPRoute"],
      [81, "HTTPRoute"],
      [82, "HTTPRoute"],
      [83, "TCPRoute"],
      [84, "TCPRoute"],
      [85, "TCPRoute"],
      [86, "TCPRoute"],
      [87, "HTTPRoute"],
    ]);
  });

  it("appProtocol decides over the annotation and the defaults, whatever its case", () => {
    const service = svc(
      [
        { port: 5432, appProtocol: "HTTP" },
        { port: 8080, appProtocol: "grpc" },
      ],
      { "config.linkerd.io/opaque-ports": "5432" },
    );
    expect(portProtocol(service, 5432)).toEqual({
      kind: "http1",
      appProtocol: "HTTP",
      from: "appProtocol",
    });
    expect(portProtocol(service, 8080)).toEqual({
      kind: "unknown",
      appProtocol: "grpc",
      from: "appProtocol",
    });
    expect(kinds(service)).toEqual([
      [5432, "HTTPRoute"],
      [8080, "TCPRoute"],
    ]);
  });

  it("without TCPRoutes served, an unknown appProtocol gets no route and an Event naming it", () => {
    const r = translate({
      service: svc([{ port: 9090, appProtocol: "grpc" }]),
      tcpRouteServed: false,
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes).toEqual([]);
    expect(r.ports).toEqual([
      {
        port: 9090,
        kind: "none",
        why: "port 9090 has appProtocol grpc, which Linkerd does not know (only http and kubernetes.io/h2c are HTTP) and TCPRoute is not served",
      },
    ]);
    expect(r.notes).toEqual([
      {
        type: "Warning",
        reason: "CRDMissing",
        message:
          "port 9090 of web has appProtocol grpc, which Linkerd does not know (only http and kubernetes.io/h2c are HTTP), where Linkerd uses only TCPRoutes, and tcproutes.gateway.networking.k8s.io is not served, so that port gets no route; install the Gateway API experimental channel CRD (v1.2.1) to split it, or set its appProtocol to http or kubernetes.io/h2c if it carries HTTP",
      },
    ]);
  });

  it("without TCPRoutes served, linkerd.io/tcp gets no route and an Event naming it", () => {
    const r = translate({
      service: svc([{ port: 7000, appProtocol: "linkerd.io/tcp" }]),
      tcpRouteServed: false,
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes).toEqual([]);
    expect(r.notes.map((n) => n.message)).toEqual([
      "port 7000 of web has appProtocol linkerd.io/tcp, which Linkerd treats as opaque, where Linkerd uses only TCPRoutes, and tcproutes.gateway.networking.k8s.io is not served, so that port gets no route; install the Gateway API experimental channel CRD (v1.2.1) to split it",
    ]);
  });
});

describe("the opaque-ports annotation, as ports.rs reads it", () => {
  it("one invalid entry voids the whole annotation: the set is empty, not the defaults", () => {
    const service = svc([{ port: 7000 }, { port: 3306 }], {
      "config.linkerd.io/opaque-ports": "7000,abc",
    });
    expect(opaquePortsOf(service)).toEqual({
      ports: new Set(),
      from: "annotation",
      invalid: ["abc"],
    });
    // 7000 is listed and 3306 is a default: both are HTTP, as Linkerd serves them.
    expect(kinds(service)).toEqual([
      [7000, "HTTPRoute"],
      [3306, "HTTPRoute"],
    ]);
  });

  it("a valid annotation replaces the defaults; no annotation means the defaults", () => {
    const annotated = svc([{ port: 7000 }, { port: 3306 }], {
      "config.linkerd.io/opaque-ports": "7000",
    });
    expect(kinds(annotated)).toEqual([
      [7000, "TCPRoute"],
      [3306, "HTTPRoute"],
    ]);
    expect(kinds(svc([{ port: 7000 }, { port: 3306 }]))).toEqual([
      [7000, "HTTPRoute"],
      [3306, "TCPRoute"],
    ]);
    expect(kinds(svc([{ port: 7000 }, { port: 3306 }]), [7000])).toEqual([
      [7000, "TCPRoute"],
      [3306, "HTTPRoute"],
    ]);
    expect([...LINKERD_DEFAULT_OPAQUE_PORTS]).toEqual([
      25, 587, 3306, 4444, 5432, 6379, 9300, 11211,
    ]);
  });

  it("trims each side of a range and takes a leading +, as Rust's parse does; 0 and 80- are invalid", () => {
    expect(parsePortList(" 4000 - 4002 ,+80")).toEqual({
      ports: new Set([4000, 4001, 4002, 80]),
      invalid: [],
    });
    expect(parsePortList("0,80-,-80,4 0").invalid).toEqual(["0", "80-", "-80", "4 0"]);
  });
});

describe("regexes Linkerd cannot compile block the split", () => {
  const group = (matches: unknown) => () => ({ spec: { matches } });
  const withMatches = (matches: unknown) =>
    translateSplitToRoutes({
      split: { ...SPLIT, matches: [{ kind: "HTTPRouteGroup", name: "api" }] },
      namespace: NS,
      service: svc([{ port: 80 }]),
      routeGroup: group(matches),
      style: "adaptor",
      owner: OWNER,
    });

  it("a look-ahead in pathRegex is a problem naming the group, the field and what to do", () => {
    expect(withMatches([{ name: "api", pathRegex: "/api/(?!internal).*" }])).toEqual({
      ok: false,
      problems: [
        'HTTPRouteGroup api matches[0].pathRegex "/api/(?!internal).*" is not a regex Linkerd can use: the Rust regex crate says look-around, including look-ahead and look-behind, is not supported (at character 6, "(?!int"), and Linkerd\'s policy controller drops the whole route, catch-all rule included, when one does not compile; rewrite it without look-around, back-references or atomic groups (for /api/(?!internal).* list the paths to split instead)',
      ],
    });
  });

  it("a back-reference in a header regex is a problem too", () => {
    const r = withMatches([{ name: "h", headers: { "x-user": "(a)\\1" } }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(
      /^HTTPRouteGroup api matches\[0\]\.headers\.x-user "\(a\)\\\\1" is not a regex Linkerd can use: the Rust regex crate says backreferences are not supported/,
    );
  });

  it("named groups (?<name>) and (?P<name>) are fine", () => {
    const r = withMatches([
      { name: "a", pathRegex: "/api/(?<version>v[0-9]+)/.*" },
      { name: "b", pathRegex: "/api/(?P<rest>.*)" },
    ]);
    expect(r.ok).toBe(true);
  });
});
