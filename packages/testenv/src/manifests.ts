import { expectOk, type KubeHttp } from "./http.js";

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/**
 * Resolves an object's REST path through the apiserver's discovery, as kubectl
 * does, so tests can apply or delete any manifest without a kind table.
 */
export class ResourcePaths {
  private readonly cache = new Map<string, ApiResource[]>();

  constructor(private readonly client: KubeHttp) {}

  async pathOf(object: ManifestObject, defaultNamespace = "default"): Promise<string> {
    const base = object.apiVersion.includes("/")
      ? `/apis/${object.apiVersion}`
      : `/api/${object.apiVersion}`;
    let resources = this.cache.get(base);
    if (resources === undefined) {
      const res = expectOk(await this.client.get(base), `discover ${object.apiVersion}`);
      resources = (res.body as { resources: ApiResource[] }).resources.filter(
        (r) => !r.name.includes("/"),
      );
      this.cache.set(base, resources);
    }
    const resource = resources.find((r) => r.kind === object.kind);
    if (resource === undefined)
      throw new Error(`the apiserver does not serve ${object.kind} in ${object.apiVersion}`);
    const namespace = object.metadata.namespace ?? defaultNamespace;
    return resource.namespaced
      ? `${base}/namespaces/${namespace}/${resource.name}/${object.metadata.name}`
      : `${base}/${resource.name}/${object.metadata.name}`;
  }
}

/** Server-side applies every object, in order, failing with the apiserver's message. */
export async function applyManifest(
  client: KubeHttp,
  objects: readonly ManifestObject[],
  fieldManager = "testenv",
): Promise<void> {
  const paths = new ResourcePaths(client);
  for (const object of objects) {
    expectOk(
      await client.apply(await paths.pathOf(object), object, fieldManager),
      `apply ${object.kind} ${object.metadata.name}`,
    );
  }
}

/** Deletes every object (404 is fine), in order. */
export async function deleteManifest(
  client: KubeHttp,
  objects: readonly ManifestObject[],
): Promise<void> {
  const paths = new ResourcePaths(client);
  for (const object of objects) {
    const res = await client.delete(await paths.pathOf(object));
    if (res.status !== 404) expectOk(res, `delete ${object.kind} ${object.metadata.name}`);
  }
}
