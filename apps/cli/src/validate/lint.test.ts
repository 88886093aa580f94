import { describe, expect, it } from "vitest";
import { lintSources, looksLikeTrafficSplit, objectRef, pathSegments } from "./lint.js";

describe("pathSegments", () => {
  it.each<[string, (string | number)[]]>([
    ["", []],
    ["spec", ["spec"]],
    ["spec.backends[1].weight", ["spec", "backends", 1, "weight"]],
    ['spec["my field"].x', ["spec", "my field", "x"]],
    ["metadata.name", ["metadata", "name"]],
  ])("%j", (path, segments) => {
    expect(pathSegments(path)).toEqual(segments);
  });
});

describe("what counts as a TrafficSplit", () => {
  it.each<[Record<string, unknown>, boolean]>([
    [{ apiVersion: "split.smi-spec.io/v1alpha2", kind: "TrafficSplit" }, true],
    [{ apiVersion: "split.smi-spec.io/v9", kind: "Whatever" }, true],
    [{ apiVersion: "v1", kind: "trafficsplit" }, true],
    [{ apiVersion: "apps/v1", kind: "Deployment" }, false],
    [{}, false],
  ])("%j -> %s", (object, expected) => {
    expect(looksLikeTrafficSplit(object)).toBe(expected);
  });

  it("names objects namespace/name, name, or <unnamed>", () => {
    expect(objectRef({ metadata: { name: "a", namespace: "n" } })).toBe("n/a");
    expect(objectRef({ metadata: { name: "a" } })).toBe("a");
    expect(objectRef({ metadata: { namespace: "n" } })).toBe("<unnamed>");
    expect(objectRef({})).toBe("<unnamed>");
  });
});

describe("lintSources", () => {
  it("passes over empty documents and non-objects, and counts documents", () => {
    const report = lintSources([
      {
        name: "x.yaml",
        text: "---\n# only a comment\n---\nhello\n---\n- a\n---\napiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nspec:\n  service: web\n  backends: [{service: web-v1, weight: 1}]\n",
      },
    ]);
    expect(report.documents).toBe(3);
    expect(report.skipped).toEqual([
      { file: "x.yaml", document: 2, kind: "<string>" },
      { file: "x.yaml", document: 3, kind: "<list>" },
    ]);
    expect(report.trafficSplits).toEqual([
      {
        file: "x.yaml",
        document: 4,
        object: "<unnamed>",
        apiVersion: "split.smi-spec.io/v1alpha1",
        valid: true,
        apex: "web",
        backends: [{ service: "web-v1", weight: "1", percent: 100 }],
      },
    ]);
    expect(report.errors).toBe(0);
  });

  it("points at the offending key, or at the nearest field that exists", () => {
    const report = lintSources([
      {
        name: "y.yaml",
        text: [
          "apiVersion: split.smi-spec.io/v1alpha2",
          "kind: TrafficSplit",
          "metadata: {name: s, namespace: n}",
          "spec:",
          "  service: web",
          "  backends:",
          "  - service: Web_V1",
          "    weight: 1",
        ].join("\n"),
      },
    ]);
    expect(report.problems.map((p) => [p.code, p.path, p.line, p.column])).toEqual([
      ["invalid-name", "spec.backends[0].service", 7, 14],
    ]);
  });

  it("translates valid splits too, reporting what only the profile shows", () => {
    const report = lintSources([
      {
        name: "z.yaml",
        text: "apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: s}\nspec:\n  service: web\n  backends: [{service: x, weight: 1}, {service: y, weight: 1000000}]\n",
      },
    ]);
    expect(report.problems.map((p) => [p.code, p.severity, p.line])).toEqual([
      ["weight-overflow-scaled", "warning", 6],
    ]);
    expect(report.trafficSplits[0]?.valid).toBe(true);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(1);
  });
});

describe("lintSources: HTTPRouteGroup regexes", () => {
  it("reports a regex Linkerd cannot compile on its field, with the line, and passes good ones", () => {
    const text = [
      "apiVersion: specs.smi-spec.io/v1alpha4",
      "kind: HTTPRouteGroup",
      "metadata: {name: api, namespace: shop}",
      "spec:",
      "  matches:",
      "  - name: ok",
      '    pathRegex: "/api/(?<v>v[0-9]+)/.*"',
      "  - name: bad",
      '    pathRegex: "/api/(?!internal).*"',
      "",
    ].join("\n");
    const report = lintSources([{ name: "g.yaml", text }]);
    expect(report.errors).toBe(1);
    expect(report.problems).toEqual([
      {
        file: "g.yaml",
        document: 1,
        line: 9,
        column: 16,
        object: "shop/api",
        severity: "error",
        code: "unsupported-regex",
        path: "spec.matches[1].pathRegex",
        message:
          '"/api/(?!internal).*" is not a regex Linkerd can use: the Rust regex crate says look-around, including look-ahead and look-behind, is not supported (at character 6, "(?!int"), and Linkerd\'s policy controller drops the whole route, catch-all rule included, when one does not compile; rewrite it without look-around, back-references or atomic groups (for /api/(?!internal).* list the paths to split instead)',
      },
    ]);
  });
});
