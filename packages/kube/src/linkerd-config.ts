/**
 * The cluster's default opaque ports, as Linkerd's control plane was installed with them: the
 * `linkerd-config` ConfigMap in Linkerd's namespace holds the chart's values as YAML under
 * `data.values` (linkerd2's `charts/linkerd-control-plane/templates/config.yaml`), and
 * `proxy.opaquePorts` there is the list the chart also hands to the destination and policy
 * controllers as `--default-opaque-ports` (a string such as `25,587,3306,4444,5432,6379,9300,11211`,
 * ranges allowed).
 */
import { LINKERD_DEFAULT_OPAQUE_PORTS, parsePortList } from "@linkerd-smi/core";
import { parse as parseYaml } from "yaml";
import type { KubeClient } from "./client.js";
import { classifyError } from "./errors.js";
import { ConfigMapV1, ResourceClient, type ConfigMap } from "./resources.js";

/** The ConfigMap Linkerd's control plane chart writes its values into. */
export const LINKERD_CONFIG_NAME = "linkerd-config";

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
 * The default opaque ports `configMap` (Linkerd's `linkerd-config`, undefined when it does not
 * exist) gives: its `proxy.opaquePorts`, read as Linkerd's `parse_portset` reads the
 * `--default-opaque-ports` flag the chart makes of it. Linkerd's own list (with `problem`) when
 * the ConfigMap, its `values`, or that key is missing or cannot be read. An empty value is an
 * empty list, as it is to Linkerd.
 */
export function opaquePortsOfLinkerdConfig(
  configMap: ConfigMap | undefined,
  namespace: string,
): ClusterOpaquePorts {
  const where = `ConfigMap ${namespace}/${LINKERD_CONFIG_NAME}`;
  if (configMap === undefined)
    return fallback(`${where} not found: is Linkerd installed in "${namespace}"?`);
  const text = configMap.data?.values;
  if (text === undefined) return fallback(`${where} has no data.values`);
  let values: unknown;
  try {
    values = parseYaml(text);
  } catch (error) {
    return fallback(
      `${where}: data.values is not YAML (${(error as Error).message.split("\n")[0]})`,
    );
  }
  const proxy = (values as { proxy?: unknown } | null)?.proxy;
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

/**
 * Reads `linkerd-config` in `namespace` and returns its default opaque ports (see
 * {@link opaquePortsOfLinkerdConfig}); Linkerd's own list, with the reason, when the
 * ConfigMap cannot be read (RBAC, no Linkerd).
 */
export async function readClusterOpaquePorts(
  client: KubeClient,
  namespace: string,
): Promise<ClusterOpaquePorts> {
  try {
    const configMap = await new ResourceClient(client, ConfigMapV1).get(
      namespace,
      LINKERD_CONFIG_NAME,
    );
    return opaquePortsOfLinkerdConfig(configMap, namespace);
  } catch (error) {
    const kind = classifyError(error);
    return fallback(
      `ConfigMap ${namespace}/${LINKERD_CONFIG_NAME} could not be read (${kind === "forbidden" ? "forbidden: grant get on it" : (error as Error).message})`,
    );
  }
}
