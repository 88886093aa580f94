/**
 * What every command shares about flags: the root flags (as typed and as `linkerd check`
 * forwards them), repeatable flags, pflag's booleans, and the exit of a command that has
 * already reported.
 */
import type { Command } from "commander";
import { parseGoBool } from "@linkerd-smi/core";
import type { KubeClient } from "@linkerd-smi/kube";
import { clusterClient, type RootOptions } from "./cluster.js";
import { CliError } from "./errors.js";
import type { CliIO } from "./io.js";

/** What each `newCmdX` receives from the program that assembles them. */
export interface CommandContext {
  readonly io: CliIO;
}

/** For repeatable flags: `--set a --set b` gives `["a", "b"]`. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The root flags as given to the program. */
export function rootOptions(command: Command): RootOptions {
  return command.optsWithGlobals<RootOptions>();
}

/** Linkerd forwards booleans as `--flag=true|false`; commander hands those over as strings. */
export function flagBool(value: string | boolean | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  // pflag's strconv.ParseBool spellings.
  const parsed = parseGoBool(value);
  if (parsed === undefined)
    throw new CliError(`invalid boolean value "${value}": use true or false`, 2);
  return parsed;
}

/**
 * `linkerd check` forwards `--as-group` as pflag prints a string array: `--as-group=[]` when
 * empty, `--as-group=[a,b]` otherwise. Turns those back into groups.
 */
export function forwardedGroups(values: readonly string[]): string[] {
  return values.flatMap((value) => {
    const m = /^\[(.*)\]$/s.exec(value);
    if (m === null) return [value];
    return (m[1] ?? "")
      .split(",")
      .map((g) => g.trim().replace(/^"(.*)"$/s, "$1"))
      .filter((g) => g !== "");
  });
}

/** The root flags as `linkerd check` forwards them (`--as-group=[]` means no group). */
export function forwardedRootOptions(command: Command): RootOptions {
  const options = rootOptions(command);
  return { ...options, asGroup: forwardedGroups(options.asGroup ?? []) };
}

/**
 * A factory of clients for the cluster the root flags name; `forwarded` reads them as
 * `linkerd check` forwards them (for the commands it runs).
 */
export function clientFactory(command: Command, forwarded = false): () => KubeClient {
  return () => clusterClient(forwarded ? forwardedRootOptions(command) : rootOptions(command));
}

/**
 * Checks a command's `-o` value: `formats` are what it prints, the first its default (what no
 * `-o`, or an empty one, means); `aliases` are other spellings it also takes. Every command words
 * a bad value with this one message.
 */
export function checkOutputFormat(
  value: string | undefined,
  formats: readonly string[],
  aliases: readonly string[] = [],
): void {
  if (value === undefined || value === "" || formats.includes(value) || aliases.includes(value))
    return;
  throw new CliError(`--output must be one of: ${formats.join(", ")} (got "${value}")`, 2);
}

/** Exit with `code` without printing anything more (the command has said it all). */
export function exitWith(code: number): void {
  if (code !== 0) throw new CliError("", code === 2 ? 2 : 1);
}

/**
 * Helm's value flags, shared by install, uninstall and prune; `-n` names the namespace, which
 * `namespaceHelp` describes for the command (installing into it, or where it was installed).
 */
export function valueOptions(
  command: Command,
  defaultNamespace: string,
  namespaceHelp = "namespace to install the extension into",
): Command {
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
    .option("-n, --namespace <namespace>", namespaceHelp, defaultNamespace);
}
