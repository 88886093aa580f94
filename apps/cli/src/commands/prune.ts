import type { KubeClient, KubeObject } from "@linkerd-smi/kube";
import { classifyError, defineResource, ResourceClient } from "@linkerd-smi/kube";
import { Command, Option } from "commander";
import { stringify } from "yaml";
import { manifestObjects, renderExtension, type ValueFlags } from "../chart.js";
import { CliError } from "../errors.js";
import { DEFAULT_NAMESPACE, EXTENSION_LABEL, EXTENSION_NAME } from "../extension.js";
import { checkOutputFormat, clientFactory, valueOptions, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";

/**
 * The kinds an extension's release can leave behind, as Linkerd's prune looks for them
 * (pkg/k8s/resource): the namespaced ones in every namespace, then the cluster-scoped ones.
 */
const PRUNABLE = [
  ["", "v1", "configmaps", "ConfigMap", true],
  ["apps", "v1", "deployments", "Deployment", true],
  ["apps", "v1", "daemonsets", "DaemonSet", true],
  ["apps", "v1", "statefulsets", "StatefulSet", true],
  ["batch", "v1", "jobs", "Job", true],
  ["batch", "v1", "cronjobs", "CronJob", true],
  ["", "v1", "secrets", "Secret", true],
  ["", "v1", "services", "Service", true],
  ["", "v1", "serviceaccounts", "ServiceAccount", true],
  ["rbac.authorization.k8s.io", "v1", "roles", "Role", true],
  ["rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true],
  ["policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true],
  ["rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false],
  ["rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false],
  ["apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false],
] as const;

export const PRUNABLE_RESOURCES = PRUNABLE.map(([group, version, plural, kind, namespaced]) =>
  defineResource<KubeObject>({ group, version, plural, kind, namespaced }),
);

/** `group/Kind/namespace/name`: what identifies an object whatever its version. */
function identity(apiVersion: string, kind: string, name: string, namespace?: string): string {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  return `${group}/${kind}/${namespace ?? ""}/${name}`;
}

export interface PruneOptions extends ValueFlags {
  namespace: string;
  output: string;
}

/** The extension's objects in the cluster (label linkerd.io/extension=smi) that the chart no longer renders. */
export async function prunable(client: KubeClient, expected: string): Promise<KubeObject[]> {
  const want = new Set(
    manifestObjects(expected).map((o) =>
      identity(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace),
    ),
  );
  const extra: KubeObject[] = [];
  for (const resource of PRUNABLE_RESOURCES) {
    let items: KubeObject[];
    try {
      items = (
        await new ResourceClient(client, resource).listAll(undefined, {
          labelSelector: `${EXTENSION_LABEL}=${EXTENSION_NAME}`,
        })
      ).items;
    } catch (error) {
      // A kind this cluster does not serve has nothing to prune.
      if (classifyError(error) === "not-found") continue;
      throw error;
    }
    for (const item of items) {
      const name = item.metadata?.name ?? "";
      const namespace = resource.namespaced ? (item.metadata?.namespace ?? undefined) : undefined;
      if (!want.has(identity(item.apiVersion ?? "", resource.kind, name, namespace)))
        extra.push({
          apiVersion: item.apiVersion ?? "",
          kind: resource.kind,
          metadata: namespace === undefined ? { name } : { name, namespace },
        });
    }
  }
  return extra;
}

export async function prune(
  options: PruneOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<void> {
  checkOutputFormat(options.output, ["yaml", "json"]);
  const expected = await renderExtension(options.namespace, options);
  const kube = client();
  let extra: KubeObject[];
  try {
    extra = await prunable(kube, expected);
  } catch (error) {
    throw new CliError(
      `could not list the extension's objects: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    kube.close();
  }
  if (options.output === "json") {
    for (const o of extra) io.out(`${JSON.stringify(o, null, 2)}\n`);
  } else {
    io.out(extra.map((o) => `---\n${stringify(o)}`).join(""));
  }
  if (extra.length === 0)
    io.err("Nothing to prune: every object of the extension is in the chart.\n");
}

export function newCmdPrune(ctx: CommandContext): Command {
  return valueOptions(
    new Command("prune")
      .description(
        "Print the extension's objects that are no longer part of it, for `| kubectl delete -f -`",
      )
      .addOption(
        new Option("-o, --output <format>", "output format: yaml or json").default("yaml"),
      ),
    DEFAULT_NAMESPACE,
    "namespace the extension is installed in",
  )
    .addHelpText(
      "after",
      `
Renders the chart with the same flags as install (pass the ones you installed
with) and prints every object labelled linkerd.io/extension=smi that it does
not render: what an upgrade left behind.

Examples:
  linkerd smi prune | kubectl delete -f -`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await prune(command.opts<PruneOptions>(), clientFactory(command), ctx.io);
    });
}
