import { closestName, parseGoBool, parseGoDuration, parsePortList } from "@linkerd-smi/core";

/**
 * Command-line flags, compatible with linkerd-smi's Go adaptor: Go's flag
 * syntax (`-name value`, `-name=value`, booleans as `-name` or `-name=false`)
 * and the GNU spelling with two dashes are both accepted.
 */

export interface AdaptorFlags {
  kubeconfig: string;
  context: string;
  metricsAddr: string;
  clusterDomain: string;
  workerThreads: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  /** Namespace labelled `linkerd.io/extension: smi` at start ("" for none). */
  extensionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resyncPeriodMs: number;
  shutdownTimeoutMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
  logFormat: "json" | "text";
  target: "serviceprofile" | "httproute";
  gatewayApiVersion: "auto" | "v1" | "v1beta1";
  /**
   * The cluster's default opaque ports when given (`-default-opaque-ports`); undefined: read
   * them from Linkerd's `linkerd-config` in `linkerdNamespace` (Linkerd's list when unreadable).
   */
  defaultOpaquePorts: number[] | undefined;
  /** Linkerd's control plane namespace, where `linkerd-config` is. */
  linkerdNamespace: string;
  /** How long a route's status must stay bad before it becomes a Warning Event. */
  routeStatusSettleMs: number;
  help: boolean;
  version: boolean;
}

type Kind = "string" | "int" | "bool" | "duration" | "enum" | "ports";

interface FlagSpec {
  name: string;
  key: keyof AdaptorFlags;
  kind: Kind;
  usage: string;
  choices?: readonly string[];
  default: (env: NodeJS.ProcessEnv) => string;
  /** Not given means undefined (the default is only described, in `usage`). */
  unsetByDefault?: true;
}

const FLAGS: readonly FlagSpec[] = [
  {
    name: "kubeconfig",
    key: "kubeconfig",
    kind: "string",
    default: () => "",
    usage: "path to kube config (default: $KUBECONFIG, ~/.kube/config, then in-cluster)",
  },
  {
    name: "context",
    key: "context",
    kind: "string",
    default: () => "",
    usage: "kubeconfig context to use (default: the current context)",
  },
  {
    name: "metrics-addr",
    key: "metricsAddr",
    kind: "string",
    default: () => ":9995",
    usage: "address to serve /metrics, /ready, /live and /ping on",
  },
  {
    name: "cluster-domain",
    key: "clusterDomain",
    kind: "string",
    default: () => "cluster.local",
    usage: "kubernetes cluster domain",
  },
  {
    name: "worker-threads",
    key: "workerThreads",
    kind: "int",
    default: () => "2",
    usage: "number of concurrent workers processing the workqueue",
  },
  {
    name: "leader-elect",
    key: "leaderElect",
    kind: "bool",
    default: () => "false",
    usage:
      "elect a leader on a Lease so only one replica writes (needed with more than one replica)",
  },
  {
    name: "leader-election-namespace",
    key: "leaderElectionNamespace",
    kind: "string",
    default: (env) => env.POD_NAMESPACE ?? "linkerd-smi",
    usage: "namespace of the leader-election Lease (default: $POD_NAMESPACE, else linkerd-smi)",
  },
  {
    name: "extension-namespace",
    key: "extensionNamespace",
    kind: "string",
    default: (env) => env.POD_NAMESPACE ?? "",
    usage:
      "namespace to label linkerd.io/extension=smi at start, so linkerd check finds the extension (default: $POD_NAMESPACE; empty: none)",
  },
  {
    name: "leader-election-id",
    key: "leaderElectionId",
    kind: "string",
    default: () => "smi-adaptor",
    usage: "name of the leader-election Lease",
  },
  {
    name: "lease-duration",
    key: "leaseDurationMs",
    kind: "duration",
    default: () => "15s",
    usage: "how long a leader's lease lasts without renewal",
  },
  {
    name: "renew-deadline",
    key: "renewDeadlineMs",
    kind: "duration",
    default: () => "10s",
    usage: "how long the leader keeps trying to renew before giving up leadership",
  },
  {
    name: "retry-period",
    key: "retryPeriodMs",
    kind: "duration",
    default: () => "2s",
    usage: "how often candidates try to acquire or renew the lease",
  },
  {
    name: "resync-period",
    key: "resyncPeriodMs",
    kind: "duration",
    default: () => "10m",
    usage: "how often every split is checked again (and orphaned profiles swept); 0 disables",
  },
  {
    name: "shutdown-timeout",
    key: "shutdownTimeoutMs",
    kind: "duration",
    default: () => "10s",
    usage: "how long in-flight work may take to finish on SIGTERM",
  },
  {
    name: "log-level",
    key: "logLevel",
    kind: "enum",
    choices: ["debug", "info", "warn", "error"],
    default: () => "info",
    usage: "log level",
  },
  {
    name: "log-format",
    key: "logFormat",
    kind: "enum",
    choices: ["json", "text"],
    default: () => "json",
    usage: "log format: json (one object per line) or text (logfmt)",
  },
  {
    name: "target",
    key: "target",
    kind: "enum",
    choices: ["serviceprofile", "httproute"],
    default: () => "serviceprofile",
    usage:
      "what a TrafficSplit becomes: serviceprofile (dstOverrides, as linkerd-smi v0.2.7) or httproute (Gateway API routes); a split's smi.linkerd.io/target annotation overrides it",
  },
  {
    name: "gateway-api-version",
    key: "gatewayApiVersion",
    kind: "enum",
    choices: ["auto", "v1", "v1beta1"],
    default: () => "auto",
    usage:
      "HTTPRoute version to write: auto (v1 when served, else v1beta1, as on Linkerd 2.15-2.17), v1 or v1beta1",
  },
  {
    name: "default-opaque-ports",
    key: "defaultOpaquePorts",
    kind: "ports",
    default: () => "",
    unsetByDefault: true,
    usage:
      "the cluster's default opaque ports, as Linkerd's proxy.opaquePorts (ports and ranges, as the config.linkerd.io/opaque-ports annotation): a port without appProtocol or annotation in this list gets a TCPRoute. Given, it wins; else proxy.opaquePorts of the linkerd-config ConfigMap in -linkerd-namespace, watched, and Linkerd's 25,587,3306,4444,5432,6379,9300,11211 while that cannot be read",
  },
  {
    name: "linkerd-namespace",
    key: "linkerdNamespace",
    kind: "string",
    default: () => "linkerd",
    usage:
      "namespace of Linkerd's control plane, whose linkerd-config ConfigMap has the cluster's default opaque ports",
  },
  {
    name: "route-status-settle",
    key: "routeStatusSettleMs",
    kind: "duration",
    default: () => "10s",
    usage:
      "how long a route's Accepted or ResolvedRefs condition must stay false before it is a Warning Event (Linkerd's policy controller rewrites every route's status while it starts); 0 reports at once",
  },
  {
    name: "help",
    key: "help",
    kind: "bool",
    default: () => "false",
    usage: "print this usage to stderr and exit (also -h)",
  },
  {
    name: "version",
    key: "version",
    kind: "bool",
    default: () => "false",
    usage: "print the version and exit",
  },
];

export class FlagError extends Error {
  override name = "FlagError";
}

function convert(spec: FlagSpec, raw: string): AdaptorFlags[keyof AdaptorFlags] {
  const bad = (what: string) =>
    new FlagError(`invalid value "${raw}" for flag -${spec.name}: ${what}`);
  switch (spec.kind) {
    case "string":
      return raw;
    case "int": {
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw bad("want a whole number of at least 1");
      return Number(raw);
    }
    case "bool": {
      const value = parseGoBool(raw);
      if (value === undefined) throw bad("want true or false");
      return value;
    }
    case "duration": {
      const ms = parseGoDuration(raw);
      if (ms === undefined) throw bad('want a duration such as "15s", "10m" or "1h30m"');
      if (ms < 0) throw bad("want a duration of 0 or more");
      return ms;
    }
    case "ports": {
      const { ports, invalid } = parsePortList(raw);
      if (invalid.length > 0)
        throw bad(
          `${invalid.join(", ")} ${invalid.length > 1 ? "are" : "is"} not a port or port range; want a list such as "25,3306,4000-4010"`,
        );
      return [...ports];
    }
    case "enum": {
      if (!(spec.choices ?? []).includes(raw))
        throw bad(`want one of ${(spec.choices ?? []).join(", ")}`);
      return raw;
    }
  }
}

export function parseFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): AdaptorFlags {
  const values: Record<string, unknown> = {};
  for (const spec of FLAGS)
    values[spec.key] = spec.unsetByDefault ? undefined : convert(spec, spec.default(env));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (match === null) {
      throw new FlagError(
        arg.startsWith("-")
          ? `bad flag syntax: ${arg}`
          : `unexpected argument "${arg}": the adaptor takes only flags`,
      );
    }
    const [, name = "", inline] = match;
    // As Go's flag package: -h, -help and --help (whatever their value) ask for the usage, and
    // parsing stops there.
    if (name === "h" || name === "help") {
      values.help = true;
      return values as unknown as AdaptorFlags;
    }
    const spec = FLAGS.find((f) => f.name === name);
    if (spec === undefined) {
      const near = closestName(
        name,
        FLAGS.map((f) => f.name),
      );
      throw new FlagError(
        `flag provided but not defined: -${name}${near === undefined ? "" : ` (did you mean -${near}?)`}`,
      );
    }
    let raw = inline;
    if (raw === undefined) {
      if (spec.kind === "bool") raw = "true";
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new FlagError(`flag needs an argument: -${name}`);
        raw = next;
        i++;
      }
    }
    values[spec.key] = convert(spec, raw);
  }
  return values as unknown as AdaptorFlags;
}

export function usage(program = "smi-adaptor"): string {
  const lines = [`Usage of ${program}:`];
  for (const spec of FLAGS) {
    const type =
      spec.kind === "bool"
        ? ""
        : ` ${spec.kind === "enum" || spec.kind === "ports" ? "string" : spec.kind}`;
    const def = spec.default({});
    const shown =
      spec.kind === "bool" || def === ""
        ? ""
        : ` (default ${spec.kind === "string" ? `"${def}"` : def})`;
    lines.push(`  -${spec.name}${type}`, `    \t${spec.usage}${shown}`);
  }
  lines.push("", "Every flag may also be written with two dashes (--metrics-addr=:9995).");
  return `${lines.join("\n")}\n`;
}
