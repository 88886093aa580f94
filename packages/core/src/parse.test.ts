import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { Diagnostic, DiagnosticCode, Severity } from "./diagnostics.js";
import { splitLike, splitManifest, V1ALPHA2 } from "../test/fixtures.js";
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

/** A TrafficSplit document my-split in namespace default. */
const split = (spec: unknown, apiVersion = V1ALPHA2) =>
  splitManifest(spec, { apiVersion, metadata: { name: "my-split", namespace: "default" } });

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

// The full text of each diagnostic parseTrafficSplit gives, written by hand: the design asks for
// a clear error that names the object, the field and what to do, so the words are the contract.
const EXAMPLE = "backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]";
const VERSIONS =
  "split.smi-spec.io/v1alpha1, split.smi-spec.io/v1alpha2, split.smi-spec.io/v1alpha3, split.smi-spec.io/v1alpha4";
const ONE = [{ service: "web-v1", weight: 1 }];

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

describe("the full text of each diagnostic: apiVersion and kind", () => {
  it("an apiVersion that is not a string", () => {
    expect(
      diagnostics(splitManifest({ service: "web", backends: ONE }, { apiVersion: 2 })),
    ).toEqual([
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
        splitManifest(
          { service: "web", backends: ONE },
          { apiVersion: "split.smi-spec.io/v1alpha33" },
        ),
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
      diagnostics(
        splitManifest({ service: "web", backends: ONE }, { apiVersion: "split.smi-spec.io" }),
      )[0]?.message,
    ).toBe(
      `version "" of split.smi-spec.io is not supported: use one of ${VERSIONS} (linkerd-smi's CRD serves v1alpha1 and v1alpha2)`,
    );
  });

  it("another group altogether; its matches are not also blamed on the version", () => {
    const matches = [{ kind: "HTTPRouteGroup", name: "ios" }];
    const found = diagnostics(
      splitManifest(
        { service: "web", backends: ONE, matches },
        { apiVersion: "linkerd.io/v1alpha2" },
      ),
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
    expect(diagnostics(splitManifest(spec, { kind: 5 }))).toEqual([
      error(
        "invalid-type",
        "kind",
        'kind must be the string "TrafficSplit", got the number 5; write kind: TrafficSplit',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(splitManifest(spec, { kind: "trafficsplit" }))).toEqual([
      error(
        "wrong-kind",
        "kind",
        'kind "trafficsplit" is spelled with the wrong letter case: kinds are case-sensitive, write "TrafficSplit"',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(splitManifest(spec, { kind: "ServiceProfile" }))).toEqual([
      error(
        "wrong-kind",
        "kind",
        'kind "ServiceProfile" is not a TrafficSplit: this tool reads SMI TrafficSplit (split.smi-spec.io) documents only; set kind: TrafficSplit if this is one, or leave this document out',
        "TrafficSplit",
      ),
    ]);
    expect(diagnostics(splitManifest(spec, { kind: null, apiVersion: null }))).toEqual([]);
  });
});

describe("the full text of each diagnostic: metadata", () => {
  const spec = { service: "web", backends: ONE };

  it("metadata that is not a mapping", () => {
    expect(diagnostics(splitManifest(spec, { metadata: "web" }))).toEqual([
      error(
        "invalid-type",
        "metadata",
        'metadata must be a mapping, got the string "web"; write it as metadata: {name: my-app-split, namespace: default}',
      ),
    ]);
  });

  it("a name or namespace that is not a string", () => {
    expect(diagnostics(splitManifest(spec, { metadata: { name: 3, namespace: true } }))).toEqual([
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
    const found = diagnostics(
      splitManifest(spec, { metadata: { name: "Web_Split", namespace: "a.b" } }),
    );
    expect(found.map((d) => [d.severity, d.code, d.path])).toEqual([
      ["error", "invalid-name", "metadata.name"],
      ["error", "invalid-name", "metadata.namespace"],
    ]);
  });

  it("name and namespace are returned when given, and left out when not", () => {
    const given = parseTrafficSplit(splitManifest(spec));
    expect(given.ok && given.split.name).toBe("web-split");
    expect(given.ok && given.split.namespace).toBe("shop");
    const bare = parseTrafficSplit(
      splitManifest(spec, { metadata: { name: null, namespace: null } }),
    );
    expect(bare.ok).toBe(true);
    expect(bare.ok && Object.keys(bare.split).sort()).toEqual([
      "allWeightsZero",
      "apiVersion",
      "backends",
      "service",
    ]);
  });
});

describe("the full text of each diagnostic: spec and service", () => {
  it("no spec, or a spec that is not a mapping", () => {
    expect(diagnostics(splitManifest(undefined))).toEqual([
      error(
        "missing-field",
        "spec",
        `spec is missing: add spec.service (the apex Service) and spec.backends, e.g. spec: {service: my-app, ${EXAMPLE}}`,
      ),
    ]);
    expect(diagnostics(splitManifest("web"))).toEqual([
      error(
        "invalid-type",
        "spec",
        `spec must be a mapping with service and backends, got the string "web"; write it as spec: {service: my-app, ${EXAMPLE}}`,
      ),
    ]);
  });

  it("an apex Service missing, empty or not a string", () => {
    expect(diagnostics(splitManifest({ backends: ONE }))).toEqual([
      error(
        "missing-field",
        "spec.service",
        "spec.service is missing: name the apex Service whose traffic is split (the Service clients call), e.g. service: my-app",
      ),
    ]);
    expect(diagnostics(splitManifest({ service: "  ", backends: ONE }))).toEqual([
      error(
        "missing-field",
        "spec.service",
        "spec.service is empty: name the apex Service, e.g. my-app",
      ),
    ]);
    expect(diagnostics(splitManifest({ service: 7, backends: ONE }))).toEqual([
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
        splitManifest({
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
    const [found] = diagnostics(splitManifest({ service: "web.shop", backends: ONE }));
    expect(found?.code).toBe("invalid-name");
    expect(found?.path).toBe("spec.service");
    expect(found?.message.startsWith("spec.service: ")).toBe(true);
  });
});

describe("the full text of each diagnostic: backends", () => {
  it("missing, or not a list and not rebuildable", () => {
    expect(diagnostics(splitManifest({ service: "web" }))).toEqual([
      error(
        "missing-field",
        "spec.backends",
        `spec.backends is missing: list the Services to split traffic between with their weights, e.g. ${EXAMPLE}`,
      ),
    ]);
    expect(diagnostics(splitManifest({ service: "web", backends: "web-v1" }))).toEqual([
      error(
        "invalid-type",
        "spec.backends",
        `spec.backends must be a list of {service, weight} entries, got the string "web-v1"; write it as ${EXAMPLE}`,
      ),
    ]);
  });

  it("empty", () => {
    expect(diagnostics(splitManifest({ service: "web", backends: [] }))).toEqual([
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
    expect(
      diagnostics(splitManifest({ service: "web", backends: three }), { maxBackends: 2 }),
    ).toEqual([
      error(
        "too-many-backends",
        "spec.backends",
        "spec.backends has 3 entries; at most 2 are supported: split the traffic between fewer Services, or remove the backends of weight 0",
      ),
    ]);
    expect(
      parseTrafficSplit(splitManifest({ service: "web", backends: three }), { maxBackends: 3 }).ok,
    ).toBe(true);
    // A negative limit counts as 0.
    expect(
      diagnostics(splitManifest({ service: "web", backends: ONE }), { maxBackends: -5 }),
    ).toEqual([
      error(
        "too-many-backends",
        "spec.backends",
        "spec.backends has 1 entries; at most 0 are supported: split the traffic between fewer Services, or remove the backends of weight 0",
      ),
    ]);
  });

  it("all weights zero is an info that says where the traffic goes", () => {
    const result = parseTrafficSplit(
      splitManifest({
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
      splitManifest({
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
        splitManifest({
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
    expect(diagnostics(splitManifest({ service: "web", backends: [3] }))).toEqual([
      error(
        "invalid-type",
        "spec.backends[0]",
        "spec.backends[0] must be a mapping {service: <name>, weight: <weight>}, got the number 3; write each backend as {service: <name>, weight: <weight>}",
      ),
    ]);
  });
});

describe("the full text of each diagnostic: weights", () => {
  const one = (weight: unknown) =>
    diagnostics(splitManifest({ service: "web", backends: [{ service: "web-v1", weight }] }));

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

describe("the full text of each diagnostic: matches", () => {
  const v3 = (matches: unknown, service: unknown = "web") =>
    splitManifest(
      { service, backends: ONE, matches },
      { apiVersion: "split.smi-spec.io/v1alpha3" },
    );

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
      splitManifest({
        service: "web",
        backends: ONE,
        matches: [{ kind: "HTTPRouteGroup", name: "ios" }],
      }),
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

describe("the full text of each diagnostic: unknown fields and the diagnostics cap", () => {
  it("a field no context knows, as an error or a warning", () => {
    const input = splitManifest({ service: "web", backends: ONE }, { zzz: 1 });
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
      splitManifest(
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
    const bad = splitManifest({ service: "web", backends: [1, 2, 3] });
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
    const result = parseTrafficSplit(
      splitManifest(
        {
          service: "web",
          trafficRouting: weights.map((weight, i) => ({
            backend: { serviceName: `web-v${String(i + 1)}` },
            weight,
          })),
        },
        { metadata: { name: "s", namespace: "ns" } },
      ),
    );
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

// The fixes parseTrafficSplit suggests for common slips: weights written as "50%", "1 m", "2K",
// "1,5" or with the wrong case of a binary suffix, and backends written in another shape. The
// expected suggestions are written out by hand from what a Kubernetes quantity and an SMI
// backend look like.
function diagnosticsFor(spec: Record<string, unknown>) {
  const result = parseTrafficSplit(
    splitLike("s", { spec: { service: "web", ...spec }, namespace: "ns", created: null }),
  );
  expect(result.ok).toBe(false);
  return result.diagnostics;
}

describe("the fixes it suggests for weights", () => {
  it.each([
    ["50%", "50"],
    ["1 m", "1m"],
    [" 1 m ", "1m"],
    ["1 0", "10"],
    ["5 0 %", "50"],
    ["1,5", "1.5"],
    ["2K", "2k"],
    ["2ki", "2Ki"],
    ["2KI", "2Ki"],
    ["2MI", "2Mi"],
    ["2gi", "2Gi"],
    ["3ei", "3Ei"],
  ])("%j: did you mean %j?", (weight, suggestion) => {
    const diagnostics = diagnosticsFor({ backends: [{ service: "a", weight }] });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: "invalid-weight",
      path: "spec.backends[0].weight",
      suggestion,
    });
    expect(diagnostics[0]?.message).toContain(`; did you mean "${suggestion}"?`);
  });

  it.each(["-5%", "abc", "%"])("%j has no repair", (weight) => {
    const diagnostics = diagnosticsFor({ backends: [{ service: "a", weight }] });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.suggestion).toBeUndefined();
    expect(diagnostics[0]?.message).not.toContain("did you mean");
  });

  it("describes a weight of the wrong type", () => {
    expect(diagnosticsFor({ backends: [{ service: "a", weight: true }] })[0]?.message).toBe(
      `spec.backends[0].weight must be a number or a Kubernetes quantity, got the boolean true; write a number such as 500, or a quantity such as "500m" (v1alpha1)`,
    );
    expect(diagnosticsFor({ backends: [{ service: "a", weight: [1, 2] }] })[0]?.message).toBe(
      `spec.backends[0].weight must be a number or a Kubernetes quantity, got a list of 2; write a number such as 500, or a quantity such as "500m" (v1alpha1)`,
    );
  });
});

describe("the fixes it suggests for backends in another shape", () => {
  const said = (spec: Record<string, unknown>) =>
    diagnosticsFor(spec).find((d) => d.path === "spec.destinations")?.message;
  const prefix =
    "spec.destinations is not a field of spec (allowed: service, backends, matches); did you mean `backends`?";

  it("rebuilds a list of nested, renamed and bare entries", () => {
    expect(
      said({
        destinations: [
          { backend: { name: "a", weight: 5 } },
          { destination: { host: "b" }, percent: "3" },
          "c",
          { serviceName: " d ", ratio: 1, backend: { weight: 9 } },
        ],
      }),
    ).toBe(
      `${prefix}. Written the SMI way, yours is: backends: [{service: a, weight: 5}, {service: b, weight: 3}, {service: c, weight: <weight>}, {service: d, weight: 1}]`,
    );
  });

  it("rebuilds a service-to-weight mapping, quoting what YAML would need quoted", () => {
    expect(said({ destinations: { "a b": 1, c: "2%" } })).toBe(
      `${prefix}. Written the SMI way, yours is: backends: [{service: "a b", weight: 1}, {service: c, weight: "2%"}]`,
    );
  });

  it("rebuilds nothing when an entry names no Service, or there are no entries", () => {
    expect(said({ destinations: [{ weight: 1 }] })).toBe(prefix);
    expect(said({ destinations: [] })).toBe(prefix);
    expect(said({ destinations: {} })).toBe(prefix);
  });

  it("suggests the SMI list for a backends mapping", () => {
    const diagnostics = diagnosticsFor({ backends: { a: 90, b: "10" } });
    expect(diagnostics[0]).toMatchObject({
      code: "invalid-type",
      path: "spec.backends",
      suggestion: "backends: [{service: a, weight: 90}, {service: b, weight: 10}]",
    });
  });

  it("suggests a mapping for a bare Service name in the list", () => {
    expect(diagnosticsFor({ backends: ["a"] })[0]).toMatchObject({
      code: "invalid-type",
      path: "spec.backends[0]",
      message:
        'spec.backends[0] must be a mapping {service: <name>, weight: <weight>}, got the string "a"; write {service: a, weight: <weight>}',
      suggestion: "{service: a, weight: <weight>}",
    });
  });
});

describe("describing what was found instead of a document", () => {
  it.each([
    [undefined, "nothing"],
    [null, "null"],
    [7, "the number 7"],
    [[1, 2, 3], "a list of 3"],
    ["x".repeat(61), `the string "${"x".repeat(57)}"...`],
    ["x".repeat(60), `the string "${"x".repeat(60)}"`],
  ])("%j is %s", (input, description) => {
    const result = parseTrafficSplit(input);
    expect(result.ok).toBe(false);
    expect(result.diagnostics[0]?.message).toBe(
      `expected a TrafficSplit document (a mapping with apiVersion, kind, metadata and spec), got ${description}; write one such as apiVersion: split.smi-spec.io/v1alpha2, kind: TrafficSplit, metadata: {name: my-app-split}, spec: {service: my-app, backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]}`,
    );
  });
});
