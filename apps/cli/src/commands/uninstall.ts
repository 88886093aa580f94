import { Command } from "commander";
import { stringify } from "yaml";
import { manifestObjects, renderExtension, type ValueFlags } from "../chart.js";
import { DEFAULT_NAMESPACE } from "../extension.js";
import { valueOptions, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";

export interface UninstallOptions extends ValueFlags {
  namespace: string;
  includeCrds: boolean;
}

/**
 * Prints the extension's objects, newest dependants first, for
 * `| kubectl delete -f -`. The TrafficSplit CRD stays unless asked: deleting
 * it deletes every TrafficSplit in the cluster.
 */
export async function uninstall(options: UninstallOptions, io: CliIO): Promise<void> {
  const objects = manifestObjects(await renderExtension(options.namespace, options));
  const kept = objects.filter((o) => o.kind === "CustomResourceDefinition");
  const doomed = objects
    .filter((o) => options.includeCrds || o.kind !== "CustomResourceDefinition")
    .reverse();
  io.out(
    doomed
      .map((o) =>
        stringify({
          apiVersion: o.apiVersion,
          kind: o.kind,
          metadata:
            o.metadata.namespace === undefined
              ? { name: o.metadata.name }
              : { name: o.metadata.name, namespace: o.metadata.namespace },
        }),
      )
      .map((doc) => `---\n${doc}`)
      .join(""),
  );
  if (!options.includeCrds && kept.length > 0) {
    io.err(
      `Keeping ${kept.map((o) => o.metadata.name).join(", ")}: deleting it would delete every TrafficSplit in the cluster. ` +
        "Pass --include-crds to delete it too.\n",
    );
  }
}

export function newCmdUninstall(ctx: CommandContext): Command {
  return valueOptions(
    new Command("uninstall")
      .description(
        "Print the extension's objects, for `| kubectl delete -f -` (the TrafficSplit CRD is kept)",
      )
      .option(
        "--include-crds",
        "also print the TrafficSplit CRD: deleting it deletes every TrafficSplit",
        false,
      ),
    DEFAULT_NAMESPACE,
    "namespace the extension is installed in",
  )
    .addHelpText(
      "after",
      `
Examples:
  linkerd smi uninstall | kubectl delete -f -

  # Also remove the TrafficSplit CRD and with it every TrafficSplit
  linkerd smi uninstall --include-crds | kubectl delete -f -`,
    )
    .action(async (_opts: unknown, command: Command) => {
      await uninstall(command.opts<UninstallOptions>(), ctx.io);
    });
}
