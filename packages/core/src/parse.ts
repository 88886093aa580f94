/**
 * Reading an SMI TrafficSplit from untrusted input (a parsed YAML or JSON document) into a
 * validated {@link ParsedTrafficSplit}, with diagnostics that say what is wrong and how to fix
 * it. {@link parseTrafficSplit} never throws.
 *
 * @packageDocumentation
 */

import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain } from "./dns.js";
import { joinPath, type Diagnostic, type DiagnosticCode, type Severity } from "./diagnostics.js";
import {
  canonicalQuantity,
  decodeQuantity,
  isQuantityError,
  isWholeMilli,
  milliValue,
  parseQuantity,
  quantityFromMilli,
  type Quantity,
} from "./quantity.js";
import { KNOWN_FIELDS, closestName, suggestField, type FieldContext } from "./suggest.js";
import {
  TRAFFIC_SPLIT_GROUP,
  TRAFFIC_SPLIT_VERSIONS,
  type TrafficSplitApiVersion,
  type TrafficSplitVersion,
  type TypedLocalObjectReference,
} from "./types.js";

/** One backend of a parsed TrafficSplit. */
export interface ParsedBackend {
  /** The backend Service name (a DNS-1035 label). */
  readonly service: string;
  /**
   * The weight exactly as linkerd-smi writes it into the ServiceProfile: Go's
   * `Quantity.String()` of the weight (`"500m"`, `"1"`, `"1500m"`, `"1k"`...).
   */
  readonly weight: string;
  /** The weight in thousandths (a whole number; finer weights are rejected). */
  readonly milli: bigint;
}

/** A TrafficSplit that passed validation. */
export interface ParsedTrafficSplit {
  /** The document's apiVersion; `split.smi-spec.io/v1alpha1` when it had none. */
  readonly apiVersion: TrafficSplitApiVersion;
  /** `metadata.name`, when given. */
  readonly name?: string;
  /** `metadata.namespace`, when given. */
  readonly namespace?: string;
  /** The apex Service (`spec.service`). */
  readonly service: string;
  /** The backends in document order. */
  readonly backends: readonly ParsedBackend[];
  /** `spec.matches` (v1alpha3/v1alpha4), when given. Linkerd cannot apply them. */
  readonly matches?: readonly TypedLocalObjectReference[];
  /** True when there is at least one backend and every weight is zero. */
  readonly allWeightsZero: boolean;
}

/** The result of {@link parseTrafficSplit}. */
export type ParseTrafficSplitResult =
  | { readonly ok: true; readonly split: ParsedTrafficSplit; readonly diagnostics: Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** Options for {@link parseTrafficSplit}. */
export interface ParseTrafficSplitOptions {
  /**
   * Severity of fields SMI does not define. Default `"error"`, as the API server prunes them
   * (the CRD does not preserve unknown fields), so whatever they say is lost.
   */
  readonly unknownFields?: "error" | "warning";
  /** Most diagnostics reported; the rest are summarised in one. Default 100. */
  readonly maxDiagnostics?: number;
  /** Most backends accepted. Default 10000. */
  readonly maxBackends?: number;
}

const DEFAULT_API_VERSION: TrafficSplitApiVersion = `${TRAFFIC_SPLIT_GROUP}/v1alpha1`;
const SUPPORTED_API_VERSIONS: readonly string[] = TRAFFIC_SPLIT_VERSIONS.map(
  (v) => `${TRAFFIC_SPLIT_GROUP}/${v}`,
);
const VERSIONS_WITH_MATCHES: ReadonlySet<TrafficSplitVersion> = new Set(["v1alpha3", "v1alpha4"]);
// Integer weights: every TrafficSplit version takes them (v1alpha2 and later take nothing else).
const EXAMPLE_BACKENDS =
  "backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]";

class Collector {
  readonly diagnostics: Diagnostic[] = [];
  failed = false;
  private dropped = 0;

  constructor(private readonly max: number) {}

  add(
    severity: Severity,
    code: DiagnosticCode,
    path: string,
    message: string,
    suggestion?: string,
  ): void {
    if (severity === "error") this.failed = true;
    if (this.diagnostics.length >= this.max) {
      this.dropped++;
      return;
    }
    this.diagnostics.push(
      suggestion === undefined
        ? { severity, code, path, message }
        : { severity, code, path, message, suggestion },
    );
  }

  finish(): Diagnostic[] {
    if (this.dropped > 0) {
      this.diagnostics.push({
        severity: "warning",
        code: "diagnostics-truncated",
        path: "",
        message: `${this.dropped} more diagnostic(s) were not reported; fix the ones above and check again`,
      });
    }
    return this.diagnostics;
  }
}

type Json = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own data property, never a getter's or a prototype's. */
function get(object: Json, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && "value" in descriptor
    ? (descriptor.value as unknown)
    : undefined;
}

function ownKeys(object: Json): string[] {
  return Object.keys(object);
}

/** A short description of a value for messages; safe for every JavaScript value. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value.length > 60
        ? `the string ${JSON.stringify(value.slice(0, 57))}...`
        : `the string ${JSON.stringify(value)}`;
    case "number":
      return `the number ${String(value)}`;
    case "boolean":
      return `the boolean ${String(value)}`;
    case "undefined":
      return "nothing";
    case "bigint":
      return "a bigint";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      if (value === null) return "null";
      return Array.isArray(value) ? `a list of ${value.length}` : "a mapping";
  }
}

/** Writes a scalar the way it would appear in YAML flow style, quoting only when needed. */
function yamlScalar(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") {
    return /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value) ? value : JSON.stringify(value);
  }
  return "<weight>";
}

function stringAt(object: Json, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = get(object, key);
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

const SERVICE_KEYS = ["service", "serviceName", "name", "host", "svc"] as const;
const NESTED_KEYS = ["backend", "destination", "target", "service"] as const;
const WEIGHT_KEYS = ["weight", "percent", "percentage", "ratio", "share"] as const;

/** Finds the Service and weight in a backend written in some other shape. */
function recoverEntry(entry: unknown): { service?: string; weight?: unknown } {
  if (typeof entry === "string") return { service: entry };
  if (!isRecord(entry)) return {};
  let service = stringAt(entry, SERVICE_KEYS);
  let weight: unknown = undefined;
  for (const key of WEIGHT_KEYS) {
    const value = get(entry, key);
    if (typeof value === "string" || typeof value === "number") {
      weight = value;
      break;
    }
  }
  for (const key of NESTED_KEYS) {
    const nested = get(entry, key);
    if (isRecord(nested)) {
      service ??= stringAt(nested, SERVICE_KEYS);
      if (weight === undefined) {
        for (const wkey of WEIGHT_KEYS) {
          const value = get(nested, wkey);
          if (typeof value === "string" || typeof value === "number") {
            weight = value;
            break;
          }
        }
      }
    }
  }
  return service === undefined ? { weight } : { service, weight };
}

/**
 * Rebuilds `backends: [...]` from a list (or a service-to-weight mapping) written in another
 * shape, when every entry names a Service; `undefined` otherwise.
 */
function recoverBackends(value: unknown): string | undefined {
  let entries: { service?: string; weight?: unknown }[];
  if (Array.isArray(value)) {
    if (value.length === 0 || value.length > 50) return undefined;
    entries = value.map(recoverEntry);
  } else if (isRecord(value)) {
    const keys = ownKeys(value);
    if (keys.length === 0 || keys.length > 50) return undefined;
    entries = keys.map((key) => ({ service: key, weight: get(value, key) }));
  } else {
    return undefined;
  }
  const weights = integerWeights(entries.map((e) => e.weight));
  const parts: string[] = [];
  for (const [i, { service, weight }] of entries.entries()) {
    if (service === undefined) return undefined;
    parts.push(`{service: ${yamlScalar(service)}, weight: ${yamlScalar(weights?.[i] ?? weight)}}`);
  }
  return `backends: [${parts.join(", ")}]`;
}

/**
 * Quantity weights ("900m", "100m") as the integers every version takes, in the same
 * proportions: in whole units when each is whole, else each in thousandths. Undefined when
 * they are integers already, or one is no non-negative Quantity of whole thousandths.
 */
function integerWeights(weights: readonly unknown[]): bigint[] | undefined {
  if (weights.every((w) => Number.isInteger(w))) return undefined;
  const milli: bigint[] = [];
  for (const w of weights) {
    const q = decodeQuantity(w);
    if (isQuantityError(q) || q.nanos < 0n || !isWholeMilli(q)) return undefined;
    milli.push(milliValue(q));
  }
  return milli.every((m) => m % 1000n === 0n) ? milli.map((m) => m / 1000n) : milli;
}

/** Tries a few common slips in a weight ("50%", "1 m", "2K", "1,5") and returns a fix. */
function repairWeight(text: string): string | undefined {
  const trimmed = text.trim();
  const candidates = [
    trimmed.replace(/%$/, ""),
    trimmed.replace(/\s+/g, ""),
    trimmed.replace(",", "."),
    trimmed.replace(/K$/, "k").replace(/(ki|KI|kI)$/, "Ki"),
    trimmed
      .replace(/([MGTPE])I$/, "$1i")
      .replace(/([mgtpe])i$/, (_m, c: string) => `${c.toUpperCase()}i`),
    trimmed.replace(/\s+/g, "").replace(/%$/, ""),
  ];
  for (const candidate of candidates) {
    if (candidate === text || candidate === "") continue;
    const q = parseQuantity(candidate);
    if (!isQuantityError(q) && q.nanos >= 0n) return candidate;
  }
  return undefined;
}

class TrafficSplitParser {
  private readonly out: Collector;
  private readonly unknownSeverity: Severity;
  private readonly maxBackends: number;
  /** A `backends: [...]` snippet rebuilt from a mis-shaped field, for the missing-field hint. */
  private recovered: string | undefined;

  constructor(options: ParseTrafficSplitOptions) {
    this.out = new Collector(Math.max(1, options.maxDiagnostics ?? 100));
    this.unknownSeverity = options.unknownFields ?? "error";
    this.maxBackends = Math.max(0, options.maxBackends ?? 10_000);
  }

  run(input: unknown): ParseTrafficSplitResult {
    if (!isRecord(input)) {
      this.out.add(
        "error",
        "not-an-object",
        "",
        `expected a TrafficSplit document (a mapping with apiVersion, kind, metadata and spec), got ${describeValue(input)}; write one such as apiVersion: split.smi-spec.io/v1alpha2, kind: TrafficSplit, metadata: {name: my-app-split}, spec: {service: my-app, ${EXAMPLE_BACKENDS}}`,
      );
      return { ok: false, diagnostics: this.out.finish() };
    }
    const apiVersion = this.apiVersion(input);
    this.kind(input);
    const { name, namespace } = this.metadata(input);
    this.unknownFields(input, "", "root");
    const spec = this.spec(input, apiVersion);
    const diagnostics = this.out.finish();
    if (this.out.failed || spec === undefined) return { ok: false, diagnostics };
    const split: ParsedTrafficSplit = {
      apiVersion,
      ...(name === undefined ? {} : { name }),
      ...(namespace === undefined ? {} : { namespace }),
      service: spec.service,
      backends: spec.backends,
      ...(spec.matches === undefined ? {} : { matches: spec.matches }),
      allWeightsZero: spec.backends.length > 0 && spec.backends.every((b) => b.milli === 0n),
    };
    return { ok: true, split, diagnostics };
  }

  private apiVersion(input: Json): TrafficSplitApiVersion {
    const value = get(input, "apiVersion");
    if (value === undefined || value === null) return DEFAULT_API_VERSION;
    if (typeof value !== "string") {
      this.out.add(
        "error",
        "invalid-type",
        "apiVersion",
        `apiVersion must be a string, got ${describeValue(value)}; write apiVersion: split.smi-spec.io/v1alpha2`,
        `${TRAFFIC_SPLIT_GROUP}/v1alpha2`,
      );
      return DEFAULT_API_VERSION;
    }
    if (SUPPORTED_API_VERSIONS.includes(value)) return value as TrafficSplitApiVersion;
    const close = closestName(value, SUPPORTED_API_VERSIONS);
    const [group, version] = value.split("/", 2);
    const detail =
      group === TRAFFIC_SPLIT_GROUP
        ? `version ${JSON.stringify(version ?? "")} of ${TRAFFIC_SPLIT_GROUP} is not supported`
        : `${JSON.stringify(value)} is not a TrafficSplit API version`;
    this.out.add(
      "error",
      "unsupported-version",
      "apiVersion",
      `${detail}: use one of ${SUPPORTED_API_VERSIONS.join(", ")} (linkerd-smi's CRD serves v1alpha1 and v1alpha2)`,
      close ?? `${TRAFFIC_SPLIT_GROUP}/v1alpha2`,
    );
    return `${TRAFFIC_SPLIT_GROUP}/v1alpha4`;
  }

  private kind(input: Json): void {
    const value = get(input, "kind");
    if (value === undefined || value === null || value === "TrafficSplit") return;
    if (typeof value !== "string") {
      this.out.add(
        "error",
        "invalid-type",
        "kind",
        `kind must be the string "TrafficSplit", got ${describeValue(value)}; write kind: TrafficSplit`,
        "TrafficSplit",
      );
      return;
    }
    this.out.add(
      "error",
      "wrong-kind",
      "kind",
      value.toLowerCase() === "trafficsplit"
        ? `kind ${JSON.stringify(value)} is spelled with the wrong letter case: kinds are case-sensitive, write "TrafficSplit"`
        : `kind ${JSON.stringify(value)} is not a TrafficSplit: this tool reads SMI TrafficSplit (${TRAFFIC_SPLIT_GROUP}) documents only; set kind: TrafficSplit if this is one, or leave this document out`,
      "TrafficSplit",
    );
  }

  private metadata(input: Json): { name?: string; namespace?: string } {
    const value = get(input, "metadata");
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) {
      this.out.add(
        "error",
        "invalid-type",
        "metadata",
        `metadata must be a mapping, got ${describeValue(value)}; write it as metadata: {name: my-app-split, namespace: default}`,
      );
      return {};
    }
    const result: { name?: string; namespace?: string } = {};
    const name = get(value, "name");
    if (typeof name === "string") {
      const problem = checkDns1123Subdomain(name, "TrafficSplit name");
      if (problem === undefined) {
        result.name = name;
      } else {
        this.out.add("error", "invalid-name", "metadata.name", problem.message, problem.suggestion);
      }
    } else if (name !== undefined && name !== null) {
      this.out.add(
        "error",
        "invalid-type",
        "metadata.name",
        `metadata.name must be a string, got ${describeValue(name)}; write the split's name as a string, e.g. name: my-app-split`,
      );
    }
    const namespace = get(value, "namespace");
    if (typeof namespace === "string") {
      const problem = checkDns1123Label(namespace, "namespace");
      if (problem === undefined) {
        result.namespace = namespace;
      } else {
        this.out.add(
          "error",
          "invalid-name",
          "metadata.namespace",
          problem.message,
          problem.suggestion,
        );
      }
    } else if (namespace !== undefined && namespace !== null) {
      this.out.add(
        "error",
        "invalid-type",
        "metadata.namespace",
        `metadata.namespace must be a string, got ${describeValue(namespace)}; write the namespace as a string, e.g. namespace: default, or leave it out`,
      );
    }
    return result;
  }

  private unknownFields(
    object: Json,
    path: string,
    context: FieldContext,
    allowed: readonly string[] = KNOWN_FIELDS[context],
  ): void {
    for (const key of ownKeys(object)) {
      if (allowed.includes(key)) continue;
      const at = joinPath(path, key);
      const where =
        context === "root" ? "a TrafficSplit" : context === "backend" ? "a backend" : path;
      const value = get(object, key);
      if (context === "spec" && key === "matches") {
        this.out.add(
          this.unknownSeverity,
          "unknown-field",
          at,
          `spec.matches exists only in ${TRAFFIC_SPLIT_GROUP}/v1alpha3 and v1alpha4, not in this apiVersion; remove it (Linkerd cannot apply matches anyway: the split covers all requests)`,
        );
        continue;
      }
      const suggestion = suggestField(key, context);
      let message = `${at} is not a field of ${where} (allowed: ${allowed.join(", ")})`;
      if (suggestion !== undefined) {
        message += `; did you mean \`${suggestion.field}\`?`;
        if (suggestion.hint !== undefined) message += ` ${suggestion.hint}`;
        if (context === "spec" && suggestion.field === "backends") {
          const rebuilt = recoverBackends(value);
          if (rebuilt !== undefined) {
            this.recovered ??= rebuilt;
            message += `. Written the SMI way, yours is: ${rebuilt}`;
          }
        } else if (context === "backend" && suggestion.field === "service") {
          const recovered = recoverEntry({ [key]: value });
          const name =
            recovered.service ?? (isRecord(value) ? stringAt(value, SERVICE_KEYS) : undefined);
          if (name !== undefined) message += `. Write \`service: ${yamlScalar(name)}\``;
        }
      } else {
        message += `; remove it`;
      }
      this.out.add(this.unknownSeverity, "unknown-field", at, message, suggestion?.field);
    }
  }

  private spec(
    input: Json,
    apiVersion: TrafficSplitApiVersion,
  ):
    | { service: string; backends: ParsedBackend[]; matches?: TypedLocalObjectReference[] }
    | undefined {
    const spec = get(input, "spec");
    if (spec === undefined || spec === null) {
      this.out.add(
        "error",
        "missing-field",
        "spec",
        `spec is missing: add spec.service (the apex Service) and spec.backends, e.g. spec: {service: my-app, ${EXAMPLE_BACKENDS}}`,
      );
      return undefined;
    }
    if (!isRecord(spec)) {
      this.out.add(
        "error",
        "invalid-type",
        "spec",
        `spec must be a mapping with service and backends, got ${describeValue(spec)}; write it as spec: {service: my-app, ${EXAMPLE_BACKENDS}}`,
      );
      return undefined;
    }
    const version = apiVersion.slice(TRAFFIC_SPLIT_GROUP.length + 1) as TrafficSplitVersion;
    // The CRD serves every version from one stored object (conversion: None), so a split
    // written as v1alpha4 with matches is read with its matches in v1alpha1 and v1alpha2 too:
    // they are read in every version, and only noted where SMI does not define them.
    this.unknownFields(spec, "spec", "spec", KNOWN_FIELDS.spec);
    const service = this.serviceName(get(spec, "service"), "spec.service", "apex Service");
    const backends = this.backends(get(spec, "backends"));
    const matches = this.matches(get(spec, "matches"), service);
    if (matches !== undefined && matches.length > 0 && !VERSIONS_WITH_MATCHES.has(version)) {
      this.out.add(
        "warning",
        "matches-version",
        "spec.matches",
        `spec.matches is defined by ${TRAFFIC_SPLIT_GROUP}/v1alpha3 and v1alpha4, and this split is read as ${version}; the chart's CRD keeps matches in every version, so they apply, but write apiVersion ${TRAFFIC_SPLIT_GROUP}/v1alpha4 to say so`,
      );
    }
    if (service === undefined || backends === undefined) return undefined;
    if (backends.length === 0) {
      // An empty list is almost always a mistake (a tool that failed to fill it in);
      // applying it would silently drop a working split, so it is invalid.
      this.out.add(
        "error",
        "no-backends",
        "spec.backends",
        `spec.backends is empty: a split needs at least one backend, so nothing would be routed by it. List the Services to split ${JSON.stringify(service)} between, e.g. ${EXAMPLE_BACKENDS}`,
      );
    } else if (backends.every((b) => b.milli === 0n)) {
      this.out.add(
        "info",
        "all-weights-zero",
        "spec.backends",
        `all ${backends.length} backend weight(s) are zero: Linkerd then routes all traffic for ${JSON.stringify(service)} to the apex Service ${service} itself. Give a backend a positive weight to split traffic`,
      );
    }
    return matches === undefined ? { service, backends } : { service, backends, matches };
  }

  private serviceName(value: unknown, path: string, role: string): string | undefined {
    if (value === undefined || value === null) {
      this.out.add(
        "error",
        "missing-field",
        path,
        path === "spec.service"
          ? `spec.service is missing: name the apex Service whose traffic is split (the Service clients call), e.g. service: my-app`
          : `${path} is missing: name the Service this backend sends traffic to, e.g. service: my-app-v2`,
      );
      return undefined;
    }
    if (typeof value !== "string") {
      this.out.add(
        "error",
        "invalid-type",
        path,
        `${path} must be a string naming the ${role}, got ${describeValue(value)}; write the Service's name, e.g. service: my-app`,
      );
      return undefined;
    }
    if (value.trim() === "") {
      this.out.add(
        "error",
        "missing-field",
        path,
        `${path} is empty: name the ${role}, e.g. my-app`,
      );
      return undefined;
    }
    const problem = checkDns1035Label(value, "Service name");
    if (problem !== undefined) {
      this.out.add(
        "error",
        "invalid-name",
        path,
        `${path}: ${problem.message}${
          problem.suggestion === undefined ||
          problem.message.includes(JSON.stringify(problem.suggestion))
            ? ""
            : ` (did you mean ${JSON.stringify(problem.suggestion)}?)`
        }`,
        problem.suggestion,
      );
      return undefined;
    }
    return value;
  }

  private backends(value: unknown): ParsedBackend[] | undefined {
    const path = "spec.backends";
    if (value === undefined || value === null) {
      this.out.add(
        "error",
        "missing-field",
        path,
        `spec.backends is missing: list the Services to split traffic between with their weights, e.g. ${this.recovered ?? EXAMPLE_BACKENDS}`,
        this.recovered,
      );
      return undefined;
    }
    if (!Array.isArray(value)) {
      const rebuilt = recoverBackends(value);
      this.out.add(
        "error",
        "invalid-type",
        path,
        `spec.backends must be a list of {service, weight} entries, got ${describeValue(value)}${
          rebuilt === undefined ? `; write it as ${EXAMPLE_BACKENDS}` : `; write it as ${rebuilt}`
        }`,
        rebuilt,
      );
      return undefined;
    }
    const list: readonly unknown[] = value;
    if (list.length > this.maxBackends) {
      this.out.add(
        "error",
        "too-many-backends",
        path,
        `spec.backends has ${list.length} entries; at most ${this.maxBackends} are supported: split the traffic between fewer Services, or remove the backends of weight 0`,
      );
      return undefined;
    }
    const parsed: ParsedBackend[] = [];
    const seen = new Map<string, number>();
    let failed = false;
    for (let i = 0; i < list.length; i++) {
      const backend = this.backend(list[i], i);
      if (backend === undefined) {
        failed = true;
        continue;
      }
      const first = seen.get(backend.service);
      if (first === undefined) {
        seen.set(backend.service, i);
      } else {
        this.out.add(
          "warning",
          "duplicate-backend",
          joinPath(joinPath(path, i), "service"),
          `Service ${JSON.stringify(backend.service)} is listed again (first at spec.backends[${first}]): Linkerd receives both entries and their weights add up. Keep one entry with the combined weight`,
        );
      }
      parsed.push(backend);
    }
    return failed ? undefined : parsed;
  }

  private backend(value: unknown, index: number): ParsedBackend | undefined {
    const path = joinPath("spec.backends", index);
    if (!isRecord(value)) {
      const rebuilt =
        typeof value === "string" ? `{service: ${yamlScalar(value)}, weight: <weight>}` : undefined;
      this.out.add(
        "error",
        "invalid-type",
        path,
        `${path} must be a mapping {service: <name>, weight: <weight>}, got ${describeValue(value)}${
          rebuilt === undefined
            ? "; write each backend as {service: <name>, weight: <weight>}"
            : `; write ${rebuilt}`
        }`,
        rebuilt,
      );
      return undefined;
    }
    this.unknownFields(value, path, "backend");
    const service = this.serviceName(
      get(value, "service"),
      joinPath(path, "service"),
      "backend Service",
    );
    const weight = this.weight(get(value, "weight"), joinPath(path, "weight"));
    if (service === undefined || weight === undefined) return undefined;
    return { service, weight: canonicalQuantity(weight), milli: milliValue(weight) };
  }

  private weight(value: unknown, path: string): Quantity | undefined {
    if (value === undefined || value === null) {
      this.out.add(
        "error",
        "missing-field",
        path,
        `${path} is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other)`,
      );
      return undefined;
    }
    if (typeof value !== "string" && typeof value !== "number") {
      this.out.add(
        "error",
        "invalid-weight",
        path,
        `${path} must be a number or a Kubernetes quantity, got ${describeValue(value)}; write a number such as 500, or a quantity such as "500m" (v1alpha1)`,
      );
      return undefined;
    }
    const q = decodeQuantity(value);
    if (isQuantityError(q)) {
      const fix = typeof value === "string" ? repairWeight(value) : undefined;
      this.out.add(
        "error",
        "invalid-weight",
        path,
        `${path}: ${q.message}${fix === undefined ? "" : `; did you mean ${JSON.stringify(fix)}?`}`,
        fix,
      );
      return undefined;
    }
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    if (q.nanos < 0n) {
      const positive = canonicalQuantity({ kind: "quantity", nanos: -q.nanos, format: q.format });
      this.out.add(
        "error",
        "negative-weight",
        path,
        `${path} is ${shown}, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight)`,
        positive,
      );
      return undefined;
    }
    if (q.nanos % 1_000_000n !== 0n) {
      const rounded = canonicalQuantity(quantityFromMilli(milliValue(q)));
      this.out.add(
        "error",
        "sub-milli-weight",
        path,
        `${path} is ${shown} (${canonicalQuantity(q)}), finer than 1m: Linkerd works in whole thousandths (milli units) and would silently round it up to ${rounded}. Use a multiple of 1m, e.g. ${rounded}, or scale all weights up`,
        rounded,
      );
      return undefined;
    }
    if (typeof value === "string" && isQuantityError(parseQuantity(value))) {
      const trimmed = value.trim();
      this.out.add(
        "warning",
        "weight-whitespace",
        path,
        `${path} is ${shown}, with surrounding spaces: linkerd-smi trims them, but write ${JSON.stringify(trimmed)}`,
        trimmed,
      );
    }
    return q;
  }

  private matches(
    value: unknown,
    service: string | undefined,
  ): TypedLocalObjectReference[] | undefined {
    const path = "spec.matches";
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.out.add(
        "error",
        "invalid-type",
        path,
        `spec.matches must be a list of references, got ${describeValue(value)}; write it as matches: [{kind: HTTPRouteGroup, name: my-routes}], or remove it`,
      );
      return undefined;
    }
    const list: readonly unknown[] = value;
    if (list.length > this.maxBackends) {
      this.out.add(
        "error",
        "invalid-type",
        path,
        `spec.matches has ${list.length} entries; at most ${this.maxBackends} are supported: remove some, or merge their HTTPRouteGroups`,
      );
      return undefined;
    }
    const matches: TypedLocalObjectReference[] = [];
    for (let i = 0; i < list.length; i++) {
      const at = joinPath(path, i);
      const entry = list[i];
      if (!isRecord(entry)) {
        this.out.add(
          "error",
          "invalid-type",
          at,
          `${at} must be a mapping, got ${describeValue(entry)}; write it as {kind: HTTPRouteGroup, name: <name>}`,
        );
        continue;
      }
      this.unknownFields(entry, at, "match");
      const reference: { kind?: string; name?: string; apiGroup?: string } = {};
      const MATCH_FIELD_EXAMPLE = {
        kind: "kind: HTTPRouteGroup",
        name: "name: my-routes",
        apiGroup: "apiGroup: specs.smi-spec.io",
      } as const;
      for (const field of ["kind", "name", "apiGroup"] as const) {
        const fieldValue = get(entry, field);
        const fieldPath = joinPath(at, field);
        if (typeof fieldValue === "string" && fieldValue !== "") {
          reference[field] = fieldValue;
        } else if (fieldValue === undefined || fieldValue === null || fieldValue === "") {
          if (field !== "apiGroup") {
            this.out.add(
              "error",
              "missing-field",
              fieldPath,
              `${fieldPath} is missing: give each match its ${field}, e.g. {kind: HTTPRouteGroup, name: my-routes}`,
            );
          }
        } else {
          this.out.add(
            "error",
            "invalid-type",
            fieldPath,
            `${fieldPath} must be a string, got ${describeValue(fieldValue)}; write it as a string, e.g. ${MATCH_FIELD_EXAMPLE[field]}`,
          );
        }
      }
      if (reference.kind !== undefined && reference.name !== undefined) {
        matches.push(
          reference.apiGroup === undefined
            ? { kind: reference.kind, name: reference.name }
            : { kind: reference.kind, name: reference.name, apiGroup: reference.apiGroup },
        );
      }
    }
    if (matches.length > 0) {
      const names = matches.map((m) => `${m.kind}/${m.name}`).join(", ");
      this.out.add(
        "warning",
        "matches-ignored",
        path,
        `spec.matches (${names}) cannot be expressed in a Linkerd ServiceProfile, so the split applies to all requests${
          service === undefined ? "" : ` to ${JSON.stringify(service)}`
        }, not only matching ones. Remove spec.matches to make that explicit`,
      );
    }
    return matches;
  }
}

/**
 * Validates an SMI TrafficSplit (any of split.smi-spec.io/v1alpha1..v1alpha4, weights as
 * quantities or numbers in every version) from an untrusted, already-parsed YAML or JSON
 * document.
 *
 * Never throws, whatever the input. `ok` is false when any diagnostic is an error; warnings
 * and infos can accompany a successful result.
 */
export function parseTrafficSplit(
  input: unknown,
  options: ParseTrafficSplitOptions = {},
): ParseTrafficSplitResult {
  try {
    return new TrafficSplitParser(options).run(input);
  } catch (cause) {
    // Not expected: every access above is guarded. Kept so that callers never see a throw, e.g.
    // from exotic objects (proxies, throwing getters) that are out of the documented scope.
    return {
      ok: false,
      diagnostics: [
        {
          severity: "error",
          code: "internal-error",
          path: "",
          message: `the document could not be read: ${cause instanceof Error ? cause.message : "unknown error"}; pass it as plain data (parsed JSON or YAML), and report this if it is`,
        },
      ],
    };
  }
}
