import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOutboundPolicy, type ServedPolicy } from "./policy.js";

// Answers of Linkerd's policy controller (edge-26.8.3), recorded by hand: the bytes, and the
// same call decoded by grpcurl with Linkerd's own protos, which is the oracle here.
interface Recorded {
  case: string;
  request: { sourceWorkload: string; authority: string };
  response: string;
  grpcurl: GPolicy;
}
const fixture = JSON.parse(
  readFileSync(
    new URL("../../test/testdata/served/outbound-policies.edge-26.8.3.json", import.meta.url),
    "utf8",
  ),
) as { linkerd: string; cases: Recorded[] };

// grpcurl's protojson of an OutboundPolicy, as far as it is read here.
interface GMeta {
  default?: string;
  resource?: Record<string, unknown>;
}
interface GRouteBackend {
  metadata?: GMeta;
}
interface GRule {
  matches?: { path?: { prefix?: string } }[];
  backends?: {
    randomAvailable?: { backends: { backend?: { backend?: GRouteBackend }; weight?: number }[] };
    firstAvailable?: { backends: { backend?: GRouteBackend }[] };
  };
}
interface GRoutes {
  routes?: { metadata?: GMeta; rules?: GRule[] }[];
}
interface GPolicy {
  protocol: Record<string, GRoutes & { http1?: GRoutes; http2?: GRoutes; opaque?: GRoutes }>;
  metadata?: GMeta;
}

/** grpcurl's protojson, reduced to what policy.ts decodes (routes, backends, weights). */
function fromGrpcurl(doc: GPolicy): unknown {
  const meta = (m: GMeta | undefined) =>
    m === undefined ? undefined : m.default !== undefined ? { default: m.default } : m.resource;
  const rules = (rule: GRule, http: boolean) => {
    const b = rule.backends ?? {};
    return {
      matches: http
        ? (rule.matches ?? []).map((m) =>
            m.path?.prefix !== undefined ? `PathPrefix ${m.path.prefix}` : "?",
          )
        : [],
      distribution: b.randomAvailable
        ? "random_available"
        : b.firstAvailable
          ? "first_available"
          : "empty",
      backends: b.randomAvailable
        ? b.randomAvailable.backends.map((w) => ({
            metadata: meta(w.backend?.backend?.metadata),
            weight: w.weight ?? 0,
          }))
        : (b.firstAvailable?.backends ?? []).map((f) => ({ metadata: meta(f.backend?.metadata) })),
    };
  };
  const routes = (list: GRoutes | undefined, http: boolean) =>
    (list?.routes ?? []).map((r) => ({
      metadata: meta(r.metadata),
      rules: (r.rules ?? []).map((rule) => rules(rule, http)),
    }));
  const [kind, body] = Object.entries(doc.protocol)[0] ?? ["none", {}];
  return {
    protocol: kind,
    metadata: meta(doc.metadata),
    routes:
      kind === "detect"
        ? {
            http1: routes(body.http1, true),
            http2: routes(body.http2, true),
            opaque: routes(body.opaque, false),
          }
        : { [kind]: routes(body, kind !== "opaque" && kind !== "tls") },
  };
}

describe("decodeOutboundPolicy, on answers recorded from Linkerd edge-26.8.3", () => {
  it("has the recorded cases", () => {
    expect(fixture.linkerd).toBe("edge-26.8.3");
    expect(fixture.cases.map((c) => c.case)).toEqual([
      "guide",
      "flagger",
      "argo",
      "two-ports-80",
      "two-ports-8080",
      "opaque",
      "zero",
      "missing-port-80",
      "missing-port-9000",
      "wrong-opaque",
      "opaque-fixed",
    ]);
  });

  it.each(fixture.cases.map((c) => [c.case, c] as const))(
    "%s: decodes as grpcurl does",
    (_name, c) => {
      const decoded = decodeOutboundPolicy(Buffer.from(c.response, "base64"));
      expect(JSON.parse(JSON.stringify(decoded))).toEqual(fromGrpcurl(c.grpcurl));
    },
  );

  it("argo: the weights the adaptor wrote for 333m/667m/0.5 are served as 333, 667 and 500", () => {
    const argo = fixture.cases.find((c) => c.case === "argo");
    const policy: ServedPolicy = decodeOutboundPolicy(Buffer.from(argo?.response ?? "", "base64"));
    const rule = policy.routes.http1?.[0]?.rules[0];
    expect(policy.protocol).toBe("detect");
    expect(policy.routes.http1?.[0]?.metadata).toEqual({
      group: "gateway.networking.k8s.io",
      kind: "HTTPRoute",
      name: "rollout-smi-80",
      namespace: "served",
    });
    expect(
      rule?.backends.map((b) => [
        b.metadata && "name" in b.metadata ? b.metadata.name : "",
        b.weight,
      ]),
    ).toEqual([
      ["rollout-a", 333],
      ["rollout-b", 667],
      ["rollout-c", 500],
    ]);
  });
});
