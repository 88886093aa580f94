import { alignTabs } from "./tabwriter.js";

const ACRONYMS = new Map([
  ["api", "API"],
  ["uid", "UID"],
  ["url", "URL"],
  ["ip", "IP"],
  ["id", "ID"],
  ["tls", "TLS"],
  ["http", "HTTP"],
  ["dns", "DNS"],
]);

/** `dstOverrides` -> `Dst Overrides`, `apiVersion` -> `API Version`; other shapes as they are. */
export function smartLabel(field: string): string {
  if (!/^[A-Za-z]+$/.test(field)) return field;
  return field
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .split(" ")
    .map((word) => ACRONYMS.get(word.toLowerCase()) ?? word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return JSON.stringify(value);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function writeValue(
  out: string[],
  key: string,
  value: unknown,
  depth: number,
  label: boolean,
): void {
  const indent = "  ".repeat(depth);
  const name = label ? smartLabel(key) : key;
  if (isMap(value)) {
    out.push(`${indent}${name}:`);
    writeMap(out, value, depth + 1, label && !key.startsWith("f:") && key !== "fieldsV1");
  } else if (Array.isArray(value)) {
    out.push(`${indent}${name}:`);
    for (const item of value) {
      if (isMap(item)) writeMap(out, item, depth + 1, label);
      else out.push(`${"  ".repeat(depth + 1)}${scalar(item)}`);
    }
  } else {
    out.push(`${indent}${name}:\t${scalar(value)}`);
  }
}

function writeMap(
  out: string[],
  map: Record<string, unknown>,
  depth: number,
  label: boolean,
): void {
  for (const key of Object.keys(map).sort()) writeValue(out, key, map[key], depth, label);
}

function pairs(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return "<none>";
  return entries.map(([k, v]) => `${k}=${v}`).join("\n\t");
}

export interface DescribedEvent {
  type: string;
  reason: string;
  age: string;
  from: string;
  message: string;
}

/**
 * Prints any Kubernetes object as `kubectl describe` prints a custom
 * resource: name, namespace, labels and annotations first, then every other
 * field with its name title-cased, then the object's Events.
 */
export function describeObject(
  object: Record<string, unknown>,
  events: readonly DescribedEvent[] = [],
): string {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const { name, namespace, labels, annotations, ...restMetadata } = metadata;
  const out: string[] = [
    `Name:\t${scalar(name)}`,
    `Namespace:\t${scalar(namespace)}`,
    `Labels:\t${pairs(labels as Record<string, string> | undefined)}`,
    `Annotations:\t${pairs(annotations as Record<string, string> | undefined)}`,
  ];
  const rest: Record<string, unknown> = { ...object, metadata: restMetadata };
  for (const key of Object.keys(rest).sort()) writeValue(out, key, rest[key], 0, true);
  if (events.length === 0) out.push("Events:\t<none>");
  else {
    out.push(
      "Events:",
      "  Type\tReason\tAge\tFrom\tMessage",
      "  ----\t------\t----\t----\t-------",
    );
    for (const e of events) out.push(`  ${e.type}\t${e.reason}\t${e.age}\t${e.from}\t${e.message}`);
  }
  return `${alignTabs(out.join("\n"))}\n`;
}
