/**
 * The TrafficSplit CRD the chart installs, read from the chart itself: the one source of which
 * versions are served and of each version's schema (for `check` and `validate`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TRAFFIC_SPLIT_GROUP } from "@linkerd-smi/core";
import { parse } from "yaml";
import { chartDir } from "./chart.js";

/** An OpenAPI v3 structural schema, as much of it as a CRD's TrafficSplit schema uses. */
export interface Schema {
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean";
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  additionalProperties?: Schema | boolean;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Schema };
}

export interface TrafficSplitCrd {
  metadata: { name: string };
  spec: { group: string; versions: CrdVersion[] };
}

let cached: TrafficSplitCrd | undefined;

/** Parses the chart's CRD template: its only template lines are the `installCRDs` guard. */
export function parseCrdTemplate(text: string): TrafficSplitCrd {
  const yaml = text
    .split("\n")
    .filter((line) => !/^\s*\{\{.*\}\}\s*$/.test(line))
    .join("\n");
  if (yaml.includes("{{"))
    throw new Error(
      "the chart's TrafficSplit CRD template has template expressions inside the CRD; the CLI reads it as plain YAML",
    );
  const crd = parse(yaml) as TrafficSplitCrd;
  if (crd.spec.group !== TRAFFIC_SPLIT_GROUP)
    throw new Error(`the chart's TrafficSplit CRD is for group ${crd.spec.group}`);
  return crd;
}

/** The TrafficSplit CRD as the chart installs it. */
export function trafficSplitCrd(): TrafficSplitCrd {
  cached ??= parseCrdTemplate(
    readFileSync(join(chartDir(), "templates", "trafficsplit-crd.yaml"), "utf8"),
  );
  return cached;
}

/** The versions the installed CRD serves, in the CRD's order. */
export function servedVersions(crd: TrafficSplitCrd = trafficSplitCrd()): string[] {
  return crd.spec.versions.filter((v) => v.served).map((v) => v.name);
}
