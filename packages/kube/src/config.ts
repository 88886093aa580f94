import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { isIPv6 } from "node:net";
import type { RequestOptions } from "node:https";
import type {
  Cluster,
  Context,
  KubeConfig as ClientNodeKubeConfig,
  User,
} from "@kubernetes/client-node";

export type { Cluster, Context, User } from "@kubernetes/client-node";

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

/** What {@link KubeConfig.applyToHTTPSOptions} fills in: `https.RequestOptions` (or ws' options). */
export type HttpsOptions = RequestOptions;

/** The options {@link KubeConfig.applyToFetchOptions} returns (client-node's, for its `Watch`). */
export type FetchOptions = Awaited<ReturnType<ClientNodeKubeConfig["applyToFetchOptions"]>>;

// Loaded only when a kubeconfig needs what this module does not do itself (exec and
// auth-provider plugins, proxies, fetch options): importing client-node costs ~70 MiB.
let clientNode: Promise<typeof import("@kubernetes/client-node")> | undefined;
const loadClientNode = () => (clientNode ??= import("@kubernetes/client-node"));

const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * A kubeconfig: clusters, users, contexts and the current context, with the
 * method names of client-node's `KubeConfig` that this package and its users
 * need. Static credentials (bearer tokens, token files re-read every minute as
 * client-node does, client certificates, basic auth, `as`) are applied here;
 * a user with an `exec` or `auth-provider` plugin, or a cluster behind a
 * `proxy-url`, is handed to client-node's `KubeConfig`, imported on first use.
 */
export class KubeConfig {
  clusters: Cluster[] = [];
  users: User[] = [];
  contexts: Context[] = [];
  currentContext = "";
  private delegate: { key: string; kc: Promise<ClientNodeKubeConfig> } | undefined;
  private readonly tokenFiles = new Map<string, { token: string; readAt: number }>();
  private readonly material = new Map<string, { bytes: Buffer; readAt: number }>();

  loadFromOptions(options: {
    clusters: readonly Cluster[];
    users: readonly User[];
    contexts: readonly Context[];
    currentContext: string;
  }): void {
    this.clusters = [...options.clusters];
    this.users = [...options.users];
    this.contexts = [...options.contexts];
    this.currentContext = options.currentContext;
  }

  getClusters(): Cluster[] {
    return this.clusters;
  }

  getUsers(): User[] {
    return this.users;
  }

  getContexts(): Context[] {
    return this.contexts;
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getContextObject(name: string): Context | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }

  getCluster(name: string): Cluster | null {
    return this.clusters.find((c) => c.name === name) ?? null;
  }

  getUser(name: string): User | null {
    return this.users.find((u) => u.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.currentContext);
    return context === null ? null : this.getCluster(context.cluster);
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.currentContext);
    return context === null ? null : this.getUser(context.user);
  }

  /** Sets TLS options and credentials (headers, `auth`) on `opts` for the current context. */
  async applyToHTTPSOptions(opts: HttpsOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (needsClientNode(cluster, user)) {
      await (await this.clientNodeConfig()).applyToHTTPSOptions(opts);
      return;
    }
    if (user === null) return;
    if (cluster?.skipTLSVerify === true) opts.rejectUnauthorized = false;
    if (isSet(cluster?.tlsServerName)) opts.servername = cluster.tlsServerName;
    const ca = this.fileOrData(cluster?.caFile, cluster?.caData);
    if (ca !== undefined) opts.ca = ca;
    const cert = this.fileOrData(user.certFile, user.certData);
    if (cert !== undefined) opts.cert = cert;
    const key = this.fileOrData(user.keyFile, user.keyData);
    if (key !== undefined) opts.key = key;
    const headers = (opts.headers ??= {}) as Record<string, string | string[] | number>;
    if (isSet(user.impersonateUser)) headers["Impersonate-User"] = user.impersonateUser;
    const tokenFile = (user.authProvider as { config?: { tokenFile?: unknown } } | undefined)
      ?.config?.tokenFile;
    if (typeof tokenFile === "string" && tokenFile !== "")
      headers.Authorization = `Bearer ${this.readTokenFile(tokenFile)}`;
    if (isSet(user.token)) headers.Authorization = `Bearer ${user.token}`;
    if (isSet(user.username)) opts.auth = `${user.username}:${user.password ?? ""}`;
  }

  /** client-node's fetch options (node-fetch `Headers`, agent) with this configuration's credentials. */
  async applyToFetchOptions(opts: HttpsOptions): Promise<FetchOptions> {
    const { KubeConfig: ClientNode } = await loadClientNode();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the shim calls back into this config
    const self = this;
    const shim = new (class extends ClientNode {
      override applyToHTTPSOptions(o: HttpsOptions): Promise<void> {
        return self.applyToHTTPSOptions(o);
      }
    })();
    return shim.applyToFetchOptions(opts);
  }

  /** The same configuration as a client-node `KubeConfig` (imports client-node), kept while it is unchanged. */
  private clientNodeConfig(): Promise<ClientNodeKubeConfig> {
    const key = JSON.stringify([this.clusters, this.users, this.contexts, this.currentContext]);
    if (this.delegate?.key !== key) {
      const options = {
        clusters: this.clusters,
        users: this.users,
        contexts: this.contexts,
        currentContext: this.currentContext,
      };
      this.delegate = {
        key,
        kc: loadClientNode().then(({ KubeConfig: ClientNode }) => {
          const kc = new ClientNode();
          kc.loadFromOptions(options);
          return kc;
        }),
      };
    }
    return this.delegate.kc;
  }

  /**
   * A certificate, key or CA from a file (re-read every minute: rotated certificates) or
   * from base64 data, as the same Buffer while unchanged, so that the client can tell its
   * TLS settings did not change without comparing their bytes on every request.
   */
  private fileOrData(
    file: string | null | undefined,
    data: string | null | undefined,
  ): Buffer | undefined {
    const source = isSet(file) ? `file:${file}` : isSet(data) ? `data:${data}` : undefined;
    if (source === undefined) return undefined;
    const cached = this.material.get(source);
    const now = Date.now();
    if (cached !== undefined && (isSet(data) || now - cached.readAt < TOKEN_FILE_REREAD_MS))
      return cached.bytes;
    const bytes = isSet(file) ? readFileSync(file) : Buffer.from(data ?? "", "base64");
    const same = cached !== undefined && cached.bytes.equals(bytes);
    this.material.set(source, { bytes: same ? cached.bytes : bytes, readAt: now });
    return same ? cached.bytes : bytes;
  }

  private readTokenFile(path: string): string {
    const cached = this.tokenFiles.get(path);
    const now = Date.now();
    if (cached !== undefined && now - cached.readAt < TOKEN_FILE_REREAD_MS) return cached.token;
    const token = readFileSync(path, "utf8").trim();
    this.tokenFiles.set(path, { token, readAt: now });
    return token;
  }
}

function isSet(value: string | null | undefined): value is string {
  return value !== undefined && value !== null && value !== "";
}

function needsClientNode(cluster: Cluster | null, user: User | null): boolean {
  if (isSet(cluster?.proxyUrl)) return true;
  if (user === null) return false;
  if (user.exec !== undefined && user.exec !== null) return true;
  const provider = user.authProvider as
    { name?: string; config?: { tokenFile?: unknown } } | null | undefined;
  return (
    provider !== undefined && provider !== null && typeof provider.config?.tokenFile !== "string"
  );
}

/**
 * A KubeConfig that sends `Impersonate-User` and `Impersonate-Group` on every
 * request: `applyToHTTPSOptions` (this package's client) and
 * `applyToFetchOptions` (client-node's `Watch`).
 */
export class ImpersonatingKubeConfig extends KubeConfig {
  constructor(readonly impersonation: Impersonation) {
    super();
  }

  override async applyToHTTPSOptions(opts: HttpsOptions): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const headers = (opts.headers ?? {}) as Record<string, string | string[] | number>;
    headers["Impersonate-User"] = this.impersonation.user;
    if (this.impersonation.groups.length > 0)
      headers["Impersonate-Group"] = [...this.impersonation.groups];
    opts.headers = headers;
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
    let one: ParsedKubeconfig;
    try {
      one = parseKubeconfigFile(file);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new KubeConfigError(
        `cannot read kubeconfig file ${file} (${how}): ${why}; fix the file or point to another one`,
        { cause: error },
      );
    }
    // kubeconfig merging: the first file to define a name wins.
    for (const c of one.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (currentContext === "" && one.currentContext !== "") currentContext = one.currentContext;
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
  const name = kc.getCurrentContext();
  if (name === "")
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

interface ParsedKubeconfig {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

type Entry = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/**
 * Reads one kubeconfig file (YAML or JSON) into clusters, users and contexts, with the
 * field names client-node uses; relative file paths are taken from the file's directory,
 * as kubectl does. YAML is parsed by `yaml`, imported statically: a `require` made at run time
 * does not resolve inside the CLI's single executable, where every kubeconfig would then fail.
 */
function parseKubeconfigFile(file: string): ParsedKubeconfig {
  const source = readFileSync(file, "utf8");
  const doc: unknown = /^\s*\{/.test(source) ? JSON.parse(source) : parseYaml(source);
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new Error("it is not a kubeconfig (expected a mapping with clusters, users, contexts)");
  const root = dirname(file);
  const path = (value: unknown): string | undefined => {
    const p = text(value);
    return p === undefined || isAbsolute(p) ? p : resolve(root, p);
  };
  const list = (value: unknown): Entry[] =>
    Array.isArray(value) ? value.map((e) => (e ?? {}) as Entry) : [];
  const d = doc as Entry;
  const clusters = list(d.clusters).map((e, i): Cluster => {
    if (text(e.name) === undefined) throw new Error(`clusters[${i}].name is missing`);
    const c = e.cluster as Entry | null | undefined;
    if (c === undefined || c === null) throw new Error(`clusters[${i}].cluster is missing`);
    const server = text(c.server);
    if (server === undefined) throw new Error(`clusters[${i}].cluster.server is missing`);
    return withoutUndefined<Cluster>({
      name: e.name,
      server: server.replace(/\/$/, ""),
      caData: text(c["certificate-authority-data"]),
      caFile: path(c["certificate-authority"]),
      skipTLSVerify: c["insecure-skip-tls-verify"] === true,
      tlsServerName: text(c["tls-server-name"]),
      proxyUrl: text(c["proxy-url"]),
    });
  });
  const users = list(d.users).map((e, i): User => {
    if (text(e.name) === undefined) throw new Error(`users[${i}].name is missing`);
    const u = (e.user ?? {}) as Entry;
    const tokenFile = path(u["token-file"]);
    return withoutUndefined<User>({
      name: e.name,
      token:
        text(u.token) ?? (tokenFile === undefined ? undefined : readFileSync(tokenFile, "utf8")),
      certData: text(u["client-certificate-data"]),
      certFile: path(u["client-certificate"]),
      keyData: text(u["client-key-data"]),
      keyFile: path(u["client-key"]),
      username: text(u.username),
      password: text(u.password),
      impersonateUser: text(u.as),
      exec: u.exec ?? undefined,
      authProvider: u["auth-provider"] ?? undefined,
    });
  });
  const contexts = list(d.contexts).map((e, i): Context => {
    if (text(e.name) === undefined) throw new Error(`contexts[${i}].name is missing`);
    const c = e.context as Entry | null | undefined;
    if (c === undefined || c === null) throw new Error(`contexts[${i}].context is missing`);
    const cluster = text(c.cluster);
    if (cluster === undefined) throw new Error(`contexts[${i}].context.cluster is missing`);
    return withoutUndefined<Context>({
      name: e.name,
      cluster,
      user: text(c.user),
      namespace: text(c.namespace),
    });
  });
  return { clusters, users, contexts, currentContext: text(d["current-context"]) ?? "" };
}

// T is the entry type the caller builds: a checked-by-eye cast, as for parsed YAML.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function withoutUndefined<T>(entry: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as T;
}
