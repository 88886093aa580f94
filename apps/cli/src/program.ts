import { Command, CommanderError, Help, type HelpConfiguration, type Option } from "commander";
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

/** How the program is named in what it prints: the linkerd CLI runs it as `linkerd smi`. */
const PROGRAM = "linkerd smi";

/** The line after every usage error (exit 2), as cobra (the linkerd CLI) words it. */
function usageHint(command: Command, root: Command): string {
  const path = command === root ? PROGRAM : `${PROGRAM} ${command.name()}`;
  return `Run '${path} --help' for usage.`;
}

/**
 * Help as pflag shows flags: `--pre` and `--proxy` (which take `=true|false` as linkerd forwards
 * them) without commander's `[bool]`, and no `(default: [])` or `(default: false)`.
 */
const helpConfiguration: HelpConfiguration = {
  optionTerm: (option: Option) => option.flags.replace(/ \[bool\]$/, ""),
  optionDescription(this: Help, option: Option): string {
    const value: unknown = option.defaultValue;
    if (value !== false && !(Array.isArray(value) && value.length === 0))
      return Help.prototype.optionDescription.call(this, option);
    const shown = Object.assign(
      Object.create(Object.getPrototypeOf(option) as object) as Option,
      option,
      { defaultValue: undefined },
    );
    return Help.prototype.optionDescription.call(this, shown);
  },
};

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
    .exitOverride()
    .configureHelp(helpConfiguration)
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // commander's own usage errors read as the commands' (`Error: ...`, see run()).
      outputError: (text, write) => {
        write(text.replace(/^error: /, "Error: "));
      },
    });
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
  program.showHelpAfterError(usageHint(program, program));
  for (const command of commands) {
    // What `program.command()` would give them: the root's output, exit override and help.
    command.copyInheritedSettings(program);
    command.showHelpAfterError(usageHint(command, program));
    program.addCommand(command, command.name().startsWith("_") ? { hidden: true } : {});
  }
  return program;
}

/** Runs the CLI and returns its exit code: 0 ok, 1 failure, 2 usage. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  // The command that runs, for the usage hint of the errors it reports.
  let running: Command = program;
  program.hook("preAction", (_root, action) => {
    running = action;
  });
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
      // A usage error (exit 2) is followed by the hint commander's own errors get.
      if (error.message !== "")
        io.err(
          `Error: ${error.message}\n${error.exitCode === 2 ? `${usageHint(running, program)}\n` : ""}`,
        );
      return error.exitCode;
    }
    io.err(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
