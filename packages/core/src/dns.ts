/**
 * Kubernetes name checks: DNS-1035 labels (Service names) and DNS-1123 labels and subdomains
 * (namespaces and object names). Each check returns `undefined` for a valid name, or a
 * {@link NameProblem} saying what is wrong and, where one is obvious, a corrected name.
 *
 * @packageDocumentation
 */

/** What is wrong with a name, for people. */
export interface NameProblem {
  /** Says what is wrong, quoting the name; for example `"My-App" has uppercase letters`. */
  readonly message: string;
  /** A corrected name when one can be derived (lowercased, invalid characters replaced...). */
  readonly suggestion?: string;
}

/** Longest DNS label (RFC 1035/1123), the limit for Service names and namespaces. */
export const DNS_LABEL_MAX_LENGTH = 63;
/** Longest DNS-1123 subdomain, the limit for most object names. */
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function quote(value: string): string {
  return JSON.stringify(value);
}

function problem(message: string, suggestion: string | undefined, original: string): NameProblem {
  return suggestion !== undefined && suggestion !== original && suggestion.length > 0
    ? { message, suggestion }
    : { message };
}

/** Lowercases and replaces runs of invalid characters with '-', trimming what may not end a label. */
function repairLabel(value: string, mustStartWithLetter: boolean, keepDots: boolean): string {
  const allowed = keepDots ? /[^-a-z0-9.]+/g : /[^-a-z0-9]+/g;
  let repaired = value.toLowerCase().replace(/_/g, "-").replace(allowed, "-");
  if (keepDots) {
    repaired = repaired
      .split(".")
      .map((part) => part.replace(/^-+|-+$/g, ""))
      .filter((part) => part.length > 0)
      .join(".");
  } else {
    repaired = repaired.replace(/^-+|-+$/g, "");
  }
  if (mustStartWithLetter) repaired = repaired.replace(/^[^a-z]+/, "");
  const max = keepDots ? DNS_SUBDOMAIN_MAX_LENGTH : DNS_LABEL_MAX_LENGTH;
  return repaired.slice(0, max).replace(/[-.]+$/, "");
}

/** Describes which rule of a label a name breaks, in the order a person would fix them. */
function labelProblem(value: string, what: string, startsWithLetter: boolean): NameProblem {
  const suggestion = repairLabel(value, startsWithLetter, false);
  const q = quote(value);
  if (value.length === 0) return { message: `${what} is empty` };
  if (/[A-Z]/.test(value) && DNS1035_LABEL.test(value.toLowerCase())) {
    return problem(`${q} has uppercase letters; ${what}s must be lowercase`, suggestion, value);
  }
  if (value.includes(".")) {
    const first = value.split(".")[0] ?? "";
    const short = (startsWithLetter ? DNS1035_LABEL : DNS1123_LABEL).test(first)
      ? first
      : undefined;
    return problem(
      `${q} contains '.'; a ${what} is a single DNS label (no dots)${
        short === undefined ? "" : `: if this is a fully qualified name, use just ${quote(short)}`
      }`,
      short ?? suggestion,
      value,
    );
  }
  if (value.length > DNS_LABEL_MAX_LENGTH) {
    return problem(
      `${q} is ${value.length} characters long; a ${what} may have at most ${DNS_LABEL_MAX_LENGTH}`,
      suggestion,
      value,
    );
  }
  const bad = [...new Set(value.replace(/[-a-z0-9]/g, ""))];
  if (bad.length > 0) {
    return problem(
      `${q} contains ${bad.map((c) => quote(c)).join(", ")}; a ${what} may contain only lowercase letters, digits and '-'`,
      suggestion,
      value,
    );
  }
  if (startsWithLetter && !/^[a-z]/.test(value)) {
    return problem(`${q} must start with a lowercase letter`, suggestion, value);
  }
  if (!/^[a-z0-9]/.test(value)) {
    return problem(`${q} must start with a lowercase letter or digit`, suggestion, value);
  }
  return problem(`${q} must end with a lowercase letter or digit`, suggestion, value);
}

/**
 * Checks a DNS-1035 label, the rule for Kubernetes Service names: 1 to 63 characters, lowercase
 * letters, digits and '-', starting with a letter and ending with a letter or digit.
 */
export function checkDns1035Label(value: string, what = "Service name"): NameProblem | undefined {
  if (value.length <= DNS_LABEL_MAX_LENGTH && DNS1035_LABEL.test(value)) return undefined;
  return labelProblem(value, what, true);
}

/**
 * Checks a DNS-1123 label, the rule for namespaces: 1 to 63 characters, lowercase letters,
 * digits and '-', starting and ending with a letter or digit.
 */
export function checkDns1123Label(value: string, what = "namespace"): NameProblem | undefined {
  if (value.length <= DNS_LABEL_MAX_LENGTH && DNS1123_LABEL.test(value)) return undefined;
  return labelProblem(value, what, false);
}

/**
 * Checks a DNS-1123 subdomain, the rule for most object names (a TrafficSplit's or a
 * ServiceProfile's name): at most 253 characters, dot-separated labels of lowercase letters,
 * digits and '-', each starting and ending with a letter or digit.
 */
export function checkDns1123Subdomain(value: string, what = "name"): NameProblem | undefined {
  if (value.length <= DNS_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value)) return undefined;
  const q = quote(value);
  const suggestion = repairLabel(value, false, true);
  if (value.length === 0) return { message: `${what} is empty` };
  if (value.length > DNS_SUBDOMAIN_MAX_LENGTH) {
    return problem(
      `${q} is ${value.length} characters long; a ${what} may have at most ${DNS_SUBDOMAIN_MAX_LENGTH}`,
      suggestion,
      value,
    );
  }
  if (/[A-Z]/.test(value) && DNS1123_SUBDOMAIN.test(value.toLowerCase())) {
    return problem(`${q} has uppercase letters; a ${what} must be lowercase`, suggestion, value);
  }
  const bad = [...new Set(value.replace(/[-a-z0-9.]/g, ""))];
  if (bad.length > 0) {
    return problem(
      `${q} contains ${bad.map((c) => quote(c)).join(", ")}; a ${what} may contain only lowercase letters, digits, '-' and '.'`,
      suggestion,
      value,
    );
  }
  return problem(
    `${q} is not a DNS subdomain: each dot-separated part must be non-empty and start and end with a lowercase letter or digit`,
    suggestion,
    value,
  );
}

/** True when `value` is a valid DNS-1035 label (a valid Service name). */
export function isDns1035Label(value: string): boolean {
  return checkDns1035Label(value) === undefined;
}

/** True when `value` is a valid DNS-1123 subdomain (a valid object name). */
export function isDns1123Subdomain(value: string): boolean {
  return checkDns1123Subdomain(value) === undefined;
}
