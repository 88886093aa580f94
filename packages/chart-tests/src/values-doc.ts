import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { parse } from "yaml";

/** The chart this package documents and tests. */
export const chartDir = fileURLToPath(new URL("../../../charts/linkerd-smi/", import.meta.url));

/** One documented value: a row of the README's values table. */
export interface ValueDoc {
  /** Dotted path, e.g. `adaptor.image.tag`. */
  key: string;
  /** helm-docs' type names: bool, int, float, string, list, object. */
  type: string;
  /** The default from values.yaml. */
  value: unknown;
  description: string;
}

/** Every key of values.yaml, as a dotted path, and whether a `# --` comment documents it. */
export interface ValueKey {
  key: string;
  documented: boolean;
  /** True when the value is not a non-empty map (so nothing below it has a key). */
  leaf: boolean;
}

export interface ValuesAnalysis {
  docs: ValueDoc[];
  keys: ValueKey[];
}

const KEY_LINE = /^( *)([A-Za-z0-9_.\-/]+|"[^"]+"):(?:\s|$)/;

function typeOf(value: unknown): string {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "string";
  if (Array.isArray(value)) return "list";
  return "object";
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * Reads values.yaml as helm-docs does: a comment block starting with `# --`
 * right above a key (no blank line between) documents that key; its
 * following comment lines continue the description. A documented map is one
 * row (its children are its default), so its children need no comment of
 * their own.
 */
export function analyseValues(text: string): ValuesAnalysis {
  const values = parse(text) as unknown;
  const docs: ValueDoc[] = [];
  const keys: ValueKey[] = [];
  const stack: { indent: number; key: string }[] = [];
  let comment: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("#")) {
      comment.push(trimmed.replace(/^#\s?/, ""));
      continue;
    }
    const match = KEY_LINE.exec(line);
    const block = comment;
    comment = [];
    if (match === null) continue;
    const indent = match[1]?.length ?? 0;
    const key = (match[2] ?? "").replace(/^"|"$/g, "");
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
    stack.push({ indent, key });
    const path = stack.map((s) => s.key);
    const value = valueAt(values, path);
    const leaf =
      typeof value !== "object" ||
      value === null ||
      Array.isArray(value) ||
      Object.keys(value).length === 0;
    const start = block.findIndex((l) => l.startsWith("-- "));
    const documented = start >= 0;
    keys.push({ key: path.join("."), documented, leaf });
    if (documented) {
      const description = block
        .slice(start)
        .map((l, i) => (i === 0 ? l.slice(3) : l))
        .join(" ")
        .replace(/\s+/g, " ")
        .trim();
      docs.push({ key: path.join("."), type: typeOf(value), value, description });
    }
  }
  return { docs, keys };
}

/** Keys that no `# --` comment covers, neither their own nor an ancestor's. */
export function undocumentedKeys(analysis: ValuesAnalysis): string[] {
  const documented = analysis.docs.map((d) => d.key);
  return analysis.keys
    .filter((k) => k.leaf)
    .map((k) => k.key)
    .filter((key) => !documented.some((d) => key === d || key.startsWith(`${d}.`)));
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The values table, as helm-docs renders it. */
export function valuesTable(docs: readonly ValueDoc[]): string {
  const rows = docs.map(
    (d) =>
      `| ${d.key} | ${d.type} | \`${cell(JSON.stringify(d.value))}\` | ${cell(d.description)} |`,
  );
  return ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}

export const BEGIN = "<!-- values-table:begin (generated from values.yaml: pnpm chart:readme) -->";
export const END = "<!-- values-table:end -->";

/**
 * The README with its values table regenerated from values.yaml, formatted
 * by prettier as `pnpm format` would, so the check and the formatter agree.
 */
export async function renderReadme(readme: string, valuesYaml: string, path: string) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin)
    throw new Error(`${path}: the markers ${BEGIN} and ${END} are missing`);
  const table = valuesTable(analyseValues(valuesYaml).docs);
  const next = `${readme.slice(0, begin + BEGIN.length)}\n\n${table}\n\n${readme.slice(end)}`;
  const options = (await resolveConfig(path)) ?? {};
  return format(next, { ...options, filepath: path });
}

/** The chart's README as it is and as values.yaml says it should be. */
export async function readmeStatus(dir = chartDir): Promise<{
  path: string;
  current: string;
  expected: string;
}> {
  const path = join(dir, "README.md");
  const current = readFileSync(path, "utf8");
  const expected = await renderReadme(
    current,
    readFileSync(join(dir, "values.yaml"), "utf8"),
    path,
  );
  return { path, current, expected };
}
