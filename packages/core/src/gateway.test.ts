import { describe, expect, it } from "vitest";
import { NS, parsedSplit, serviceLike, SPLIT_OWNER } from "../test/fixtures.js";
import {
  apexWithoutClusterIP,
  CONVERTED_LABEL,
  canonicalJson,
  describeRoute,
  isOpaquePort,
  LINKERD_DEFAULT_OPAQUE_PORTS,
  normalizeRouteSpec,
  opaquePortsOf,
  parseAppProtocol,
  parsePortList,
  portProtocol,
  routeName,
  translateSplitMatches,
  translateSplitToRoutes,
  type RouteTranslationInput,
} from "./gateway.js";
import type { Route, ServiceLike } from "./gateway-types.js";
import type { ParsedTrafficSplit } from "./parse.js";

// The TrafficSplit -> Gateway API translation. Every expected value is written by hand from
// design.md (Outputs: Gateway API), Gateway API v1.2.1 (its limits and defaults) and what
// Linkerd's policy controller reads; none is computed by the code under test.

const TWO = parsedSplit([
  ["web-v1", 9],
  ["web-v2", 1],
]);

function translate(over: Partial<RouteTranslationInput> = {}) {
  return translateSplitToRoutes({
    split: TWO,
    namespace: NS,
    service: serviceLike([{ port: 80 }]),
    style: "adaptor",
    owner: SPLIT_OWNER,
    ...over,
  });
}

const kinds = (service: ServiceLike, defaults?: readonly number[]) => {
  const r = translate({
    service,
    ...(defaults === undefined ? {} : { defaultOpaquePorts: defaults }),
  });
  if (!r.ok) throw new Error(r.problems.join("; "));
  return r.ports.map((p) => [p.port, p.kind]);
};

const ADAPTOR_META = (name: string) => ({
  name,
  namespace: NS,
  labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
  annotations: { "smi.linkerd.io/traffic-split": "web-split" },
  ownerReferences: [
    {
      apiVersion: "split.smi-spec.io/v1alpha4",
      kind: "TrafficSplit",
      name: "web-split",
      uid: "uid-1",
      controller: true,
    },
  ],
});
const ROOT = { path: { type: "PathPrefix", value: "/" } };
const ref = (name: string, port: number, weight: number) => ({
  group: "",
  kind: "Service",
  name,
  port,
  weight,
});

describe("routeName", () => {
  it("the adaptor's routes are <apex>-smi-<port>, convert's <apex>-<port>", () => {
    expect(routeName("web", 8080, "adaptor")).toBe("web-smi-8080");
    expect(routeName("web", 8080, "convert")).toBe("web-8080");
  });
});

describe("parsePortList", () => {
  it("trims entries and skips empty ones", () => {
    const { ports, invalid } = parsePortList(" 25, 3306 ,4000-4002,,");
    expect([...ports]).toEqual([25, 3306, 4000, 4001, 4002]);
    expect(invalid).toEqual([]);
  });

  it("keeps 1..65535 and ranges with multi-digit ends; anything else is invalid, in order", () => {
    const { ports, invalid } = parsePortList(
      "x25,25x,1,65535,0,65536,10-5,7-7,4000-4010,1-2-3,80-,-80",
    );
    expect([...ports]).toEqual([
      1, 65535, 7, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4010,
    ]);
    expect(invalid).toEqual(["x25", "25x", "0", "65536", "10-5", "1-2-3", "80-", "-80"]);
  });

  it("an empty value lists nothing", () => {
    expect(parsePortList("")).toEqual({ ports: new Set(), invalid: [] });
  });
});

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

describe("the opaque-ports annotation, as ports.rs reads it", () => {
  it("one invalid entry voids the whole annotation: the set is empty, not the defaults", () => {
    const service = serviceLike([{ port: 7000 }, { port: 3306 }], {
      annotations: { "config.linkerd.io/opaque-ports": "7000,abc" },
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
    const annotated = serviceLike([{ port: 7000 }, { port: 3306 }], {
      annotations: { "config.linkerd.io/opaque-ports": "7000" },
    });
    expect(kinds(annotated)).toEqual([
      [7000, "TCPRoute"],
      [3306, "HTTPRoute"],
    ]);
    expect(kinds(serviceLike([{ port: 7000 }, { port: 3306 }]))).toEqual([
      [7000, "HTTPRoute"],
      [3306, "TCPRoute"],
    ]);
    expect(kinds(serviceLike([{ port: 7000 }, { port: 3306 }]), [7000])).toEqual([
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

describe("isOpaquePort", () => {
  it("an empty appProtocol counts as none: the annotation or the defaults decide", () => {
    expect(isOpaquePort(serviceLike([{ port: 3306, appProtocol: "" }]), 3306)).toBe(true);
    expect(
      isOpaquePort(
        serviceLike([{ port: 8080, appProtocol: "" }], {
          annotations: { "config.linkerd.io/opaque-ports": "8080" },
        }),
        8080,
        [],
      ),
    ).toBe(true);
  });

  it("appProtocol decides over the annotation and the defaults", () => {
    const s = serviceLike(
      [
        { port: 80, appProtocol: "linkerd.io/opaque" },
        { port: 5432, appProtocol: "http" },
      ],
      { annotations: { "config.linkerd.io/opaque-ports": "5432" } },
    );
    expect(isOpaquePort(s, 80)).toBe(true);
    expect(isOpaquePort(s, 5432)).toBe(false);
  });

  it("the annotation replaces the defaults; the caller's defaults replace Linkerd's", () => {
    const annotated = serviceLike([{ port: 8080 }, { port: 3306 }], {
      annotations: { "config.linkerd.io/opaque-ports": "8080" },
    });
    expect(isOpaquePort(annotated, 8080)).toBe(true);
    expect(isOpaquePort(annotated, 3306)).toBe(false);
    const plain = serviceLike([{ port: 9999 }, { port: 3306 }]);
    expect(isOpaquePort(plain, 9999, [9999])).toBe(true);
    expect(isOpaquePort(plain, 3306, [9999])).toBe(false);
    expect(isOpaquePort(plain, 3306)).toBe(true);
    expect(isOpaquePort(plain, 9999)).toBe(false);
  });
});

describe("which ports get a TCPRoute", () => {
  it("linkerd.io/tcp, grpc and any unknown appProtocol get a TCPRoute; http, HTTP and h2c an HTTPRoute", () => {
    const service = serviceLike([
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
    const service = serviceLike(
      [
        { port: 5432, appProtocol: "HTTP" },
        { port: 8080, appProtocol: "grpc" },
      ],
      { annotations: { "config.linkerd.io/opaque-ports": "5432" } },
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
      service: serviceLike([{ port: 9090, appProtocol: "grpc" }]),
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
      service: serviceLike([{ port: 7000, appProtocol: "linkerd.io/tcp" }]),
      tcpRouteServed: false,
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes).toEqual([]);
    expect(r.notes.map((n) => n.message)).toEqual([
      "port 7000 of web has appProtocol linkerd.io/tcp, which Linkerd treats as opaque, where Linkerd uses only TCPRoutes, and tcproutes.gateway.networking.k8s.io is not served, so that port gets no route; install the Gateway API experimental channel CRD (v1.2.1) to split it",
    ]);
  });
});

describe("translateSplitMatches", () => {
  const one = (group: unknown) => (name: string) => (name === "g" ? group : undefined);
  const split = (...names: [string, string][]) =>
    parsedSplit([["web-v1", 1]], { matches: names.map(([kind, name]) => ({ kind, name })) });

  it("a match of another kind, and a group that does not exist, are problems that say where", () => {
    const r = translateSplitMatches(
      split(["TCPRoute", "tcp"], ["HTTPRouteGroup", "nope"]),
      one({ matches: [{ name: "all" }] }),
      NS,
    );
    expect(r).toEqual({
      matches: [],
      problems: [
        "spec.matches[0] is a TCPRoute; only HTTPRouteGroup matches can be expressed as HTTPRoute rules",
        "spec.matches[1] names HTTPRouteGroup nope, which does not exist in namespace shop; create it or remove the match",
      ],
    });
  });

  it("without a reader every group is missing", () => {
    expect(translateSplitMatches(split(["HTTPRouteGroup", "g"]), undefined, NS).problems).toEqual([
      "spec.matches[0] names HTTPRouteGroup g, which does not exist in namespace shop; create it or remove the match",
    ]);
  });

  it("a group without matches (none, empty, not a mapping, null) is a problem", () => {
    for (const group of [
      { apiVersion: "specs.smi-spec.io/v1alpha4", kind: "HTTPRouteGroup", metadata: { name: "g" } },
      { spec: { matches: [] } },
      { matches: [] },
      { spec: "matches" },
      null,
      "g",
    ]) {
      expect(translateSplitMatches(split(["HTTPRouteGroup", "g"]), one(group), NS)).toEqual({
        matches: [],
        problems: ["HTTPRouteGroup g has no matches; add some or remove spec.matches[0]"],
      });
    }
  });

  it("an entry that is not a mapping is a problem naming its index", () => {
    expect(
      translateSplitMatches(
        split(["HTTPRouteGroup", "g"]),
        one({ spec: { matches: ["x", null, { name: "ok" }] } }),
        NS,
      ),
    ).toEqual({
      matches: [ROOT],
      problems: [
        "HTTPRouteGroup g matches[0] must be a mapping",
        "HTTPRouteGroup g matches[1] must be a mapping",
      ],
    });
  });

  it("the same match from two groups is written once", () => {
    const groups = (name: string) =>
      name === "a"
        ? { spec: { matches: [{ name: "api", pathRegex: "/api" }] } }
        : { matches: [{ name: "also-api", pathRegex: "/api", methods: [] }, { name: "x" }] };
    expect(
      translateSplitMatches(split(["HTTPRouteGroup", "a"], ["HTTPRouteGroup", "b"]), groups, NS),
    ).toEqual({
      matches: [{ path: { type: "RegularExpression", value: "/api" } }, ROOT],
      problems: [],
    });
  });

  it("an empty pathRegex matches every path (PathPrefix /)", () => {
    expect(
      translateSplitMatches(
        split(["HTTPRouteGroup", "g"]),
        one({ matches: [{ name: "x", pathRegex: "" }] }),
        NS,
      ).matches,
    ).toEqual([ROOT]);
  });

  it("a pathRegex of 1024 characters fits, one of 1025 is a problem", () => {
    const fits = "/" + "a".repeat(1023);
    const ok = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ pathRegex: fits }] }),
      NS,
    );
    expect(ok).toEqual({
      matches: [{ path: { type: "RegularExpression", value: fits } }],
      problems: [],
    });
    const long = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ pathRegex: fits + "a" }] }),
      NS,
    );
    expect(long.problems).toEqual([
      "HTTPRouteGroup g matches[0].pathRegex is longer than 1024 characters",
    ]);
  });

  it("headers: a list, a non-string value and a bad name are problems", () => {
    const r = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({
        matches: [
          { headers: ["x-user"] },
          { headers: { "x-n": 5, "bad name": "v", "x:y": "v", "x-ok": "1" } },
        ],
      }),
      NS,
    );
    expect(r.problems).toEqual([
      "HTTPRouteGroup g matches[0].headers must be a mapping of header name to value",
      "HTTPRouteGroup g matches[1].headers.x-n must be a string",
      'HTTPRouteGroup g matches[1].headers: "bad name" is not a valid header name',
      'HTTPRouteGroup g matches[1].headers: "x:y" is not a valid header name',
    ]);
  });

  it("header names up to 256 characters and values up to 4096 fit", () => {
    const name = "h".repeat(256);
    const value = "v".repeat(4096);
    const ok = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ headers: { [name]: value, "x-token": "a" } }] }),
      NS,
    );
    expect(ok).toEqual({
      matches: [
        {
          path: { type: "PathPrefix", value: "/" },
          headers: [
            { type: "RegularExpression", name, value },
            { type: "RegularExpression", name: "x-token", value: "a" },
          ],
        },
      ],
      problems: [],
    });
    const bad = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ headers: { [name + "h"]: "v", "x-v": value + "v" } }] }),
      NS,
    );
    expect(bad.problems).toEqual([
      `HTTPRouteGroup g matches[0].headers: "${name}h" is not a valid header name`,
      "HTTPRouteGroup g matches[0].headers.x-v is longer than 4096 characters",
    ]);
  });

  it("16 headers fit in a match, 17 do not", () => {
    const headers = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, "v"]));
    const ok = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ headers: headers(16) }] }),
      NS,
    );
    expect(ok.problems).toEqual([]);
    expect(ok.matches[0]?.headers).toHaveLength(16);
    const bad = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({ matches: [{ headers: headers(17) }] }),
      NS,
    );
    expect(bad.problems).toEqual([
      "HTTPRouteGroup g matches[0].headers has 17 entries; an HTTPRoute match allows 16",
    ]);
  });

  it("methods: * means any, case is ignored, a repeat is written once, others are problems", () => {
    const r = translateSplitMatches(
      split(["HTTPRouteGroup", "g"]),
      one({
        matches: [
          { name: "star", pathRegex: "/a", methods: ["GET", "*"] },
          { name: "cased", pathRegex: "/b", methods: ["get", "GET", "Patch"] },
          { name: "none", pathRegex: "/c" },
          { name: "bad", pathRegex: "/d", methods: [5, "FETCH"] },
        ],
      }),
      NS,
    );
    const re = (value: string) => ({ type: "RegularExpression", value });
    expect(r.matches).toEqual([
      { path: re("/a") },
      { path: re("/b"), method: "GET" },
      { path: re("/b"), method: "PATCH" },
      { path: re("/c") },
    ]);
    expect(r.problems).toEqual([
      "HTTPRouteGroup g matches[3].methods has 5; use * or one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH",
      'HTTPRouteGroup g matches[3].methods has "FETCH"; use * or one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH',
    ]);
  });

  it("64 matches fit in a rule, 65 do not", () => {
    const many = (n: number) => ({
      matches: Array.from({ length: n }, (_, i) => ({ pathRegex: `/p${i}` })),
    });
    const ok = translateSplitMatches(split(["HTTPRouteGroup", "g"]), one(many(64)), NS);
    expect(ok.problems).toEqual([]);
    expect(ok.matches).toHaveLength(64);
    const bad = translateSplitMatches(split(["HTTPRouteGroup", "g"]), one(many(65)), NS);
    expect(bad.problems).toEqual([
      "the split's HTTPRouteGroups give 65 matches; an HTTPRoute rule allows 64",
    ]);
  });
});

describe("regexes Linkerd cannot compile block the split", () => {
  const group = (matches: unknown) => () => ({ spec: { matches } });
  const withMatches = (matches: unknown) =>
    translateSplitToRoutes({
      split: { ...TWO, matches: [{ kind: "HTTPRouteGroup", name: "api" }] },
      namespace: NS,
      service: serviceLike([{ port: 80 }]),
      routeGroup: group(matches),
      style: "adaptor",
      owner: SPLIT_OWNER,
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

describe("translateSplitToRoutes: what blocks the write", () => {
  it("no TCP port (a port that is not a number, UDP) and 17 backends: both problems", () => {
    const r = translate({
      split: parsedSplit(Array.from({ length: 17 }, (_, i): [string, number] => [`b${i}`, 1])),
      service: serviceLike([{ port: "80" as unknown as number }, { port: 53, protocol: "UDP" }]),
    });
    expect(r).toEqual({
      ok: false,
      problems: [
        "Service web in namespace shop has no TCP port: a route's parent is a Service port; add one",
        "spec.backends has 17 entries; an HTTPRoute rule allows 16 backendRefs (Gateway API v1.2.1), so split across fewer backends",
      ],
    });
  });

  it("a Service without ports has no TCP port", () => {
    expect(translate({ service: { metadata: { name: "web" } } })).toEqual({
      ok: false,
      problems: [
        "Service web in namespace shop has no TCP port: a route's parent is a Service port; add one",
      ],
    });
  });

  it("16 backends fit in one rule", () => {
    const r = translate({
      split: parsedSplit(Array.from({ length: 16 }, (_, i): [string, number] => [`b${i}`, 1])),
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.spec.rules[0]?.backendRefs).toHaveLength(16);
  });

  it("the problems of the matches block it too", () => {
    const r = translate({
      split: parsedSplit([["web-v1", 1]], { matches: [{ kind: "HTTPRouteGroup", name: "nope" }] }),
    });
    expect(r).toEqual({
      ok: false,
      problems: [
        "spec.matches[0] names HTTPRouteGroup nope, which does not exist in namespace shop; create it or remove the match",
      ],
    });
  });
});

describe("translateSplitToRoutes: routes and notes", () => {
  it("one HTTPRoute per TCP port: a port listed twice gets one, a non-number port none", () => {
    const r = translate({
      service: serviceLike([
        { port: 80, name: "http" },
        { port: 80, name: "http-again" },
        { port: "81" as unknown as number },
        { port: 82, protocol: "TCP" },
      ]),
    });
    expect(r).toEqual({
      ok: true,
      routes: [
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: ADAPTOR_META("web-smi-80"),
          spec: {
            parentRefs: [{ group: "core", kind: "Service", name: "web", port: 80 }],
            rules: [{ matches: [ROOT], backendRefs: [ref("web-v1", 80, 9), ref("web-v2", 80, 1)] }],
          },
        },
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: ADAPTOR_META("web-smi-82"),
          spec: {
            parentRefs: [{ group: "core", kind: "Service", name: "web", port: 82 }],
            rules: [{ matches: [ROOT], backendRefs: [ref("web-v1", 82, 9), ref("web-v2", 82, 1)] }],
          },
        },
      ],
      ports: [
        { port: 80, kind: "HTTPRoute", name: "web-smi-80" },
        { port: 82, kind: "HTTPRoute", name: "web-smi-82" },
      ],
      notes: [],
    });
  });

  it("an opaque port gets a TCPRoute v1alpha2 with the same backends", () => {
    const r = translate({ service: serviceLike([{ port: 5432 }]) });
    expect(r).toEqual({
      ok: true,
      routes: [
        {
          apiVersion: "gateway.networking.k8s.io/v1alpha2",
          kind: "TCPRoute",
          metadata: ADAPTOR_META("web-smi-5432"),
          spec: {
            parentRefs: [{ group: "core", kind: "Service", name: "web", port: 5432 }],
            rules: [{ backendRefs: [ref("web-v1", 5432, 9), ref("web-v2", 5432, 1)] }],
          },
        },
      ],
      ports: [{ port: 5432, kind: "TCPRoute", name: "web-smi-5432" }],
      notes: [],
    });
  });

  it("an opaque port without the TCPRoute CRD gets no route and a CRDMissing Warning", () => {
    const r = translate({
      service: serviceLike([{ port: 5432 }, { port: 80 }]),
      tcpRouteServed: false,
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes.map((x) => [x.kind, x.metadata.name])).toEqual([["HTTPRoute", "web-smi-80"]]);
    expect(r.ports).toEqual([
      {
        port: 5432,
        kind: "none",
        why: "port 5432 is opaque (one of the cluster's default opaque ports) and TCPRoute is not served",
      },
      { port: 80, kind: "HTTPRoute", name: "web-smi-80" },
    ]);
    expect(r.notes).toEqual([
      {
        type: "Warning",
        reason: "CRDMissing",
        message:
          "port 5432 of web is opaque (one of the cluster's default opaque ports), where Linkerd uses only TCPRoutes, and tcproutes.gateway.networking.k8s.io is not served, so that port gets no route; install the Gateway API experimental channel CRD (v1.2.1) to split it",
      },
    ]);
  });

  it("with matches, an opaque port gets no route: HTTP matches cannot apply there", () => {
    const r = translate({
      split: parsedSplit([["web-v1", 1]], { matches: [{ kind: "HTTPRouteGroup", name: "g" }] }),
      service: serviceLike([{ port: 3306 }]),
      routeGroup: () => ({ matches: [{ name: "all" }] }),
    });
    expect(r).toEqual({
      ok: true,
      routes: [],
      ports: [
        {
          port: 3306,
          kind: "none",
          why: "port 3306 is opaque (one of the cluster's default opaque ports), so HTTP matches cannot apply there; its traffic stays on web",
        },
      ],
      notes: [
        {
          type: "Warning",
          reason: "MatchesNotSupported",
          message:
            "port 3306 of web is opaque (one of the cluster's default opaque ports): Linkerd serves only TCPRoutes there and sees no HTTP requests, so the split's matches cannot apply and that port's traffic stays on web",
        },
      ],
    });
  });

  it("the caller's default opaque ports replace Linkerd's", () => {
    const r = translate({
      service: serviceLike([{ port: 3306 }, { port: 8080 }]),
      defaultOpaquePorts: [8080],
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.ports).toEqual([
      { port: 3306, kind: "HTTPRoute", name: "web-smi-3306" },
      { port: 8080, kind: "TCPRoute", name: "web-smi-8080" },
    ]);
  });

  it("a bad opaque-ports annotation is a Warning naming the bad entries, and Linkerd then ignores all of it; a good one is not", () => {
    const bad = translate({
      service: serviceLike([{ port: 80 }], {
        annotations: { "config.linkerd.io/opaque-ports": "80,abc,99999" },
      }),
    });
    if (!bad.ok) throw new Error(bad.problems.join("; "));
    expect(bad.notes).toEqual([
      {
        type: "Warning",
        reason: "InvalidSpec",
        message:
          "Service web annotation config.linkerd.io/opaque-ports has entries that are not ports or port ranges (abc, 99999), so Linkerd ignores the whole annotation: no port of web is opaque by it, not even the cluster's default opaque ports; fix or remove those entries",
      },
    ]);
    // ports.rs, ports_annotation: an invalid list is the empty set, so 80 is not opaque.
    expect(bad.ports).toEqual([{ port: 80, kind: "HTTPRoute", name: "web-smi-80" }]);
    const good = translate({
      service: serviceLike([{ port: 80 }], {
        annotations: { "config.linkerd.io/opaque-ports": "8080" },
      }),
    });
    if (!good.ok) throw new Error(good.problems.join("; "));
    expect(good.notes).toEqual([]);
  });

  it("a headless apex is a Warning: Linkerd accepts routes only on a Service with a ClusterIP", () => {
    const r = translate({ service: serviceLike([{ port: 80 }], { clusterIP: "None" }) });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes).toHaveLength(1);
    expect(r.notes).toEqual([
      {
        type: "Warning",
        reason: "RouteNotAccepted",
        message:
          "Service web is headless (clusterIP: None): Linkerd's policy controller accepts routes only on Services with a ClusterIP, so the routes for it will not be used",
      },
    ]);
  });

  it("an ExternalName apex is the same Warning: Linkerd answers NoMatchingParent for it", () => {
    const service: ServiceLike = {
      metadata: { name: "web", namespace: NS },
      spec: { type: "ExternalName", ports: [{ port: 80 }] },
    };
    const r = translate({ service });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes).toHaveLength(1);
    expect(r.notes).toEqual([
      {
        type: "Warning",
        reason: "RouteNotAccepted",
        message:
          "Service web is of type ExternalName: Linkerd's policy controller accepts routes only on Services with a ClusterIP (it answers NoMatchingParent: parent service must have a ClusterIP), so the routes for it will not be used; split a Service with a ClusterIP instead",
      },
    ]);
    expect(apexWithoutClusterIP(service, "web")).toBe(r.notes[0]?.message);
    expect(apexWithoutClusterIP(serviceLike([{ port: 80 }]), "web")).toBeUndefined();
  });

  it("backends without the apex's port are left out, with one Warning per port (it / they)", () => {
    const r = translate({
      split: parsedSplit([
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]),
      service: serviceLike([{ port: 80 }, { port: 81 }]),
      backendPorts: (name) => (name === "a" ? [80, 81] : name === "b" ? [81] : []),
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes.map((x) => x.spec.rules[0]?.backendRefs)).toEqual([
      [ref("a", 80, 1)],
      [ref("a", 81, 1), ref("b", 81, 2)],
    ]);
    expect(r.notes).toEqual([
      {
        type: "Warning",
        reason: "BackendPortMissing",
        message:
          "backend b, c does not expose port 80 of web, so they are left out of that port's route (SMI: a backend must expose the apex's ports)",
      },
      {
        type: "Warning",
        reason: "BackendPortMissing",
        message:
          "backend c does not expose port 81 of web, so it is left out of that port's route (SMI: a backend must expose the apex's ports)",
      },
    ]);
  });

  it("all weights zero: the route sends everything to the apex, with a Normal note", () => {
    const r = translate({
      split: parsedSplit([
        ["web-v1", 0],
        ["web-v2", 0],
      ]),
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.spec.rules).toEqual([
      { matches: [ROOT], backendRefs: [ref("web", 80, 1)] },
    ]);
    expect(r.notes).toEqual([
      {
        type: "Normal",
        reason: "AllWeightsZero",
        message:
          "every backend of port 80 has weight 0, so its route sends every request to web itself, as Linkerd does with a ServiceProfile",
      },
    ]);
  });

  it("every backend left out of a port is all zero there: that port routes to the apex", () => {
    const r = translate({ backendPorts: () => [] });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.spec.rules[0]?.backendRefs).toEqual([ref("web", 80, 1)]);
    expect(r.notes.map((n) => n.reason)).toEqual(["BackendPortMissing", "AllWeightsZero"]);
  });
});

describe("translateSplitToRoutes: metadata", () => {
  it("the owner's name is the annotation, even when the parsed split says otherwise", () => {
    const r = translate({ split: parsedSplit([["web-v1", 1]], { name: "other" }) });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.metadata).toEqual(ADAPTOR_META("web-smi-80"));
  });

  it("convert: the converted label, the split's name, no owner even when one is given", () => {
    const r = translate({ style: "convert" });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.metadata).toEqual({
      name: "web-80",
      namespace: NS,
      labels: { [CONVERTED_LABEL]: "true" },
      annotations: { "smi.linkerd.io/traffic-split": "web-split" },
    });
    expect(CONVERTED_LABEL).toBe("smi.linkerd.io/converted");
  });

  it("convert without any name: no annotation", () => {
    const nameless: ParsedTrafficSplit = {
      apiVersion: "split.smi-spec.io/v1alpha2",
      service: "web",
      backends: [{ service: "web-v1", weight: "1", milli: 1000n }],
      allWeightsZero: false,
    };
    const r = translateSplitToRoutes({
      split: nameless,
      namespace: NS,
      service: serviceLike([{ port: 80 }]),
      style: "convert",
    });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.metadata).toEqual({
      name: "web-80",
      namespace: NS,
      labels: { "smi.linkerd.io/converted": "true" },
    });
  });

  it("an owner without a uid gets no ownerReference (the API server would reject it)", () => {
    const r = translate({ owner: { ...SPLIT_OWNER, uid: "" } });
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.routes[0]?.metadata).toEqual({
      name: "web-smi-80",
      namespace: NS,
      labels: { "app.kubernetes.io/managed-by": "smi-adaptor", "smi.linkerd.io/apex": "web" },
      annotations: { "smi.linkerd.io/traffic-split": "web-split" },
    });
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level, drops undefined values, keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [2, "x", null, { d: 1, c: 2 }], u: undefined, n: null })).toBe(
      '{"a":[2,"x",null,{"c":2,"d":1}],"b":1,"n":null}',
    );
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson("s")).toBe('"s"');
  });
});

describe("normalizeRouteSpec", () => {
  it("fills Gateway API v1.2.1's defaults of an HTTPRoute as the API server stores it", () => {
    expect(
      normalizeRouteSpec("HTTPRoute", {
        parentRefs: [
          { name: "gw" },
          { group: "core", kind: "Service", name: "web", port: 80 },
          "x",
        ],
        rules: [
          {
            timeouts: { request: "10s" },
            backendRefs: [{ name: "a", port: 80 }, { name: "b", port: 80, weight: 0 }, 7],
            matches: [
              {},
              { path: { value: "/api" } },
              {
                path: { type: "Exact", value: "/x" },
                headers: [
                  { name: "h", value: "v" },
                  { type: "RegularExpression", name: "r", value: ".*" },
                  "y",
                ],
              },
              "z",
            ],
          },
          { backendRefs: [{ name: "c", port: 80 }] },
          "w",
        ],
      }),
    ).toEqual({
      parentRefs: [
        { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" },
        { group: "core", kind: "Service", name: "web", port: 80 },
        "x",
      ],
      rules: [
        {
          timeouts: { request: "10s" },
          backendRefs: [
            { group: "", kind: "Service", weight: 1, name: "a", port: 80 },
            { group: "", kind: "Service", weight: 0, name: "b", port: 80 },
            7,
          ],
          matches: [
            { path: { type: "PathPrefix", value: "/" } },
            { path: { type: "PathPrefix", value: "/api" } },
            {
              path: { type: "Exact", value: "/x" },
              headers: [
                { type: "Exact", name: "h", value: "v" },
                { type: "RegularExpression", name: "r", value: ".*" },
                "y",
              ],
            },
            "z",
          ],
        },
        {
          backendRefs: [{ group: "", kind: "Service", weight: 1, name: "c", port: 80 }],
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
        },
        "w",
      ],
    });
  });

  it("an HTTPRoute without rules has the default rule; a TCPRoute has none and no matches", () => {
    expect(normalizeRouteSpec("HTTPRoute", { parentRefs: [] })).toEqual({
      parentRefs: [],
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
    });
    expect(normalizeRouteSpec("TCPRoute", { parentRefs: [] })).toEqual({
      parentRefs: [],
      rules: [],
    });
    expect(
      normalizeRouteSpec("TCPRoute", {
        parentRefs: [],
        rules: [{ backendRefs: [{ name: "a", port: 5432 }] }],
      }),
    ).toEqual({
      parentRefs: [],
      rules: [{ backendRefs: [{ group: "", kind: "Service", weight: 1, name: "a", port: 5432 }] }],
    });
  });

  it("leaves what is not a mapping as it is", () => {
    expect(normalizeRouteSpec("HTTPRoute", null)).toBe(null);
    expect(normalizeRouteSpec("HTTPRoute", { parentRefs: "p", rules: [] })).toEqual({
      parentRefs: "p",
      rules: [],
    });
  });
});

describe("describeRoute", () => {
  it("names the route, its weighted backends and its port", () => {
    const r = translate();
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(describeRoute(r.routes[0] as Route)).toBe(
      "HTTPRoute web-smi-80 (web-v1:9, web-v2:1 on port 80)",
    );
  });

  it("a route without name, rules or parents still reads", () => {
    const bare = {
      apiVersion: "gateway.networking.k8s.io/v1alpha2",
      kind: "TCPRoute",
      metadata: {},
      spec: { parentRefs: [], rules: [] },
    } as Route;
    expect(describeRoute(bare)).toBe("TCPRoute  ( on port ?)");
  });
});
