/**
 * The cluster's default opaque ports, as Linkerd's control plane was installed with them: the
 * `linkerd-config` ConfigMap in Linkerd's namespace holds the chart's values as YAML under
 * `data.values` (linkerd2's `charts/linkerd-control-plane/templates/config.yaml`), and
 * `proxy.opaquePorts` there is the list the chart also hands to the destination and policy
 * controllers as `--default-opaque-ports` (a string such as `25,587,3306,4444,5432,6379,9300,11211`,
 * ranges allowed; a single port is rendered as a YAML number). Reading the ConfigMap and its YAML
 * is `@linkerd-smi/kube`'s (`readLinkerdConfig`); this reads the values. Pure.
 */
import { LINKERD_DEFAULT_OPAQUE_PORTS, parsePortList } from "./gateway.js";

/** The ConfigMap Linkerd's control plane chart writes its values into. */
export const LINKERD_CONFIG_NAME = "linkerd-config";

/** `linkerd-config`'s `data.values` as read: the parsed YAML, or why it could not be. */
export type LinkerdConfigRead = { readonly values: unknown } | { readonly problem: string };

/** Where a cluster's default opaque ports came from, and what they are. */
export interface ClusterOpaquePorts {
  readonly ports: readonly number[];
  /** `linkerd-config` when read from it; `default` (Linkerd's chart default) otherwise. */
  readonly source: "linkerd-config" | "default";
  /** Why `linkerd-config` was not used, when it was not (one line, naming the object). */
  readonly problem?: string;
}

const fallback = (problem: string): ClusterOpaquePorts => ({
  ports: LINKERD_DEFAULT_OPAQUE_PORTS,
  source: "default",
  problem,
});

/**
 * The default opaque ports `linkerd-config` in `namespace` gives: its `proxy.opaquePorts`, read
 * as Linkerd's `parse_portset` reads the `--default-opaque-ports` flag the chart makes of it.
 * Linkerd's own list (with `problem`) when the ConfigMap, its values, or that key is missing or
 * bad. An empty value is an empty list, as it is to Linkerd.
 */
export function opaquePortsOfLinkerdConfig(
  read: LinkerdConfigRead,
  namespace: string,
): ClusterOpaquePorts {
  if ("problem" in read) return fallback(read.problem);
  const where = `ConfigMap ${namespace}/${LINKERD_CONFIG_NAME}`;
  const proxy = (read.values as { proxy?: unknown } | null | undefined)?.proxy;
  const raw = (proxy as { opaquePorts?: unknown } | null | undefined)?.opaquePorts;
  if (raw === undefined || raw === null)
    return fallback(`${where}: data.values has no proxy.opaquePorts`);
  if (typeof raw !== "string" && typeof raw !== "number")
    return fallback(`${where}: proxy.opaquePorts in data.values is not a port list`);
  const { ports, invalid } = parsePortList(String(raw));
  if (invalid.length > 0)
    return fallback(
      `${where}: proxy.opaquePorts "${String(raw)}" has ${invalid.join(", ")}, not a port or port range`,
    );
  return { ports: [...ports], source: "linkerd-config" };
}
