import type { KubeClient } from "@linkerd-smi/kube";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { CLI_VERSION } from "../version.js";

export const UNAVAILABLE = "unavailable";

interface DeploymentList {
  items: {
    metadata: { namespace: string; labels?: Record<string, string> };
    spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } };
  }[];
}

/** The adaptor's version: its Deployment's version label, else its image tag. */
export async function serverVersion(client: KubeClient, namespace?: string): Promise<string> {
  const path =
    namespace === undefined
      ? "/apis/apps/v1/deployments"
      : `/apis/apps/v1/namespaces/${namespace}/deployments`;
  const list = (await client.request({
    method: "GET",
    path,
    query: { labelSelector: "app.kubernetes.io/name=smi-adaptor" },
    context: {
      verb: "list",
      resource: "deployments",
      ...(namespace === undefined ? {} : { namespace }),
    },
  })) as DeploymentList;
  const deployment = list.items[0];
  if (deployment === undefined) return UNAVAILABLE;
  const label = deployment.metadata.labels?.["app.kubernetes.io/version"];
  if (label !== undefined && label !== "") return label;
  const image =
    deployment.spec?.template?.spec?.containers?.find((c) => c.name === "smi-adaptor")?.image ?? "";
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  return tag ?? UNAVAILABLE;
}

export interface VersionOptions {
  client: boolean;
  short: boolean;
  output: string;
  namespace?: string;
}

export async function version(
  options: VersionOptions,
  client: () => KubeClient,
  io: CliIO,
  verbose: boolean,
): Promise<void> {
  if (!["", "json"].includes(options.output))
    throw new CliError(`unsupported output format "${options.output}": use -o json`, 2);
  let server: string | undefined;
  if (!options.client) {
    const kube = client();
    try {
      server = await serverVersion(kube, options.namespace);
    } catch (error) {
      server = UNAVAILABLE;
      if (verbose)
        io.err(
          `could not read the adaptor's version: ${error instanceof Error ? error.message : String(error)}\n`,
        );
    } finally {
      kube.close();
    }
  }
  if (options.output === "json") {
    io.out(
      `${JSON.stringify({ clientVersion: CLI_VERSION, ...(server === undefined ? {} : { serverVersion: server }) }, null, 2)}\n`,
    );
  } else if (options.short) {
    io.out(`${CLI_VERSION}\n${server === undefined ? "" : `${server}\n`}`);
  } else {
    io.out(
      `Client version: ${CLI_VERSION}\n${server === undefined ? "" : `Server version: ${server}\n`}`,
    );
  }
}
