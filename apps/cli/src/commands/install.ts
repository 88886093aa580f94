import { classifyError, type KubeClient } from "@linkerd-smi/kube";
import { Command } from "commander";
import { renderExtension, type ValueFlags } from "../chart.js";
import { CliError } from "../errors.js";
import { DEFAULT_NAMESPACE } from "../extension.js";
import { clientFactory, valueOptions, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";

const SERVICE_PROFILE_CRD = "serviceprofiles.linkerd.io";

/** Fails with advice unless Linkerd's ServiceProfile CRD is in the cluster. */
export async function requireServiceProfileCrd(client: KubeClient): Promise<void> {
  try {
    await client.request({
      method: "GET",
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${SERVICE_PROFILE_CRD}`,
      context: { verb: "get", resource: "customresourcedefinitions", name: SERVICE_PROFILE_CRD },
    });
  } catch (error) {
    const kind = classifyError(error);
    if (kind === "not-found") {
      throw new CliError(
        `Linkerd's ServiceProfile CRD (${SERVICE_PROFILE_CRD}) is not installed in this cluster, and the SMI extension writes ServiceProfiles.\n` +
          "Install Linkerd first (linkerd install --crds | kubectl apply -f -, then linkerd install | kubectl apply -f -),\n" +
          "or pass --skip-checks to render the manifests anyway.",
      );
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `could not check the cluster for Linkerd's ServiceProfile CRD (${detail}).\n` +
        "Check --kubeconfig/--context, or pass --skip-checks to render the manifests without a cluster.",
    );
  }
}

export interface InstallOptions extends ValueFlags {
  namespace: string;
  skipChecks: boolean;
}

export async function install(
  options: InstallOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<void> {
  if (!options.skipChecks) {
    const kube = client();
    try {
      await requireServiceProfileCrd(kube);
    } finally {
      kube.close();
    }
  }
  io.out(await renderExtension(options.namespace, options));
}

export function newCmdInstall(ctx: CommandContext): Command {
  return valueOptions(
    new Command("install")
      .description(
        "Print the Kubernetes manifests of the SMI extension, for `| kubectl apply -f -`",
      )
      .option(
        "--skip-checks",
        "do not check the cluster for Linkerd's ServiceProfile CRD first",
        false,
      ),
    DEFAULT_NAMESPACE,
  )
    .addHelpText(
      "after",
      `
Examples:
  # Install the extension with the default settings
  linkerd smi install | kubectl apply -f -

  # Two replicas (leader election turns on), text logs
  linkerd smi install --set adaptor.replicas=2 --set adaptor.logFormat=text | kubectl apply -f -

  # Render without a cluster (for GitOps)
  linkerd smi install --skip-checks -f my-values.yaml > linkerd-smi.yaml`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await install(command.opts<InstallOptions>(), clientFactory(command), ctx.io);
    });
}
