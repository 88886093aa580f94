/**
 * Who writes: with `-leader-elect`, the workers run only while this replica holds the Lease
 * (`smi_adaptor_leader` says so); without it, at once.
 */
import { LeaderElector, type KubeTransport } from "@linkerd-smi/kube";
import type { AdaptorFlags } from "./flags.js";
import type { Logger } from "./logger.js";
import type { AdaptorMetrics } from "./metrics.js";
import type { Workers } from "./workers.js";

type LeaderFlags = Pick<
  AdaptorFlags,
  | "leaderElect"
  | "leaderElectionNamespace"
  | "leaderElectionId"
  | "leaseDurationMs"
  | "renewDeadlineMs"
  | "retryPeriodMs"
>;

/** Starts the workers now, or each time this replica becomes leader; the elector, if any. */
export function runWhileLeading(
  flags: LeaderFlags,
  deps: {
    client: KubeTransport;
    identity: string;
    workers: Workers;
    metrics: AdaptorMetrics;
    log: Logger;
  },
): LeaderElector | undefined {
  const { identity, workers, metrics, log } = deps;
  if (!flags.leaderElect) {
    metrics.leader.set(1);
    workers.start();
    return undefined;
  }
  const lease = { namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId };
  metrics.leader.set(0);
  const elector = new LeaderElector({
    client: deps.client,
    lease,
    identity,
    leaseDurationSeconds: flags.leaseDurationMs / 1000,
    renewDeadlineSeconds: flags.renewDeadlineMs / 1000,
    retryPeriodSeconds: flags.retryPeriodMs / 1000,
    logger: log.with({ component: "leader-election" }),
    onStartedLeading: () => {
      log.info(`became leader on lease ${lease.namespace}/${lease.name}`, { identity });
      metrics.leader.set(1);
      workers.start();
    },
    onStoppedLeading: () => {
      log.info("lost leadership; stopping workers", { identity });
      metrics.leader.set(0);
      void workers.stop();
    },
    onNewLeader: (leader) => log.info(`leader is now ${leader}`, { identity }),
  });
  elector.start();
  return elector;
}
