/**
 * API discovery: what a group version serves. One rule for every caller: a 404 (the group or
 * the version is not served, or its CRD is not installed) means "not served"; any other error
 * (forbidden, unauthorized, the apiserver unreachable) is thrown, since it says nothing about
 * what is served.
 */
import { classifyError } from "./errors.js";
import type { ResourceDescriptor } from "./resources.js";
import type { KubeTransport } from "./transport.js";

/**
 * The resource names (plurals, and subresources such as `deployments/status`) the discovery
 * document of `group`/`version` lists (`""` is the core group, `/api/v1`), or undefined when the
 * apiserver does not serve that group version. Throws the `KubeError` of any other failure.
 */
export async function servedResources(
  client: KubeTransport,
  group: string,
  version: string,
): Promise<string[] | undefined> {
  const path = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  try {
    const doc = (await client.request({
      method: "GET",
      path,
      context: { verb: "get", resource: group === "" ? version : `${group}/${version}` },
    })) as { resources?: { name?: string }[] } | undefined;
    return (doc?.resources ?? []).map((r) => r.name ?? "");
  } catch (error) {
    if (classifyError(error) === "not-found") return undefined;
    throw error;
  }
}

/** Whether the apiserver serves `resource` (its group version lists its plural); see {@link servedResources}. */
export async function isServed(
  client: KubeTransport,
  resource: Pick<ResourceDescriptor, "group" | "version" | "plural">,
): Promise<boolean> {
  const served = await servedResources(client, resource.group, resource.version);
  return served?.includes(resource.plural) === true;
}
