/**
 * The fixes parseTrafficSplit suggests for common slips: weights written as "50%", "1 m", "2K",
 * "1,5" or with the wrong case of a binary suffix, and backends written in another shape. The
 * expected suggestions are written out by hand from what a Kubernetes quantity and an SMI
 * backend look like.
 */
import { describe, expect, it } from "vitest";
import { parseTrafficSplit } from "./parse.js";

function diagnosticsFor(spec: Record<string, unknown>) {
  const result = parseTrafficSplit({
    metadata: { name: "s", namespace: "ns" },
    spec: { service: "web", ...spec },
  });
  expect(result.ok).toBe(false);
  return result.diagnostics;
}

describe("weight repairs", () => {
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

describe("backends in another shape", () => {
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
