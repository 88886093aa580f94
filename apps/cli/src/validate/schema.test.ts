import { describe, expect, it } from "vitest";
import { splitObject } from "../../test/fixtures.js";
import { trafficSplitCrd } from "../crd.js";
import { lintSources } from "./lint.js";
import { schemaProblems } from "./schema.js";

const crd = trafficSplitCrd();
const split = (apiVersion: string, backends: unknown[]) =>
  splitObject("shop", "web-split", { service: "web", backends }, { apiVersion });

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

  it("an export of a split stored as v1alpha1 and served as v1alpha4 unchanged: a warning, not an error", () => {
    // What `kubectl get ts -A -o yaml` prints for a split created as v1alpha1 with quantities.
    const exported = [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "- apiVersion: split.smi-spec.io/v1alpha4",
      "  kind: TrafficSplit",
      "  metadata:",
      "    name: web-split",
      "    namespace: shop",
      '    resourceVersion: "4711"',
      "    uid: 7c0e59a4-8d4e-4a9e-9d3a-2f1d8f0c1b2a",
      "  spec:",
      "    service: web",
      "    backends:",
      "    - service: web-v1",
      "      weight: 900m",
      "    - service: web-v2",
      "      weight: 100m",
      "metadata:",
      '  resourceVersion: ""',
      "",
    ].join("\n");
    const report = lintSources([{ name: "<stdin>", text: exported }], { crd });
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(2);
    expect(report.trafficSplits[0]?.valid).toBe(true);
    expect(report.problems[0]).toEqual({
      file: "<stdin>",
      document: 1,
      item: 0,
      line: 15,
      column: 15,
      object: "shop/web-split",
      severity: "warning",
      code: "crd-schema",
      path: "spec.backends[0].weight",
      message:
        'spec.backends[0].weight is the string "900m", but the TrafficSplit CRD\'s v1alpha4 schema wants a number; ' +
        "this is an export of a stored TrafficSplit (it has metadata.resourceVersion): it was stored under v1alpha1, " +
        "whose schema allows it, and is served as v1alpha4 unchanged (the CRD converts with None). " +
        "The apiserver takes it back as it is with kubectl apply or kubectl replace (fields that do not change are not validated again), " +
        "but rejects it with kubectl apply --server-side, when this field changes, or as a new object; " +
        "write apiVersion split.smi-spec.io/v1alpha1 or integer weights",
    });

    // A List item without the server's fields is still an export; a lone manifest is not.
    const item = {
      apiVersion: "split.smi-spec.io/v1alpha4",
      kind: "TrafficSplit",
      metadata: { name: "web-split", namespace: "shop" },
      spec: { service: "web", backends: [{ service: "web-v1", weight: "900m" }] },
    };
    expect(schemaProblems(item, crd, { exported: "it is an item of a List" })[0]?.severity).toBe(
      "warning",
    );
    expect(schemaProblems(item, crd)[0]).toEqual({
      code: "crd-schema",
      path: "spec.backends[0].weight",
      message:
        'spec.backends[0].weight is the string "900m", but the TrafficSplit CRD\'s v1alpha4 schema wants a number: the apiserver rejects it; ' +
        "write weight: 900 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), " +
        "or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights",
    });
    // What no served version allows stays an error, export or not.
    expect(
      schemaProblems(
        { ...item, spec: { service: "web", backends: [{ service: "web-v1", weight: [1] }] } },
        crd,
        { exported: "it has metadata.uid" },
      )[0]?.severity,
    ).toBeUndefined();
  });
});
