import { describe, expect, it } from "vitest";
import { summariseCpu, summariseHeap, type CpuProfile, type HeapSnapshot } from "./profile.js";

describe("summariseHeap", () => {
  // Eleven nodes, five fields each: type, name, id, self_size, edge_count.
  const snapshot: HeapSnapshot = {
    snapshot: {
      meta: {
        node_fields: ["type", "name", "id", "self_size", "edge_count"],
        node_types: [
          ["hidden", "array", "string", "object", "code", "closure", "concatenated string"],
        ],
      },
    },
    strings: ["", "Object", "abc", "Map", "f", "xyz", "(concatenated string)"],
    nodes: [
      [3, 1, 1, 40, 0], // object Object 40
      [3, 1, 2, 24, 0], // object Object 24
      [2, 2, 3, 20, 0], // string "abc" 20
      [2, 2, 4, 20, 0], // string "abc" 20
      [2, 2, 5, 20, 0], // string "abc" 20
      [5, 4, 6, 32, 0], // closure f 32
      [4, 0, 7, 100, 0], // code 100
      [3, 3, 8, 16, 0], // object Map 16
      [2, 5, 9, 12, 0], // string "xyz" 12, the only one of its value
      [6, 6, 10, 32, 0], // two concatenated strings: one name for any value, never a repeat
      [6, 6, 11, 32, 0],
    ].flat(),
  };

  it("sums self sizes by kind and by constructor, largest first", () => {
    const heap = summariseHeap(snapshot);
    expect(heap.totalBytes).toBe(348);
    expect(heap.byKind).toEqual([
      { name: "code", count: 1, bytes: 100 },
      { name: "object", count: 3, bytes: 80 },
      { name: "string", count: 4, bytes: 72 },
      { name: "concatenated string", count: 2, bytes: 64 },
      { name: "closure", count: 1, bytes: 32 },
    ]);
    expect(heap.byConstructor).toEqual([
      { name: "Object", count: 2, bytes: 64 },
      { name: "f", count: 1, bytes: 32 },
      { name: "Map", count: 1, bytes: 16 },
    ]);
  });

  it("counts every copy of a string value beyond the first as repeated", () => {
    const heap = summariseHeap(snapshot);
    expect(heap.duplicateStrings).toEqual({ bytes: 40, copies: 2 });
    expect(heap.topDuplicates).toEqual([{ name: "abc", count: 2, bytes: 40 }]);
  });

  it("names the field a snapshot lacks", () => {
    const broken = {
      ...snapshot,
      snapshot: { meta: { ...snapshot.snapshot.meta, node_fields: ["type", "name", "id"] } },
    };
    expect(() => summariseHeap(broken)).toThrow('meta.node_fields has no "self_size"');
  });
});

describe("summariseCpu", () => {
  // Samples at 1100, 1300, 1600, 2000 and 2500 µs; each lasts until the next (the last: to 3000).
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
      {
        id: 2,
        callFrame: { functionName: "work", url: "file:///x/bundle/chunk.mjs", lineNumber: 9 },
      },
      { id: 3, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
      { id: 4, callFrame: { functionName: "(garbage collector)", url: "", lineNumber: -1 } },
      { id: 5, callFrame: { functionName: "emit", url: "node:events", lineNumber: 0 } },
    ],
    startTime: 1000,
    endTime: 3000,
    samples: [2, 2, 3, 4, 2],
    timeDeltas: [100, 200, 300, 400, 500],
  };

  it("gives each function and file its self time", () => {
    const cpu = summariseCpu(profile);
    expect(cpu.totalMs).toBeCloseTo(1.9);
    expect(cpu.busyMs).toBeCloseTo(1.5);
    expect(cpu.byFunction.map((r) => r.name)).toEqual([
      "work (chunk.mjs:10)",
      "(garbage collector)",
      "(idle)",
    ]);
    expect(cpu.byFunction.map((r) => r.ms)).toEqual([1.0, 0.5, 0.4]);
    expect(cpu.byFile).toEqual([
      { name: "chunk.mjs", ms: 1.0 },
      { name: "(garbage collector)", ms: 0.5 },
      { name: "(idle)", ms: 0.4 },
    ]);
  });

  it("counts only the samples inside a window", () => {
    const cpu = summariseCpu(profile, { from: 1250, to: 2100 });
    expect(cpu.totalMs).toBeCloseTo(1.2);
    expect(cpu.busyMs).toBeCloseTo(0.8);
    expect(cpu.byFunction).toEqual([
      { name: "(garbage collector)", ms: 0.5 },
      { name: "(idle)", ms: 0.4 },
      { name: "work (chunk.mjs:10)", ms: 0.3 },
    ]);
  });
});
