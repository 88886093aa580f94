import { checkClusterDomain, formatPercent } from "@linkerd-smi/core";
import { currentNamespace, type KubeClient } from "@linkerd-smi/kube";
import { Command } from "commander";
import { stringify } from "yaml";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { renderTable } from "../output/table.js";
import { adaptorClusterDomain } from "../extension.js";
import { clientFactory, type CommandContext } from "../flags.js";
import {
  explainReadError,
  listServiceProfiles,
  listTrafficSplits,
  splitStatuses,
  type SplitStatus,
} from "../status/collect.js";

export interface StatusOptions {
  namespace?: string;
  allNamespaces: boolean;
  output: string;
  clusterDomain?: string;
}

/** `svc weight (share)` per backend, one per line, with services and weights aligned. */
export function backendLines(backends: SplitStatus["backends"]): string[] {
  if (backends.length === 0) return ["-"];
  const service = Math.max(...backends.map((b) => b.service.length));
  const weight = Math.max(...backends.map((b) => b.weight.length));
  return backends.map(
    (b) =>
      `${b.service.padEnd(service)} ${b.weight.padStart(weight)} (${formatPercent(b.percent)})`,
  );
}

/** The human table: one row per split, its backends one per line. */
export function renderStatusTable(rows: readonly SplitStatus[], allNamespaces: boolean): string {
  const headers = [
    ...(allNamespaces ? ["NAMESPACE"] : []),
    "NAME",
    "APEX",
    "BACKENDS",
    "STATE",
    "REASON",
  ];
  return renderTable(
    headers,
    rows.map((r) => [
      ...(allNamespaces ? [r.namespace] : []),
      r.name,
      r.apex === "" ? "-" : r.apex,
      backendLines(r.backends),
      r.state,
      r.reason,
    ]),
  );
}

/** What `-o json` and `-o yaml` print. */
export function statusDocument(rows: readonly SplitStatus[], clusterDomain: string): unknown {
  return { clusterDomain, items: rows };
}

export async function status(
  options: StatusOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<void> {
  if (!["", "wide", "table", "json", "yaml"].includes(options.output))
    throw new CliError(
      `unsupported output format "${options.output}": use -o json or -o yaml (or leave -o out)`,
      2,
    );
  if (options.allNamespaces && options.namespace !== undefined)
    throw new CliError("--namespace and --all-namespaces cannot be used together", 2);
  if (options.clusterDomain !== undefined) {
    const problem = checkClusterDomain(options.clusterDomain);
    if (problem !== undefined) throw new CliError(`--cluster-domain: ${problem.message}`, 2);
  }

  const kube = client();
  try {
    const namespace = options.allNamespaces
      ? undefined
      : (options.namespace ?? currentNamespace(kube.kubeConfig));
    const where = namespace === undefined ? "in any namespace" : `in namespace ${namespace}`;
    let rows: SplitStatus[];
    let clusterDomain: string;
    try {
      const [splits, profiles, discovered] = await Promise.all([
        listTrafficSplits(kube, namespace),
        listServiceProfiles(kube, namespace),
        options.clusterDomain === undefined
          ? adaptorClusterDomain(kube)
          : Promise.resolve(undefined),
      ]);
      clusterDomain = options.clusterDomain ?? discovered ?? "cluster.local";
      if (profiles.crdMissing && splits.length > 0)
        io.err(
          "Linkerd's ServiceProfile CRD (serviceprofiles.linkerd.io) is not installed: no split can be in effect until Linkerd is installed.\n",
        );
      rows = splitStatuses(splits, profiles.items, clusterDomain);
    } catch (error) {
      throw new CliError(explainReadError(error, where));
    }

    if (options.output === "json") {
      io.out(`${JSON.stringify(statusDocument(rows, clusterDomain), null, 2)}\n`);
    } else if (options.output === "yaml") {
      io.out(stringify(statusDocument(rows, clusterDomain)));
    } else if (rows.length === 0) {
      io.err(`No TrafficSplits found ${where}.\n`);
    } else {
      io.out(renderStatusTable(rows, namespace === undefined));
    }
  } finally {
    kube.close();
  }
}

export function newCmdStatus(ctx: CommandContext): Command {
  return new Command("status")
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
        clientFactory(command, true),
        ctx.io,
      );
    });
}
