import { existsSync, readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { KubeConfig, type User } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";

export { KubeConfig };
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
 * Where {@link loadKubeConfig} looks for a pod's service account; tests pass their own.
 * `$KUBECONFIG`, `$HOME` and `KUBERNETES_SERVICE_HOST`/`_PORT` come from `process.env`,
 * as client-node reads them.
 */
export interface KubeConfigEnvironment {
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (client-node's `loadFromCluster` prefix). */
  serviceAccountRoot?: string;
}

/** A kubeconfig that cannot be used, with what to do about it in the message. */
export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

/** Impersonation headers `loadKubeConfig({ as, asGroups })` adds to every request. */
export interface Impersonation {
  user: string;
  groups: readonly string[];
}

type Headers = Record<string, string | string[] | number>;

/** The auth-provider name {@link loadFile} gives a user's `token-file`. */
const TOKEN_FILE_PROVIDER = "linkerd-smi/token-file";
const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * A user's `token-file`, re-read every minute and trimmed, as client-go's cached file token
 * source does. client-node reads `token-file` once, when the kubeconfig is loaded, keeps a
 * trailing newline, and resolves a relative path against the working directory.
 */
class TokenFileAuthenticator {
  private readonly read = new Map<string, { token: string; at: number }>();

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: unknown } | undefined)?.name === TOKEN_FILE_PROVIDER;
  }

  applyAuthentication(user: User, opts: RequestOptions): Promise<void> {
    const path = (user.authProvider as { config: { path: string } }).config.path;
    const now = Date.now();
    let cached = this.read.get(path);
    if (cached === undefined || now - cached.at >= TOKEN_FILE_REREAD_MS) {
      cached = { token: readFileSync(path, "utf8").trim(), at: now };
      this.read.set(path, cached);
    }
    (opts.headers as Headers).Authorization = `Bearer ${cached.token}`;
    return Promise.resolve();
  }
}

/**
 * Reads one kubeconfig file with client-node's `KubeConfig.loadFromString` and
 * `makePathsAbsolute` (as its `loadFromFile` does), first turning each user's `token-file`
 * into an auth-provider that {@link TokenFileAuthenticator} serves: resolved against the
 * kubeconfig's directory and re-read every minute, as kubectl does.
 */
function loadFile(kc: KubeConfig, file: string): void {
  const source = readFileSync(file, "utf8");
  if (!source.includes("token-file")) {
    kc.loadFromString(source);
  } else {
    const doc = parseYaml(source) as { users?: unknown } | null;
    for (const entry of Array.isArray(doc?.users) ? (doc.users as unknown[]) : []) {
      const user = (entry as { user?: Record<string, unknown> } | null)?.user;
      const tokenFile = user?.["token-file"];
      if (user === undefined || typeof tokenFile !== "string" || tokenFile === "") continue;
      delete user["token-file"];
      if (user.token !== undefined || user.exec != null || user["auth-provider"] != null) continue;
      const path = isAbsolute(tokenFile) ? tokenFile : resolve(dirname(file), tokenFile);
      user["auth-provider"] = { name: TOKEN_FILE_PROVIDER, config: { path } };
    }
    kc.loadFromString(JSON.stringify(doc));
  }
  kc.makePathsAbsolute(dirname(file));
}

/**
 * Makes `kc` send `Impersonate-User` and `Impersonate-Group` on every request, through
 * `applyToHTTPSOptions` and so `applyToFetchOptions` (client-node's user `as` covers the user
 * only, not `--as-group`). A wrapper of the instance's method, not a subclass: nothing here
 * touches client-node's exports before {@link loadKubeConfig} runs, so that a bundle can load
 * client-node on first use.
 */
function impersonate(kc: KubeConfig, impersonation: Impersonation): void {
  const apply = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (opts: RequestOptions): Promise<void> => {
    await apply(opts);
    const headers = (opts.headers ?? {}) as Headers;
    headers["Impersonate-User"] = impersonation.user;
    if (impersonation.groups.length > 0) headers["Impersonate-Group"] = [...impersonation.groups];
    opts.headers = headers;
  };
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Loads client-node's {@link KubeConfig} the way kubectl finds one, each file read by
 * client-node (`loadFromString`), with a user's `token-file` re-read every minute:
 *
 * 1. `inCluster: true`: the pod's service account only (client-node's `loadFromCluster`).
 * 2. `kubeconfig`: that file (it must exist).
 * 3. `$KUBECONFIG`: every listed file that exists, merged (the first file to define a name
 *    or a current-context wins, as kubectl merges; client-node's `loadFromDefault` throws
 *    on a missing file or a name defined twice).
 * 4. `~/.kube/config`.
 * 5. In a pod (`KUBERNETES_SERVICE_HOST` set and a service-account token mounted): the
 *    service account (where client-node's `loadFromDefault` would talk to localhost:8080).
 *
 * Then `context` selects a context, and `as` / `asGroups` turn on impersonation for every
 * request. Every problem is a one-line {@link KubeConfigError} naming the file and field
 * or context, and saying what to do.
 */
export function loadKubeConfig(
  options: LoadKubeConfigOptions = {},
  environment: KubeConfigEnvironment = {},
): KubeConfig {
  const env = process.env;
  const groups = options.asGroups ?? [];
  if (groups.length > 0 && (options.as === undefined || options.as === ""))
    throw new KubeConfigError(
      `impersonating groups (${groups.join(", ")}) needs a user to impersonate too: pass --as`,
    );
  const kc = new KubeConfig();
  kc.addAuthenticator(new TokenFileAuthenticator());
  if (options.as !== undefined && options.as !== "")
    impersonate(kc, { user: options.as, groups: [...groups] });
  const root = environment.serviceAccountRoot ?? "";

  let source: string;
  if (options.inCluster === true) {
    source = loadInCluster(kc, root, true);
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
    const defaultFile = join(env.HOME ?? homedir(), ".kube", "config");
    if (existsSync(defaultFile)) {
      source = loadFiles(kc, [defaultFile], "default location");
    } else if (env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== "") {
      source = loadInCluster(kc, root, false);
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
  for (const file of files) {
    if (!existsSync(file))
      throw new KubeConfigError(`kubeconfig file ${file} (${how}) does not exist; check the path`);
    const one = new KubeConfig();
    try {
      loadFile(one, file);
    } catch (error) {
      throw new KubeConfigError(
        `cannot read kubeconfig file ${file} (${how}): ${why(error)}; fix the file or point to another one`,
        { cause: error },
      );
    }
    // kubeconfig merging: the first file to define a name or a current-context wins.
    const has = (list: readonly { name: string }[], name: string) =>
      list.some((e) => e.name === name);
    for (const c of one.clusters) if (!has(kc.clusters, c.name)) kc.clusters.push(c);
    for (const u of one.users) if (!has(kc.users, u.name)) kc.users.push(u);
    for (const c of one.contexts) if (!has(kc.contexts, c.name)) kc.contexts.push(c);
    if (!isSet(kc.currentContext) && isSet(one.currentContext))
      kc.currentContext = one.currentContext;
  }
  // client-node leaves it undefined when no file names one.
  if (!isSet(kc.currentContext)) kc.currentContext = "";
  return files.length === 1
    ? `kubeconfig ${files[0] ?? ""}`
    : `kubeconfig files ${files.join(", ")}`;
}

/** One line of a parse or validation error (js-yaml appends a multi-line excerpt). */
function why(error: unknown): string {
  if (error instanceof TypeError)
    return "it is not a kubeconfig (expected a mapping with clusters, users and contexts)";
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.trim() ?? message;
}

function loadInCluster(kc: KubeConfig, root: string, explicit: boolean): string {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const dir = `${root}${SERVICE_ACCOUNT_DIR}`;
  const hint = explicit ? "" : "; pass --kubeconfig or set $KUBECONFIG when running outside a pod";
  if (host === undefined || host === "")
    throw new KubeConfigError(
      `in-cluster configuration needs KUBERNETES_SERVICE_HOST, which is not set: this is not a pod${hint}`,
    );
  if (!isSet(process.env.KUBERNETES_SERVICE_PORT))
    throw new KubeConfigError(
      `in-cluster configuration needs KUBERNETES_SERVICE_PORT, which is not set: this is not a pod${hint}`,
    );
  for (const file of [`${dir}/token`, `${dir}/ca.crt`])
    if (!existsSync(file))
      throw new KubeConfigError(
        `in-cluster configuration needs ${file}, which does not exist: mount a service account ` +
          `token (automountServiceAccountToken: true)${hint}`,
      );
  // client-node's FileAuth re-reads the token file every minute (tokens rotate).
  kc.loadFromCluster(root);
  // client-node keeps the namespace file's trailing newline.
  kc.contexts = kc.contexts.map((c) =>
    c.namespace === undefined ? c : { ...c, namespace: c.namespace.trim() },
  );
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
  if (!isSet(context.user)) {
    // client-node applies the cluster's CA only for a user: give an anonymous one.
    const anonymous = `${name}/anonymous`;
    if (kc.getUser(anonymous) === null) kc.users.push({ name: anonymous });
    kc.contexts = kc.contexts.map((c) => (c === context ? { ...c, user: anonymous } : c));
  } else if (kc.getUser(context.user) === null)
    throw new KubeConfigError(
      `${source}: context "${name}" refers to user "${context.user}", which is not defined; ` +
        "add it to the kubeconfig or pick another context",
    );
}

function isSet(value: string | null | undefined): value is string {
  return value !== undefined && value !== null && value !== "";
}
