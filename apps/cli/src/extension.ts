/**
 * Finding the installed extension: its namespace (labelled `linkerd.io/extension=smi`), the
 * adaptor's Deployment, pods and Lease, and what they say (cluster domain, version). The one
 * place `version`, `check` and `status` learn where the extension is.
 */
import { LeaseV1, type KubeClient, type Lease, ResourceClient } from "@linkerd-smi/kube";
import {
  DeploymentV1,
  NamespaceV1,
  PodV1,
  type Container,
  type Deployment,
  type Pod,
} from "./resources.js";

export const EXTENSION_LABEL = "linkerd.io/extension";
export const EXTENSION_NAME = "smi";
/** The adaptor's Deployment, ServiceAccount and container name. */
export const ADAPTOR = "smi-adaptor";
/** The labels that select the adaptor's pods: the Go chart's, so a v0.2.7 install is found too. */
export const ADAPTOR_SELECTOR = "linkerd.io/extension=smi,component=smi-adaptor";
export const LEASE_NAME = "smi-adaptor";
/** Where `linkerd smi install` puts the extension unless told otherwise. */
export const DEFAULT_NAMESPACE = "linkerd-smi";
export const UNAVAILABLE = "unavailable";

export interface ExtensionNamespace {
  name: string;
  terminating: boolean;
}

/** The namespaces labelled `linkerd.io/extension=smi`, by name. */
export async function extensionNamespaces(client: KubeClient): Promise<ExtensionNamespace[]> {
  const list = await new ResourceClient(client, NamespaceV1).listAll(undefined, {
    labelSelector: `${EXTENSION_LABEL}=${EXTENSION_NAME}`,
  });
  return list.items
    .map((n) => ({
      name: n.metadata?.name ?? "",
      terminating:
        (n.metadata?.deletionTimestamp ?? undefined) !== undefined ||
        n.status?.phase === "Terminating",
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The adaptor Deployments in `namespace` (every namespace when undefined). */
export async function adaptorDeployments(
  client: KubeClient,
  namespace?: string,
): Promise<Deployment[]> {
  return (
    await new ResourceClient(client, DeploymentV1).listAll(namespace, {
      labelSelector: ADAPTOR_SELECTOR,
    })
  ).items;
}

/** The adaptor's Deployment in the extension's namespace, or undefined. */
export function adaptorDeployment(
  client: KubeClient,
  namespace: string,
): Promise<Deployment | undefined> {
  return new ResourceClient(client, DeploymentV1).get(namespace, ADAPTOR);
}

/** The adaptor's pods in the extension's namespace. */
export async function adaptorPods(client: KubeClient, namespace: string): Promise<Pod[]> {
  return (
    await new ResourceClient(client, PodV1).listAll(namespace, { labelSelector: ADAPTOR_SELECTOR })
  ).items;
}

/** The adaptor's leader-election Lease, or undefined. */
export function adaptorLease(client: KubeClient, namespace: string): Promise<Lease | undefined> {
  return new ResourceClient(client, LeaseV1).get(namespace, LEASE_NAME);
}

/**
 * The adaptor container of a pod template or pod spec: by name, else the only container (a
 * meshed pod also has linkerd-proxy, often first).
 */
export function adaptorContainer(
  spec: { containers?: Container[] } | undefined,
): Container | undefined {
  const containers = spec?.containers ?? [];
  return (
    containers.find((c) => c.name === ADAPTOR) ??
    (containers.length === 1 ? containers[0] : undefined)
  );
}

/** The `-cluster-domain` value in an adaptor container's arguments (Go and GNU spellings). */
export function clusterDomainFromArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const m = /^--?cluster-domain(?:=(.*))?$/.exec(arg);
    if (m === null) continue;
    return m[1] ?? args[i + 1];
  }
  return undefined;
}

/** The cluster domain a Deployment's adaptor was started with, if its arguments say. */
export function clusterDomainOf(deployment: Deployment): string | undefined {
  for (const container of deployment.spec?.template?.spec?.containers ?? []) {
    const domain = clusterDomainFromArgs([...(container.command ?? []), ...(container.args ?? [])]);
    if (domain !== undefined && domain !== "") return domain;
  }
  return undefined;
}

/** The adaptor's version: its Deployment's version label, else its image tag. */
export function versionOf(deployment: Deployment): string {
  const label = deployment.metadata?.labels?.["app.kubernetes.io/version"];
  if (label !== undefined && label !== "") return label;
  const image = adaptorContainer(deployment.spec?.template?.spec)?.image ?? "";
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  return tag ?? UNAVAILABLE;
}

/**
 * The cluster domain the running adaptor uses: read from its Deployment in `namespace` (any
 * namespace when undefined), or undefined when there is none or it cannot be read.
 */
export async function adaptorClusterDomain(
  client: KubeClient,
  namespace?: string,
): Promise<string | undefined> {
  try {
    for (const deployment of await adaptorDeployments(client, namespace)) {
      const domain = clusterDomainOf(deployment);
      if (domain !== undefined) return domain;
    }
  } catch {
    // Not allowed to read Deployments, or no cluster: the caller falls back to the default.
  }
  return undefined;
}

/** The adaptor's version as its Deployment says, or `unavailable` when there is none. */
export async function adaptorVersion(client: KubeClient, namespace?: string): Promise<string> {
  const deployment = (await adaptorDeployments(client, namespace))[0];
  return deployment === undefined ? UNAVAILABLE : versionOf(deployment);
}
