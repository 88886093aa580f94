import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { isIPv6 } from "node:net";
import {
  KubeConfig,
  type Cluster,
  type Context,
  type RequestContext,
  type User,
} from "@kubernetes/client-node";

/** Where a {@link loadKubeConfig} call takes its configuration from. */
export interface LoadKubeConfigOptions {
  /** An explicit kubeconfig file (`--kubeconfig`). It must exist. */
  kubeconfig?: string | undefined;
  /** Use this context instead of the file's `current-context` (`--context`). */
  context?: string | undefined;
  /** Impersonate this user on every request (`--as`); overrides the kubeconfig's `as`. */
  as?: string | undefined;
  /** Impersonate these groups on every request (`--as-group`); needs `as`. */
  asGroups?: readonly string[] | undefined;
  /** Use the pod's service account, ignoring every kubeconfig file. */
  inCluster?: boolean | undefined;
}

/**
 * The process environment {@link loadKubeConfig} reads; tests pass their own.
 * Defaults: `process.env`, the user's home directory, and `/` as the root of
 * `/var/run/secrets/kubernetes.io/serviceaccount`.
 */
export interface KubeConfigEnvironment {
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Prefix of the service-account directory (for tests of in-cluster loading). */
  serviceAccountRoot?: string;
}

/** A kubeconfig that cannot be used, with what to do about it in the message. */
export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

/** Impersonation headers an {@link ImpersonatingKubeConfig} adds. */
export interface Impersonation {
  user: string;
  groups: readonly string[];
}

type HttpsOptions = Parameters<KubeConfig["applyToHTTPSOptions"]>[0];

/**
 * A KubeConfig that sends `Impersonate-User` and `Impersonate-Group` on every
 * request, whichever way a request is built: `applyToHTTPSOptions` and
 * `applyToFetchOptions` (this package's client, client-node's `Watch`) and
 * `applySecurityAuthentication` (client-node's generated API clients).
 */
export class ImpersonatingKubeConfig extends KubeConfig {
  constructor(readonly impersonation: Impersonation) {
    super();
  }

  override async applyToHTTPSOptions(opts: HttpsOptions): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    // Either https.RequestOptions or ws' ClientOptions: both take a header record.
    const target = opts as unknown as { headers?: Record<string, string | string[] | number> };
    const headers = target.headers ?? {};
    headers["Impersonate-User"] = this.impersonation.user;
    if (this.impersonation.groups.length > 0)
      headers["Impersonate-Group"] = [...this.impersonation.groups];
    target.headers = headers;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam("Impersonate-User", this.impersonation.user);
    const [group, ...more] = this.impersonation.groups;
    if (more.length > 0)
      throw new KubeConfigError(
        "client-node's generated API clients can send only one Impersonate-Group header; " +
          "use @linkerd-smi/kube's KubeClient (or applyToHTTPSOptions) to impersonate several groups",
      );
    if (group !== undefined) context.setHeaderParam("Impersonate-Group", group);
  }
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Loads a client-node {@link KubeConfig} the way kubectl finds one:
 *
 * 1. `inCluster: true`: the pod's service account only.
 * 2. `kubeconfig`: that file (it must exist).
 * 3. `$KUBECONFIG`: every listed file that exists, merged (the first file to
 *    define a name or a current-context wins, as kubectl merges).
 * 4. `~/.kube/config`.
 * 5. In a pod (`KUBERNETES_SERVICE_HOST` set and a service-account token
 *    mounted): the service account.
 *
 * Then `context` selects a context, and `as` / `asGroups` turn on
 * impersonation for every request. Every problem is a {@link KubeConfigError}
 * naming the file or context and saying what to do.
 */
export function loadKubeConfig(
  options: LoadKubeConfigOptions = {},
  environment: KubeConfigEnvironment = {},
): KubeConfig {
  const env = environment.env ?? process.env;
  const groups = options.asGroups ?? [];
  if (groups.length > 0 && (options.as === undefined || options.as === ""))
    throw new KubeConfigError(
      `impersonating groups (${groups.join(", ")}) needs a user to impersonate too: pass --as`,
    );
  const kc =
    options.as !== undefined && options.as !== ""
      ? new ImpersonatingKubeConfig({ user: options.as, groups: [...groups] })
      : new KubeConfig();

  let source: string;
  if (options.inCluster === true) {
    source = loadInCluster(kc, env, environment.serviceAccountRoot ?? "", true);
  } else if (options.kubeconfig !== undefined && options.kubeconfig !== "") {
    source = loadFiles(kc, [options.kubeconfig], "--kubeconfig");
  } else if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== "") {
    const listed = env.KUBECONFIG.split(delimiter).filter((p) => p !== "");
    const present = listed.filter((p) => existsSync(p));
    if (present.length === 0)
      throw new KubeConfigError(
        `none of the files in $KUBECONFIG exist (${listed.join(delimiter)}); ` +
          "point $KUBECONFIG at a kubeconfig file or pass --kubeconfig",
      );
    source = loadFiles(kc, present, "$KUBECONFIG");
  } else {
    const home = environment.home ?? env.HOME ?? homedir();
    const defaultFile = join(home, ".kube", "config");
    if (existsSync(defaultFile)) {
      source = loadFiles(kc, [defaultFile], "default location");
    } else if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== "") {
      source = loadInCluster(kc, env, environment.serviceAccountRoot ?? "", false);
    } else {
      throw new KubeConfigError(
        `no kubeconfig found: ${defaultFile} does not exist, $KUBECONFIG is not set and this ` +
          "is not a pod (KUBERNETES_SERVICE_HOST is not set); pass --kubeconfig, set $KUBECONFIG, " +
          "or run inside the cluster",
      );
    }
  }

  selectContext(kc, source, options.context);
  return kc;
}

/** The namespace of the current context, or `default`. */
export function currentNamespace(kc: KubeConfig): string {
  const ns = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return ns === undefined || ns === "" ? "default" : ns;
}

function loadFiles(kc: KubeConfig, files: readonly string[], how: string): string {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = "";
  for (const file of files) {
    if (!existsSync(file))
      throw new KubeConfigError(`kubeconfig file ${file} (${how}) does not exist; check the path`);
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new KubeConfigError(
        `cannot read kubeconfig file ${file} (${how}): ${why}; fix the file or point to another one`,
        { cause: error },
      );
    }
    // kubeconfig merging: the first file to define a name wins.
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    const current = one.getCurrentContext() as string | undefined;
    if (currentContext === "" && current !== undefined && current !== "") currentContext = current;
  }
  kc.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return files.length === 1
    ? `kubeconfig ${files[0] ?? ""}`
    : `kubeconfig files ${files.join(", ")}`;
}

function loadInCluster(
  kc: KubeConfig,
  env: Readonly<Record<string, string | undefined>>,
  root: string,
  explicit: boolean,
): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const dir = `${root}${SERVICE_ACCOUNT_DIR}`;
  const tokenFile = `${dir}/token`;
  const caFile = `${dir}/ca.crt`;
  const hint = explicit ? "" : "; pass --kubeconfig or set $KUBECONFIG when running outside a pod";
  if (host === undefined || host === "")
    throw new KubeConfigError(
      `in-cluster configuration needs KUBERNETES_SERVICE_HOST, which is not set: this is not a pod${hint}`,
    );
  for (const file of [tokenFile, caFile])
    if (!existsSync(file))
      throw new KubeConfigError(
        `in-cluster configuration needs ${file}, which does not exist: mount a service account ` +
          `token (automountServiceAccountToken: true)${hint}`,
      );
  const namespaceFile = `${dir}/namespace`;
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : "";
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile, skipTLSVerify: false }],
    // client-node's FileAuth re-reads the token file every minute (tokens rotate).
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } }],
    contexts: [
      {
        name: "in-cluster",
        cluster: "in-cluster",
        user: "in-cluster",
        ...(namespace === "" ? {} : { namespace }),
      },
    ],
    currentContext: "in-cluster",
  });
  return `in-cluster service account (${dir})`;
}

function selectContext(kc: KubeConfig, source: string, wanted: string | undefined): void {
  const names = kc.getContexts().map((c) => c.name);
  const choices =
    names.length === 0 ? "it defines no contexts" : `available contexts: ${names.join(", ")}`;
  if (wanted !== undefined && wanted !== "") {
    if (kc.getContextObject(wanted) === null)
      throw new KubeConfigError(`context "${wanted}" does not exist in ${source}; ${choices}`);
    kc.setCurrentContext(wanted);
  }
  const name = kc.getCurrentContext() as string | undefined;
  if (name === undefined || name === "")
    throw new KubeConfigError(`${source} has no current-context; pass --context (${choices})`);
  const context = kc.getContextObject(name);
  if (context === null)
    throw new KubeConfigError(
      `${source}: current-context "${name}" is not defined; pass --context (${choices})`,
    );
  const cluster = kc.getCluster(context.cluster);
  if (cluster === null)
    throw new KubeConfigError(
      `${source}: context "${name}" refers to cluster "${context.cluster}", which is not defined; ` +
        "add it to the kubeconfig or pick another context",
    );
  if (typeof cluster.server !== "string" || cluster.server === "")
    throw new KubeConfigError(
      `${source}: cluster "${cluster.name}" has no server URL; add clusters[].cluster.server`,
    );
  if (
    context.user !== "" &&
    (context.user as string | undefined) !== undefined &&
    kc.getUser(context.user) === null
  )
    throw new KubeConfigError(
      `${source}: context "${name}" refers to user "${context.user}", which is not defined; ` +
        "add it to the kubeconfig or pick another context",
    );
}
