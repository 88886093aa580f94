import { KubeError, type KubeClient } from "@linkerd-smi/kube";
import { Command } from "commander";
import { renderExtension, type ValueFlags } from "../chart.js";
import { formatGoDuration, parseGoDuration } from "@linkerd-smi/core";
import { CliError } from "../errors.js";
import { DEFAULT_NAMESPACE } from "../extension.js";
import { clientFactory, valueOptions, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";
import { serviceProfileCrdProblem, type ServiceProfileCrdProblem } from "../service-profile-crd.js";

/** Why the check cannot pass yet but may soon: the CRD is not served yet, or the server is busy. */
class NotYet extends Error {}

/** Fails with advice unless the cluster serves Linkerd's ServiceProfile as the adaptor writes it. */
export async function requireServiceProfileCrd(client: KubeClient): Promise<void> {
  let problem: ServiceProfileCrdProblem | undefined;
  try {
    problem = await serviceProfileCrdProblem(client);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    // The server answered but cannot serve yet (5xx, 429): worth waiting for.
    if (
      error instanceof KubeError &&
      error.status !== undefined &&
      (error.status >= 500 || error.status === 429)
    )
      throw new NotYet(`the API server answered ${error.status} (${detail})`);
    throw new CliError(
      `could not check the cluster for Linkerd's ServiceProfile CRD (${detail}).\n` +
        "Check --kubeconfig/--context, or pass --skip-checks to render the manifests without a cluster.",
    );
  }
  if (problem === undefined) return;
  if (problem.reason === "not-ready") throw new NotYet(problem.message);
  throw new CliError(`${problem.message},\nor pass --skip-checks to render the manifests anyway.`);
}

/**
 * Runs the pre-install check, retrying while the cluster is not ready yet, until `waitMs` has
 * passed (`--wait`, as the Go CLI's install takes it).
 */
export async function waitForServiceProfileCrd(
  client: KubeClient,
  waitMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await requireServiceProfileCrd(client);
      return;
    } catch (error) {
      if (!(error instanceof NotYet)) throw error;
      if (Date.now() >= deadline)
        throw new CliError(
          `${error.message}; gave up after --wait ${formatGoDuration(waitMs)}.\n` +
            "Wait for Linkerd's control plane (linkerd check), or pass --skip-checks.",
        );
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
    }
  }
}

export interface InstallOptions extends ValueFlags {
  namespace: string;
  skipChecks: boolean;
  /** A Go duration: how long to wait for the cluster to be ready (`5m0s`). */
  wait?: string;
}

export async function install(
  options: InstallOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<void> {
  const wait = parseGoDuration(options.wait ?? "5m0s");
  if (wait === undefined || wait < 0)
    throw new CliError(
      `invalid --wait "${options.wait ?? ""}": use a duration such as 5m0s, 90s or 300ms`,
      2,
    );
  if (!options.skipChecks) {
    const kube = client();
    try {
      await waitForServiceProfileCrd(kube, wait);
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
      )
      .option(
        "--wait <duration>",
        "how long to wait for Linkerd's ServiceProfile CRD to be ready (Go duration)",
        "5m0s",
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
