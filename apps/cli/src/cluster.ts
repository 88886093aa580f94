import { KubeClient, loadKubeConfig } from "@linkerd-smi/kube";
import { CliError } from "./errors.js";

/** The root flags every Linkerd extension accepts (the linkerd CLI forwards them). */
export interface RootOptions {
  kubeconfig?: string;
  context?: string;
  as?: string;
  asGroup?: string[];
  apiAddr?: string;
  linkerdNamespace: string;
  verbose: boolean;
}

/** A client for the cluster the root flags name; `--api-addr` overrides the server URL. */
export function clusterClient(root: RootOptions): KubeClient {
  let kc;
  try {
    kc = loadKubeConfig({
      ...(root.kubeconfig === undefined || root.kubeconfig === ""
        ? {}
        : { kubeconfig: root.kubeconfig }),
      ...(root.context === undefined || root.context === "" ? {} : { context: root.context }),
      ...(root.as === undefined || root.as === "" ? {} : { as: root.as }),
      ...(root.asGroup === undefined || root.asGroup.length === 0
        ? {}
        : { asGroups: root.asGroup }),
    });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  if (root.apiAddr !== undefined && root.apiAddr !== "") {
    const cluster = kc.getCurrentCluster();
    if (cluster === null)
      throw new CliError(`kubeconfig context "${kc.getCurrentContext()}" has no cluster`);
    const server = /^https?:\/\//.test(root.apiAddr) ? root.apiAddr : `https://${root.apiAddr}`;
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server } : c));
  }
  return new KubeClient(kc, { userAgent: "linkerd-smi-cli" });
}
