/**
 * Finding the installed extension: its namespace (labelled `linkerd.io/extension=smi`), the
 * adaptor's Deployment, pods and Lease, and what they say (cluster domain, version). The one
 * place `version`, `check` and `status` learn where the extension is.
 */
import { TARGETS, parsePortList, type HttpRouteVersion, type Target } from "@linkerd-smi/core";
import {
  DeploymentV1,
  LeaseV1,
  NamespaceV1,
  PodV1,
  type Deployment,
  type KubeClient,
  type Lease,
  type Pod,
  ResourceClient,
} from "@linkerd-smi/kube";

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

/** A container of a pod spec, as kube's Pod types it. */
type Container = NonNullable<NonNullable<Pod["spec"]>["containers"]>[number];

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

/** The value of flag `-name` in an adaptor container's arguments (Go and GNU spellings); the last wins, as in Go. */
export function flagFromArgs(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--" || arg === "-") break;
    if (!arg.startsWith(`-${name}`) && !arg.startsWith(`--${name}`)) continue;
    const rest = arg.slice(arg.startsWith("--") ? name.length + 2 : name.length + 1);
    if (rest === "") value = args[i + 1];
    else if (rest.startsWith("=")) value = rest.slice(1);
  }
  return value;
}

/** The `-cluster-domain` value in an adaptor container's arguments (Go and GNU spellings). */
export function clusterDomainFromArgs(args: readonly string[]): string | undefined {
  return flagFromArgs(args, "cluster-domain");
}

/** The adaptor's `-target` in a container's arguments, when it is one the adaptor accepts. */
export function targetFromArgs(args: readonly string[]): Target | undefined {
  const value = flagFromArgs(args, "target");
  return (TARGETS as readonly string[]).includes(value ?? "") ? (value as Target) : undefined;
}

/** The adaptor's `-gateway-api-version` when it forces one (v1 or v1beta1). */
export function gatewayApiVersionFromArgs(args: readonly string[]): HttpRouteVersion | undefined {
  const value = flagFromArgs(args, "gateway-api-version");
  return value === "v1" || value === "v1beta1" ? value : undefined;
}

/** The arguments of a Deployment's adaptor container, command included. */
function adaptorArgs(deployment: Deployment): string[] {
  const container = adaptorContainer(deployment.spec?.template.spec);
  return container === undefined ? [] : [...(container.command ?? []), ...(container.args ?? [])];
}

/** What the installed adaptor was started with, as its Deployment says. */
export interface AdaptorSettings {
  clusterDomain?: string;
  /** `-target`; undefined when there is no adaptor or its Deployment cannot be read. */
  target?: Target;
  /** `-gateway-api-version` when it forces a version. */
  gatewayApiVersion?: HttpRouteVersion;
  /** `-default-opaque-ports` when given (it wins over Linkerd's linkerd-config). */
  defaultOpaquePorts?: number[];
  /** `-linkerd-namespace` when given: where the adaptor reads linkerd-config. */
  linkerdNamespace?: string;
}

/**
 * The settings of the adaptor in `namespace` (any namespace when undefined), from its
 * Deployment's arguments: an adaptor without `-target` uses serviceprofile. Empty when there is
 * none or Deployments cannot be read.
 */
export async function adaptorSettings(
  client: KubeClient,
  namespace?: string,
): Promise<AdaptorSettings> {
  let deployments: Deployment[];
  try {
    deployments = await adaptorDeployments(client, namespace);
  } catch {
    return {};
  }
  const deployment = deployments[0];
  if (deployment === undefined) return {};
  const args = adaptorArgs(deployment);
  const clusterDomain = deployments.map(clusterDomainOf).find((d) => d !== undefined);
  const gatewayApiVersion = gatewayApiVersionFromArgs(args);
  const opaque = flagFromArgs(args, "default-opaque-ports");
  const parsed = opaque === undefined ? undefined : parsePortList(opaque);
  const linkerdNamespace = flagFromArgs(args, "linkerd-namespace");
  return {
    target: targetFromArgs(args) ?? "serviceprofile",
    ...(clusterDomain === undefined ? {} : { clusterDomain }),
    ...(gatewayApiVersion === undefined ? {} : { gatewayApiVersion }),
    ...(parsed === undefined || parsed.invalid.length > 0
      ? {}
      : { defaultOpaquePorts: [...parsed.ports] }),
    ...(linkerdNamespace === undefined || linkerdNamespace === "" ? {} : { linkerdNamespace }),
  };
}

/** The cluster domain a Deployment's adaptor was started with, if its arguments say. */
export function clusterDomainOf(deployment: Deployment): string | undefined {
  for (const container of deployment.spec?.template.spec?.containers ?? []) {
    const domain = clusterDomainFromArgs([...(container.command ?? []), ...(container.args ?? [])]);
    if (domain !== undefined && domain !== "") return domain;
  }
  return undefined;
}

/** The adaptor's version: its Deployment's version label, else its image tag. */
export function versionOf(deployment: Deployment): string {
  const label = deployment.metadata?.labels?.["app.kubernetes.io/version"];
  if (label !== undefined && label !== "") return label;
  const image = adaptorContainer(deployment.spec?.template.spec)?.image ?? "";
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
