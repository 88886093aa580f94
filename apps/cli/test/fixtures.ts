/**
 * The objects the CLI's tests start from: TrafficSplits, ServiceProfiles and Services, as a user
 * applies them to a cluster (the integration tests) or as a command reads them back (the unit
 * tests). Builders only: no I/O, and every expected value stays written out in the tests.
 */

export const V1ALPHA2 = "split.smi-spec.io/v1alpha2";

interface SplitOptions {
  /** Default v1alpha2; null for none. */
  readonly apiVersion?: string | null | undefined;
  /** Whether the object says `kind: TrafficSplit`; default true. */
  readonly kind?: boolean | undefined;
  /** The creationTimestamp the apiserver sets; left out unless given. */
  readonly created?: string | undefined;
  readonly annotations?: Record<string, string> | undefined;
}

/** A TrafficSplit `namespace/name` with any spec, valid or not. */
export function splitObject(
  namespace: string,
  name: string,
  spec: unknown,
  options: SplitOptions = {},
) {
  const { apiVersion = V1ALPHA2, kind = true, created, annotations } = options;
  return {
    ...(apiVersion === null ? {} : { apiVersion }),
    ...(kind ? { kind: "TrafficSplit" } : {}),
    metadata: {
      name,
      namespace,
      ...(created === undefined ? {} : { creationTimestamp: created }),
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec,
  };
}

/** A TrafficSplit `namespace/name` of `service` to `backends` (`[service, weight]`). */
export function trafficSplit(
  namespace: string,
  name: string,
  service: string,
  backends: readonly (readonly [service: string, weight: number | string])[],
  options: SplitOptions & { readonly spec?: Record<string, unknown> | undefined } = {},
) {
  const { spec, ...rest } = options;
  return splitObject(
    namespace,
    name,
    { service, backends: backends.map(([s, weight]) => ({ service: s, weight })), ...spec },
    rest,
  );
}

/** The ServiceProfile of `apex` in `namespace`, with dstOverrides to `[service, weight]`. */
export function serviceProfile(
  namespace: string,
  apex: string,
  overrides: readonly (readonly [service: string, weight: string])[],
  annotations?: Record<string, string>,
) {
  return {
    apiVersion: "linkerd.io/v1alpha2" as const,
    kind: "ServiceProfile" as const,
    metadata: {
      name: `${apex}.${namespace}.svc.cluster.local`,
      namespace,
      ...(annotations === undefined ? {} : { annotations }),
    },
    spec: {
      dstOverrides: overrides.map(([s, weight]) => ({
        authority: `${s}.${namespace}.svc.cluster.local`,
        weight,
      })),
    },
  };
}

/** A Service with one TCP port, as applied (the apiserver assigns the cluster IP). */
export function service(namespace: string, name: string, port = 80) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { ports: [{ port }] },
  };
}
