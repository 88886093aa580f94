/**
 * Summaries of the adaptor's own profiles, for `pnpm bench --profile DIR`: where its heap
 * goes (a V8 heap snapshot, by kind and constructor, and how much of it is repeated strings)
 * and where its CPU goes (a `--cpu-prof` profile, by function, optionally in one time window).
 */

/** The parts of a `.heapsnapshot` this reads (V8's format: flat arrays described by `meta`). */
export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

export interface HeapRow {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  /** Self size by node kind (object, string, code, array, closure, ...), largest first. */
  byKind: HeapRow[];
  /** Self size of objects and closures by constructor name, largest first. */
  byConstructor: HeapRow[];
  /** Strings whose value occurs more than once: the bytes of every copy beyond the first. */
  duplicateStrings: { bytes: number; copies: number };
  /** The repeated values that cost the most, with their copies beyond the first. */
  topDuplicates: HeapRow[];
}

/**
 * Kinds whose snapshot name is the string's value. A concatenated string is named
 * "(concatenated string)" whatever its value, so it cannot be told a repeat.
 */
const STRING_KINDS = new Set(["string", "sliced string"]);

export function summariseHeap(snapshot: HeapSnapshot, top = 15): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  if (!Array.isArray(kinds)) throw new Error("heap snapshot: meta.node_types[0] is not a list");
  const width = fields.length;
  const at = (field: string) => {
    const i = fields.indexOf(field);
    if (i < 0) throw new Error(`heap snapshot: meta.node_fields has no "${field}"`);
    return i;
  };
  const typeAt = at("type");
  const nameAt = at("name");
  const sizeAt = at("self_size");
  const byKind = new Map<string, HeapRow>();
  const byConstructor = new Map<string, HeapRow>();
  const strings = new Map<string, HeapRow>();
  const add = (rows: Map<string, HeapRow>, name: string, bytes: number) => {
    const row = rows.get(name);
    if (row === undefined) rows.set(name, { name, count: 1, bytes });
    else {
      row.count++;
      row.bytes += bytes;
    }
  };
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = String(kinds[snapshot.nodes[i + typeAt] ?? -1] ?? "unknown");
    const name = snapshot.strings[snapshot.nodes[i + nameAt] ?? -1] ?? "";
    const bytes = snapshot.nodes[i + sizeAt] ?? 0;
    totalBytes += bytes;
    add(byKind, kind, bytes);
    if (kind === "object" || kind === "closure") add(byConstructor, name, bytes);
    if (STRING_KINDS.has(kind)) add(strings, name, bytes);
  }
  const duplicates: HeapRow[] = [];
  let duplicateBytes = 0;
  let copies = 0;
  for (const [value, s] of strings) {
    if (s.count < 2) continue;
    // Copies of one value are the same size; every one beyond the first could be shared.
    const extra = (s.bytes * (s.count - 1)) / s.count;
    duplicateBytes += extra;
    copies += s.count - 1;
    duplicates.push({ name: value, count: s.count - 1, bytes: extra });
  }
  const largest = (rows: Iterable<HeapRow>) =>
    [...rows].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)).slice(0, top);
  return {
    totalBytes,
    byKind: largest(byKind.values()),
    byConstructor: largest(byConstructor.values()),
    duplicateStrings: { bytes: duplicateBytes, copies },
    topDuplicates: largest(duplicates),
  };
}

/** The parts of a `.cpuprofile` (Chrome DevTools' format) this reads; times in microseconds. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuRow {
  /** `function (file:line)`, or V8's `(garbage collector)`, `(program)`, `(idle)`. */
  name: string;
  ms: number;
}

export interface CpuSummary {
  /** Sampled time in the window, idle included (ms). */
  totalMs: number;
  /** Of it, not idle (ms). */
  busyMs: number;
  /** Self time by file: the bundle's chunks, Node's internals, V8's own entries. */
  byFile: CpuRow[];
  /** Self time by function, largest first. */
  byFunction: CpuRow[];
}

function fileOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const tail = url.replace(/^file:\/\//, "");
  if (tail.startsWith("node:")) return tail.split("/").slice(0, 2).join("/");
  return tail.slice(tail.lastIndexOf("/") + 1);
}

/**
 * Self time per function and per file, counting only samples taken in
 * [`from`, `to`] (the profile's own clock, microseconds: `startTime` + the deltas) when given.
 */
export function summariseCpu(
  profile: CpuProfile,
  window?: { from: number; to: number },
  top = 15,
): CpuSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one (the last: until the profile ends).
    const untilNext =
      i + 1 < profile.samples.length ? (profile.timeDeltas[i + 1] ?? 0) : profile.endTime - t;
    const ms = Math.max(0, untilNext) / 1000;
    if (window !== undefined && (t < window.from || t > window.to)) continue;
    const frame = frames.get(profile.samples[i] ?? -1);
    if (frame === undefined) continue;
    const file = fileOf(frame.url, frame.functionName);
    const fn =
      frame.url === ""
        ? frame.functionName || "(anonymous)"
        : `${frame.functionName || "(anonymous)"} (${file}:${String(frame.lineNumber + 1)})`;
    totalMs += ms;
    if (frame.functionName === "(idle)") idleMs += ms;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
  }
  const largest = (rows: Map<string, number>) =>
    [...rows]
      .map(([name, ms]) => ({ name, ms }))
      .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
      .slice(0, top);
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    byFile: largest(byFile),
    byFunction: largest(byFunction),
  };
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
const ms1 = (ms: number) => ms.toFixed(1);
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").slice(0, 80);

/** A markdown section of one heap summary. */
export function heapMarkdown(title: string, heap: HeapSummary): string {
  const lines = [
    `### ${title}`,
    "",
    `Heap snapshot: ${mib(heap.totalBytes)} MiB in live objects; repeated strings ${mib(heap.duplicateStrings.bytes)} MiB (${String(heap.duplicateStrings.copies)} copies beyond the first of a value).`,
    "",
    "| Kind | Count | MiB |",
    "| --- | ---: | ---: |",
    ...heap.byKind.map((r) => `| ${cell(r.name)} | ${String(r.count)} | ${mib(r.bytes)} |`),
    "",
    "| Constructor (objects, closures) | Count | MiB |",
    "| --- | ---: | ---: |",
    ...heap.byConstructor.map(
      (r) => `| ${cell(r.name || "(anonymous)")} | ${String(r.count)} | ${mib(r.bytes)} |`,
    ),
    "",
    "| Repeated string | Extra copies | MiB |",
    "| --- | ---: | ---: |",
    ...heap.topDuplicates.map(
      (r) => `| \`${cell(r.name)}\` | ${String(r.count)} | ${mib(r.bytes)} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

/** A markdown section of one CPU summary. */
export function cpuMarkdown(title: string, cpu: CpuSummary): string {
  return [
    `### ${title}`,
    "",
    `${ms1(cpu.busyMs)} ms on CPU of ${ms1(cpu.totalMs)} ms sampled.`,
    "",
    "| File | Self ms |",
    "| --- | ---: |",
    ...cpu.byFile.map((r) => `| ${cell(r.name)} | ${ms1(r.ms)} |`),
    "",
    "| Function | Self ms |",
    "| --- | ---: |",
    ...cpu.byFunction.map((r) => `| ${cell(r.name)} | ${ms1(r.ms)} |`),
    "",
  ].join("\n");
}
