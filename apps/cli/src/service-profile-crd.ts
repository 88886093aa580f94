/**
 * Whether the cluster serves Linkerd's ServiceProfile as the adaptor writes it: the one check
 * behind `linkerd smi install`'s pre-install check and `linkerd smi check`'s
 * `l5d-smi-sp-crd-exists`, with one message a cause.
 */
import { SERVICE_PROFILE_RESOURCE } from "@linkerd-smi/core";
import { classifyError, isServed, type KubeClient } from "@linkerd-smi/kube";

const { group, version, plural } = SERVICE_PROFILE_RESOURCE;
/** `serviceprofiles.linkerd.io`, the CRD's name. */
export const SERVICE_PROFILE_CRD = `${plural}.${group}`;

/** Why the cluster does not serve ServiceProfiles yet. */
export interface ServiceProfileCrdProblem {
  /** `not-ready`: the CRD serves v1alpha2 but the API server does not yet, which may pass. */
  readonly reason: "not-installed" | "not-ready" | "version-not-served";
  readonly message: string;
}

/**
 * Undefined when the API server serves `serviceprofiles.linkerd.io/v1alpha2` (API discovery,
 * which every authenticated user may read); else why not, from the CRD when it may be read.
 * Errors other than a 404 from discovery are thrown, for the caller to report.
 */
export async function serviceProfileCrdProblem(
  client: KubeClient,
): Promise<ServiceProfileCrdProblem | undefined> {
  if (await isServed(client, SERVICE_PROFILE_RESOURCE)) return undefined;
  const notServed: ServiceProfileCrdProblem = {
    reason: "version-not-served",
    message: `the API server does not serve ${SERVICE_PROFILE_CRD}/${version}, which the adaptor writes: install Linkerd's CRDs first (linkerd install --crds | kubectl apply -f -)`,
  };
  let crd: {
    spec?: { versions?: { name?: string; served?: boolean }[] };
    status?: { conditions?: { type?: string; status?: string }[] };
  };
  try {
    crd = (await client.request({
      method: "GET",
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${SERVICE_PROFILE_CRD}`,
      context: { verb: "get", resource: "customresourcedefinitions", name: SERVICE_PROFILE_CRD },
    })) as typeof crd;
  } catch (error) {
    const kind = classifyError(error);
    if (kind === "not-found")
      return {
        reason: "not-installed",
        message: `Linkerd's ServiceProfile CRD (${SERVICE_PROFILE_CRD}) is not installed in this cluster, and the SMI extension writes ServiceProfiles: install Linkerd's CRDs first (linkerd install --crds | kubectl apply -f -)`,
      };
    // Not ours to read: discovery has said enough.
    if (kind === "forbidden") return notServed;
    throw error;
  }
  if (crd.spec?.versions?.some((v) => v.name === version && v.served === true) !== true)
    return notServed;
  const established = crd.status?.conditions?.find((c) => c.type === "Established");
  return {
    reason: "not-ready",
    message:
      established?.status === "True"
        ? `Linkerd's ServiceProfile CRD (${SERVICE_PROFILE_CRD}) is Established but not served yet`
        : `Linkerd's ServiceProfile CRD (${SERVICE_PROFILE_CRD}) is not Established yet`,
  };
}
