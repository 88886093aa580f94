import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { Diagnostic, DiagnosticCode, Severity } from "./diagnostics.js";
import { parseTrafficSplit, type ParseTrafficSplitResult } from "./parse.js";

interface Expected {
  readonly severity?: Severity;
  readonly code: DiagnosticCode;
  readonly path: string;
  /** Fragments the message must contain. */
  readonly message: string | readonly string[];
  readonly suggestion?: string;
}

function yaml(text: string): unknown {
  return parseYaml(text) as unknown;
}

function split(spec: unknown, apiVersion = "split.smi-spec.io/v1alpha2"): unknown {
  return {
    apiVersion,
    kind: "TrafficSplit",
    metadata: { name: "my-split", namespace: "default" },
    spec,
  };
}

function expectDiagnostics(result: ParseTrafficSplitResult, expected: readonly Expected[]): void {
  const simplified = (d: Diagnostic): string => `${d.severity} ${d.code} ${d.path}`;
  expect(result.diagnostics.map(simplified)).toEqual(
    expected.map((e) => `${e.severity ?? "error"} ${e.code} ${e.path}`),
  );
  expected.forEach((e, i) => {
    const d = result.diagnostics[i];
    if (d === undefined) throw new Error("missing diagnostic");
    for (const fragment of typeof e.message === "string" ? [e.message] : e.message) {
      expect(d.message).toContain(fragment);
    }
    if (e.suggestion !== undefined) expect(d.suggestion).toBe(e.suggestion);
  });
}

const BLOG_SAMPLE = `
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: my-app-split, namespace: default}
spec:
  service: my-app
  trafficRouting:
  - backend: {serviceName: my-app-v1}
    weight: 900m
  - backend: {serviceName: my-app-v2}
    weight: 100m
`;

describe("parseTrafficSplit: valid splits", () => {
  it("reads the backend-split sample (v1alpha2, integer weights)", () => {
    const result = parseTrafficSplit(
      yaml(`
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata:
  name: backend-split
  namespace: trafficsplit-sample
spec:
  service: backend-svc
  backends:
  - service: backend-svc
    weight: 500
  - service: failing-svc
    weight: 500
`),
    );
    expect(result).toEqual({
      ok: true,
      diagnostics: [],
      split: {
        apiVersion: "split.smi-spec.io/v1alpha2",
        name: "backend-split",
        namespace: "trafficsplit-sample",
        service: "backend-svc",
        backends: [
          { service: "backend-svc", weight: "500", milli: 500000n },
          { service: "failing-svc", weight: "500", milli: 500000n },
        ],
        allWeightsZero: false,
      },
    });
  });

  it.each([
    ["500m", "500m", 500n],
    ["0m", "0", 0n],
    ["1000m", "1", 1000n],
    ["1", "1", 1000n],
    [1, "1", 1000n],
    ["1.5", "1500m", 1500n],
    [1.5, "1500m", 1500n],
    [500, "500", 500000n],
    [1000, "1k", 1000000n],
    ["2k", "2k", 2000000n],
    ["0.5", "500m", 500n],
    ["0", "0", 0n],
    [0, "0", 0n],
    [-0, "0", 0n],
    ["+5", "+5", 5000n],
    ["1.500", "1.500", 1500n],
    ["1e3", "1e3", 1000000n],
    ["1Ki", "1Ki", 1024000n],
    ["1.5Ki", "1536", 1536000n],
  ] as const)("weight %j is written as %s (%s milli)", (weight, canonical, milli) => {
    for (const version of ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"]) {
      const result = parseTrafficSplit(
        split(
          {
            service: "web",
            backends: [
              { service: "web-v1", weight },
              { service: "web-v2", weight: 1 },
            ],
          },
          `split.smi-spec.io/${version}`,
        ),
      );
      if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
      expect(result.split.backends[0]).toEqual({ service: "web-v1", weight: canonical, milli });
    }
  });

  it("accepts a document without apiVersion, kind or metadata as v1alpha1", () => {
    const result = parseTrafficSplit({
      spec: { service: "web", backends: [{ service: "web-v1", weight: "1" }] },
    });
    expect(result.ok && result.split).toEqual({
      apiVersion: "split.smi-spec.io/v1alpha1",
      service: "web",
      backends: [{ service: "web-v1", weight: "1", milli: 1000n }],
      allWeightsZero: false,
    });
  });

  it("accepts status and prototype-less objects", () => {
    const doc = Object.assign(Object.create(null) as Record<string, unknown>, {
      apiVersion: "split.smi-spec.io/v1alpha1",
      spec: Object.assign(Object.create(null) as Record<string, unknown>, {
        service: "web",
        backends: [{ service: "web-v1", weight: "1" }],
      }),
      status: { anything: true },
    });
    expect(parseTrafficSplit(doc).ok).toBe(true);
  });

  it("all weights zero is valid, with an info", () => {
    const result = parseTrafficSplit(
      split({
        service: "web",
        backends: [
          { service: "web-v1", weight: 0 },
          { service: "web-v2", weight: "0m" },
        ],
      }),
    );
    expect(result.ok && result.split.allWeightsZero).toBe(true);
    expectDiagnostics(result, [
      {
        severity: "info",
        code: "all-weights-zero",
        path: "spec.backends",
        message: ["all 2 backend weight(s) are zero", "routes all traffic", "apex Service web"],
      },
    ]);
  });

  it("matches in v1alpha3/v1alpha4 are accepted with a warning", () => {
    for (const version of ["v1alpha3", "v1alpha4"]) {
      const result = parseTrafficSplit(
        split(
          {
            service: "web",
            backends: [{ service: "web-v1", weight: 1 }],
            matches: [
              { kind: "HTTPRouteGroup", name: "canary-routes", apiGroup: "specs.smi-spec.io" },
            ],
          },
          `split.smi-spec.io/${version}`,
        ),
      );
      expect(result.ok && result.split.matches).toEqual([
        { kind: "HTTPRouteGroup", name: "canary-routes", apiGroup: "specs.smi-spec.io" },
      ]);
      expectDiagnostics(result, [
        {
          severity: "warning",
          code: "matches-ignored",
          path: "spec.matches",
          message: ["HTTPRouteGroup/canary-routes", "cannot be expressed", "all requests"],
        },
      ]);
    }
  });

  it("empty backends make the split invalid", () => {
    const result = parseTrafficSplit(split({ service: "web", backends: [] }));
    expect(result.ok).toBe(false);
    expectDiagnostics(result, [
      {
        severity: "error",
        code: "no-backends",
        path: "spec.backends",
        message: ["spec.backends is empty", "at least one backend", "backends:"],
      },
    ]);
  });

  it("duplicate backends are accepted with a warning (Linkerd adds their weights)", () => {
    const result = parseTrafficSplit(
      split({
        service: "web",
        backends: [
          { service: "web-v1", weight: 1 },
          { service: "web-v2", weight: 1 },
          { service: "web-v1", weight: 2 },
        ],
      }),
    );
    expect(result.ok).toBe(true);
    expectDiagnostics(result, [
      {
        severity: "warning",
        code: "duplicate-backend",
        path: "spec.backends[2].service",
        message: ['"web-v1" is listed again', "spec.backends[0]", "combined weight"],
      },
    ]);
  });

  it("weights with surrounding spaces are trimmed as the adaptor does, with a warning", () => {
    const result = parseTrafficSplit(
      split({ service: "web", backends: [{ service: "web-v1", weight: " 500m " }] }),
    );
    expect(result.ok && result.split.backends[0]?.weight).toBe("500m");
    expectDiagnostics(result, [
      {
        severity: "warning",
        code: "weight-whitespace",
        path: "spec.backends[0].weight",
        message: '" 500m "',
        suggestion: "500m",
      },
    ]);
  });

  it("unknown fields can be downgraded to warnings", () => {
    const result = parseTrafficSplit(
      split({ service: "web", backends: [{ service: "web-v1", weight: 1, wieght: 2 }] }),
      { unknownFields: "warning" },
    );
    expect(result.ok).toBe(true);
    expectDiagnostics(result, [
      {
        severity: "warning",
        code: "unknown-field",
        path: "spec.backends[0].wieght",
        message: "did you mean `weight`?",
        suggestion: "weight",
      },
    ]);
  });
});

interface Case {
  readonly name: string;
  readonly input: unknown;
  readonly expected: readonly Expected[];
}

const backends = [
  { service: "web-v1", weight: 1 },
  { service: "web-v2", weight: 1 },
];

const INVALID: readonly Case[] = [
  {
    name: "the blog's invented trafficRouting shape",
    input: yaml(BLOG_SAMPLE),
    expected: [
      {
        code: "unknown-field",
        path: "spec.trafficRouting",
        message: [
          "did you mean `backends`?",
          "backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        ],
        suggestion: "backends",
      },
      {
        code: "missing-field",
        path: "spec.backends",
        message: [
          "spec.backends is missing",
          "backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        ],
      },
    ],
  },
  {
    name: "null",
    input: null,
    expected: [{ code: "not-an-object", path: "", message: "got null" }],
  },
  {
    name: "a list",
    input: [1, 2],
    expected: [{ code: "not-an-object", path: "", message: "got a list of 2" }],
  },
  {
    name: "a string",
    input: "apiVersion: split.smi-spec.io/v1alpha2",
    expected: [{ code: "not-an-object", path: "", message: "got the string" }],
  },
  {
    name: "an unsupported version of the group",
    input: split({ service: "web", backends }, "split.smi-spec.io/v1alpha5"),
    expected: [
      {
        code: "unsupported-version",
        path: "apiVersion",
        message: ['version "v1alpha5"', "split.smi-spec.io/v1alpha1"],
      },
    ],
  },
  {
    name: "another group",
    input: split({ service: "web", backends }, "linkerd.io/v1alpha2"),
    expected: [
      {
        code: "unsupported-version",
        path: "apiVersion",
        message: '"linkerd.io/v1alpha2" is not a TrafficSplit API version',
        suggestion: "split.smi-spec.io/v1alpha2",
      },
    ],
  },
  {
    name: "a misspelt apiVersion",
    input: split({ service: "web", backends }, "split.smi-spec.io/v1apha1"),
    expected: [
      {
        code: "unsupported-version",
        path: "apiVersion",
        message: "v1apha1",
        suggestion: "split.smi-spec.io/v1alpha1",
      },
    ],
  },
  {
    name: "a non-string apiVersion",
    input: { apiVersion: 2, spec: { service: "web", backends } },
    expected: [{ code: "invalid-type", path: "apiVersion", message: "got the number 2" }],
  },
  {
    name: "another kind",
    input: { kind: "ServiceProfile", spec: { service: "web", backends } },
    expected: [
      { code: "wrong-kind", path: "kind", message: '"ServiceProfile" is not a TrafficSplit' },
    ],
  },
  {
    name: "a kind in the wrong case",
    input: { kind: "Trafficsplit", spec: { service: "web", backends } },
    expected: [
      {
        code: "wrong-kind",
        path: "kind",
        message: "wrong letter case",
        suggestion: "TrafficSplit",
      },
    ],
  },
  {
    name: "invalid metadata",
    input: {
      metadata: { name: "My_Split", namespace: "Default" },
      spec: { service: "web", backends },
    },
    expected: [
      {
        code: "invalid-name",
        path: "metadata.name",
        message: '"My_Split"',
        suggestion: "my-split",
      },
      {
        code: "invalid-name",
        path: "metadata.namespace",
        message: "uppercase",
        suggestion: "default",
      },
    ],
  },
  {
    name: "metadata that is not a mapping",
    input: { metadata: "x", spec: { service: "web", backends } },
    expected: [{ code: "invalid-type", path: "metadata", message: "must be a mapping" }],
  },
  {
    name: "unknown top-level fields",
    input: {
      apiVersion: "split.smi-spec.io/v1alpha2",
      Spec: {},
      spec: { service: "web", backends },
      extra: 1,
    },
    expected: [
      { code: "unknown-field", path: "Spec", message: "did you mean `spec`?", suggestion: "spec" },
      {
        code: "unknown-field",
        path: "extra",
        message: ["not a field of a TrafficSplit", "remove it"],
      },
    ],
  },
  {
    name: "missing spec",
    input: { apiVersion: "split.smi-spec.io/v1alpha2", kind: "TrafficSplit" },
    expected: [{ code: "missing-field", path: "spec", message: "spec is missing" }],
  },
  {
    name: "spec that is a list",
    input: split([]),
    expected: [{ code: "invalid-type", path: "spec", message: "got a list of 0" }],
  },
  {
    name: "missing service",
    input: split({ backends }),
    expected: [{ code: "missing-field", path: "spec.service", message: "name the apex Service" }],
  },
  {
    name: "empty service",
    input: split({ service: "", backends }),
    expected: [{ code: "missing-field", path: "spec.service", message: "spec.service is empty" }],
  },
  {
    name: "non-string service",
    input: split({ service: 42, backends }),
    expected: [{ code: "invalid-type", path: "spec.service", message: "got the number 42" }],
  },
  {
    name: "a fully qualified service",
    input: split({ service: "web.default.svc.cluster.local", backends }),
    expected: [
      { code: "invalid-name", path: "spec.service", message: 'use just "web"', suggestion: "web" },
    ],
  },
  {
    name: "service names that are not DNS-1035 labels",
    input: split({
      service: "Web",
      backends: [
        { service: "1web", weight: 1 },
        { service: "web_v2", weight: 1 },
        { service: "w".repeat(64), weight: 1 },
        { service: "web-", weight: 1 },
      ],
    }),
    expected: [
      { code: "invalid-name", path: "spec.service", message: "uppercase", suggestion: "web" },
      {
        code: "invalid-name",
        path: "spec.backends[0].service",
        message: "must start with a lowercase letter",
      },
      {
        code: "invalid-name",
        path: "spec.backends[1].service",
        message: 'contains "_"',
        suggestion: "web-v2",
      },
      { code: "invalid-name", path: "spec.backends[2].service", message: "64 characters" },
      { code: "invalid-name", path: "spec.backends[3].service", message: "must end with" },
    ],
  },
  {
    name: "missing backends",
    input: split({ service: "web" }),
    expected: [
      { code: "missing-field", path: "spec.backends", message: "spec.backends is missing" },
    ],
  },
  {
    name: "backends as a service-to-weight mapping",
    input: split({ service: "web", backends: { "web-v1": 90, "web-v2": 10 } }),
    expected: [
      {
        code: "invalid-type",
        path: "spec.backends",
        message: "backends: [{service: web-v1, weight: 90}, {service: web-v2, weight: 10}]",
      },
    ],
  },
  {
    name: "backends that are not mappings",
    input: split({ service: "web", backends: ["web-v1", 3, null] }),
    expected: [
      {
        code: "invalid-type",
        path: "spec.backends[0]",
        message: "{service: web-v1, weight: <weight>}",
      },
      { code: "invalid-type", path: "spec.backends[1]", message: "got the number 3" },
      { code: "invalid-type", path: "spec.backends[2]", message: "got null" },
    ],
  },
  {
    name: "backend without service or weight",
    input: split({ service: "web", backends: [{}, { service: "web-v2", weight: null }] }),
    expected: [
      { code: "missing-field", path: "spec.backends[0].service", message: "name the Service" },
      {
        code: "missing-field",
        path: "spec.backends[0].weight",
        message: "give each backend a weight",
      },
      {
        code: "missing-field",
        path: "spec.backends[1].weight",
        message: "give each backend a weight",
      },
    ],
  },
  {
    name: "backend with nested backend/serviceName and a typo",
    input: split({
      service: "web",
      backends: [
        { backend: { serviceName: "web-v1" }, wieght: 1 },
        { serviceName: "web-v2", weight: 1 },
      ],
    }),
    expected: [
      {
        code: "unknown-field",
        path: "spec.backends[0].backend",
        message: ["not a nested `backend` object", "Write `service: web-v1`"],
        suggestion: "service",
      },
      {
        code: "unknown-field",
        path: "spec.backends[0].wieght",
        message: "did you mean `weight`?",
        suggestion: "weight",
      },
      { code: "missing-field", path: "spec.backends[0].service", message: "is missing" },
      { code: "missing-field", path: "spec.backends[0].weight", message: "is missing" },
      {
        code: "unknown-field",
        path: "spec.backends[1].serviceName",
        message: "Write `service: web-v2`",
        suggestion: "service",
      },
      { code: "missing-field", path: "spec.backends[1].service", message: "is missing" },
    ],
  },
  {
    name: "spec aliases",
    input: split({ apex: "web", services: ["a"], backends }),
    expected: [
      {
        code: "unknown-field",
        path: "spec.apex",
        message: "did you mean `service`?",
        suggestion: "service",
      },
      {
        code: "unknown-field",
        path: "spec.services",
        message: ["did you mean `service`?", "single apex"],
        suggestion: "service",
      },
      { code: "missing-field", path: "spec.service", message: "is missing" },
    ],
  },
  {
    name: "negative weights",
    input: split({
      service: "web",
      backends: [
        { service: "web-v1", weight: -1 },
        { service: "web-v2", weight: "-500m" },
      ],
    }),
    expected: [
      {
        code: "negative-weight",
        path: "spec.backends[0].weight",
        message: "-1, a negative weight",
        suggestion: "1",
      },
      {
        code: "negative-weight",
        path: "spec.backends[1].weight",
        message: '"-500m", a negative weight',
        suggestion: "500m",
      },
    ],
  },
  {
    name: "weights finer than 1m",
    input: split({
      service: "web",
      backends: [
        { service: "a", weight: "0.5m" },
        { service: "b", weight: "100u" },
        { service: "c", weight: 0.0001 },
        { service: "d", weight: "1n" },
        { service: "e", weight: 0.30000000000000004 },
      ],
    }),
    expected: [
      {
        code: "sub-milli-weight",
        path: "spec.backends[0].weight",
        message: ['"0.5m"', "multiple of 1m"],
        suggestion: "1m",
      },
      {
        code: "sub-milli-weight",
        path: "spec.backends[1].weight",
        message: '"100u"',
        suggestion: "1m",
      },
      {
        code: "sub-milli-weight",
        path: "spec.backends[2].weight",
        message: "0.0001 (100u)",
        suggestion: "1m",
      },
      {
        code: "sub-milli-weight",
        path: "spec.backends[3].weight",
        message: '"1n"',
        suggestion: "1m",
      },
      {
        code: "sub-milli-weight",
        path: "spec.backends[4].weight",
        message: "300000001n",
        suggestion: "301m",
      },
    ],
  },
  {
    name: "non-numeric weights",
    input: split({
      service: "web",
      backends: [
        { service: "a", weight: "fifty" },
        { service: "b", weight: "50%" },
        { service: "c", weight: "500mi" },
        { service: "d", weight: true },
        { service: "e", weight: [1] },
        { service: "f", weight: Number.NaN },
        { service: "g", weight: Number.POSITIVE_INFINITY },
        { service: "h", weight: "" },
        { service: "i", weight: "\t1" },
      ],
    }),
    expected: [
      {
        code: "invalid-weight",
        path: "spec.backends[0].weight",
        message: '"fifty" is not a quantity',
      },
      {
        code: "invalid-weight",
        path: "spec.backends[1].weight",
        message: 'did you mean "50"?',
        suggestion: "50",
      },
      { code: "invalid-weight", path: "spec.backends[2].weight", message: 'unknown suffix "mi"' },
      { code: "invalid-weight", path: "spec.backends[3].weight", message: "got the boolean true" },
      { code: "invalid-weight", path: "spec.backends[4].weight", message: "got a list of 1" },
      {
        code: "invalid-weight",
        path: "spec.backends[5].weight",
        message: "NaN is not a finite number",
      },
      {
        code: "invalid-weight",
        path: "spec.backends[6].weight",
        message: "Infinity is not a finite number",
      },
      { code: "invalid-weight", path: "spec.backends[7].weight", message: "empty" },
      {
        code: "invalid-weight",
        path: "spec.backends[8].weight",
        message: "is not a quantity",
        suggestion: "1",
      },
    ],
  },
  {
    name: "malformed matches",
    input: split(
      {
        service: "web",
        backends,
        matches: [{ kind: "HTTPRouteGroup" }, "r", { knd: "x", name: 1 }],
      },
      "split.smi-spec.io/v1alpha4",
    ),
    expected: [
      {
        code: "missing-field",
        path: "spec.matches[0].name",
        message: "give each match its name",
      },
      { code: "invalid-type", path: "spec.matches[1]", message: 'got the string "r"' },
      {
        code: "unknown-field",
        path: "spec.matches[2].knd",
        message: "did you mean `kind`?",
        suggestion: "kind",
      },
      { code: "missing-field", path: "spec.matches[2].kind", message: "is missing" },
      { code: "invalid-type", path: "spec.matches[2].name", message: "got the number 1" },
    ],
  },
  {
    name: "matches that is not a list",
    input: split({ service: "web", backends, matches: "r" }, "split.smi-spec.io/v1alpha3"),
    expected: [{ code: "invalid-type", path: "spec.matches", message: "must be a list" }],
  },
  {
    name: "odd keys are quoted in paths",
    input: split({ service: "web", backends, "my field": 1 }),
    expected: [{ code: "unknown-field", path: 'spec["my field"]', message: "remove it" }],
  },
];

describe("parseTrafficSplit: invalid splits", () => {
  it.each(INVALID.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const result = parseTrafficSplit(c.input);
    expect(result.ok).toBe(false);
    expectDiagnostics(result, c.expected);
  });

  it("refuses too many backends without walking them", () => {
    const result = parseTrafficSplit(split({ service: "web", backends: new Array(1_000_000_000) }));
    expectDiagnostics(result, [
      { code: "too-many-backends", path: "spec.backends", message: "1000000000 entries" },
    ]);
  });

  it("caps the number of diagnostics", () => {
    const many = Array.from({ length: 500 }, () => ({ service: "web-v1" }));
    const result = parseTrafficSplit(split({ service: "web", backends: many }), {
      maxDiagnostics: 10,
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toHaveLength(11);
    expect(result.diagnostics[10]).toMatchObject({
      severity: "warning",
      code: "diagnostics-truncated",
      message: expect.stringContaining("490 more") as unknown,
    });
  });
});

describe("parseTrafficSplit: properties", () => {
  it("never throws and never fails internally, on anything", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withBigInt: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withBoxedValues: true,
        }),
        (input) => {
          const result = parseTrafficSplit(input);
          expect(result.diagnostics.some((d) => d.code === "internal-error")).toBe(false);
          expect(result.ok).toBe(!result.diagnostics.some((d) => d.severity === "error"));
        },
      ),
      { numRuns: 2000 },
    );
  });

  const weight = fc.oneof(
    fc.integer({ min: -5, max: 2000 }),
    fc.double({ noNaN: false }),
    fc.constantFrom(
      "500m",
      "0",
      "1",
      "1.5",
      "2k",
      "0.5m",
      "-1",
      "abc",
      "",
      " 1 ",
      "1e3",
      "1Ki",
      "9E",
    ),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
  );
  const name = fc.oneof(
    fc.constantFrom("web", "web-v1", "Web", "", "a.b", "x".repeat(70)),
    fc.string(),
  );
  const backend = fc.oneof(
    fc.record({ service: name, weight }, { requiredKeys: [] }),
    fc.dictionary(fc.string(), fc.anything()),
    fc.anything(),
  );
  const document = fc.record(
    {
      apiVersion: fc.oneof(
        fc.constantFrom(
          "split.smi-spec.io/v1alpha1",
          "split.smi-spec.io/v1alpha2",
          "split.smi-spec.io/v1alpha3",
          "split.smi-spec.io/v1alpha4",
          "split.smi-spec.io/v2",
        ),
        fc.anything(),
      ),
      kind: fc.oneof(fc.constant("TrafficSplit"), fc.anything()),
      metadata: fc.oneof(fc.record({ name, namespace: name }, { requiredKeys: [] }), fc.anything()),
      spec: fc.oneof(
        fc.record(
          {
            service: fc.oneof(name, fc.anything()),
            backends: fc.oneof(fc.array(backend, { maxLength: 8 }), fc.anything()),
            matches: fc.anything(),
            trafficRouting: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        fc.anything(),
      ),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it("never throws on structured but mutated TrafficSplits", () => {
    fc.assert(
      fc.property(document, (input) => {
        const result = parseTrafficSplit(input);
        expect(result.diagnostics.some((d) => d.code === "internal-error")).toBe(false);
        for (const d of result.diagnostics) {
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.code).toMatch(/^[a-z]+(-[a-z]+)*$/);
        }
        if (result.ok) {
          for (const b of result.split.backends) {
            expect(b.milli >= 0n).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("matches read in v1alpha1/v1alpha2", () => {
  // The CRD (conversion: None) keeps matches in every version, so a v1alpha4 split with matches
  // is read with them through v1alpha2: they are kept, with a warning, never an error.
  it("keeps them and warns", () => {
    const result = parseTrafficSplit({
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "web" },
      spec: {
        service: "web",
        backends: [{ service: "web-v1", weight: 1 }],
        matches: [{ kind: "HTTPRouteGroup", name: "r" }],
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.split.matches).toEqual([{ kind: "HTTPRouteGroup", name: "r" }]);
    expect(result.diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ["warning", "matches-ignored"],
      ["warning", "matches-version"],
    ]);
  });
});
