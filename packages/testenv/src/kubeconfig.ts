import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";

export interface KubeconfigUser {
  token: string;
  /** Impersonation, as `kubectl --as` / `--as-group` would send it. */
  as?: string;
  asGroups?: readonly string[];
}

/** Writes a kubeconfig with one cluster, one user and one current context. */
export function writeKubeconfig(
  path: string,
  cluster: { server: string; caPem: string },
  user: KubeconfigUser,
  contextName = "testenv",
): string {
  const userEntry: Record<string, unknown> = { token: user.token };
  if (user.as !== undefined) userEntry.as = user.as;
  if (user.asGroups !== undefined) userEntry["as-groups"] = [...user.asGroups];
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: contextName,
        cluster: {
          server: cluster.server,
          "certificate-authority-data": Buffer.from(cluster.caPem).toString("base64"),
        },
      },
    ],
    users: [{ name: contextName, user: userEntry }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
    "current-context": contextName,
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

export interface ResolvedKubeconfig {
  server: string;
  caPem: string;
  user: KubeconfigUser;
}

/** Reads back a kubeconfig written by {@link writeKubeconfig} (current context only). */
export function readKubeconfig(path: string): ResolvedKubeconfig {
  const config = parse(readFileSync(path, "utf8")) as {
    "current-context": string;
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
    users: { name: string; user: { token: string; as?: string; "as-groups"?: string[] } }[];
  };
  const context = config.contexts.find((c) => c.name === config["current-context"])?.context;
  const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users.find((u) => u.name === context?.user)?.user;
  if (context === undefined || cluster === undefined || user === undefined)
    throw new Error(`${path}: current context "${config["current-context"]}" is incomplete`);
  const resolved: KubeconfigUser = { token: user.token };
  if (user.as !== undefined) resolved.as = user.as;
  if (user["as-groups"] !== undefined) resolved.asGroups = user["as-groups"];
  return {
    server: cluster.server,
    caPem: Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8"),
    user: resolved,
  };
}
