/**
 * `linkerd smi check --served`: accepted is not served. For each port of each httproute split's
 * apex, asks Linkerd's policy controller what it serves a proxy (`OutboundPolicies/Get`, as
 * `linkerd diagnostics policy` does) and fails when the backends, the ports or the shares differ
 * from the split's.
 */
import { isOpaquePort, routeName } from "@linkerd-smi/core";
import { PolicyClient } from "../served/client.js";
import { compareServed, type PortComparison } from "../served/compare.js";
import { POLICY_PORT, portForwardPolicy, type PortForward } from "../served/port-forward.js";
import { portSharesOf, type ClusterView, type SplitStatus } from "../status/collect.js";
import type { Check, Outcome } from "./runner.js";

export interface ServedOptions {
  /** `host:port` of the policy controller's gRPC server (`--policy-addr`). */
  readonly policyAddr?: string;
  /** Linkerd's namespace (`-L`): where the port-forward goes when no address is given. */
  readonly linkerdNamespace: string;
  /** kubectl's flags for the CLI's cluster and identity (the port-forward's). */
  readonly kubectlFlags: readonly string[];
  /** The comparisons made, for `-o json` (filled when the check runs). */
  readonly report: PortComparison[];
}

/** The `TrafficSpec.source_workload` sent: a client in the apex's namespace. */
const sourceWorkload = (namespace: string) => `${namespace}:linkerd-smi-check`;

const list = (items: readonly string[]) => items.map((i) => `\t* ${i}`).join("\n");

export function servedCheck(
  load: () => Promise<{ statuses: SplitStatus[]; view: ClusterView; clusterDomain: string }>,
  options: ServedOptions,
): Check {
  return {
    id: "l5d-smi-served",
    description:
      "Linkerd's policy controller serves the backends and shares of httproute TrafficSplits",
    run: async (): Promise<Outcome> => {
      const { statuses, view, clusterDomain } = await load();
      const routed = statuses.filter(
        (s) => s.target === "httproute" && s.state !== "Invalid" && s.state !== "Conflict",
      );
      if (routed.length === 0)
        return { status: "skip", reason: "no TrafficSplit targets httproute" };
      let forward: PortForward | undefined;
      if (options.policyAddr === undefined) {
        try {
          forward = await portForwardPolicy({
            namespace: options.linkerdNamespace,
            flags: options.kubectlFlags,
          });
        } catch (e) {
          return {
            status: "error",
            message: `${e instanceof Error ? e.message : String(e)}\n\tIs Linkerd's control plane in namespace ${options.linkerdNamespace} (-L)? Or give --policy-addr HOST:PORT (the policy controller's gRPC port ${POLICY_PORT})`,
          };
        }
      }
      const problems: string[] = [];
      let ports = 0;
      let client: PolicyClient | undefined;
      try {
        client = await PolicyClient.connect(options.policyAddr ?? forward?.address ?? "");
        for (const split of routed) {
          const service = view.services?.get(`${split.namespace}/${split.apex}`);
          for (const expected of portSharesOf(split) ?? []) {
            const opaque =
              service !== undefined &&
              isOpaquePort(service, expected.port, view.defaultOpaquePorts);
            const route = {
              kind: opaque ? ("TCPRoute" as const) : ("HTTPRoute" as const),
              name: routeName(split.apex, expected.port, "adaptor"),
            };
            const { policy } = await client.get({
              namespace: split.namespace,
              apex: split.apex,
              port: expected.port,
              clusterDomain,
              sourceWorkload: sourceWorkload(split.namespace),
            });
            const comparison = compareServed({
              namespace: split.namespace,
              split: split.name,
              apex: split.apex,
              expected,
              route,
              served: policy,
            });
            options.report.push(comparison);
            if (comparison.problems.length > 0) ports++;
            for (const p of comparison.problems)
              problems.push(
                `TrafficSplit ${split.namespace}/${split.name} (service ${split.apex}): ${p}`,
              );
          }
        }
      } finally {
        client?.close();
        forward?.close();
      }
      if (problems.length === 0) return { status: "success" };
      return {
        status: "error",
        message: `what Linkerd serves differs from the split on ${ports} port${ports === 1 ? "" : "s"}:\n${list(problems)}\n\tRun linkerd smi check --served -o json for what is served and what is asked, per port`,
      };
    },
  };
}
