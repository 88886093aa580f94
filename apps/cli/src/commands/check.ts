import { checkClusterDomain } from "@linkerd-smi/core";
import { Command, Option } from "commander";
import type { KubeClient } from "@linkerd-smi/kube";
import { formatGoDuration, parseGoDuration } from "@linkerd-smi/core";
import { checkOutput, symbols, TablePrinter } from "../check/output.js";
import { runChecks, type Category } from "../check/runner.js";
import { preCategory, smiCategory } from "../check/smi.js";
import { DEFAULT_NAMESPACE } from "../extension.js";
import {
  checkOutputFormat,
  clientFactory,
  exitWith,
  flagBool,
  forwardedRootOptions,
  rootOptions,
  type CommandContext,
} from "../flags.js";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { createProgress } from "../output/progress.js";
import type { PortComparison } from "../served/compare.js";
import { kubectlFlags } from "../served/port-forward.js";
import { locatePrometheus } from "../stat/prometheus.js";

export { flagBool, forwardedGroups } from "../flags.js";

export interface CheckOptions {
  output: string;
  /** A Go duration (`5m0s`, `30s`), as `linkerd check` forwards it. */
  wait: string;
  pre: boolean;
  namespace?: string;
  clusterDomain?: string;
  verbose: boolean;
  /** Also check the adaptor's proxies. */
  proxy?: boolean;
  /** Linkerd's control-plane namespace (`-L`). */
  linkerdNamespace?: string;
  /** `--served`: ask Linkerd's policy controller what it serves for each split's apex and port. */
  served?: boolean;
  /** `--policy-addr`: the policy controller's gRPC address (`host:port`); else a port-forward. */
  policyAddr?: string;
  /** kubectl's flags for that port-forward: the root options' cluster and identity. */
  kubectlFlags?: readonly string[];
  /** The Prometheus that scrapes the proxies (default: linkerd-viz's, if installed). */
  prometheusUrl?: string;
  /** Between retries of a failing check (tests shorten it). */
  retryIntervalMs?: number;
}

export { EXTENSION_METADATA } from "./extension-metadata.js";

/**
 * Run by `linkerd check` (with `--output=json` and the flags it forwards) and by people. Returns
 * the exit code: 1 when a check failed, 0 otherwise (warnings included).
 */
export async function check(
  options: CheckOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<number> {
  // `basic` is Linkerd's old name of the table.
  checkOutputFormat(options.output, ["table", "json", "short"], ["basic"]);
  const output = options.output === "basic" || options.output === "" ? "table" : options.output;
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
  const servedReport: PortComparison[] = [];
  try {
    const categories: Category[] = options.pre
      ? [preCategory(kube, options.namespace ?? DEFAULT_NAMESPACE)]
      : [
          smiCategory(kube, {
            ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
            ...(options.clusterDomain === undefined
              ? {}
              : { clusterDomain: options.clusterDomain }),
            proxy: options.proxy === true,
            ...(options.served === true
              ? {
                  served: {
                    report: servedReport,
                    kubectlFlags: options.kubectlFlags ?? [],
                    ...(options.policyAddr === undefined ? {} : { policyAddr: options.policyAddr }),
                  },
                }
              : {}),
            prometheus: () => locatePrometheus(kube, options.prometheusUrl),
            ...(options.linkerdNamespace === undefined
              ? {}
              : { linkerdNamespace: options.linkerdNamespace }),
          }),
        ];
    const started = Date.now();
    // Without a spinner (a CI log, a pipe, -o json), a retried check says once what it waits for.
    const spinning = !json && io.errIsTTY === true;
    const announced = new Set<string>();
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
        else if (!spinning && !announced.has(c.id)) {
          announced.add(c.id);
          io.err(
            `Waiting for "${c.description}" (up to ${formatGoDuration(wait)}, --wait): ${message}\n`,
          );
        }
      },
      onResult: (result) => {
        progress.stop();
        if (!json) printer.result(result);
      },
    });
    progress.stop();
    if (json) {
      // Linkerd's shape; --served adds, per port, what is served beside what the split asks.
      const document = {
        ...checkOutput(summary.results, summary.success),
        ...(options.served === true ? { served: servedReport } : {}),
      };
      io.out(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      printer.finish(summary.success, summary.warning);
    }
    return summary.success ? 0 : 1;
  } finally {
    progress.stop();
    kube.close();
  }
}

export function newCmdCheck(ctx: CommandContext): Command {
  return new Command("check")
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
        "also check that the adaptor's pods are meshed and their proxies healthy",
      ),
    )
    .addOption(
      new Option(
        "--served [bool]",
        "also ask Linkerd's policy controller what it serves a proxy for each httproute split's apex and port, and fail where backends or shares differ",
      ),
    )
    .option(
      "--policy-addr <host:port>",
      "with --served: the policy controller's gRPC address (default: a kubectl port-forward to deploy/linkerd-destination port 8090 in -L's namespace)",
    )
    .option(
      "--prometheus-url <url>",
      "Prometheus that scrapes the proxies, to see which still use the old path of a cut-over (default: linkerd-viz's, if installed)",
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

  # Also check the adaptor's Linkerd proxies
  linkerd smi check --proxy

  # Also check what Linkerd's policy controller serves for each split (through a
  # kubectl port-forward to linkerd-destination, or --policy-addr HOST:PORT)
  linkerd smi check --served

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
        served?: string | boolean;
        policyAddr?: string;
        prometheusUrl?: string;
      }>();
      const proxy = flagBool(o.proxy);
      const verbose = rootOptions(command).verbose || flagBool(o.verbose);
      exitWith(
        await check(
          {
            output: o.output,
            wait: o.wait,
            pre: flagBool(o.pre),
            verbose,
            proxy,
            served: flagBool(o.served),
            kubectlFlags: kubectlFlags(forwardedRootOptions(command)),
            ...(o.policyAddr === undefined ? {} : { policyAddr: o.policyAddr }),
            linkerdNamespace: rootOptions(command).linkerdNamespace,
            ...(o.namespace === undefined || o.namespace === "" ? {} : { namespace: o.namespace }),
            ...(o.clusterDomain === undefined ? {} : { clusterDomain: o.clusterDomain }),
            ...(o.prometheusUrl === undefined ? {} : { prometheusUrl: o.prometheusUrl }),
          },
          clientFactory(command, true),
          ctx.io,
        ),
      );
    });
}
