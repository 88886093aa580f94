import { describe, expect, it } from "vitest";
import { closestName, levenshtein, suggestField } from "./suggest.js";

describe("levenshtein", () => {
  it.each([
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["weight", "wieght", 2],
    ["backend", "backends", 1],
    ["service", "service", 0],
  ] as const)("%s -> %s = %d", (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe("closestName", () => {
  it("prefers a case-insensitive match", () => {
    expect(closestName("SERVICE", ["service", "backends"])).toBe("service");
  });
  it("finds small typos", () => {
    expect(closestName("backnds", ["service", "backends"])).toBe("backends");
    expect(closestName("servce", ["service", "backends"])).toBe("service");
  });
  it("gives nothing for unrelated names", () => {
    expect(closestName("colour", ["service", "backends"])).toBeUndefined();
    expect(closestName("x".repeat(100), ["service"])).toBeUndefined();
  });
});

describe("suggestField", () => {
  it.each([
    ["trafficRouting", "spec", "backends", "alias"],
    ["weights", "spec", "backends", "alias"],
    ["backend", "spec", "backends", "alias"],
    ["serviceName", "spec", "service", "alias"],
    ["services", "spec", "service", "alias"],
    ["apex", "spec", "service", "alias"],
    ["rootService", "spec", "service", "alias"],
    ["serviceName", "backend", "service", "alias"],
    ["backend", "backend", "service", "alias"],
    ["percent", "backend", "weight", "alias"],
    ["Weight", "backend", "weight", "case"],
    ["wieght", "backend", "weight", "typo"],
    ["Spec", "root", "spec", "case"],
    ["metdata", "root", "metadata", "typo"],
    ["knd", "match", "kind", "typo"],
  ] as const)("%s in %s suggests %s (%s)", (name, context, field, reason) => {
    expect(suggestField(name, context)).toMatchObject({ field, reason });
  });

  it("explains shape differences", () => {
    expect(suggestField("backend", "backend")?.hint).toContain("nested `backend` object");
    expect(suggestField("trafficRouting", "spec")?.hint).toContain(
      "{service: <name>, weight: <weight>}",
    );
  });

  it("gives nothing for unrelated names and for prototype keys", () => {
    expect(suggestField("colour", "spec")).toBeUndefined();
    expect(suggestField("__proto__", "spec")).toBeUndefined();
    expect(suggestField("constructor", "backend")).toBeUndefined();
  });
});
