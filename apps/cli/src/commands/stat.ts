/**
 * `linkerd smi stat`: live traffic per backend of each TrafficSplit, from Prometheus, as
 * `linkerd viz stat ts` showed before Linkerd dropped TrafficSplits from viz.
 */
import { checkClusterDomain } from "@linkerd-smi/core";
import { currentNamespace, type KubeClient } from "@linkerd-smi/kube";
import { Command, Option } from "commander";
import { clusterClient, type RootOptions } from "../cluster.js";
import { CliError } from "../errors.js";
import { checkOutputFormat, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";
import { adaptorSettings } from "../extension.js";
import { explainReadError, listTrafficSplits, splitStatuses } from "../status/collect.js";
import { collectStats, measurable, type SplitStat } from "../stat/collect.js";
import { collectOldPaths, describeOldPath } from "../stat/old-path.js";
import {
  findViz,
  prometheusAtUrl,
  prometheusThroughApiserver,
  PrometheusError,
  type PrometheusApi,
} from "../stat/prometheus.js";
import { checkWindow } from "../stat/queries.js";
import { renderStatTable, statFooter } from "../stat/table.js";

export interface StatOptions {
  /** One split's name (`NAME`, `ts/NAME` or `trafficsplit/NAME`), or every split. */
  split?: string;
  namespace?: string;
  allNamespaces: boolean;
  window: string;
  output: string;
  prometheusUrl?: string;
  clusterDomain?: string;
}

/** `NAME` from `NAME`, `ts/NAME`, `trafficsplit/NAME` or `trafficsplits/NAME`. */
export function splitName(arg: string): string {
  const m = /^(?:(ts|trafficsplits?|trafficsplits?\.split\.smi-spec\.io)\/)?([^/]+)$/.exec(arg);
  if (m?.[2] === undefined)
    throw new CliError(
      `"${arg}" is not a TrafficSplit: give its name, or ts/NAME (other kinds have no splits)`,
      2,
    );
  return m[2];
}

/** What `-o json` prints. */
export function statDocument(stats: readonly SplitStat[], window: string): unknown {
  return { window, items: stats };
}

async function choosePrometheus(options: StatOptions, kube: KubeClient): Promise<PrometheusApi> {
  if (options.prometheusUrl !== undefined)
    return prometheusAtUrl(
      options.prometheusUrl,
      "Check --prometheus-url and that Prometheus is running there.",
    );
  let viz;
  try {
    viz = await findViz(kube);
  } catch (error) {
    throw new CliError(
      `could not look for linkerd-viz (namespaces labelled linkerd.io/extension=viz): ${error instanceof Error ? error.message : String(error)}\n` +
        "Pass the Prometheus to read with --prometheus-url, or use an identity that may list namespaces.",
    );
  }
  if (viz === undefined)
    throw new CliError(
      "linkerd-viz is not installed (no namespace is labelled linkerd.io/extension=viz), so there is no Prometheus to read.\n" +
        "Install it (linkerd viz install | kubectl apply -f -), or pass --prometheus-url URL of a Prometheus that scrapes the proxies.",
    );
  if (viz.externalPrometheus !== undefined)
    return prometheusAtUrl(
      viz.externalPrometheus,
      `linkerd-viz in namespace ${viz.namespace} is set to use this external Prometheus (annotation viz.linkerd.io/external-prometheus); check that it is reachable from here, or pass --prometheus-url.`,
    );
  return prometheusThroughApiserver(kube, viz.namespace);
}

export async function stat(
  options: StatOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<void> {
  checkOutputFormat(options.output, ["table", "wide", "json"]);
  if (options.allNamespaces && options.namespace !== undefined)
    throw new CliError("--namespace and --all-namespaces cannot be used together", 2);
  if (options.allNamespaces && options.split !== undefined)
    throw new CliError("a split name needs a namespace: use -n NAMESPACE instead of -A", 2);
  const windowProblem = checkWindow(options.window);
  if (windowProblem !== undefined) throw new CliError(`--time-window: ${windowProblem}`, 2);
  if (options.clusterDomain !== undefined) {
    const problem = checkClusterDomain(options.clusterDomain);
    if (problem !== undefined) throw new CliError(`--cluster-domain: ${problem.message}`, 2);
  }
  if (options.prometheusUrl !== undefined && !/^https?:\/\/[^/]/.test(options.prometheusUrl))
    throw new CliError(
      `--prometheus-url: "${options.prometheusUrl}" is not an http(s) URL; use e.g. http://127.0.0.1:9090`,
      2,
    );
  const name = options.split === undefined ? undefined : splitName(options.split);

  const kube = client();
  try {
    const namespace = options.allNamespaces
      ? undefined
      : (options.namespace ?? currentNamespace(kube.kubeConfig));
    const where = namespace === undefined ? "in any namespace" : `in namespace ${namespace}`;
    let splits;
    let clusterDomain: string;
    let adaptor;
    try {
      const [all, settings] = await Promise.all([
        listTrafficSplits(kube, namespace),
        adaptorSettings(kube),
      ]);
      splits = all;
      adaptor = settings;
      clusterDomain = options.clusterDomain ?? settings.clusterDomain ?? "cluster.local";
    } catch (error) {
      throw new CliError(explainReadError(error, where));
    }
    // The adaptor's -target decides the path of splits without the annotation (the old path).
    let rows = splitStatuses(
      splits,
      [],
      clusterDomain,
      undefined,
      adaptor.target === undefined ? {} : { adaptorTarget: adaptor.target },
    );
    if (name !== undefined) {
      rows = rows.filter((r) => r.name === name);
      if (rows.length === 0)
        throw new CliError(
          `TrafficSplit ${name} not found ${where}; list them with: linkerd smi status${namespace === undefined ? " -A" : ` -n ${namespace}`}`,
        );
    }
    if (rows.length === 0) {
      if (options.output === "json")
        io.out(`${JSON.stringify(statDocument([], options.window), null, 2)}\n`);
      else io.err(`No TrafficSplits found ${where}.\n`);
      return;
    }
    for (const r of rows)
      if (r.state === "Invalid" || r.apex === "" || r.backends.length === 0)
        io.err(
          `${r.namespace}/${r.name}: left out, the adaptor cannot use it (${r.reason}); see linkerd smi status\n`,
        );

    const prometheus = await choosePrometheus(options, kube);
    let stats: SplitStat[];
    try {
      stats = await collectStats(prometheus, rows, {
        ...(namespace === undefined ? {} : { namespace }),
        window: options.window,
        clusterDomain,
      });
    } catch (error) {
      if (error instanceof PrometheusError) throw new CliError(error.message);
      throw error;
    }
    stats = stats.filter((s) => s.backends.length > 0);
    let oldPaths;
    try {
      oldPaths = await collectOldPaths(
        prometheus,
        measurable(rows).map((r) => ({
          namespace: r.namespace,
          name: r.name,
          apex: r.apex,
          target: r.target,
        })),
        { ...(namespace === undefined ? {} : { namespace }), window: options.window },
      );
    } catch (error) {
      if (error instanceof PrometheusError) throw new CliError(error.message);
      throw error;
    }
    for (const s of stats) {
      const ports = oldPaths.get(`${s.namespace}/${s.name}`);
      if (ports !== undefined && ports.length > 0) s.oldPath = ports;
    }

    if (options.output === "json") {
      io.out(`${JSON.stringify(statDocument(stats, options.window), null, 2)}\n`);
      return;
    }
    io.out(
      renderStatTable(stats, {
        allNamespaces: namespace === undefined,
        wide: options.output === "wide",
      }),
    );
    const footer = [
      ...statFooter(stats, options.window),
      ...stats.flatMap((s) => describeOldPath(s, s.oldPath ?? [])),
    ];
    if (footer.length > 0) io.out(`\n${footer.join("\n")}\n`);
  } finally {
    kube.close();
  }
}

/** The `stat` command, for `program.addCommand`. */
export function newCmdStat({ io }: CommandContext): Command {
  return new Command("stat")
    .description(
      "Show live traffic per backend of each TrafficSplit (share, success rate, RPS, latency) from Prometheus",
    )
    .argument("[split]", "one TrafficSplit (NAME or ts/NAME); default: every split")
    .option(
      "-n, --namespace <namespace>",
      "namespace of the TrafficSplits (default: the kubeconfig context's)",
    )
    .option("-A, --all-namespaces", "show the TrafficSplits of every namespace", false)
    .option("-t, --time-window <window>", "window the numbers cover (PromQL duration)", "1m")
    .addOption(
      new Option("-o, --output <format>", "output format: table, wide or json").default("table"),
    )
    .option(
      "--prometheus-url <url>",
      "Prometheus to read (default: linkerd-viz's, through the Kubernetes API)",
    )
    .option(
      "--cluster-domain <domain>",
      "cluster domain of the backends' names (default: the adaptor's -cluster-domain, else cluster.local)",
    )
    .addHelpText(
      "after",
      `
One row per backend: WEIGHT and SHARE as the split configures them, OBSERVED the
share of the split's responses the backend served in the window, SUCCESS the
share of those that were not 5xx or proxy errors, RPS responses per second, and
response latency quantiles. "-" means Prometheus had nothing to measure. A note
under the table flags splits without traffic and backends whose observed share
is far from the configured one. -o wide adds REQUESTS and the METRICS family
(route-backend for the Gateway API path, endpoint for ServiceProfiles).

Examples:
  linkerd smi stat -n trafficsplit-sample
  linkerd smi stat ts/backend-split -n trafficsplit-sample -t 5m
  linkerd smi stat -A -o json
  linkerd smi stat --prometheus-url http://127.0.0.1:9090`,
    )
    .action(async (split: string | undefined, _opts: unknown, command: Command) => {
      const o = command.optsWithGlobals<
        RootOptions & {
          namespace?: string;
          allNamespaces: boolean;
          timeWindow: string;
          output: string;
          prometheusUrl?: string;
          clusterDomain?: string;
        }
      >();
      await stat(
        {
          allNamespaces: o.allNamespaces,
          window: o.timeWindow,
          output: o.output,
          ...(split === undefined ? {} : { split }),
          ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
          ...(o.prometheusUrl === undefined ? {} : { prometheusUrl: o.prometheusUrl }),
          ...(o.clusterDomain === undefined ? {} : { clusterDomain: o.clusterDomain }),
        },
        () => clusterClient(o),
        io,
      );
    });
}
