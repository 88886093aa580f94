/**
 * What the apiserver checks of a TrafficSplit before it stores it, offline: the version must be
 * served by the CRD the extension installs, and the object must fit that version's structural
 * schema (types and required fields). Pure: the CRD comes in as data (the chart's, see crd.ts).
 */
import { TRAFFIC_SPLIT_GROUP, integerWeightFix } from "@linkerd-smi/core";
import type { Schema, TrafficSplitCrd } from "../crd.js";

/** A problem the apiserver would reject the object for. */
export interface SchemaProblem {
  readonly code: "unserved-version" | "crd-schema";
  readonly path: string;
  readonly message: string;
  readonly suggestion?: string;
  /** Absent: an error. A warning for what the apiserver accepts back (see {@link schemaProblems}). */
  readonly severity?: "warning";
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const part = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return path === "" ? part : part.startsWith("[") ? `${path}${part}` : `${path}.${part}`;
}

function typeProblem(
  value: unknown,
  schema: Schema,
  path: string,
  version: string,
): SchemaProblem | undefined {
  const want = schema["x-kubernetes-int-or-string"] === true ? "int-or-string" : schema.type;
  if (want === undefined) return undefined;
  if (value === null && schema.nullable === true) return undefined;
  const fits =
    want === "int-or-string"
      ? typeof value === "string" || Number.isInteger(value)
      : want === "object"
        ? isObject(value)
        : want === "array"
          ? Array.isArray(value)
          : want === "integer"
            ? Number.isInteger(value)
            : want === "number"
              ? typeof value === "number"
              : typeof value === want;
  if (fits) return undefined;
  const spelled = want === "int-or-string" ? "an integer or a string" : `a ${want}`;
  const numeric =
    typeof value === "string" &&
    (want === "number" || want === "integer") &&
    /^-?\d+(\.\d+)?$/.test(value.trim())
      ? value.trim()
      : undefined;
  // A Quantity weight ("900m") where the version wants an integer: what to write instead.
  const weightFix =
    numeric === undefined && (want === "number" || want === "integer") && path.endsWith(".weight")
      ? integerWeightFix(value)
      : undefined;
  return {
    code: "crd-schema",
    path,
    message:
      `${path} is ${describe(value)}, but the TrafficSplit CRD's ${version} schema wants ${spelled}: the apiserver rejects it` +
      (numeric !== undefined
        ? `; write ${numeric} without quotes`
        : weightFix !== undefined
          ? `; ${weightFix}`
          : ""),
    ...(numeric === undefined ? {} : { suggestion: numeric }),
  };
}

function walk(
  value: unknown,
  schema: Schema,
  path: string,
  version: string,
  out: SchemaProblem[],
): void {
  const problem = typeProblem(value, schema, path, version);
  if (problem !== undefined) {
    out.push(problem);
    return;
  }
  if (isObject(value)) {
    for (const key of schema.required ?? [])
      if (value[key] === undefined)
        out.push({
          code: "crd-schema",
          path: join(path, key),
          message: `${join(path, key)} is required by the TrafficSplit CRD's ${version} schema: the apiserver rejects the object without it`,
        });
    for (const [key, sub] of Object.entries(schema.properties ?? {}))
      if (value[key] !== undefined) walk(value[key], sub, join(path, key), version, out);
  } else if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      if (schema.items !== undefined) walk(item, schema.items, join(path, i), version, out);
    });
  }
}

/** `a`, `a and b`, `a, b and c`. */
function listVersions(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "no version")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
}

/** The problems of `object` against one version's schema (metadata, apiVersion and kind aside). */
function versionProblems(object: Json, schema: Schema, version: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  // metadata, apiVersion and kind are the apiserver's own; the CRD's schema covers the rest.
  const rest = Object.fromEntries(
    Object.entries(object).filter(([k]) => !["metadata", "apiVersion", "kind"].includes(k)),
  );
  walk(
    rest,
    {
      ...schema,
      required: (schema.required ?? []).filter(
        (k) => !["metadata", "apiVersion", "kind"].includes(k),
      ),
    },
    "",
    version,
    out,
  );
  return out;
}

export interface SchemaOptions {
  /**
   * Why `object` is an export of a stored object (`kubectl get -o yaml`): "it has
   * metadata.resourceVersion", "it is an item of a List"; absent for a manifest.
   */
  readonly exported?: string;
}

/**
 * The problems the apiserver would reject `object` for, given the CRD it serves.
 *
 * The CRD converts with `None`: an object stored under one version is served under every other
 * unchanged, so `kubectl get` shows a split written as v1alpha1 with `weight: 900m` as a v1alpha4
 * one, whose schema wants numbers. The apiserver takes such an export back as it is (apply and
 * replace validate only the fields that change: CRD validation ratcheting), so for an export a
 * problem another served version's schema does not have is a warning, not an error.
 */
export function schemaProblems(
  object: Json,
  crd: TrafficSplitCrd,
  options: SchemaOptions = {},
): SchemaProblem[] {
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  if (!apiVersion.startsWith(`${TRAFFIC_SPLIT_GROUP}/`)) return [];
  const version = apiVersion.slice(TRAFFIC_SPLIT_GROUP.length + 1);
  const served = crd.spec.versions.filter((v) => v.served);
  const entry = served.find((v) => v.name === version);
  if (entry === undefined) {
    const newest = served.at(-1)?.name;
    return [
      {
        code: "unserved-version",
        path: "apiVersion",
        message: `${apiVersion} is not served by the TrafficSplit CRD the extension installs (it serves ${listVersions(served.map((v) => v.name))}): the apiserver rejects it${newest === undefined ? "" : `; use ${TRAFFIC_SPLIT_GROUP}/${newest}`}`,
        ...(newest === undefined ? {} : { suggestion: `${TRAFFIC_SPLIT_GROUP}/${newest}` }),
      },
    ];
  }
  const schema = entry.schema?.openAPIV3Schema;
  if (schema === undefined) return [];
  const out = versionProblems(object, schema, version);
  if (options.exported === undefined || out.length === 0) return out;
  // The versions whose schema has none of this problem: the object may have been stored under them.
  const others = served
    .filter((v) => v.name !== version && v.schema?.openAPIV3Schema !== undefined)
    .map((v) => ({
      name: v.name,
      paths: new Set(
        versionProblems(object, v.schema?.openAPIV3Schema ?? {}, v.name).map((p) => p.path),
      ),
    }));
  return out.map((problem) => {
    const accepting = others.filter((v) => !v.paths.has(problem.path)).map((v) => v.name);
    const stored = accepting[0];
    if (stored === undefined) return problem;
    const weight = /^spec\.backends\[\d+\]\.weight$/.test(problem.path);
    return {
      code: problem.code,
      path: problem.path,
      severity: "warning",
      message:
        `${problem.message.replace(/: the apiserver rejects it.*$/, "")}; this is an export of a stored TrafficSplit (${options.exported}): ` +
        `it was stored under ${listVersions(accepting)}, whose schema allows it, and is served as ${version} unchanged (the CRD converts with None). ` +
        `The apiserver takes it back as it is with kubectl apply or kubectl replace (fields that do not change are not validated again), but rejects it with kubectl apply --server-side, when this field changes, or as a new object; ` +
        `write apiVersion ${TRAFFIC_SPLIT_GROUP}/${stored}${weight ? " or integer weights" : ""}`,
    };
  });
}
