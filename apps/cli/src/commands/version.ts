import type { KubeClient } from "@linkerd-smi/kube";
import { Command } from "commander";
import { adaptorVersion, UNAVAILABLE } from "../extension.js";
import { checkOutputFormat, clientFactory, rootOptions, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";
import { CLI_VERSION } from "../version.js";

export { UNAVAILABLE } from "../extension.js";

/** The adaptor's version: its Deployment's version label, else its image tag. */
export function serverVersion(client: KubeClient, namespace?: string): Promise<string> {
  return adaptorVersion(client, namespace);
}

export interface VersionOptions {
  client: boolean;
  short: boolean;
  output: string;
  namespace?: string;
}

export async function version(
  options: VersionOptions,
  client: () => KubeClient,
  io: CliIO,
  verbose: boolean,
): Promise<void> {
  checkOutputFormat(options.output, ["text", "json"]);
  let server: string | undefined;
  if (!options.client) {
    const kube = client();
    try {
      server = await serverVersion(kube, options.namespace);
    } catch (error) {
      server = UNAVAILABLE;
      if (verbose)
        io.err(
          `could not read the adaptor's version: ${error instanceof Error ? error.message : String(error)}\n`,
        );
    } finally {
      kube.close();
    }
  }
  if (options.output === "json") {
    io.out(
      `${JSON.stringify({ clientVersion: CLI_VERSION, ...(server === undefined ? {} : { serverVersion: server }) }, null, 2)}\n`,
    );
  } else if (options.short) {
    io.out(`${CLI_VERSION}\n${server === undefined ? "" : `${server}\n`}`);
  } else {
    io.out(
      `Client version: ${CLI_VERSION}\n${server === undefined ? "" : `Server version: ${server}\n`}`,
    );
  }
}

export function newCmdVersion(ctx: CommandContext): Command {
  return new Command("version")
    .description("Print the CLI's version and the version of the adaptor running in the cluster")
    .option("--client", "print the client version only", false)
    .option("--short", "print the versions only", false)
    .option("-o, --output <format>", "output format: text or json (default: text)")
    .option("-n, --namespace <namespace>", "namespace of the adaptor (default: any)")
    .addHelpText(
      "after",
      `
Examples:
  linkerd smi version
  linkerd smi version --client --short
  linkerd smi version -o json`,
    )
    .action(async (_opts: unknown, command: Command) => {
      const o = command.opts<{
        client: boolean;
        short: boolean;
        output?: string;
        namespace?: string;
      }>();
      await version(
        {
          client: o.client,
          short: o.short,
          output: o.output ?? "",
          ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
        },
        clientFactory(command),
        ctx.io,
        rootOptions(command).verbose,
      );
    });
}
