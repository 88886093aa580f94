import { Command, CommanderError } from "commander";
import { newCmdCheck } from "./commands/check.js";
import { newCmdCompletion } from "./commands/completion.js";
import { newCmdConvert } from "./commands/convert.js";
import { newCmdExtensionMetadata } from "./commands/extension-metadata.js";
import { newCmdInstall } from "./commands/install.js";
import { newCmdPrune } from "./commands/prune.js";
import { newCmdStat } from "./commands/stat.js";
import { newCmdStatus } from "./commands/status.js";
import { newCmdUninstall } from "./commands/uninstall.js";
import { newCmdValidate } from "./commands/validate.js";
import { newCmdVersion } from "./commands/version.js";
import { CliError } from "./errors.js";
import { collect, type CommandContext } from "./flags.js";
import type { CliIO } from "./io.js";
import { CLI_VERSION } from "./version.js";

/** The root command: the flags every Linkerd extension takes. */
function newRootCmd(io: CliIO): Command {
  return new Command("linkerd-smi")
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
}

/** The `linkerd-smi` command tree. `io` receives all output; nothing calls process.exit here. */
export function buildProgram(io: CliIO): Command {
  const ctx: CommandContext = { io };
  const program = newRootCmd(io);
  const commands = [
    newCmdInstall(ctx),
    newCmdUninstall(ctx),
    newCmdVersion(ctx),
    newCmdCheck(ctx),
    newCmdExtensionMetadata(ctx),
    newCmdStatus(ctx),
    newCmdStat(ctx),
    newCmdConvert(ctx),
    newCmdValidate(ctx),
    newCmdPrune(ctx),
    newCmdCompletion(ctx),
  ];
  for (const command of commands) {
    // What `program.command()` would give them: the root's output, exit override and help.
    command.copyInheritedSettings(program);
    program.addCommand(command, command.name().startsWith("_") ? { hidden: true } : {});
  }
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
