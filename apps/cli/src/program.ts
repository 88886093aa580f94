import { Command, CommanderError, Option } from "commander";
import { DEFAULT_NAMESPACE } from "./chart.js";
import { clusterClient, type RootOptions } from "./cluster.js";
import { convertCommand } from "./commands/convert.js";
import { check, EXTENSION_METADATA, flagBool, forwardedGroups } from "./commands/check.js";
import { install } from "./commands/install.js";
import { status } from "./commands/status.js";
import { statCommand } from "./commands/stat.js";
import { uninstall } from "./commands/uninstall.js";
import { validate } from "./commands/validate.js";
import { version } from "./commands/version.js";
import { CliError } from "./errors.js";
import type { CliIO } from "./io.js";
import { CLI_VERSION } from "./version.js";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function valueOptions(command: Command): Command {
  return command
    .option(
      "-f, --values <file>",
      "values file to apply (repeatable; later files win)",
      collect,
      [],
    )
    .option(
      "--set <key=value>",
      "set a value, as helm --set (repeatable, comma-separated)",
      collect,
      [],
    )
    .option(
      "--set-string <key=value>",
      "set a value as a string, as helm --set-string",
      collect,
      [],
    )
    .option(
      "--set-file <key=path>",
      "set a value to a file's content, as helm --set-file",
      collect,
      [],
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace to install the extension into",
      DEFAULT_NAMESPACE,
    );
}

/** The `linkerd-smi` command tree. `io` receives all output; nothing calls process.exit here. */
export function buildProgram(io: CliIO): Command {
  const program = new Command("linkerd-smi")
    .description(
      "Manage the Linkerd SMI extension, which turns SMI TrafficSplits into Linkerd ServiceProfiles.",
    )
    .version(CLI_VERSION, "--cli-version", "print the CLI version and exit")
    .option(
      "--kubeconfig <path>",
      "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)",
    )
    .option("--context <name>", "kubeconfig context to use")
    .option("--as <user>", "username to impersonate for Kubernetes operations")
    .option("--as-group <group>", "group to impersonate (repeatable)", collect, [])
    .option(
      "--api-addr <address>",
      "override the Kubernetes API server address from the kubeconfig",
    )
    .option(
      "-L, --linkerd-namespace <namespace>",
      "namespace in which Linkerd is installed",
      "linkerd",
    )
    .option("--verbose", "turn on debug logging", false)
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const root = (command: Command): RootOptions => command.optsWithGlobals<RootOptions>();

  valueOptions(
    program
      .command("install")
      .description(
        "Print the Kubernetes manifests of the SMI extension, for `| kubectl apply -f -`",
      )
      .option(
        "--skip-checks",
        "do not check the cluster for Linkerd's ServiceProfile CRD first",
        false,
      ),
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
      const o = command.optsWithGlobals<
        RootOptions & {
          values: string[];
          set: string[];
          setString: string[];
          setFile: string[];
          namespace: string;
          skipChecks: boolean;
        }
      >();
      await install(o, () => clusterClient(root(command)), io);
    });

  valueOptions(
    program
      .command("uninstall")
      .description(
        "Print the extension's objects, for `| kubectl delete -f -` (the TrafficSplit CRD is kept)",
      )
      .option(
        "--include-crds",
        "also print the TrafficSplit CRD: deleting it deletes every TrafficSplit",
        false,
      ),
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
      const o = command.optsWithGlobals<{
        values: string[];
        set: string[];
        setString: string[];
        setFile: string[];
        namespace: string;
        includeCrds: boolean;
      }>();
      await uninstall(o, io);
    });

  program
    .command("version")
    .description("Print the CLI's version and the version of the adaptor running in the cluster")
    .option("--client", "print the client version only", false)
    .option("--short", "print the versions only", false)
    .addOption(new Option("-o, --output <format>", "output format").choices(["json"]))
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
        () => clusterClient(root(command)),
        io,
        root(command).verbose,
      );
    });

  /** The root flags as `linkerd check` forwards them (`--as-group=[]` means no group). */
  const forwardedRoot = (command: Command): RootOptions => {
    const options = root(command);
    return { ...options, asGroup: forwardedGroups(options.asGroup ?? []) };
  };
  /** Exit with `code` without printing anything more (the command has said it all). */
  const exitWith = (code: number): void => {
    if (code !== 0) throw new CliError("", code === 2 ? 2 : 1);
  };

  program
    .command("check")
    .description("Check the SMI extension for potential problems")
    .addOption(
      new Option("-o, --output <format>", "output format: table, json or short").default("table"),
    )
    .option(
      "--wait <duration>",
      "maximum time to wait for the adaptor pods to be ready (Go duration)",
      "5m0s",
    )
    .addOption(
      new Option(
        "--pre [bool]",
        "only run pre-installation checks, to determine if the extension can be installed",
      ),
    )
    .option(
      "-n, --namespace <namespace>",
      "check only the TrafficSplits of this namespace (default: all); with --pre, the namespace to install into",
    )
    .option(
      "--cluster-domain <domain>",
      "cluster domain of ServiceProfile names (default: the adaptor's -cluster-domain)",
    )
    .addOption(
      new Option(
        "--proxy [bool]",
        "accepted for `linkerd check`; the adaptor has no data-plane checks",
      ).hideHelp(),
    )
    .addOption(new Option("--verbose [bool]").hideHelp())
    .addHelpText(
      "after",
      `
The check command performs a series of checks to validate that the SMI
extension is configured correctly. If a check fails it prints what is wrong and
where to find hints, and exits with a non-zero exit code. \`linkerd check\` runs
it with --output=json when the extension is installed.

Examples:
  # Check that the SMI extension is up and running
  linkerd smi check

  # Check only the TrafficSplits of namespace "shop"
  linkerd smi check --namespace shop

  # Check that the extension can be installed
  linkerd smi check --pre`,
    )
    .action(async (_opts: unknown, command: Command) => {
      const o = command.opts<{
        output: string;
        wait: string;
        pre?: string | boolean;
        namespace?: string;
        clusterDomain?: string;
        proxy?: string | boolean;
        verbose?: string | boolean;
      }>();
      flagBool(o.proxy);
      const verbose = root(command).verbose || flagBool(o.verbose);
      exitWith(
        await check(
          {
            output: o.output,
            wait: o.wait,
            pre: flagBool(o.pre),
            verbose,
            ...(o.namespace === undefined || o.namespace === "" ? {} : { namespace: o.namespace }),
            ...(o.clusterDomain === undefined ? {} : { clusterDomain: o.clusterDomain }),
          },
          () => clusterClient(forwardedRoot(command)),
          io,
        ),
      );
    });

  program
    .command("_extension-metadata", { hidden: true })
    .description("Print the extension's metadata for `linkerd check`")
    .action(() => {
      io.out(`${JSON.stringify(EXTENSION_METADATA)}\n`);
    });

  program
    .command("status")
    .description(
      "Show each TrafficSplit, how it splits traffic, and whether its ServiceProfile is in sync",
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace of the TrafficSplits (default: the kubeconfig context's)",
    )
    .option("-A, --all-namespaces", "show the TrafficSplits of every namespace", false)
    .option("-o, --output <format>", "output format: json or yaml (default: a table)")
    .option(
      "--cluster-domain <domain>",
      "cluster domain of ServiceProfile names (default: the adaptor's -cluster-domain, else cluster.local)",
    )
    .addHelpText(
      "after",
      `
STATE is Synced (the ServiceProfile's dstOverrides are the split's), Pending
(not yet, or changed by hand: REASON says what differs), Invalid (the adaptor
cannot use the split: REASON says why), Conflict (an older split targets the
same service) or Skipped (the profile has the smi.linkerd.io/skip annotation).

Examples:
  linkerd smi status -n trafficsplit-sample
  linkerd smi status -A
  linkerd smi status -A -o json`,
    )
    .action(async (_opts: unknown, command: Command) => {
      const o = command.opts<{
        namespace?: string;
        allNamespaces: boolean;
        output?: string;
        clusterDomain?: string;
      }>();
      await status(
        {
          allNamespaces: o.allNamespaces,
          output: o.output ?? "",
          ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
          ...(o.clusterDomain === undefined ? {} : { clusterDomain: o.clusterDomain }),
        },
        () => clusterClient(forwardedRoot(command)),
        io,
      );
    });

  program
    .command("validate")
    .description(
      "Check TrafficSplit manifests offline, as the adaptor would read them (no cluster needed)",
    )
    .option(
      "-f, --filename <path>",
      "a file, a directory (*.yaml, *.yml, *.json, recursively) or - for standard input (repeatable)",
      collect,
      [],
    )
    .option("-o, --output <format>", "output format: json (default: text)")
    .addHelpText(
      "after",
      `
Documents of other kinds are skipped. Exits 1 when any TrafficSplit has an
error (warnings alone exit 0), 2 when a file cannot be read.

Examples:
  linkerd smi validate -f split.yaml
  linkerd smi validate -f manifests/ -o json
  kustomize build overlays/prod | linkerd smi validate -f -`,
    )
    .action(async (_opts: unknown, command: Command) => {
      const o = command.opts<{ filename: string[]; output?: string }>();
      exitWith(await validate({ filenames: o.filename, output: o.output ?? "" }, io));
    });

  program.addCommand(
    convertCommand(io, (command) => clusterClient(root(command)), exitWith).copyInheritedSettings(
      program,
    ),
  );
  program.addCommand(statCommand(io));

  return program;
}

/** Runs the CLI and returns its exit code: 0 ok, 1 failure, 2 usage. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      )
        return 0;
      return 2;
    }
    if (error instanceof CliError) {
      // An empty message: the command has already reported (check and validate results).
      if (error.message !== "") io.err(`Error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
