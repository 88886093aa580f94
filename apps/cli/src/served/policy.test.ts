import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOutboundPolicy, type ServedPolicy } from "./policy.js";

// Answers of Linkerd's policy controller (edge-26.8.3), recorded by hand: the bytes, and the
// same call decoded by grpcurl with Linkerd's own protos, which is the oracle here.
interface Recorded {
  case: string;
  request: { sourceWorkload: string; authority: string };
  response: string;
  grpcurl: Record<string, unknown>;
}
const fixture = JSON.parse(
  readFileSync(
    new URL("../../test/testdata/served/outbound-policies.edge-26.8.3.json", import.meta.url),
    "utf8",
  ),
) as { linkerd: string; cases: Recorded[] };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** grpcurl's protojson, reduced to what policy.ts decodes (routes, backends, weights). */
function fromGrpcurl(doc: Json): unknown {
  const meta = (m: Json | undefined) =>
    m === undefined ? undefined : m.default !== undefined ? { default: m.default } : m.resource;
  const rules = (r: Json, http: boolean) =>
    (r.rules ?? []).map((rule: Json) => {
      const b = rule.backends ?? {};
      const random = b.randomAvailable?.backends ?? [];
      const first = b.firstAvailable?.backends ?? [];
      return {
        matches: http
          ? (rule.matches ?? []).map((m: Json) =>
              m.path?.prefix !== undefined ? `PathPrefix ${m.path.prefix}` : "?",
            )
          : [],
        distribution: b.randomAvailable
          ? "random_available"
          : b.firstAvailable
            ? "first_available"
            : "empty",
        backends: b.randomAvailable
          ? random.map((w: Json) => ({
              metadata: meta(w.backend?.backend?.metadata),
              weight: w.weight ?? 0,
            }))
          : first.map((f: Json) => ({ metadata: meta(f.backend?.metadata) })),
      };
    });
  const routes = (list: Json | undefined, http: boolean) =>
    (list?.routes ?? []).map((r: Json) => ({ metadata: meta(r.metadata), rules: rules(r, http) }));
  const [kind, body] = Object.entries(doc.protocol as Json)[0] as [string, Json];
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
