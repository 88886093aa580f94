/**
 * Diagnostics: what the parser and the translator found, each with a stable code, the path of
 * the field it is about and a message that says what is wrong and what to do.
 *
 * @packageDocumentation
 */

/** How serious a diagnostic is. Only `"error"` makes a TrafficSplit unusable. */
export type Severity = "error" | "warning" | "info";

/** Every diagnostic code, stable across releases (new codes may be added). */
export const DIAGNOSTIC_CODES = [
  /** The document is not a mapping (it is null, a list, a string...). */
  "not-an-object",
  /** A field holds the wrong kind of value (a list where a mapping belongs, a number for a name...). */
  "invalid-type",
  /** A field SMI does not define. */
  "unknown-field",
  /** A required field is absent, null or empty. */
  "missing-field",
  /** `apiVersion` is not split.smi-spec.io/v1alpha1..v1alpha4. */
  "unsupported-version",
  /** `kind` is not TrafficSplit. */
  "wrong-kind",
  /** A name is not a valid Kubernetes name (Service names are DNS-1035 labels). */
  "invalid-name",
  /** `spec.backends` is an empty list. */
  "no-backends",
  /** Too many backends to process. */
  "too-many-backends",
  /** Two backends name the same Service. */
  "duplicate-backend",
  /** A weight is not a Kubernetes quantity or number. */
  "invalid-weight",
  /** A weight is below zero. */
  "negative-weight",
  /** A weight is not a whole number of thousandths (Linkerd works in milli units). */
  "sub-milli-weight",
  /** A weight had surrounding spaces, which the adaptor trims. */
  "weight-whitespace",
  /** Every weight is zero. */
  "all-weights-zero",
  /** Weights too large for Linkerd were scaled down proportionally. */
  "weight-overflow-scaled",
  /** `spec.matches` cannot be expressed in a ServiceProfile and is ignored. */
  "matches-ignored",
  /** `spec.matches` in a split read as v1alpha1 or v1alpha2 (kept by the CRD in every version). */
  "matches-version",
  /** The cluster domain is not a DNS subdomain. */
  "invalid-cluster-domain",
  /** More diagnostics were found than are reported. */
  "diagnostics-truncated",
  /** The input could not be read at all (exotic objects such as proxies); not expected. */
  "internal-error",
] as const;

/** A stable kebab-case identifier of a kind of problem. */
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/** One finding about a TrafficSplit or its translation. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  /**
   * Where the problem is, as a field path: `spec.backends[1].weight`, `metadata.name`, `spec`.
   * Keys that are not plain identifiers are quoted: `spec["my field"]`. The empty string means
   * the whole document.
   */
  readonly path: string;
  /** What is wrong and what to do, naming the offending value. */
  readonly message: string;
  /** A replacement value or field name, when one is known. */
  readonly suggestion?: string;
}

/** Options for {@link formatDiagnostic}. */
export interface FormatDiagnosticOptions {
  /** Names the object the diagnostic is about, e.g. `trafficsplit/default/my-app-split`. */
  readonly objectRef?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Appends a mapping key or a list index to a field path. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (IDENTIFIER.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/**
 * Formats a diagnostic on one line, plus a second indented line for the suggestion:
 *
 * ```text
 * error[unknown-field] trafficsplit/default/my-app-split spec.trafficRouting: ...
 *   did you mean: backends
 * ```
 */
export function formatDiagnostic(d: Diagnostic, options: FormatDiagnosticOptions = {}): string {
  const where = [options.objectRef, d.path === "" ? undefined : d.path]
    .filter((part): part is string => part !== undefined && part !== "")
    .join(" ");
  const head = `${d.severity}[${d.code}]${where === "" ? "" : ` ${where}`}: ${d.message}`;
  return d.suggestion === undefined ? head : `${head}\n  did you mean: ${d.suggestion}`;
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** Orders diagnostics errors first, then warnings, then infos, keeping the order within each. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => SEVERITY_RANK[a.d.severity] - SEVERITY_RANK[b.d.severity] || a.i - b.i)
    .map(({ d }) => d);
}
