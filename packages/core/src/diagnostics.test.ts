import { describe, expect, it } from "vitest";
import {
  DIAGNOSTIC_CODES,
  formatDiagnostic,
  hasErrors,
  joinPath,
  sortDiagnostics,
  type Diagnostic,
} from "./diagnostics.js";

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

describe("helpers", () => {
  it("hasErrors and sortDiagnostics", () => {
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
