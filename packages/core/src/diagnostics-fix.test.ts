import { describe, expect, it } from "vitest";
import {
  DIAGNOSTIC_CODES,
  checkClusterDomain,
  desiredServiceProfile,
  integerWeightFix,
  parseTrafficSplit,
  type Diagnostic,
} from "./index.js";

// Issue 28, point 7: every diagnostic says what is wrong AND what to do. The fix is a clause of
// its message that starts with a verb telling the user what to write, set, use or remove, or
// the diagnostic's suggestion (the value to write instead), which every output of a diagnostic
// shows as "did you mean: <suggestion>".

const FIX =
  /(?:^|[:;.,?]\s+|\b(?:and|or|but|then)\s+)(write|set|use|remove|give|name|list|keep|fix|rename|add|delete|scale|split|pass|leave|merge)\b/i;

const V2 = "split.smi-spec.io/v1alpha2";
const V4 = "split.smi-spec.io/v1alpha4";
const ONE = [{ service: "web-v1", weight: 1 }];
const doc = (spec: unknown, more: Record<string, unknown> = {}) => ({
  apiVersion: V2,
  kind: "TrafficSplit",
  metadata: { name: "web-split", namespace: "shop" },
  spec,
  ...more,
});
const weight = (w: unknown) =>
  doc({ service: "web", backends: [{ service: "web-v1", weight: w }] });
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
  [doc({ service: "web", backends: ONE }, { apiVersion: 2 })],
  [doc({ service: "web", backends: ONE }, { apiVersion: "split.smi-spec.io/v9" })],
  [doc({ service: "web", backends: ONE }, { apiVersion: "apps/v1" })],
  [doc({ service: "web", backends: ONE }, { kind: 3 })],
  [doc({ service: "web", backends: ONE }, { kind: "trafficsplit" })],
  [doc({ service: "web", backends: ONE }, { kind: "Deployment" })],
  [doc({ service: "web", backends: ONE }, { metadata: 5 })],
  [doc({ service: "web", backends: ONE }, { metadata: { name: 5, namespace: true } })],
  [doc({ service: "web", backends: ONE }, { metadata: { name: "A_b", namespace: "N_s" } })],
  [doc({ service: "web", backends: ONE }, { status: {} })],
  [doc(undefined)],
  [doc(5)],
  [doc({ backends: ONE })],
  [doc({ service: "", backends: ONE })],
  [doc({ service: 5, backends: ONE })],
  [doc({ service: "Web_1", backends: ONE })],
  [doc({ service: "web" })],
  [doc({ service: "web", backends: 5 })],
  [doc({ service: "web", backends: { "web-v1": 1 } })],
  [doc({ service: "web", backends: [] })],
  [doc({ service: "web", backends: [5] })],
  [doc({ service: "web", backends: [{ weight: 1 }] })],
  [doc({ service: "web", backends: [{ service: 5, weight: 1 }] })],
  [doc({ service: "web", backends: [{ service: "", weight: 1 }] })],
  [doc({ service: "web", backends: [{ service: "Web_V2", weight: 1 }] })],
  [doc({ service: "web", backends: [...ONE, ...ONE] })],
  [doc({ service: "web", backends: [...ONE, { service: "b", weight: 1 }] }), { maxBackends: 1 }],
  [doc({ service: "web", backends: [{ service: "web-v1" }] })],
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
  [doc({ service: "web", backends: [{ service: "web-v1", weight: 1, port: 80 }] })],
  [doc({ service: "web", weights: { "web-v1": 90, "web-v2": 10 } })],
  [doc({ service: "web", backends: ONE, matches: [{ kind: "HTTPRouteGroup", name: "g" }] })],
  [doc({ service: "web", backends: ONE, matches: 5 }, { apiVersion: V4 })],
  [
    doc(
      { service: "web", backends: ONE, matches: [5, { kind: 1 }, { name: "g", apiGroup: 2 }] },
      { apiVersion: V4 },
    ),
  ],
  [
    doc(
      { service: "web", backends: ONE, matches: [{ kind: "HTTPRouteGroup", name: "g" }, {}] },
      { apiVersion: V4 },
    ),
    { maxBackends: 1 },
  ],
  [
    doc({ service: "web", backends: [{ service: "a", weight: -1 }, { weight: -1 }] }),
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
    doc({
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

describe("integerWeightFix", () => {
  it("says what to write for weight: 900m under v1alpha2, and the other way out", () => {
    expect(integerWeightFix("900m")).toBe(
      "write weight: 900 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
    expect(integerWeightFix("1.5")).toBe(
      "write weight: 1500 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
  });

  it("writes a whole Quantity as its integer", () => {
    expect(integerWeightFix("1k")).toBe(
      "write weight: 1000 (v1alpha2 weights are integers), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
    expect(integerWeightFix("2")).toBe(
      "write weight: 2 (v1alpha2 weights are integers), or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    );
  });

  it("has no fix for what is no weight at all", () => {
    expect(integerWeightFix("ten")).toBeUndefined();
    expect(integerWeightFix("-5")).toBeUndefined();
    expect(integerWeightFix("0.5m")).toBeUndefined();
  });
});
