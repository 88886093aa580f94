import { checkClusterDomain, formatPercent } from "@linkerd-smi/core";
import { currentNamespace, type KubeClient } from "@linkerd-smi/kube";
import { Command } from "commander";
import { stringify } from "yaml";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { renderTable } from "../output/table.js";
import { collectOldPaths } from "../stat/old-path.js";
import { locatePrometheus, PrometheusError } from "../stat/prometheus.js";
import { adaptorSettings } from "../extension.js";
import {
  checkOutputFormat,
  clientFactory,
  exitWith,
  rootOptions,
  type CommandContext,
} from "../flags.js";
import {
  explainReadError,
  gatewayView,
  listServiceProfiles,
  listServices,
  listTrafficSplits,
  splitStatuses,
  type SplitStatus,
} from "../status/collect.js";

export interface StatusOptions {
  /** Only the split of this name. */
  name?: string;
  namespace?: string;
  allNamespaces: boolean;
  output: string;
  clusterDomain?: string;
  /** Linkerd's namespace (`-L`), where `linkerd-config` has the default opaque ports. */
  linkerdNamespace?: string;
  /** `-o wide`: the Prometheus that scrapes the proxies, to show the old path of cut-overs. */
  prometheusUrl?: string;
}

/**
 * `svc weight (share)` per backend, one per line, aligned; an invalid split's as written. With
 * `written`, a backend whose weight the ServiceProfile carries scaled adds `-> <written>`.
 */
export function backendLines(backends: SplitStatus["backends"], written = false): string[] {
  if (backends.length === 0) return ["-"];
  const service = Math.max(...backends.map((b) => b.service.length));
  const weight = Math.max(...backends.map((b) => b.weight.length));
  const share = Math.max(
    ...backends.map((b) => (b.percent === undefined ? 0 : formatPercent(b.percent).length + 3)),
  );
  return backends.map((b) => {
    const percent = b.percent === undefined ? "" : ` (${formatPercent(b.percent)})`;
    const scaled =
      written && b.written !== undefined ? `${percent.padEnd(share)} -> ${b.written}` : percent;
    return `${b.service.padEnd(service)} ${b.weight.padStart(weight)}${scaled}`.trimEnd();
  });
}

/**
 * Under the backends in `-o wide`: per port where Linkerd serves other shares than the split's
 * (a backend lacks the port), `port P (without B):` and that port's backends with their shares.
 */
export function portLines(row: SplitStatus): string[] {
  return (row.ports ?? []).flatMap((p) => [
    `port ${p.port} (without ${p.leftOut.join(", ")}):`,
    ...backendLines(p.backends).map((line) => `  ${line}`),
  ]);
}

/**
 * The STATE column: the state, then what else the user must know: BackendNotFound (a backend
 * Service is missing), ShadowedByServiceProfile (a profile makes proxies ignore the routes),
 * MatchesNotSupported (a ServiceProfile cannot express the split's matches).
 */
export function stateText(row: SplitStatus): string {
  return [
    row.state,
    ...((row.missingBackends?.length ?? 0) > 0 ? ["BackendNotFound"] : []),
    ...((row.shadowedBy?.length ?? 0) > 0 ? ["ShadowedByServiceProfile"] : []),
    ...(row.matchesIgnored === true ? ["MatchesNotSupported"] : []),
    ...(row.apexWarning === undefined ? [] : ["NoClusterIP"]),
  ].join(", ");
}

/** The OUTPUT column of `-o wide`: the ServiceProfile, or the routes the adaptor wrote. */
function outputLines(row: SplitStatus): string[] {
  if (row.target === "serviceprofile") return [row.serviceProfile ?? "-"];
  const routes = row.routes ?? [];
  return routes.length === 0 ? ["-"] : routes.map((r) => `${r.kind}/${r.name}`);
}

/** The REASON column of `-o wide`: the reason, and what the additions to STATE mean. */
function reasonText(r: SplitStatus): string {
  const missing = r.missingBackends ?? [];
  const parts = [r.reason];
  if (missing.length > 0)
    parts.push(`backend Service${missing.length === 1 ? "" : "s"} ${missing.join(", ")} not found`);
  for (const s of r.shadowedBy ?? [])
    parts.push(`ServiceProfile ${s.profile} has ${s.why}, so proxies use it instead of the routes`);
  for (const p of r.ports ?? [])
    parts.push(
      `${p.leftOut.join(", ")} ${p.leftOut.length === 1 ? "lacks" : "lack"} port ${p.port}, so Linkerd serves that port with other shares (BACKENDS shows them)`,
    );
  for (const p of r.oldPath ?? [])
    if (p.oldRps > 0)
      parts.push(
        `port ${p.port}: ${p.oldRps.toFixed(1)}rps of ${p.totalRps.toFixed(1)}rps (${((100 * p.oldRps) / (p.totalRps || 1)).toFixed(1)}%) still take the ${p.oldPath === "ServiceProfile" ? "ServiceProfile" : "Gateway API routes"} path, from ${p.clients.map((c) => `${c.namespace}/${c.workload}`).join(", ")}: restart ${p.clients.length === 1 ? "it" : "them"}`,
      );
  return parts.join("; ");
}

/** The lines that say a split's weights are written scaled, for the human output. */
export function scaledNotes(rows: readonly SplitStatus[]): string[] {
  return rows
    .filter((r) => r.weightsScaled === true)
    .map(
      (r) =>
        `TrafficSplit ${r.namespace}/${r.name}: its weights add up to more than Linkerd can carry (429496.729), so the ServiceProfile carries them scaled in proportion: ${r.backends.map((b) => `${b.service}=${b.written ?? b.weight}`).join(", ")}. Linkerd uses these; use smaller weights (such as percentages) to have them written as given.`,
    );
}

/**
 * The human table: one row per split, its backends one per line. It fits 100 columns for
 * ordinary names; TARGET appears when a split targets httproute; `wide` always has it, and adds the weights Linkerd uses when they were scaled, the output object
 * (ServiceProfile or routes) and the reason.
 */
export function renderStatusTable(
  rows: readonly SplitStatus[],
  allNamespaces: boolean,
  wide = false,
): string {
  // Only where it tells something: every split of a drop-in install targets serviceprofile.
  const target = wide || rows.some((r) => r.target !== "serviceprofile");
  const headers = [
    ...(allNamespaces ? ["NAMESPACE"] : []),
    "NAME",
    "APEX",
    ...(target ? ["TARGET"] : []),
    "BACKENDS",
    "STATE",
    ...(wide ? ["OUTPUT", "REASON"] : []),
  ];
  return renderTable(
    headers,
    rows.map((r) => [
      ...(allNamespaces ? [r.namespace] : []),
      r.name,
      r.apex === "" ? "-" : r.apex,
      ...(target ? [r.target] : []),
      wide ? [...backendLines(r.backends, wide), ...portLines(r)] : backendLines(r.backends),
      stateText(r),
      ...(wide ? [outputLines(r), reasonText(r)] : []),
    ]),
  );
}

/**
 * Exit 1 when a split cannot take effect as written: Invalid, in Conflict (another split decides),
 * or its routes are not accepted by Linkerd (RouteNotAccepted).
 */
export function statusExitCode(rows: readonly SplitStatus[]): 0 | 1 {
  return rows.some(
    (r) => r.state === "Invalid" || r.state === "Conflict" || r.state === "RouteNotAccepted",
  )
    ? 1
    : 0;
}

/** What `-o json` and `-o yaml` print. */
export function statusDocument(rows: readonly SplitStatus[], clusterDomain: string): unknown {
  return { clusterDomain, items: rows };
}

/**
 * `-o wide`: per apex port, the traffic the proxies still send by the old path of a cut-over,
 * from the Prometheus that scrapes them (none: nothing is added).
 */
async function addOldPaths(
  kube: KubeClient,
  rows: SplitStatus[],
  namespace: string | undefined,
  options: StatusOptions,
  io: CliIO,
): Promise<void> {
  // Only when asked: status stays a quick read of the cluster's objects.
  if (options.prometheusUrl === undefined) return;
  const prometheus = await locatePrometheus(kube, options.prometheusUrl);
  if (prometheus === undefined) return;
  const valid = rows.filter((r) => r.state !== "Invalid" && r.apex !== "");
  try {
    const paths = await collectOldPaths(
      prometheus,
      valid.map((r) => ({ namespace: r.namespace, name: r.name, apex: r.apex, target: r.target })),
      { ...(namespace === undefined ? {} : { namespace }), window: "1m" },
    );
    for (const r of valid) {
      const ports = paths.get(`${r.namespace}/${r.name}`) ?? [];
      if (ports.length > 0) r.oldPath = ports;
    }
  } catch (error) {
    if (!(error instanceof PrometheusError)) throw error;
    io.err(
      `Could not read the proxies' metrics, so the old path of cut-overs is not shown: ${error.message}\n`,
    );
  }
}

/** Prints the splits; returns the exit code (1 when one is Invalid or in Conflict). */
export async function status(
  options: StatusOptions,
  client: () => KubeClient,
  io: CliIO,
): Promise<number> {
  checkOutputFormat(options.output, ["table", "wide", "json", "yaml"]);
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
      const [splits, profiles, adaptor, services] = await Promise.all([
        listTrafficSplits(kube, namespace),
        listServiceProfiles(kube, namespace),
        adaptorSettings(kube),
        listServices(kube, namespace),
      ]);
      clusterDomain = options.clusterDomain ?? adaptor.clusterDomain ?? "cluster.local";
      if (profiles.crdMissing && splits.length > 0)
        io.err(
          "Linkerd's ServiceProfile CRD (serviceprofiles.linkerd.io) is not installed: no split can be in effect until Linkerd is installed.\n",
        );
      const view = await gatewayView(
        kube,
        namespace,
        splits,
        adaptor,
        profiles.items,
        options.linkerdNamespace,
      );
      if (view.routes === undefined && view.gatewayApi?.httpRoute !== undefined)
        io.err(
          "Could not list HTTPRoutes or TCPRoutes: the state of the routes of httproute splits is unknown.\n",
        );
      rows = splitStatuses(
        splits,
        profiles.items,
        clusterDomain,
        services === undefined ? undefined : new Set(services.keys()),
        { ...view, ...(services === undefined ? {} : { services }) },
      );
      if (services === undefined && splits.length > 0)
        io.err(
          "Could not list Services: backends that do not exist (BackendNotFound) are not shown.\n",
        );
    } catch (error) {
      throw new CliError(explainReadError(error, where));
    }
    if (options.name !== undefined) {
      rows = rows.filter((r) => r.name === options.name);
      if (rows.length === 0)
        throw new CliError(
          `TrafficSplit "${options.name}" not found ${where}; list them with: linkerd smi status ${namespace === undefined ? "-A" : `-n ${namespace}`}`,
        );
    }

    if (options.output === "wide" && rows.length > 0)
      await addOldPaths(kube, rows, namespace, options, io);
    if (options.output === "json") {
      io.out(`${JSON.stringify(statusDocument(rows, clusterDomain), null, 2)}\n`);
    } else if (options.output === "yaml") {
      io.out(stringify(statusDocument(rows, clusterDomain)));
    } else if (rows.length === 0) {
      io.err(`No TrafficSplits found ${where}.\n`);
    } else {
      io.out(renderStatusTable(rows, namespace === undefined, options.output === "wide"));
      for (const note of scaledNotes(rows)) io.err(`${note}\n`);
    }
    return statusExitCode(rows);
  } finally {
    kube.close();
  }
}

export function newCmdStatus(ctx: CommandContext): Command {
  return new Command("status")
    .description(
      "Show each TrafficSplit, how it splits traffic, and whether its ServiceProfile or routes are in effect",
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace of the TrafficSplits (default: the kubeconfig context's)",
    )
    .option("-A, --all-namespaces", "show the TrafficSplits of every namespace", false)
    .argument("[name]", "show only the TrafficSplit of this name")
    .option(
      "-o, --output <format>",
      "output format: wide (adds the written weights when scaled, OUTPUT and REASON), json or yaml (default: a table)",
    )
    .option(
      "--cluster-domain <domain>",
      "cluster domain of ServiceProfile names (default: the adaptor's -cluster-domain, else cluster.local)",
    )
    .option(
      "--prometheus-url <url>",
      "with -o wide, the Prometheus that scrapes the proxies, to show the traffic still on the old path of a cut-over",
    )
    .addHelpText(
      "after",
      `
TARGET is what the adaptor turns the split into: serviceprofile or httproute
(the split's smi.linkerd.io/target annotation, else the adaptor's -target);
the table shows it when a split targets httproute, -o wide always.
For a ServiceProfile, STATE is Synced (its dstOverrides are the split's),
Pending (not yet, or changed by hand: REASON says what differs), Invalid (the
adaptor cannot use the split: REASON says why), Conflict (another split
targets the same service and is older, or as old and first by name) or Skipped (the profile has the smi.linkerd.io/skip
annotation). For Gateway API routes in step with the split, STATE is what
Linkerd's policy controller wrote on them: RouteAccepted,
RouteRefsNotResolved (accepted and used, but a backend does not resolve: its
share fails with HTTP 500), RouteNotAccepted (not used; REASON has the
condition's reason and message) or RoutePending (no status yet). ", BackendNotFound" follows it when a backend Service does not exist,
", ShadowedByServiceProfile" when a ServiceProfile makes proxies ignore the
routes, ", MatchesNotSupported" when a ServiceProfile cannot express the
split's matches (use httproute), ", NoClusterIP" when the apex is headless or
ExternalName (Linkerd uses no route of such a Service). Where a backend
Service lacks a port of the apex, Linkerd leaves it out of that port's route
and the others share its traffic: -o wide shows those ports' shares under
BACKENDS, -o json as ports. When the weights add up to more than Linkerd
can carry, the profile carries them scaled: a line says so, and -o wide shows
them. Exits 1 when a split is Invalid, in Conflict or RouteNotAccepted.

Examples:
  linkerd smi status -n trafficsplit-sample
  linkerd smi status -n trafficsplit-sample backend-split -o wide
  linkerd smi status -A
  linkerd smi status -A -o json`,
    )
    .action(async (name: string | undefined, _opts: unknown, command: Command) => {
      const o = command.opts<{
        namespace?: string;
        allNamespaces: boolean;
        output?: string;
        clusterDomain?: string;
        prometheusUrl?: string;
      }>();
      const code = await status(
        {
          ...(name === undefined ? {} : { name }),
          allNamespaces: o.allNamespaces,
          output: o.output ?? "",
          ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
          ...(o.clusterDomain === undefined ? {} : { clusterDomain: o.clusterDomain }),
          linkerdNamespace: rootOptions(command).linkerdNamespace,
          ...(o.prometheusUrl === undefined ? {} : { prometheusUrl: o.prometheusUrl }),
        },
        clientFactory(command, true),
        ctx.io,
      );
      exitWith(code);
    });
}
