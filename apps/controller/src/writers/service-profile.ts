/**
 * Writes the ServiceProfile output: server-side apply of `spec.dstOverrides`, clear and delete,
 * each guarded by the version the decision saw, and remembers its own writes until the informer
 * catches up (a mutation cache), so the next reconcile never works from a stale profile.
 */
import {
  FIELD_MANAGER,
  SERVICE_PROFILE_API_VERSION,
  SERVICE_PROFILE_RESOURCE,
  serviceProfileName,
  type ServiceProfile,
  type ServiceProfileAction,
} from "@linkerd-smi/core";
import {
  MutationCache,
  ResourceClient,
  type Informer,
  type KubeTransport,
} from "@linkerd-smi/kube";
import type { OutputWriter } from "../output.js";

export class ServiceProfileWriter implements OutputWriter<ServiceProfile, ServiceProfileAction> {
  private readonly client: ResourceClient<ServiceProfile>;
  private readonly recent = new MutationCache<ServiceProfile>();

  constructor(
    transport: KubeTransport,
    private readonly profiles: Informer<ServiceProfile>,
    private readonly clusterDomain: string,
  ) {
    this.client = new ResourceClient(transport, SERVICE_PROFILE_RESOURCE);
  }

  existing(namespace: string, apex: string): ServiceProfile | undefined {
    const name = serviceProfileName(apex, namespace, this.clusterDomain);
    return this.recent.newest(`${namespace}/${name}`, this.profiles.get(namespace, name));
  }

  involved(existing: ServiceProfile | undefined): ServiceProfile | undefined {
    return existing;
  }

  written(action: ServiceProfileAction): string[] {
    return action.kind === "none" ? [] : [`serviceprofile/${action.name}`];
  }

  async execute(action: ServiceProfileAction): Promise<void> {
    if (action.kind === "none") return;
    const { namespace, name } = action;
    const key = `${namespace}/${name}`;
    switch (action.kind) {
      case "apply": {
        const written = await this.client.apply(
          {
            apiVersion: SERVICE_PROFILE_API_VERSION,
            kind: "ServiceProfile",
            metadata: {
              name,
              namespace,
              ...(action.resourceVersion === undefined
                ? {}
                : { resourceVersion: action.resourceVersion }),
            },
            spec: { dstOverrides: [...action.dstOverrides] },
          },
          { fieldManager: FIELD_MANAGER, force: true },
        );
        this.recent.written(key, written);
        return;
      }
      case "clear": {
        const written = await this.client.mergePatch(
          namespace,
          name,
          { metadata: { resourceVersion: action.resourceVersion }, spec: { dstOverrides: null } },
          { fieldManager: FIELD_MANAGER },
        );
        this.recent.written(key, written);
        return;
      }
      case "delete": {
        await this.client.delete(namespace, name, {
          preconditions: { uid: action.uid, resourceVersion: action.resourceVersion },
        });
        this.recent.deleted(key, action.resourceVersion);
        return;
      }
    }
  }
}
