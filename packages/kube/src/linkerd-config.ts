/**
 * Linkerd's `linkerd-config` ConfigMap: its `data.values`, the control plane chart's values as
 * YAML, read for `@linkerd-smi/core`'s `opaquePortsOfLinkerdConfig` (the cluster's default
 * opaque ports).
 */
import { parse as parseYaml } from "yaml";
import type { KubeClient } from "./client.js";
import { classifyError } from "./errors.js";
import { ConfigMapV1, ResourceClient, type ConfigMap } from "./resources.js";

/** The ConfigMap Linkerd's control plane chart writes its values into. */
const NAME = "linkerd-config";

/** `data.values` as read: the parsed YAML, or why it could not be (one line, naming the object). */
export type LinkerdValues = { readonly values: unknown } | { readonly problem: string };

/** The parsed `data.values` of `configMap` (undefined: it does not exist) in `namespace`. */
export function linkerdConfigValues(
  configMap: ConfigMap | undefined,
  namespace: string,
): LinkerdValues {
  const where = `ConfigMap ${namespace}/${NAME}`;
  if (configMap === undefined)
    return { problem: `${where} not found: is Linkerd installed in "${namespace}"?` };
  const text = configMap.data?.values;
  if (text === undefined) return { problem: `${where} has no data.values` };
  try {
    return { values: parseYaml(text) as unknown };
  } catch (error) {
    return {
      problem: `${where}: data.values is not YAML (${(error as Error).message.split("\n")[0] ?? ""})`,
    };
  }
}

/** Reads `linkerd-config` in `namespace` (see {@link linkerdConfigValues}); never throws. */
export async function readLinkerdConfig(
  client: KubeClient,
  namespace: string,
): Promise<LinkerdValues> {
  try {
    const configMap = await new ResourceClient(client, ConfigMapV1).get(namespace, NAME);
    return linkerdConfigValues(configMap, namespace);
  } catch (error) {
    const why =
      classifyError(error) === "forbidden"
        ? "forbidden: grant get on it"
        : (error as Error).message;
    return { problem: `ConfigMap ${namespace}/${NAME} could not be read (${why})` };
  }
}
