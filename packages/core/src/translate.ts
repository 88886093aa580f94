/**
 * Translating a parsed TrafficSplit into the ServiceProfile linkerd-smi v0.2.7 would write:
 * the profile is named `<service>.<namespace>.svc.<cluster domain>` in the split's namespace and
 * its `spec.dstOverrides` lists `{authority: <backend>.<namespace>.svc.<cluster domain>, weight}`
 * per backend, in order, with the weight as Go prints the quantity.
 *
 * One deliberate difference: Linkerd's destination service sends each weight to the proxies as
 * `uint32(MilliValue() * 10)`, and the proxy panics when their sum overflows a u32, that is when
 * the weights add up to more than 429496.729 (429496729m). Where linkerd-smi would let that
 * happen, {@link desiredDstOverrides} scales the whole split down so the total fits (see
 * {@link fitLinkerdWeights}) and reports it with a `weight-overflow-scaled` warning.
 *
 * @packageDocumentation
 */

import {
  checkDns1123Label,
  checkDns1123Subdomain,
  DNS_SUBDOMAIN_MAX_LENGTH,
  type NameProblem,
} from "./dns.js";
import type { Diagnostic } from "./diagnostics.js";
import { canonicalQuantity, quantityFromMilli } from "./quantity.js";
import type { ParsedBackend, ParsedTrafficSplit } from "./parse.js";
import { SERVICE_PROFILE_API_VERSION, type ServiceProfile, type WeightedDst } from "./types.js";

/** The cluster domain linkerd-smi uses unless told otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/**
 * The largest total of a split's weights, in milli units, that Linkerd can carry: it sends each
 * weight as `uint32(milli * 10)` and the proxy adds them up in a u32, so this is
 * floor((2^32 - 1) / 10).
 */
export const MAX_LINKERD_WEIGHT_MILLI = 429_496_729n;

/** Options naming the cluster domain. */
export interface ClusterDomainOptions {
  /** Default `cluster.local`. One trailing dot is accepted and removed (`cluster.local.`). */
  readonly clusterDomain?: string;
}

/**
 * Checks a cluster domain: after removing one trailing dot it must be a non-empty DNS-1123
 * subdomain. Returns `undefined` when it is valid.
 */
export function checkClusterDomain(clusterDomain: string): NameProblem | undefined {
  const domain = clusterDomain.endsWith(".") ? clusterDomain.slice(0, -1) : clusterDomain;
  return checkDns1123Subdomain(domain, "cluster domain");
}

/**
 * Returns the cluster domain without its trailing dot (`cluster.local.` -> `cluster.local`).
 * linkerd-smi would copy the dot into every name, which the API server then rejects.
 *
 * @throws RangeError when the domain is empty or not a DNS subdomain (see {@link checkClusterDomain}).
 */
export function normalizeClusterDomain(clusterDomain: string = DEFAULT_CLUSTER_DOMAIN): string {
  const problem = checkClusterDomain(clusterDomain);
  if (problem !== undefined) throw new RangeError(`invalid cluster domain: ${problem.message}`);
  return clusterDomain.endsWith(".") ? clusterDomain.slice(0, -1) : clusterDomain;
}

/**
 * The name linkerd-smi gives the ServiceProfile of apex Service `service`:
 * `<service>.<namespace>.svc.<clusterDomain>`.
 *
 * @throws RangeError for an invalid cluster domain.
 */
export function serviceProfileName(
  service: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${service}.${namespace}.svc.${normalizeClusterDomain(clusterDomain)}`;
}

/**
 * The inverse of {@link serviceProfileName}: the apex Service and namespace a ServiceProfile
 * `name` is for, or undefined when the name does not have that shape (another cluster domain,
 * an empty or dotted label). Whatever namespace the profile itself is in: a client-side profile
 * lives in the client's namespace and names the server's. A trailing dot on the cluster domain
 * is ignored, as it is there.
 *
 * @throws RangeError for an invalid cluster domain.
 */
export function parseServiceProfileName(
  name: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): { apex: string; namespace: string } | undefined {
  const suffix = `.svc.${normalizeClusterDomain(clusterDomain)}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split(".");
  const [apex, namespace] = labels;
  if (labels.length !== 2 || apex === undefined || namespace === undefined) return undefined;
  return apex === "" || namespace === "" ? undefined : { apex, namespace };
}

/**
 * The apex Service whose ServiceProfile `name` is in `namespace` (see
 * {@link parseServiceProfileName}), or undefined when the name has not that shape or names
 * another namespace.
 *
 * @throws RangeError for an invalid cluster domain.
 */
export function apexOfServiceProfileName(
  name: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string | undefined {
  const parsed = parseServiceProfileName(name, clusterDomain);
  return parsed?.namespace === namespace ? parsed.apex : undefined;
}

/**
 * The `dstOverrides` authority of backend Service `service`:
 * `<service>.<namespace>.svc.<clusterDomain>`, with no port and no trailing dot.
 *
 * @throws RangeError for an invalid cluster domain.
 */
export function backendAuthority(
  service: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${service}.${namespace}.svc.${normalizeClusterDomain(clusterDomain)}`;
}

/** The result of {@link fitLinkerdWeights}. */
export interface FittedWeights {
  /** The weights to write, in milli units, in input order. */
  readonly milli: readonly bigint[];
  /** True when the input's total exceeded {@link MAX_LINKERD_WEIGHT_MILLI} and was scaled. */
  readonly scaled: boolean;
  /** True when the scaled weights have exactly the input's proportions. */
  readonly exact: boolean;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Fits milli weights to what Linkerd can carry. The destination service sends each weight to
 * the proxies as `uint32(milli * 10)`, and the proxy builds one `WeightedIndex<u32>` over them,
 * which fails (and the proxy panics) when their SUM overflows u32. So the total, in milli, must
 * be at most {@link MAX_LINKERD_WEIGHT_MILLI}. Weights that fit are returned unchanged (negative
 * ones as zero). Otherwise they are scaled down:
 *
 * - exactly, when the reduced ratio fits: each weight becomes `(w / g) * k` with `g` the greatest
 *   common divisor and `k` the largest multiplier that keeps the total in bounds;
 * - otherwise proportionally: `max(1, floor(w * (MAX - n) / total))` for the `n` non-zero weights,
 *   so the total stays within MAX, no non-zero weight becomes 0 and each weight is within 1m of
 *   its exact proportional value (a share error far below 0.01 percentage points).
 */
export function fitLinkerdWeights(milli: readonly bigint[]): FittedWeights {
  const clean = milli.map((m) => (m < 0n ? 0n : m));
  const total = clean.reduce((a, b) => a + b, 0n);
  if (total <= MAX_LINKERD_WEIGHT_MILLI) return { milli: clean, scaled: false, exact: true };
  const divisor = clean.reduce(gcd, 0n);
  const reducedTotal = total / divisor;
  if (reducedTotal <= MAX_LINKERD_WEIGHT_MILLI) {
    const k = MAX_LINKERD_WEIGHT_MILLI / reducedTotal;
    return { milli: clean.map((m) => (m / divisor) * k), scaled: true, exact: true };
  }
  const nonZero = BigInt(clean.filter((m) => m > 0n).length);
  const budget = MAX_LINKERD_WEIGHT_MILLI - nonZero;
  const fitted = clean.map((m) => {
    if (m === 0n) return 0n;
    const scaled = (m * budget) / total;
    return scaled === 0n ? 1n : scaled;
  });
  return { milli: fitted, scaled: true, exact: false };
}

/** The result of {@link desiredDstOverrides}. */
export interface DesiredDstOverrides {
  readonly dstOverrides: WeightedDst[];
  readonly diagnostics: Diagnostic[];
}

/**
 * The `dstOverrides` linkerd-smi would write for `split` in `namespace`, one per backend in
 * order, with weights as Go prints them (always strings). Weights too large for Linkerd are
 * scaled down (see {@link fitLinkerdWeights}) with a `weight-overflow-scaled` warning.
 *
 * @throws RangeError for an invalid cluster domain.
 */
export function desiredDstOverrides(
  split: { readonly backends: readonly ParsedBackend[] },
  namespace: string,
  options: ClusterDomainOptions = {},
): DesiredDstOverrides {
  const domain = normalizeClusterDomain(options.clusterDomain);
  const fitted = fitLinkerdWeights(split.backends.map((b) => b.milli));
  const dstOverrides = split.backends.map((backend, i): WeightedDst => {
    const milli = fitted.milli[i] ?? 0n;
    return {
      authority: backendAuthority(backend.service, namespace, domain),
      weight: fitted.scaled ? canonicalQuantity(quantityFromMilli(milli)) : backend.weight,
    };
  });
  const diagnostics: Diagnostic[] = [];
  if (fitted.scaled) {
    const total = split.backends.reduce((sum, b) => sum + (b.milli < 0n ? 0n : b.milli), 0n);
    const written = dstOverrides.map(
      (d, i) => `${split.backends[i]?.service ?? ""}=${String(d.weight)}`,
    );
    diagnostics.push({
      severity: "warning",
      code: "weight-overflow-scaled",
      path: "spec.backends",
      message:
        `the weights add up to ${total.toString()}m, more than Linkerd can carry: it sends each weight as a 32-bit integer of 0.1m ` +
        `and the proxy adds them up, so the total must be at most ${MAX_LINKERD_WEIGHT_MILLI.toString()}m (429496.729; ${(total * 10n).toString()} > 4294967295). ` +
        `All weights were scaled down in proportion${fitted.exact ? " (shares exact)" : " (shares within 0.01 percentage points)"} and written as ${written.join(", ")}. ` +
        `Use smaller weights, such as percentages, to have them written as given`,
    });
  }
  return { dstOverrides, diagnostics };
}

/** Options for {@link desiredServiceProfile}. */
export interface DesiredServiceProfileOptions extends ClusterDomainOptions {
  /** The namespace of the split; defaults to the split's `metadata.namespace`. */
  readonly namespace?: string;
}

/** The result of {@link desiredServiceProfile}. */
export interface DesiredServiceProfile {
  readonly profile: ServiceProfile;
  readonly diagnostics: Diagnostic[];
}

/**
 * The ServiceProfile linkerd-smi would create for `split`: apiVersion linkerd.io/v1alpha2, named
 * `<service>.<namespace>.svc.<clusterDomain>` in the split's namespace, with only
 * `spec.dstOverrides` (absent when there are no backends, as Go omits an empty list).
 *
 * Diagnostics: `weight-overflow-scaled` (warning) as in {@link desiredDstOverrides}, and
 * `invalid-name` (error) when the profile name would exceed 253 characters.
 *
 * @throws RangeError when no valid namespace is given or found on the split, or for an invalid
 * cluster domain.
 */
export function desiredServiceProfile(
  split: ParsedTrafficSplit,
  options: DesiredServiceProfileOptions = {},
): DesiredServiceProfile {
  const namespace = options.namespace ?? split.namespace;
  if (namespace === undefined) {
    throw new RangeError(
      "no namespace: pass options.namespace or give the TrafficSplit metadata.namespace",
    );
  }
  const namespaceProblem = checkDns1123Label(namespace, "namespace");
  if (namespaceProblem !== undefined) {
    throw new RangeError(`invalid namespace: ${namespaceProblem.message}`);
  }
  const domain = normalizeClusterDomain(options.clusterDomain);
  const { dstOverrides, diagnostics } = desiredDstOverrides(split, namespace, {
    clusterDomain: domain,
  });
  const name = serviceProfileName(split.service, namespace, domain);
  if (name.length > DNS_SUBDOMAIN_MAX_LENGTH) {
    diagnostics.push({
      severity: "error",
      code: "invalid-name",
      path: "spec.service",
      message: `the ServiceProfile name ${JSON.stringify(name)} is ${name.length} characters long, more than the ${DNS_SUBDOMAIN_MAX_LENGTH} Kubernetes allows: shorten the Service name, the namespace or the cluster domain`,
    });
  }
  return {
    profile: {
      apiVersion: SERVICE_PROFILE_API_VERSION,
      kind: "ServiceProfile",
      metadata: { name, namespace },
      spec: dstOverrides.length > 0 ? { dstOverrides } : {},
    },
    diagnostics,
  };
}
