import { checkClusterDomain } from "@linkerd-smi/core";
import type { KubeClient } from "@linkerd-smi/kube";
import { formatGoDuration, parseGoDuration } from "../check/duration.js";
import { checkOutput, symbols, TablePrinter } from "../check/output.js";
import { runChecks, type Category } from "../check/runner.js";
import { DEFAULT_NAMESPACE, preCategory, smiCategory } from "../check/smi.js";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { createProgress } from "../output/progress.js";

export interface CheckOptions {
  output: string;
  /** A Go duration (`5m0s`, `30s`), as `linkerd check` forwards it. */
  wait: string;
  pre: boolean;
  namespace?: string;
  clusterDomain?: string;
  verbose: boolean;
  /** Between retries of a failing check (tests shorten it). */
  retryIntervalMs?: number;
}

/** What `linkerd-smi _extension-metadata` prints (Linkerd's ExtensionMetadataOutput). */
export const EXTENSION_METADATA = {
  name: "linkerd-smi",
  // Not "always": `linkerd check` finds this extension through its namespace's
  // linkerd.io/extension=smi label, so it checks it only where it is installed.
  checks: "cluster",
} as const;

/** Linkerd forwards booleans as `--flag=true|false`; commander hands those over as strings. */
export function flagBool(value: string | boolean | undefined): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  // pflag's strconv.ParseBool spellings.
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new CliError(`invalid boolean value "${value}": use true or false`, 2);
}

/**
 * Run by `linkerd check` (with `--output=json` and the flags it forwards) and by people. Returns
 * the exit code: 1 when a check failed, 0 otherwise (warnings included).
 */
export async function check(
  options: CheckOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<number> {
  const output = options.output === "basic" ? "table" : options.output;
  if (!["table", "json", "short"].includes(output))
    throw new CliError(
      `Invalid output type '${options.output}'. Supported output types are: json, table, short`,
      2,
    );
  const wait = parseGoDuration(options.wait);
  if (wait === undefined || wait < 0)
    throw new CliError(
      `invalid --wait "${options.wait}": use a duration such as 5m0s, 90s or 300ms`,
      2,
    );
  if (options.clusterDomain !== undefined) {
    const problem = checkClusterDomain(options.clusterDomain);
    if (problem !== undefined) throw new CliError(`--cluster-domain: ${problem.message}`, 2);
  }

  let kube: KubeClient;
  try {
    kube = client();
  } catch (error) {
    throw new CliError(
      `Error initializing k8s API client: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const json = output === "json";
  const progress = createProgress(io, !json);
  const printer = new TablePrinter(
    io.out,
    symbols(io.outIsTTY === true && io.env.NO_COLOR === undefined),
    output === "short",
  );
  try {
    const categories: Category[] = options.pre
      ? [preCategory(kube, options.namespace ?? DEFAULT_NAMESPACE)]
      : [
          smiCategory(kube, {
            ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
            ...(options.clusterDomain === undefined
              ? {}
              : { clusterDomain: options.clusterDomain }),
          }),
        ];
    const started = Date.now();
    const summary = await runChecks(categories, {
      deadline: started + wait,
      ...(options.retryIntervalMs === undefined
        ? {}
        : { retryIntervalMs: options.retryIntervalMs }),
      onStart: (_category, c) => progress.update(c.description),
      onRetry: (_category, c, message) => {
        progress.update(message);
        if (options.verbose)
          io.err(
            `${c.description}: ${message}; retrying (until ${formatGoDuration(wait)} after the start)\n`,
          );
      },
      onResult: (result) => {
        progress.stop();
        if (!json) printer.result(result);
      },
    });
    progress.stop();
    if (json) {
      io.out(`${JSON.stringify(checkOutput(summary.results, summary.success), null, 2)}\n`);
    } else {
      printer.finish(summary.success, summary.warning);
    }
    return summary.success ? 0 : 1;
  } finally {
    progress.stop();
    kube.close();
  }
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
