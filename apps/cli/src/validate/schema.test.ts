import { describe, expect, it } from "vitest";
import { trafficSplitCrd } from "../crd.js";
import { lintSources } from "./lint.js";
import { schemaProblems } from "./schema.js";

const crd = trafficSplitCrd();
const split = (apiVersion: string, backends: unknown[]) => ({
  apiVersion,
  kind: "TrafficSplit",
  metadata: { name: "web-split", namespace: "shop" },
  spec: { service: "web", backends },
});

describe("the chart's CRD, checked offline", () => {
  it("serves v1alpha1 to v1alpha4", () => {
    expect(crd.spec.versions.filter((v) => v.served).map((v) => v.name)).toEqual([
      "v1alpha1",
      "v1alpha2",
      "v1alpha3",
      "v1alpha4",
    ]);
  });

  it("rejects a version the CRD does not serve", () => {
    expect(
      schemaProblems(split("split.smi-spec.io/v1beta1", [{ service: "a", weight: 1 }]), crd),
    ).toEqual([
      {
        code: "unserved-version",
        path: "apiVersion",
        message:
          "split.smi-spec.io/v1beta1 is not served by the TrafficSplit CRD the extension installs (it serves v1alpha1, v1alpha2, v1alpha3 and v1alpha4): the apiserver rejects it; use split.smi-spec.io/v1alpha4",
        suggestion: "split.smi-spec.io/v1alpha4",
      },
    ]);
  });

  it("rejects a string weight under v1alpha2, accepts it under v1alpha1 (int-or-string)", () => {
    expect(
      schemaProblems(split("split.smi-spec.io/v1alpha2", [{ service: "a", weight: "50" }]), crd),
    ).toEqual([
      {
        code: "crd-schema",
        path: "spec.backends[0].weight",
        message:
          'spec.backends[0].weight is the string "50", but the TrafficSplit CRD\'s v1alpha2 schema wants a number: the apiserver rejects it; write 50 without quotes',
        suggestion: "50",
      },
    ]);
    expect(
      schemaProblems(split("split.smi-spec.io/v1alpha1", [{ service: "a", weight: "500m" }]), crd),
    ).toEqual([]);
    expect(
      schemaProblems(split("split.smi-spec.io/v1alpha1", [{ service: "a", weight: 0.5 }]), crd)[0]
        ?.message,
    ).toContain("wants an integer or a string");
  });

  it("rejects wrong types and missing required fields", () => {
    const problems = schemaProblems(
      {
        apiVersion: "split.smi-spec.io/v1alpha2",
        kind: "TrafficSplit",
        metadata: { name: "x" },
        spec: { service: 7, backends: [{ weight: 1 }] },
      },
      crd,
    );
    expect(problems.map((p) => p.path)).toEqual(["spec.service", "spec.backends[0].service"]);
  });

  it("validate reports them as errors, located, beside the adaptor's own rules", () => {
    const text = [
      "apiVersion: split.smi-spec.io/v1alpha2",
      "kind: TrafficSplit",
      "metadata: {name: web-split, namespace: shop}",
      "spec:",
      "  service: web",
      "  backends:",
      "  - service: web-v1",
      '    weight: "50"',
      "  - service: web-v2",
      "    weight: 50",
      "",
    ].join("\n");
    const offline = lintSources([{ name: "s.yaml", text }], { crd });
    expect(offline.errors).toBe(1);
    expect(offline.trafficSplits[0]?.valid).toBe(false);
    expect(offline.problems[0]).toMatchObject({
      line: 8,
      column: 13,
      code: "crd-schema",
      path: "spec.backends[0].weight",
    });
    // Without the CRD, only the adaptor's rules: it would read "50" as 50.
    expect(lintSources([{ name: "s.yaml", text }]).errors).toBe(0);
  });
});
