import { describe, expect, it } from "vitest";
import { IndexedStore } from "./store.js";

interface Obj {
  name: string;
  apex: string;
  tags?: string[];
}

const names = (objs: Obj[]): string[] => objs.map((o) => o.name).sort();

function store(): { s: IndexedStore<Obj>; errors: string[] } {
  const errors: string[] = [];
  const s = new IndexedStore<Obj>((index, key, error) =>
    errors.push(`${index} ${key} ${error instanceof Error ? error.message : String(error)}`),
  );
  return { s, errors };
}

describe("IndexedStore", () => {
  it("files objects under their index values and moves them when they change", () => {
    const { s } = store();
    s.addIndex("apex", (o) => [o.apex]);
    s.set("a", { name: "a", apex: "web" });
    s.set("b", { name: "b", apex: "web" });
    s.set("c", { name: "c", apex: "api" });
    expect(names(s.byIndex("apex", "web"))).toEqual(["a", "b"]);
    expect(names(s.byIndex("apex", "api"))).toEqual(["c"]);
    s.set("b", { name: "b", apex: "api" });
    expect(names(s.byIndex("apex", "web"))).toEqual(["a"]);
    expect(names(s.byIndex("apex", "api"))).toEqual(["b", "c"]);
    // The bucket holds the new object, not the old one.
    expect(s.byIndex("apex", "api").find((o) => o.name === "b")?.apex).toBe("api");
  });

  it("drops deleted objects from every index", () => {
    const { s } = store();
    s.addIndex("apex", (o) => [o.apex]);
    s.addIndex("tag", (o) => o.tags ?? []);
    s.set("a", { name: "a", apex: "web", tags: ["x", "y"] });
    s.set("b", { name: "b", apex: "web", tags: ["y"] });
    expect(s.delete("a")).toBe(true);
    expect(s.delete("a")).toBe(false);
    expect(names(s.byIndex("apex", "web"))).toEqual(["b"]);
    expect(s.byIndex("tag", "x")).toEqual([]);
    expect(names(s.byIndex("tag", "y"))).toEqual(["b"]);
    expect(s.size).toBe(1);
    // Back under another apex: not found under its old one.
    s.set("a", { name: "a", apex: "api" });
    expect(names(s.byIndex("apex", "web"))).toEqual(["b"]);
    expect(names(s.byIndex("apex", "api"))).toEqual(["a"]);
  });

  it("builds an index added later from what is stored", () => {
    const { s } = store();
    s.set("a", { name: "a", apex: "web", tags: ["x", "x", "y"] });
    s.set("b", { name: "b", apex: "api" });
    s.addIndex("tag", (o) => o.tags ?? []);
    // Listed once though its function named "x" twice; b has no tags, so no bucket.
    expect(names(s.byIndex("tag", "x"))).toEqual(["a"]);
    expect(names(s.byIndex("tag", "y"))).toEqual(["a"]);
    expect(s.byIndex("tag", "")).toEqual([]);
    s.set("a", { name: "a", apex: "web" });
    expect(s.byIndex("tag", "x")).toEqual([]);
  });

  it("refuses a second index of the same name and a lookup in an unknown one", () => {
    const { s } = store();
    s.addIndex("apex", (o) => [o.apex]);
    expect(() => {
      s.addIndex("apex", () => []);
    }).toThrow('index "apex" already exists');
    expect(() => s.byIndex("missing", "web")).toThrow(
      'no index named "missing": add it with addIndex("missing", fn) first',
    );
  });

  it("leaves an object out of an index whose function throws, and reports it", () => {
    const { s, errors } = store();
    s.addIndex("apex", (o) => {
      if (o.apex === "") throw new Error("no apex");
      return [o.apex];
    });
    s.set("a", { name: "a", apex: "web" });
    s.set("a", { name: "a", apex: "" });
    expect(errors).toEqual(["apex a no apex"]);
    expect(s.byIndex("apex", "web")).toEqual([]);
    expect(s.get("a")?.apex).toBe("");
  });
});
