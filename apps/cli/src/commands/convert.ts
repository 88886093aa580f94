/**
 * `linkerd smi convert`: prints the Gateway API routes for the TrafficSplits it reads, the
 * one-shot migration off SMI. The routes are core's `translateSplitToRoutes`, the very function
 * the adaptor's `httproute` output calls, in `convert` style: no owner (deleting the TrafficSplits
 * afterwards leaves them in place) and names of their own (`<apex>-<port>`), so they can be
 * applied beside the adaptor's routes and outlive them.
 *
 * Ports come from the apex Services in the same input, else from the cluster when one is
 * reachable, else from `--port`.
 */
import { Command } from "commander";
import {
  HTTP_ROUTE_VERSIONS,
  apexOfSplit,
  httpRouteGroupResource,
  orderBySeniority,
  parseTrafficSplit,
  translateSplitToRoutes,
  type HttpRouteVersion,
  type Route,
  type RouteNote,
  type ServiceLike,
} from "@linkerd-smi/core";
import { ResourceClient, ServiceV1, type KubeTransport } from "@linkerd-smi/kube";
import { isMap, parseAllDocuments, stringify } from "yaml";
import { CliError } from "../errors.js";
import { clusterClient, type RootOptions } from "../cluster.js";
import { checkOutputFormat, type CommandContext } from "../flags.js";
import type { CliIO } from "../io.js";
import { lintSources, looksLikeTrafficSplit, type Source } from "../validate/lint.js";
import { readSources, renderValidateReport } from "./validate.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function meta(object: Json): { name: string; namespace?: string } {
  const m = isObject(object.metadata) ? object.metadata : {};
  const name = typeof m.name === "string" ? m.name : "";
  return typeof m.namespace === "string" && m.namespace !== ""
    ? { name, namespace: m.namespace }
    : { name };
}

/** Every object of every document (a `kind: List` gives its items). Sources passed `validate`. */
export function objectsOf(sources: readonly Source[]): Json[] {
  const out: Json[] = [];
  for (const source of sources) {
    for (const doc of parseAllDocuments(source.text)) {
      if (!isMap(doc.contents)) continue;
      const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
      if (!isObject(value)) continue;
      if (/List$/.test(String(value.kind)) && Array.isArray(value.items))
        out.push(...value.items.filter(isObject));
      else out.push(value);
    }
  }
  return out;
}

/** Where convert looks for what the input does not hold. */
export interface ConvertLookup {
  /** The Service in the cluster; undefined when it does not exist or no cluster is reachable. */
  service(namespace: string, name: string): Promise<ServiceLike | undefined>;
  /** The HTTPRouteGroup in the cluster, or undefined. */
  routeGroup(namespace: string, name: string): Promise<unknown>;
  /** Whether a cluster has answered (so that a Service it lacks is known not to exist). */
  answered?(): boolean;
}

/** Options of {@link convertObjects}. */
export interface ConvertOptions {
  /** Namespace of objects that name none (default `default`). */
  readonly namespace?: string;
  /** Ports of an apex Service found neither in the input nor in the cluster. */
  readonly ports?: readonly number[];
  readonly apiVersion?: HttpRouteVersion;
  /** Whether to write TCPRoutes for opaque ports (default true). */
  readonly tcpRoutes?: boolean;
}

/** The result of {@link convertObjects}. */
export interface Conversion {
  readonly routes: Route[];
  /** Warnings and notes, one line each, naming the split. */
  readonly notes: string[];
  /** What could not be converted, one line each; non-empty means exit 1. */
  readonly failures: string[];
}

const NO_LOOKUP: ConvertLookup = {
  service: () => Promise.resolve(undefined),
  routeGroup: () => Promise.resolve(undefined),
};

/**
 * The routes of every TrafficSplit among `objects` (the most senior split of each apex, as the
 * adaptor decides), resolving Services and HTTPRouteGroups from `objects`, then `lookup`, then
 * `options.ports`.
 */
export async function convertObjects(
  objects: readonly Json[],
  options: ConvertOptions = {},
  lookup: ConvertLookup = NO_LOOKUP,
): Promise<Conversion> {
  const fallbackNs = options.namespace ?? "default";
  const nsOf = (o: Json) => meta(o).namespace ?? fallbackNs;
  const key = (ns: string, name: string) => `${ns}/${name}`;
  const services = new Map<string, ServiceLike>();
  const groups = new Map<string, Json>();
  const splits: Json[] = [];
  for (const o of objects) {
    if (o.kind === "Service" && (o.apiVersion === "v1" || o.apiVersion === undefined))
      services.set(key(nsOf(o), meta(o).name), o);
    else if (o.kind === "HTTPRouteGroup") groups.set(key(nsOf(o), meta(o).name), o);
    else if (looksLikeTrafficSplit(o)) splits.push(o);
  }

  const byApex = new Map<string, Json[]>();
  for (const s of splits) {
    const k = key(nsOf(s), apexOfSplit(s));
    byApex.set(k, [...(byApex.get(k) ?? []), s]);
  }
  const routes: Route[] = [];
  const notes: string[] = [];
  const failures: string[] = [];
  for (const [apexKey, contenders] of byApex) {
    const [winner, ...losers] = orderBySeniority(
      contenders as { metadata?: { name?: string; creationTimestamp?: string } }[],
    ) as Json[];
    if (winner === undefined) continue;
    const namespace = nsOf(winner);
    const splitName = meta(winner).name;
    const label = `TrafficSplit ${namespace}/${splitName}`;
    for (const loser of losers)
      notes.push(
        `TrafficSplit ${namespace}/${meta(loser).name}: ignored, ${label} splits the same service and comes first (older, then by name), as the adaptor decides`,
      );
    const parsed = parseTrafficSplit(winner);
    if (!parsed.ok) continue; // validate has reported it
    const apex = parsed.split.service;
    let service = services.get(apexKey) ?? (await lookup.service(namespace, apex));
    // Where the Service was looked for: a cluster that answered says it does not exist.
    const nowhere =
      lookup.answered?.() === true
        ? "it is not in the input, and the cluster has no such Service"
        : "it is not in the input, and no cluster could be reached";
    if (service === undefined && options.ports !== undefined && options.ports.length > 0) {
      service = {
        metadata: { name: apex, namespace },
        spec: { ports: options.ports.map((port) => ({ port })) },
      };
      notes.push(
        `${label}: Service ${namespace}/${apex} not found (${nowhere}); using --port ${options.ports.join(",")}`,
      );
    }
    if (service === undefined) {
      failures.push(
        `${label}: cannot resolve Service ${namespace}/${apex}: ${nowhere}; add its manifest to the input or pass --port`,
      );
      continue;
    }
    const refs = parsed.split.matches ?? [];
    const fetched = new Map<string, unknown>();
    for (const ref of refs) {
      const inInput = groups.get(key(namespace, ref.name));
      fetched.set(ref.name, inInput ?? (await lookup.routeGroup(namespace, ref.name)));
    }
    const backendPorts = (name: string) => {
      const s = services.get(key(namespace, name));
      return s === undefined ? undefined : (s.spec?.ports ?? []).map((p) => p.port);
    };
    const translation = translateSplitToRoutes({
      split: parsed.split,
      namespace,
      service,
      routeGroup: (name) => fetched.get(name),
      backendPorts,
      ...(options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion }),
      ...(options.tcpRoutes === undefined ? {} : { tcpRouteServed: options.tcpRoutes }),
      style: "convert",
    });
    if (!translation.ok) {
      failures.push(...translation.problems.map((p) => `${label}: ${p}`));
      continue;
    }
    routes.push(...translation.routes);
    notes.push(...translation.notes.map((n: RouteNote) => `${label}: ${n.message}`));
  }
  return { routes, notes, failures };
}

/** A lookup through the cluster; any failure to reach it counts as "not there". */
function clusterLookup(transport: () => KubeTransport, io: CliIO): ConvertLookup {
  let reachable: boolean | undefined;
  let client: KubeTransport | undefined;
  const attempt = async <T>(call: (t: KubeTransport) => Promise<T>): Promise<T | undefined> => {
    if (reachable === false) return undefined;
    try {
      client ??= transport();
      const value = await call(client);
      reachable = true;
      return value;
    } catch (error) {
      if (reachable === undefined)
        io.err(
          `convert: no cluster reachable (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); resolving from the input and --port only\n`,
        );
      reachable = false;
      return undefined;
    }
  };
  return {
    service: (namespace, name) =>
      attempt(
        async (t) =>
          (await new ResourceClient(t, ServiceV1).get(namespace, name)) as ServiceLike | undefined,
      ),
    routeGroup: (namespace, name) =>
      attempt((t) => new ResourceClient(t, httpRouteGroupResource()).get(namespace, name)),
    answered: () => reachable === true,
  };
}

/** Options of the `convert` command as commander parses them. */
interface ConvertFlags {
  filename: string[];
  output?: string;
  apiVersion: string;
  port: string[];
  namespace?: string;
  tcpRoutes: boolean;
}

function parsePorts(values: readonly string[]): number[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => {
      const port = Number(v.trim());
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new CliError(`--port ${v}: a port is a whole number from 1 to 65535`, 2);
      return port;
    });
}

/** Runs `convert`; returns the exit code. */
export async function convert(
  flags: ConvertFlags,
  transport: () => KubeTransport,
  io: CliIO,
): Promise<number> {
  const output = flags.output ?? "yaml";
  checkOutputFormat(output, ["yaml", "json"]);
  if (!(HTTP_ROUTE_VERSIONS as readonly string[]).includes(flags.apiVersion))
    throw new CliError(
      `--api-version ${flags.apiVersion}: use ${HTTP_ROUTE_VERSIONS.join(" or ")} (v1beta1 for Linkerd 2.15 to 2.17)`,
      2,
    );
  if (flags.filename.length === 0)
    throw new CliError("no manifests given: pass -f FILE, -f DIR or -f - (standard input)", 2);
  const sources = await readSources(flags.filename, io);
  const report = lintSources(sources);
  if (report.errors > 0) {
    io.err(renderValidateReport(report));
    io.err("convert: fix the errors above first (linkerd smi validate shows them too)\n");
    return 1;
  }
  if (report.trafficSplits.length === 0) {
    io.err("convert: no TrafficSplits found in the input\n");
    return 1;
  }
  const ports = parsePorts(flags.port);
  const conversion = await convertObjects(
    objectsOf(sources),
    {
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ports,
      apiVersion: flags.apiVersion as HttpRouteVersion,
      tcpRoutes: flags.tcpRoutes,
    },
    clusterLookup(transport, io),
  );
  for (const note of conversion.notes) io.err(`warning: ${note}\n`);
  for (const failure of conversion.failures) io.err(`error: ${failure}\n`);
  if (output === "json")
    io.out(
      `${JSON.stringify({ apiVersion: "v1", kind: "List", items: conversion.routes }, null, 2)}\n`,
    );
  else io.out(conversion.routes.map((r) => `---\n${stringify(r)}`).join(""));
  return conversion.failures.length > 0 ? 1 : 0;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The `convert` command, for the program to add. */
export function convertCommand(
  io: CliIO,
  clientFor: (command: Command) => KubeTransport,
  exitWith: (code: number) => void,
): Command {
  return new Command("convert")
    .description(
      "Print Gateway API HTTPRoutes (TCPRoutes on opaque ports) for TrafficSplits: the way off SMI",
    )
    .option(
      "-f, --filename <path>",
      "a file, a directory (*.yaml, *.yml, *.json, recursively) or - for standard input (repeatable)",
      collect,
      [],
    )
    .option("-o, --output <format>", "output format: yaml or json", "yaml")
    .option(
      "--api-version <version>",
      "HTTPRoute version: v1, or v1beta1 for Linkerd 2.15-2.17",
      "v1",
    )
    .option(
      "--port <port>",
      "port of an apex Service found neither in the input nor in the cluster (repeatable, comma-separated)",
      collect,
      [],
    )
    .option("-n, --namespace <namespace>", "namespace of objects that name none", "default")
    .option("--no-tcp-routes", "write no TCPRoutes for opaque ports (their CRD is not installed)")
    .addHelpText(
      "after",
      `
Ports come from the apex Services in the input, else from the cluster when one
is reachable, else from --port. Invalid TrafficSplits get validate's
diagnostics and exit 1, as does a Service that cannot be resolved. The routes
have no owner and are named <apex>-<port>, so they can be applied beside the
adaptor's routes (<apex>-smi-<port>) and stay when the TrafficSplits go.

Examples:
  linkerd smi convert -f split.yaml -f services.yaml | kubectl apply -f -
  kubectl get ts,svc -A -o yaml | linkerd smi convert -f -
  linkerd smi convert -f flagger/ --port 9898 --api-version v1beta1`,
    )
    .action(async (_opts: unknown, command: Command) => {
      exitWith(await convert(command.opts<ConvertFlags>(), () => clientFor(command), io));
    });
}

/** `linkerd smi convert`, as the program assembles it. */
export function newCmdConvert({ io }: CommandContext): Command {
  return convertCommand(
    io,
    (command) => clusterClient(command.optsWithGlobals<RootOptions>()),
    (code) => {
      if (code !== 0) throw new CliError("", code === 2 ? 2 : 1);
    },
  );
}
