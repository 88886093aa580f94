import { describe, expect, it } from "vitest";
import { parseTrafficSplit, type Diagnostic } from "./index.js";

// The full text of each diagnostic parseTrafficSplit gives, written by hand: the design asks for
// a clear error that names the object, the field and what to do, so the words are the contract.
// Found missing by mutation testing (README.md, Mutation testing).

const EXAMPLE = "backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]";
const VERSIONS =
  "split.smi-spec.io/v1alpha1, split.smi-spec.io/v1alpha2, split.smi-spec.io/v1alpha3, split.smi-spec.io/v1alpha4";
const ONE = [{ service: "web-v1", weight: 1 }];

function doc(spec: unknown, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "split.smi-spec.io/v1alpha2",
    kind: "TrafficSplit",
    metadata: { name: "web-split", namespace: "shop" },
    spec,
    ...more,
  };
}

function diagnostics(input: unknown, options = {}): Diagnostic[] {
  return parseTrafficSplit(input, options).diagnostics;
}

const error = (code: string, path: string, message: string, suggestion?: string): Diagnostic =>
  (suggestion === undefined
    ? { severity: "error", code, path, message }
    : { severity: "error", code, path, message, suggestion }) as Diagnostic;
const warning = (code: string, path: string, message: string, suggestion?: string): Diagnostic => ({
  ...error(code, path, message, suggestion),
  severity: "warning",
});

describe("parseTrafficSplit: apiVersion and kind", () => {
  it("an apiVersion that is not a string", () => {
    expect(diagnostics(doc({ service: "web", backends: ONE }, { apiVersion: 2 }))).toEqual([
      error(
        "invalid-type",
        "apiVersion",
        "apiVersion must be a string, got the number 2; write apiVersion: split.smi-spec.io/v1alpha2",
        "split.smi-spec.io/v1alpha2",
      ),
    ]);
  });

  it("a version of SMI's group that does not exist, with the closest one", () => {
    expect(
      diagnostics(
        doc({ service: "web", backends: ONE }, { apiVersion: "split.smi-spec.io/v1alpha33" }),
      ),
    ).toEqual([
      error(
        "unsupported-version",
        "apiVersion",
        `version "v1alpha33" of split.smi-spec.io is not supported: use one of ${VERSIONS} (linkerd-smi's CRD serves v1alpha1 and v1alpha2)`,
        "split.smi-spec.io/v1alpha3",
      ),
    ]);
  });

  it("the group without a version", () => {
    expect(
      diagnostics(doc({ service: "web", backends: ONE }, { apiVersion: "split.smi-spec.io" }))[0]
        ?.message,
    ).toBe(
      `version "" of split.smi-spec.io is not supported: use one of ${VERSIONS} (linkerd-smi's CRD serves v1alpha1 and v1alpha2)`,
    );
  });

  it("another group altogether; its matches are not also blamed on the version", () => {
    const matches = [{ kind: "HTTPRouteGroup", name: "ios" }];
    const found = diagnostics(
      doc({ service: "web", backends: ONE, matches }, { apiVersion: "linkerd.io/v1alpha2" }),
    );
    expect(found[0]).toEqual(
      error(
        "unsupported-version",
        "apiVersion",
        `"linkerd.io/v1alpha2" is not a TrafficSplit API version: use one of ${VERSIONS} (linkerd-smi's CRD serves v1alpha1 and v1alpha2)`,
        "split.smi-spec.io/v1alpha2",
      ),
    );
    expect(found.map((d) => d.code)).toEqual(["unsupported-version", "matches-ignored"]);
  });

  it("kinds: not a string, the wrong letter case, another kind", () => {
    const spec = { service: "web", backends: ONE };
    expect(diagnostics(doc(spec, { kind: 5 }))).toEqual([
      error(
        "invalid-type",
        "kind",
        'kind must be the string "TrafficSplit", got the number 5; write kind: TrafficSplit',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(doc(spec, { kind: "trafficsplit" }))).toEqual([
      error(
        "wrong-kind",
        "kind",
        'kind "trafficsplit" is spelled with the wrong letter case: kinds are case-sensitive, write "TrafficSplit"',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(doc(spec, { kind: "ServiceProfile" }))).toEqual([
      error(
        "wrong-kind",
        "kind",
        'kind "ServiceProfile" is not a TrafficSplit: this tool reads SMI TrafficSplit (split.smi-spec.io) documents only; set kind: TrafficSplit if this is one, or leave this document out',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(doc(spec, { kind: null, apiVersion: null }))).toEqual([]);
  });
});

describe("parseTrafficSplit: metadata", () => {
  const spec = { service: "web", backends: ONE };

  it("metadata that is not a mapping", () => {
    expect(diagnostics(doc(spec, { metadata: "web" }))).toEqual([
      error(
        "invalid-type",
        "metadata",
        'metadata must be a mapping, got the string "web"; write it as metadata: {name: my-app-split, namespace: default}',
      ),
    ]);
  });

  it("a name or namespace that is not a string", () => {
    expect(diagnostics(doc(spec, { metadata: { name: 3, namespace: true } }))).toEqual([
      error(
        "invalid-type",
        "metadata.name",
        "metadata.name must be a string, got the number 3; write the split's name as a string, e.g. name: my-app-split",
      ),
      error(
        "invalid-type",
        "metadata.namespace",
        "metadata.namespace must be a string, got the boolean true; write the namespace as a string, e.g. namespace: default, or leave it out",
      ),
    ]);
  });

  it("an invalid name or namespace is named by its field", () => {
    const found = diagnostics(doc(spec, { metadata: { name: "Web_Split", namespace: "a.b" } }));
    expect(found.map((d) => [d.severity, d.code, d.path])).toEqual([
      ["error", "invalid-name", "metadata.name"],
      ["error", "invalid-name", "metadata.namespace"],
    ]);
  });

  it("name and namespace are returned when given, and left out when not", () => {
    const given = parseTrafficSplit(doc(spec));
    expect(given.ok && given.split.name).toBe("web-split");
    expect(given.ok && given.split.namespace).toBe("shop");
    const bare = parseTrafficSplit(doc(spec, { metadata: { name: null, namespace: null } }));
    expect(bare.ok).toBe(true);
    expect(bare.ok && Object.keys(bare.split).sort()).toEqual([
      "allWeightsZero",
      "apiVersion",
      "backends",
      "service",
    ]);
  });
});

describe("parseTrafficSplit: spec and service", () => {
  it("no spec, or a spec that is not a mapping", () => {
    expect(diagnostics(doc(undefined))).toEqual([
      error(
        "missing-field",
        "spec",
        `spec is missing: add spec.service (the apex Service) and spec.backends, e.g. spec: {service: my-app, ${EXAMPLE}}`,
      ),
    ]);
    expect(diagnostics(doc("web"))).toEqual([
      error(
        "invalid-type",
        "spec",
        `spec must be a mapping with service and backends, got the string "web"; write it as spec: {service: my-app, ${EXAMPLE}}`,
      ),
    ]);
  });

  it("an apex Service missing, empty or not a string", () => {
    expect(diagnostics(doc({ backends: ONE }))).toEqual([
      error(
        "missing-field",
        "spec.service",
        "spec.service is missing: name the apex Service whose traffic is split (the Service clients call), e.g. service: my-app",
      ),
    ]);
    expect(diagnostics(doc({ service: "  ", backends: ONE }))).toEqual([
      error(
        "missing-field",
        "spec.service",
        "spec.service is empty: name the apex Service, e.g. my-app",
      ),
    ]);
    expect(diagnostics(doc({ service: 7, backends: ONE }))).toEqual([
      error(
        "invalid-type",
        "spec.service",
        "spec.service must be a string naming the apex Service, got the number 7; write the Service's name, e.g. service: my-app",
      ),
    ]);
  });

  it("a backend Service missing, empty or not a string", () => {
    expect(
      diagnostics(
        doc({
          service: "web",
          backends: [{ weight: 1 }, { service: "", weight: 1 }, { service: 1, weight: 1 }],
        }),
      ),
    ).toEqual([
      error(
        "missing-field",
        "spec.backends[0].service",
        "spec.backends[0].service is missing: name the Service this backend sends traffic to, e.g. service: my-app-v2",
      ),
      error(
        "missing-field",
        "spec.backends[1].service",
        "spec.backends[1].service is empty: name the backend Service, e.g. my-app",
      ),
      error(
        "invalid-type",
        "spec.backends[2].service",
        "spec.backends[2].service must be a string naming the backend Service, got the number 1; write the Service's name, e.g. service: my-app",
      ),
    ]);
  });

  it("an invalid Service name is prefixed with its path", () => {
    const [found] = diagnostics(doc({ service: "web.shop", backends: ONE }));
    expect(found?.code).toBe("invalid-name");
    expect(found?.path).toBe("spec.service");
    expect(found?.message.startsWith("spec.service: ")).toBe(true);
  });
});

describe("parseTrafficSplit: backends", () => {
  it("missing, or not a list and not rebuildable", () => {
    expect(diagnostics(doc({ service: "web" }))).toEqual([
      error(
        "missing-field",
        "spec.backends",
        `spec.backends is missing: list the Services to split traffic between with their weights, e.g. ${EXAMPLE}`,
      ),
    ]);
    expect(diagnostics(doc({ service: "web", backends: "web-v1" }))).toEqual([
      error(
        "invalid-type",
        "spec.backends",
        `spec.backends must be a list of {service, weight} entries, got the string "web-v1"; write it as ${EXAMPLE}`,
      ),
    ]);
  });

  it("empty", () => {
    expect(diagnostics(doc({ service: "web", backends: [] }))).toEqual([
      error(
        "no-backends",
        "spec.backends",
        `spec.backends is empty: a split needs at least one backend, so nothing would be routed by it. List the Services to split "web" between, e.g. ${EXAMPLE}`,
      ),
    ]);
  });

  it("more than maxBackends, counted at the edge", () => {
    const three = [
      { service: "a", weight: 1 },
      { service: "b", weight: 1 },
      { service: "c", weight: 1 },
    ];
    expect(diagnostics(doc({ service: "web", backends: three }), { maxBackends: 2 })).toEqual([
      error(
        "too-many-backends",
        "spec.backends",
        "spec.backends has 3 entries; at most 2 are supported: split the traffic between fewer Services, or remove the backends of weight 0",
      ),
    ]);
    expect(parseTrafficSplit(doc({ service: "web", backends: three }), { maxBackends: 3 }).ok).toBe(
      true,
    );
    // A negative limit counts as 0.
    expect(diagnostics(doc({ service: "web", backends: ONE }), { maxBackends: -5 })).toEqual([
      error(
        "too-many-backends",
        "spec.backends",
        "spec.backends has 1 entries; at most 0 are supported: split the traffic between fewer Services, or remove the backends of weight 0",
      ),
    ]);
  });

  it("all weights zero is an info that says where the traffic goes", () => {
    const result = parseTrafficSplit(
      doc({
        service: "web",
        backends: [
          { service: "web-v1", weight: 0 },
          { service: "web-v2", weight: "0m" },
        ],
      }),
    );
    expect(result.ok && result.split.allWeightsZero).toBe(true);
    expect(result.diagnostics).toEqual([
      {
        severity: "info",
        code: "all-weights-zero",
        path: "spec.backends",
        message:
          'all 2 backend weight(s) are zero: Linkerd then routes all traffic for "web" to the apex Service web itself. Give a backend a positive weight to split traffic',
      },
    ]);
    const some = parseTrafficSplit(
      doc({
        service: "web",
        backends: [
          { service: "web-v1", weight: 0 },
          { service: "web-v2", weight: 1 },
        ],
      }),
    );
    expect(some.ok && some.split.allWeightsZero).toBe(false);
    expect(some.diagnostics).toEqual([]);
  });

  it("a Service listed twice", () => {
    expect(
      diagnostics(
        doc({
          service: "web",
          backends: [
            { service: "web-v1", weight: 1 },
            { service: "web-v2", weight: 1 },
            { service: "web-v1", weight: 2 },
          ],
        }),
      ),
    ).toEqual([
      warning(
        "duplicate-backend",
        "spec.backends[2].service",
        'Service "web-v1" is listed again (first at spec.backends[0]): Linkerd receives both entries and their weights add up. Keep one entry with the combined weight',
      ),
    ]);
  });

  it("an entry that is not a mapping", () => {
    expect(diagnostics(doc({ service: "web", backends: [3] }))).toEqual([
      error(
        "invalid-type",
        "spec.backends[0]",
        "spec.backends[0] must be a mapping {service: <name>, weight: <weight>}, got the number 3; write each backend as {service: <name>, weight: <weight>}",
      ),
    ]);
  });
});

describe("parseTrafficSplit: weights", () => {
  const one = (weight: unknown) =>
    diagnostics(doc({ service: "web", backends: [{ service: "web-v1", weight }] }));

  it("missing", () => {
    expect(one(null)).toEqual([
      error(
        "missing-field",
        "spec.backends[0].weight",
        "spec.backends[0].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other)",
      ),
    ]);
  });

  it("negative, with the positive weight as the fix", () => {
    expect(one("-500m")).toEqual([
      error(
        "negative-weight",
        "spec.backends[0].weight",
        'spec.backends[0].weight is "-500m", a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight)',
        "500m",
      ),
    ]);
  });

  it("finer than 1m, with the weight rounded up as the fix", () => {
    expect(one("0.5m")).toEqual([
      error(
        "sub-milli-weight",
        "spec.backends[0].weight",
        'spec.backends[0].weight is "0.5m" (500u), finer than 1m: Linkerd works in whole thousandths (milli units) and would silently round it up to 1m. Use a multiple of 1m, e.g. 1m, or scale all weights up',
        "1m",
      ),
    ]);
    expect(one(0.0015)[0]?.message).toBe(
      "spec.backends[0].weight is 0.0015 (1500u), finer than 1m: Linkerd works in whole thousandths (milli units) and would silently round it up to 2m. Use a multiple of 1m, e.g. 2m, or scale all weights up",
    );
  });

  it("surrounding spaces are a warning, with the trimmed weight", () => {
    expect(one(" 500m ")).toEqual([
      warning(
        "weight-whitespace",
        "spec.backends[0].weight",
        'spec.backends[0].weight is " 500m ", with surrounding spaces: linkerd-smi trims them, but write "500m"',
        "500m",
      ),
    ]);
    expect(one("500m")).toEqual([]);
  });

  it("a weight that is no quantity, with a repair where one is obvious", () => {
    const [percent] = one("50%");
    expect(percent?.code).toBe("invalid-weight");
    expect(percent?.suggestion).toBe("50");
    expect(percent?.message.endsWith('; did you mean "50"?')).toBe(true);
    const [none] = one("lots");
    expect(none?.code).toBe("invalid-weight");
    expect(none?.suggestion).toBeUndefined();
    expect(none?.message.startsWith("spec.backends[0].weight: ")).toBe(true);
    expect(none?.message).not.toContain("did you mean");
    expect(one("1mi")[0]?.suggestion).toBe("1Mi");
    expect(one("1ki")[0]?.suggestion).toBe("1Ki");
    expect(one("2K")[0]?.suggestion).toBe("2k");
    expect(one("1,5")[0]?.suggestion).toBe("1.5");
    expect(one("1 m")[0]?.suggestion).toBe("1m");
    expect(one("5 %")[0]?.suggestion).toBe("5");
    // A repair must give a valid, non-negative weight.
    expect(one("-5%")[0]?.suggestion).toBeUndefined();
  });
});

describe("parseTrafficSplit: matches", () => {
  const v3 = (matches: unknown, service: unknown = "web") =>
    doc({ service, backends: ONE, matches }, { apiVersion: "split.smi-spec.io/v1alpha3" });

  it("not a list", () => {
    expect(diagnostics(v3("ios"))).toEqual([
      error(
        "invalid-type",
        "spec.matches",
        'spec.matches must be a list of references, got the string "ios"; write it as matches: [{kind: HTTPRouteGroup, name: my-routes}], or remove it',
      ),
    ]);
  });

  it("more entries than maxBackends", () => {
    const two = [
      { kind: "HTTPRouteGroup", name: "a" },
      { kind: "HTTPRouteGroup", name: "b" },
    ];
    expect(diagnostics(v3(two), { maxBackends: 1 })).toEqual([
      error(
        "invalid-type",
        "spec.matches",
        "spec.matches has 2 entries; at most 1 are supported: remove some, or merge their HTTPRouteGroups",
      ),
    ]);
  });

  it("entries that are not mappings, miss a field or have one of the wrong type", () => {
    expect(
      diagnostics(
        v3([
          3,
          { name: "a" },
          { kind: "HTTPRouteGroup", name: "" },
          { kind: "HTTPRouteGroup", name: 1, apiGroup: 5 },
        ]),
      ),
    ).toEqual([
      error(
        "invalid-type",
        "spec.matches[0]",
        "spec.matches[0] must be a mapping, got the number 3; write it as {kind: HTTPRouteGroup, name: <name>}",
      ),
      error(
        "missing-field",
        "spec.matches[1].kind",
        "spec.matches[1].kind is missing: give each match its kind, e.g. {kind: HTTPRouteGroup, name: my-routes}",
      ),
      error(
        "missing-field",
        "spec.matches[2].name",
        "spec.matches[2].name is missing: give each match its name, e.g. {kind: HTTPRouteGroup, name: my-routes}",
      ),
      error(
        "invalid-type",
        "spec.matches[3].name",
        "spec.matches[3].name must be a string, got the number 1; write it as a string, e.g. name: my-routes",
      ),
      error(
        "invalid-type",
        "spec.matches[3].apiGroup",
        "spec.matches[3].apiGroup must be a string, got the number 5; write it as a string, e.g. apiGroup: specs.smi-spec.io",
      ),
    ]);
  });

  it("valid matches are kept, with their apiGroup when given, and a warning", () => {
    const result = parseTrafficSplit(
      v3([
        { kind: "HTTPRouteGroup", name: "ios", apiGroup: "specs.smi-spec.io" },
        { kind: "HTTPRouteGroup", name: "android", apiGroup: "" },
      ]),
    );
    expect(result.ok && result.split.matches).toEqual([
      { kind: "HTTPRouteGroup", name: "ios", apiGroup: "specs.smi-spec.io" },
      { kind: "HTTPRouteGroup", name: "android" },
    ]);
    expect(result.diagnostics).toEqual([
      warning(
        "matches-ignored",
        "spec.matches",
        'spec.matches (HTTPRouteGroup/ios, HTTPRouteGroup/android) cannot be expressed in a Linkerd ServiceProfile, so the split applies to all requests to "web", not only matching ones. Remove spec.matches to make that explicit',
      ),
    ]);
  });

  it("the warning leaves out the Service when it is invalid", () => {
    const found = diagnostics(v3([{ kind: "HTTPRouteGroup", name: "ios" }], 5));
    expect(found.find((d) => d.code === "matches-ignored")?.message).toBe(
      "spec.matches (HTTPRouteGroup/ios) cannot be expressed in a Linkerd ServiceProfile, so the split applies to all requests, not only matching ones. Remove spec.matches to make that explicit",
    );
  });

  it("an empty list is no warning, and is kept", () => {
    const result = parseTrafficSplit(v3([]));
    expect(result.diagnostics).toEqual([]);
    expect(result.ok && result.split.matches).toEqual([]);
  });

  it("matches read as v1alpha2 apply, with a note to write v1alpha4", () => {
    const found = diagnostics(
      doc({ service: "web", backends: ONE, matches: [{ kind: "HTTPRouteGroup", name: "ios" }] }),
    );
    expect(found.map((d) => d.code)).toEqual(["matches-ignored", "matches-version"]);
    expect(found[1]).toEqual(
      warning(
        "matches-version",
        "spec.matches",
        "spec.matches is defined by split.smi-spec.io/v1alpha3 and v1alpha4, and this split is read as v1alpha2; the chart's CRD keeps matches in every version, so they apply, but write apiVersion split.smi-spec.io/v1alpha4 to say so",
      ),
    );
  });
});

describe("parseTrafficSplit: unknown fields and the diagnostics cap", () => {
  it("a field no context knows, as an error or a warning", () => {
    const input = doc({ service: "web", backends: ONE }, { zzz: 1 });
    const expected = error(
      "unknown-field",
      "zzz",
      "zzz is not a field of a TrafficSplit (allowed: apiVersion, kind, metadata, spec, status); remove it",
    );
    expect(diagnostics(input)).toEqual([expected]);
    expect(diagnostics(input, { unknownFields: "warning" })).toEqual([
      { ...expected, severity: "warning" },
    ]);
    expect(parseTrafficSplit(input, { unknownFields: "warning" }).ok).toBe(true);
  });

  it("an unknown field in a backend and in a match names where it is", () => {
    const found = diagnostics(
      doc(
        {
          service: "web",
          backends: [{ service: "web-v1", weight: 1, zzz: 1 }],
          matches: [{ kind: "HTTPRouteGroup", name: "ios", zzz: 1 }],
        },
        { apiVersion: "split.smi-spec.io/v1alpha4" },
      ),
    );
    expect(found.filter((d) => d.code === "unknown-field")).toEqual([
      error(
        "unknown-field",
        "spec.backends[0].zzz",
        "spec.backends[0].zzz is not a field of a backend (allowed: service, weight); remove it",
      ),
      error(
        "unknown-field",
        "spec.matches[0].zzz",
        "spec.matches[0].zzz is not a field of spec.matches[0] (allowed: kind, name, apiGroup); remove it",
      ),
    ]);
  });

  it("keeps at most maxDiagnostics (at least one) and counts the rest", () => {
    const bad = doc({ service: "web", backends: [1, 2, 3] });
    const first = error(
      "invalid-type",
      "spec.backends[0]",
      "spec.backends[0] must be a mapping {service: <name>, weight: <weight>}, got the number 1; write each backend as {service: <name>, weight: <weight>}",
    );
    const rest = (n: number) => ({
      severity: "warning",
      code: "diagnostics-truncated",
      path: "",
      message: `${n} more diagnostic(s) were not reported; fix the ones above and check again`,
    });
    expect(diagnostics(bad, { maxDiagnostics: 1 })).toEqual([first, rest(2)]);
    expect(diagnostics(bad, { maxDiagnostics: 0 })).toEqual([first, rest(2)]);
    expect(diagnostics(bad, { maxDiagnostics: 3 })).toHaveLength(3);
    expect(diagnostics(bad, { maxDiagnostics: 2 })).toEqual([
      first,
      expect.objectContaining({ path: "spec.backends[1]" }),
      rest(1),
    ]);
  });
});

describe("a rebuilt backends list writes weights every version takes", () => {
  const rebuilt = (weights: unknown[]) => {
    const result = parseTrafficSplit({
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "s", namespace: "ns" },
      spec: {
        service: "web",
        trafficRouting: weights.map((weight, i) => ({
          backend: { serviceName: `web-v${String(i + 1)}` },
          weight,
        })),
      },
    });
    const message = result.diagnostics.find((d) => d.path === "spec.trafficRouting")?.message;
    return /Written the SMI way, yours is: (.*)$/.exec(message ?? "")?.[1];
  };

  it("whole units as integers, fractions in thousandths, integers as they are", () => {
    expect(rebuilt(["1", "2"])).toBe(
      "backends: [{service: web-v1, weight: 1}, {service: web-v2, weight: 2}]",
    );
    expect(rebuilt(["1500m", "500m"])).toBe(
      "backends: [{service: web-v1, weight: 1500}, {service: web-v2, weight: 500}]",
    );
    expect(rebuilt([1, "500m"])).toBe(
      "backends: [{service: web-v1, weight: 1000}, {service: web-v2, weight: 500}]",
    );
    expect(rebuilt([90, 10])).toBe(
      "backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]",
    );
    // Not a Quantity: left as written (another diagnostic says what is wrong with it).
    expect(rebuilt(["ninety", "10m"])).toBe(
      "backends: [{service: web-v1, weight: ninety}, {service: web-v2, weight: 10m}]",
    );
  });
});
