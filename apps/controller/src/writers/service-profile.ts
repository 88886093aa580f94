/**
 * Writes the ServiceProfile output: server-side apply of `spec.dstOverrides`, clear and delete,
 * each guarded by the version the decision saw, and remembers its own writes until the informer
 * catches up (a mutation cache), so the next reconcile never works from a stale profile.
 */
import {
  CUT_OVER_STATE_ANNOTATION,
  FIELD_MANAGER,
  PREVIOUS_DST_OVERRIDES_ANNOTATION,
  SERVICE_PROFILE_API_VERSION,
  managedByAdaptor,
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
  /**
   * The uids of the profiles whose dstOverrides the adaptor wrote (or saw itself own). Once
   * someone replaces them, the profile no longer shows it (the API server drops a field manager
   * that owns nothing), yet an adaptor that wrote them restores them, it takes nothing over.
   */
  private readonly ours = new Set<string>();

  constructor(
    transport: KubeTransport,
    private readonly profiles: Informer<ServiceProfile>,
    private readonly clusterDomain: string,
  ) {
    this.client = new ResourceClient(transport, SERVICE_PROFILE_RESOURCE);
  }

  existing(namespace: string, apex: string): ServiceProfile | undefined {
    const name = serviceProfileName(apex, namespace, this.clusterDomain);
    const profile = this.recent.newest(`${namespace}/${name}`, this.profiles.get(namespace, name));
    if (profile !== undefined && managedByAdaptor(profile)) this.remember(profile);
    return profile;
  }

  /** True when the adaptor wrote this very profile's dstOverrides (as far as it remembers). */
  adaptorWrote(existing: ServiceProfile | undefined): boolean {
    const uid = existing?.metadata.uid;
    return uid !== undefined && this.ours.has(uid);
  }

  private remember(profile: ServiceProfile): void {
    const uid = profile.metadata.uid;
    if (uid === undefined || this.ours.has(uid)) return;
    if (this.ours.size >= 100_000) this.ours.clear();
    this.ours.add(uid);
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
              ...(action.previousDstOverrides === undefined && action.cutOverState === undefined
                ? {}
                : {
                    annotations: {
                      ...(action.previousDstOverrides === undefined
                        ? {}
                        : { [PREVIOUS_DST_OVERRIDES_ANNOTATION]: action.previousDstOverrides }),
                      // Where a cut-over stands; applying without it removes it.
                      ...(action.cutOverState === undefined
                        ? {}
                        : { [CUT_OVER_STATE_ANNOTATION]: action.cutOverState }),
                    },
                  }),
            },
            spec: { dstOverrides: [...action.dstOverrides] },
          },
          { fieldManager: FIELD_MANAGER, force: true },
        );
        this.recent.written(key, written);
        this.remember(written);
        return;
      }
      case "restore": {
        // Their dstOverrides, written under their field manager, so that they own them again...
        if (action.dstOverrides !== undefined) {
          await this.client.apply(
            {
              apiVersion: SERVICE_PROFILE_API_VERSION,
              kind: "ServiceProfile",
              metadata: { name, namespace, resourceVersion: action.resourceVersion },
              spec: { dstOverrides: [...action.dstOverrides] },
            },
            { fieldManager: action.manager, force: true },
          );
        }
        // ...then the adaptor applies nothing (no spec: an empty one would be a field it owns),
        // so what it alone owned, the annotation, goes.
        const nothing = {
          apiVersion: SERVICE_PROFILE_API_VERSION,
          kind: "ServiceProfile",
          metadata: { name, namespace },
        } as unknown as ServiceProfile;
        const written = await this.client.apply(nothing, {
          fieldManager: FIELD_MANAGER,
          force: true,
        });
        this.recent.written(key, written);
        if (written.metadata.uid !== undefined) this.ours.delete(written.metadata.uid);
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
        if (written.metadata.uid !== undefined) this.ours.delete(written.metadata.uid);
        return;
      }
      case "delete": {
        await this.client.delete(namespace, name, {
          preconditions: { uid: action.uid, resourceVersion: action.resourceVersion },
        });
        this.recent.deleted(key, action.resourceVersion);
        this.ours.delete(action.uid);
        return;
      }
    }
  }
}
