/**
 * Offline linting of TrafficSplit manifests: every document of every source is parsed as YAML
 * (JSON is YAML), TrafficSplits are checked with `@linkerd-smi/core` exactly as the adaptor
 * would check them, and everything else is passed over. Pure: sources come in as text.
 */
import {
  backendShares,
  desiredServiceProfile,
  parseTrafficSplit,
  routeGroupRegexProblems,
  sortDiagnostics,
  TRAFFIC_SPLIT_GROUP,
  type Diagnostic,
  type Severity,
} from "@linkerd-smi/core";
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
} from "yaml";
import type { TrafficSplitCrd } from "../crd.js";
import { schemaProblems } from "./schema.js";

/** A file (or standard input) to lint. */
export interface Source {
  /** How the file is shown: the path as given, or `<stdin>`. */
  readonly name: string;
  readonly text: string;
}

/** One problem, located as precisely as the YAML allows. */
export interface Problem {
  readonly file: string;
  /** 1-based index of the YAML document in the file. */
  readonly document: number;
  /** 0-based index in `items` when the document is a `kind: List`. */
  readonly item?: number;
  /** 1-based line and column of the offending field (or the nearest field that exists). */
  readonly line?: number;
  readonly column?: number;
  /** `namespace/name`, `name`, or `<unnamed>`; absent for YAML syntax errors. */
  readonly object?: string;
  readonly severity: Severity;
  /** Core's diagnostic code, or `yaml-syntax` for a document that is not valid YAML. */
  readonly code: string;
  /** Field path inside the object (`spec.backends[0].weight`); `""` for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Did-you-mean: a field name or a corrected value. */
  readonly suggestion?: string;
}

/** A TrafficSplit that was checked. */
export interface CheckedSplit {
  readonly file: string;
  readonly document: number;
  /** 0-based index in `items` when the document is a `kind: List`. */
  readonly item?: number;
  readonly object: string;
  readonly apiVersion?: string;
  readonly valid: boolean;
  readonly apex?: string;
  readonly backends?: readonly { service: string; weight: string; percent: number }[];
}

/** A document that is not a TrafficSplit. */
export interface SkippedDocument {
  readonly file: string;
  readonly document: number;
  readonly kind: string;
  readonly name?: string;
}

export interface LintReport {
  readonly files: number;
  /** The sources' names, in the order they were linted. */
  readonly fileNames: readonly string[];
  readonly documents: number;
  readonly trafficSplits: readonly CheckedSplit[];
  readonly skipped: readonly SkippedDocument[];
  readonly problems: readonly Problem[];
  readonly errors: number;
  readonly warnings: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A document is a TrafficSplit when its apiVersion is in split.smi-spec.io or its kind says so. */
export function looksLikeTrafficSplit(object: Json): boolean {
  const apiVersion = str(object.apiVersion) ?? "";
  const kind = str(object.kind) ?? "";
  return apiVersion.startsWith(`${TRAFFIC_SPLIT_GROUP}/`) || kind.toLowerCase() === "trafficsplit";
}

/**
 * Why `object` is an export of a stored object rather than a manifest (`kubectl get -o yaml`),
 * or undefined: the fields only the apiserver writes, or being an item of a `kind: List`.
 */
export function exportReason(object: Json, listItem: boolean): string | undefined {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  for (const field of ["resourceVersion", "uid", "managedFields"])
    if (metadata[field] !== undefined) return `it has metadata.${field}`;
  return listItem ? "it is an item of a List" : undefined;
}

/** `namespace/name`, `name`, or `<unnamed>`. */
export function objectRef(object: Json): string {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = str(metadata.name);
  const namespace = str(metadata.namespace);
  if (name === undefined) return "<unnamed>";
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Splits `spec.backends[1].weight` or `spec["a b"]` into keys and indexes. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const token = /\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let index = 0;
  while (index < path.length) {
    token.lastIndex = index;
    const m = token.exec(path);
    if (m === null) break;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(m[3]) as string);
    index = token.lastIndex;
  }
  return segments;
}

/**
 * The source offset of the deepest node that `segments` reaches: the field's key, or its value
 * when that is a scalar and `atValue` (a wrong value rather than a wrong field).
 */
function locate(
  root: unknown,
  segments: readonly (string | number)[],
  atValue: boolean,
): number | undefined {
  let node = root;
  let offset = (root as YamlNode | undefined)?.range?.[0];
  for (const [i, segment] of segments.entries()) {
    if (isMap(node) && typeof segment === "string") {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (pair === undefined) break;
      const last = i === segments.length - 1;
      const target = last && atValue && isScalar(pair.value) ? pair.value : pair.key;
      offset = (target as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = (item as YamlNode).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

interface Located {
  line?: number;
  column?: number;
}

function position(lines: LineCounter, offset: number | undefined): Located {
  if (offset === undefined) return {};
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * Where the field `segments` names is in a parsed document (`contents`, counted by `lines`): its
 * key, or the nearest field above it that exists, or the document's start.
 */
export function fieldPosition(
  contents: unknown,
  lines: LineCounter,
  segments: readonly (string | number)[],
): Located {
  return position(lines, locate(contents, segments, false));
}

/** The diagnostics of one TrafficSplit: the parser's, and the translation's when it parses. */
function diagnose(object: Json): {
  diagnostics: Diagnostic[];
  backends?: CheckedSplit["backends"];
  apex?: string;
} {
  const parsed = parseTrafficSplit(object);
  if (!parsed.ok) return { diagnostics: sortDiagnostics(parsed.diagnostics) };
  const diagnostics = [...parsed.diagnostics];
  try {
    // The namespace only matters for the profile name's length; kubectl would use the current one.
    const desired = desiredServiceProfile(parsed.split, {
      namespace: parsed.split.namespace ?? "default",
    });
    diagnostics.push(...desired.diagnostics);
  } catch {
    // An invalid metadata.namespace: the parser has already reported it.
  }
  return {
    diagnostics: sortDiagnostics(diagnostics),
    apex: parsed.split.service,
    backends: backendShares(parsed.split).map((s) => ({
      service: s.service,
      weight: s.weight,
      percent: s.percent,
    })),
  };
}

/** Lints every document of every source; with `crd`, also against the CRD's served versions and schemas. */
export function lintSources(
  sources: readonly Source[],
  options: { crd?: TrafficSplitCrd } = {},
): LintReport {
  const trafficSplits: CheckedSplit[] = [];
  const skipped: SkippedDocument[] = [];
  const problems: Problem[] = [];
  let documents = 0;

  for (const source of sources) {
    const lines = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(source.text, {
        lineCounter: lines,
        prettyErrors: true,
      }) as Document.Parsed[];
    } catch (error) {
      problems.push({
        file: source.name,
        document: 1,
        severity: "error",
        code: "yaml-syntax",
        path: "",
        message: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    if (!Array.isArray(docs)) docs = [];
    docs.forEach((doc, i) => {
      const document = i + 1;
      if (doc.errors.length > 0) {
        documents++;
        for (const e of doc.errors) {
          const at = e.linePos?.[0];
          problems.push({
            file: source.name,
            document,
            ...(at === undefined ? {} : { line: at.line, column: at.col }),
            severity: "error",
            code: "yaml-syntax",
            path: "",
            // prettyErrors appends " at line L, column C:" and the source; the location is ours.
            message: `not valid YAML: ${(e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "")}`,
          });
        }
        return;
      }
      // An empty document (`---` alone, or only comments) holds nothing, or a null scalar.
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
      documents++;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (error) {
        problems.push({
          file: source.name,
          document,
          severity: "error",
          code: "yaml-syntax",
          path: "",
          message: `not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
      // A `kind: List` (what `kubectl get -o yaml` prints) holds its objects in `items`.
      const items =
        isObject(value) && /List$/.test(str(value.kind) ?? "") && Array.isArray(value.items)
          ? (value.items as unknown[])
          : undefined;
      const objects: { object: unknown; prefix: (string | number)[]; item?: number }[] =
        items === undefined
          ? [{ object: value, prefix: [] }]
          : items.map((object, j) => ({ object, prefix: ["items", j], item: j }));
      for (const { object, prefix, item } of objects) {
        const at = item === undefined ? {} : { item };
        if (!isObject(object) || !looksLikeTrafficSplit(object)) {
          const kind = isObject(object)
            ? (str(object.kind) ?? "<no kind>")
            : `<${Array.isArray(object) ? "list" : typeof object}>`;
          const name =
            isObject(object) && isObject(object.metadata) ? str(object.metadata.name) : undefined;
          skipped.push({
            file: source.name,
            document,
            kind,
            ...(name === undefined ? {} : { name }),
          });
          // An HTTPRouteGroup's regexes must compile in Linkerd (the Rust regex crate).
          if (kind === "HTTPRouteGroup" && isObject(object))
            for (const p of routeGroupRegexProblems(object))
              problems.push({
                file: source.name,
                document,
                ...at,
                ...position(
                  lines,
                  locate(doc.contents, [...prefix, ...pathSegments(p.path)], true),
                ),
                object: objectRef(object),
                severity: "error",
                code: "unsupported-regex",
                path: p.path,
                message: p.message,
              });
          continue;
        }
        const ref = objectRef(object);
        const diagnosed = diagnose(object);
        const { backends, apex } = diagnosed;
        // What the apiserver itself rejects, where the adaptor's rules have not said it already.
        const reported = new Set(
          diagnosed.diagnostics.filter((d) => d.severity === "error").map((d) => d.path),
        );
        const exported = exportReason(object, item !== undefined);
        const schema = (
          options.crd === undefined
            ? []
            : schemaProblems(object, options.crd, exported === undefined ? {} : { exported })
        )
          .filter((p) => !reported.has(p.path))
          .map((p): Diagnostic => ({
            severity: p.severity ?? "error",
            code: p.code as Diagnostic["code"],
            path: p.path,
            message: p.message,
            ...(p.suggestion === undefined ? {} : { suggestion: p.suggestion }),
          }));
        const diagnostics = sortDiagnostics([...schema, ...diagnosed.diagnostics]);
        const valid = !diagnostics.some((d) => d.severity === "error");
        const apiVersion = str(object.apiVersion);
        trafficSplits.push({
          file: source.name,
          document,
          ...at,
          object: ref,
          ...(apiVersion === undefined ? {} : { apiVersion }),
          valid,
          ...(apex === undefined ? {} : { apex }),
          ...(backends === undefined ? {} : { backends }),
        });
        for (const d of diagnostics) {
          const where = [...prefix, ...pathSegments(d.path)];
          problems.push({
            file: source.name,
            document,
            ...at,
            ...position(lines, locate(doc.contents, where, d.code !== "unknown-field")),
            object: ref,
            severity: d.severity,
            code: d.code,
            path: d.path,
            message: d.message,
            ...(d.suggestion === undefined ? {} : { suggestion: d.suggestion }),
          });
        }
      }
    });
  }
  return {
    files: sources.length,
    fileNames: sources.map((s) => s.name),
    documents,
    trafficSplits,
    skipped,
    problems,
    errors: problems.filter((p) => p.severity === "error").length,
    warnings: problems.filter((p) => p.severity === "warning").length,
  };
}
