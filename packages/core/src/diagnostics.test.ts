import { describe, expect, it } from "vitest";
import {
  DIAGNOSTIC_CODES,
  formatDiagnostic,
  hasErrors,
  joinPath,
  sortDiagnostics,
  type Diagnostic,
} from "./diagnostics.js";
import { parseTrafficSplit } from "./parse.js";
import { checkClusterDomain, desiredServiceProfile } from "./translate.js";
import { splitManifest } from "../test/fixtures.js";

const unknown: Diagnostic = {
  severity: "error",
  code: "unknown-field",
  path: "spec.trafficRouting",
  message: "spec.trafficRouting is not a field of spec",
  suggestion: "backends",
};

describe("formatDiagnostic", () => {
  it("formats with an object reference and a suggestion", () => {
    expect(formatDiagnostic(unknown, { objectRef: "trafficsplit/default/my-app-split" })).toBe(
      "error[unknown-field] trafficsplit/default/my-app-split spec.trafficRouting: spec.trafficRouting is not a field of spec\n  did you mean: backends",
    );
  });

  it("formats without reference, path or suggestion", () => {
    expect(
      formatDiagnostic({ severity: "info", code: "all-weights-zero", path: "", message: "m" }),
    ).toBe("info[all-weights-zero]: m");
  });
});

describe("joinPath", () => {
  it.each([
    ["", "spec", "spec"],
    ["spec", "backends", "spec.backends"],
    ["spec.backends", 1, "spec.backends[1]"],
    ["spec", "my field", 'spec["my field"]'],
    ["", "x.y", '["x.y"]'],
  ] as const)("%s + %s = %s", (base, key, expected) => {
    expect(joinPath(base, key)).toBe(expected);
  });
});

describe("hasErrors, sortDiagnostics and the codes", () => {
  it("hasErrors finds an error; sortDiagnostics puts errors first, then warnings, then infos", () => {
    const info: Diagnostic = { severity: "info", code: "all-weights-zero", path: "", message: "i" };
    const warning: Diagnostic = {
      severity: "warning",
      code: "no-backends",
      path: "",
      message: "w",
    };
    expect(hasErrors([info, warning])).toBe(false);
    expect(hasErrors([info, unknown])).toBe(true);
    expect(sortDiagnostics([info, warning, unknown])).toEqual([unknown, warning, info]);
  });

  it("codes are unique kebab-case", () => {
    expect(new Set(DIAGNOSTIC_CODES).size).toBe(DIAGNOSTIC_CODES.length);
    for (const code of DIAGNOSTIC_CODES) expect(code).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
  });
});

// Issue 28, point 7: every diagnostic says what is wrong AND what to do. The fix is a clause of
// its message that starts with a verb telling the user what to write, set, use or remove, or
// the diagnostic's suggestion (the value to write instead), which every output of a diagnostic
// shows as "did you mean: <suggestion>".

const FIX =
  /(?:^|[:;.,?]\s+|\b(?:and|or|but|then)\s+)(write|set|use|remove|give|name|list|keep|fix|rename|add|delete|scale|split|pass|leave|merge)\b/i;

const V4 = "split.smi-spec.io/v1alpha4";
const ONE = [{ service: "web-v1", weight: 1 }];
const weight = (w: unknown) =>
  splitManifest({ service: "web", backends: [{ service: "web-v1", weight: w }] });
const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error("boom");
    },
    getOwnPropertyDescriptor() {
      throw new Error("boom");
    },
    ownKeys() {
      throw new Error("boom");
    },
  },
);

// Inputs that between them give every diagnostic code, most in several ways.
const INPUTS: [unknown, { maxBackends?: number; maxDiagnostics?: number }?][] = [
  [null],
  [[1, 2]],
  ["web"],
  [throwing],
  [splitManifest({ service: "web", backends: ONE }, { apiVersion: 2 })],
  [splitManifest({ service: "web", backends: ONE }, { apiVersion: "split.smi-spec.io/v9" })],
  [splitManifest({ service: "web", backends: ONE }, { apiVersion: "apps/v1" })],
  [splitManifest({ service: "web", backends: ONE }, { kind: 3 })],
  [splitManifest({ service: "web", backends: ONE }, { kind: "trafficsplit" })],
  [splitManifest({ service: "web", backends: ONE }, { kind: "Deployment" })],
  [splitManifest({ service: "web", backends: ONE }, { metadata: 5 })],
  [splitManifest({ service: "web", backends: ONE }, { metadata: { name: 5, namespace: true } })],
  [
    splitManifest(
      { service: "web", backends: ONE },
      { metadata: { name: "A_b", namespace: "N_s" } },
    ),
  ],
  [splitManifest({ service: "web", backends: ONE }, { status: {} })],
  [splitManifest(undefined)],
  [splitManifest(5)],
  [splitManifest({ backends: ONE })],
  [splitManifest({ service: "", backends: ONE })],
  [splitManifest({ service: 5, backends: ONE })],
  [splitManifest({ service: "Web_1", backends: ONE })],
  [splitManifest({ service: "web" })],
  [splitManifest({ service: "web", backends: 5 })],
  [splitManifest({ service: "web", backends: { "web-v1": 1 } })],
  [splitManifest({ service: "web", backends: [] })],
  [splitManifest({ service: "web", backends: [5] })],
  [splitManifest({ service: "web", backends: [{ weight: 1 }] })],
  [splitManifest({ service: "web", backends: [{ service: 5, weight: 1 }] })],
  [splitManifest({ service: "web", backends: [{ service: "", weight: 1 }] })],
  [splitManifest({ service: "web", backends: [{ service: "Web_V2", weight: 1 }] })],
  [splitManifest({ service: "web", backends: [...ONE, ...ONE] })],
  [
    splitManifest({ service: "web", backends: [...ONE, { service: "b", weight: 1 }] }),
    { maxBackends: 1 },
  ],
  [splitManifest({ service: "web", backends: [{ service: "web-v1" }] })],
  [weight(true)],
  [weight([1])],
  [weight("ten")],
  [weight("5%")],
  [weight("")],
  [weight("e3")],
  [weight("1e100000")],
  [weight(Number.POSITIVE_INFINITY)],
  [weight(-1)],
  [weight("-500m")],
  [weight("0.5m")],
  [weight(" 1 ")],
  [weight(0)],
  [splitManifest({ service: "web", backends: [{ service: "web-v1", weight: 1, port: 80 }] })],
  [splitManifest({ service: "web", weights: { "web-v1": 90, "web-v2": 10 } })],
  [
    splitManifest({
      service: "web",
      backends: ONE,
      matches: [{ kind: "HTTPRouteGroup", name: "g" }],
    }),
  ],
  [splitManifest({ service: "web", backends: ONE, matches: 5 }, { apiVersion: V4 })],
  [
    splitManifest(
      { service: "web", backends: ONE, matches: [5, { kind: 1 }, { name: "g", apiGroup: 2 }] },
      { apiVersion: V4 },
    ),
  ],
  [
    splitManifest(
      { service: "web", backends: ONE, matches: [{ kind: "HTTPRouteGroup", name: "g" }, {}] },
      { apiVersion: V4 },
    ),
    { maxBackends: 1 },
  ],
  [
    splitManifest({ service: "web", backends: [{ service: "a", weight: -1 }, { weight: -1 }] }),
    { maxDiagnostics: 1 },
  ],
];

function all(): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [input, options] of INPUTS) {
    const parsed = parseTrafficSplit(input, options ?? {});
    out.push(...parsed.diagnostics);
  }
  const big = parseTrafficSplit(
    splitManifest({
      service: "web",
      backends: [
        { service: "a", weight: 4_000_000 },
        { service: "b", weight: 1 },
      ],
    }),
  );
  if (big.ok) out.push(...desiredServiceProfile(big.split, {}).diagnostics);
  // The cluster domain is checked apart from a split: its problem carries the same contract.
  const domain = checkClusterDomain("Cluster_Local");
  if (domain !== undefined)
    out.push({ severity: "error", code: "invalid-cluster-domain", path: "", ...domain });
  return out;
}

describe("every diagnostic says what to do", () => {
  const diagnostics = all();

  it("the inputs give every diagnostic code", () => {
    expect([...new Set(diagnostics.map((d) => d.code))].sort()).toEqual(
      [...DIAGNOSTIC_CODES].sort(),
    );
  });

  it.each(diagnostics.map((d) => [`${d.code} ${d.path}: ${d.message}`, d] as const))(
    "%s",
    (_title, d) => {
      const fix = FIX.test(d.message) || (d.suggestion ?? "") !== "";
      expect(fix, d.message).toBe(true);
    },
  );
});
