/**
 * A custom resource whose CRD is not installed answers its list with 404, and the informer
 * retries for ever. The adaptor then says once, on one line, which CRD is missing and how to
 * install it, and its readiness gives the same reason until the CRD appears.
 */
import { classifyError } from "@linkerd-smi/kube";
import type { Logger } from "./logger.js";

/** What to say for each watched custom resource when its CRD is missing. */
export const MISSING_CRD: Readonly<Record<string, string>> = {
  serviceprofiles:
    "the ServiceProfile CRD serviceprofiles.linkerd.io is not installed; install Linkerd's CRDs with `linkerd install --crds | kubectl apply -f -`",
  trafficsplits:
    "the TrafficSplit CRD trafficsplits.split.smi-spec.io is not installed; install it with `linkerd smi install | kubectl apply -f -`",
  httproutegroups:
    "the HTTPRouteGroup CRD httproutegroups.specs.smi-spec.io is not installed; install it with `linkerd smi install | kubectl apply -f -`",
};

/** The sentence for `resource` when `error` says that its CRD is missing, else undefined. */
function missingCrd(resource: string, error: unknown): string | undefined {
  return classifyError(error) === "not-found" ? MISSING_CRD[resource] : undefined;
}

/**
 * A watch-restart hook for the informer of `resource` that logs the missing CRD once, not on
 * every retry, and again only if a watch was opened in between (`watches()`: the informer's
 * count of opened watches), i.e. the CRD was served and went away again.
 */
export function reportMissingCrd(
  log: Logger,
  resource: string,
  watches: () => number,
): (error: unknown) => void {
  let reportedAt: number | undefined;
  return (error) => {
    const sentence = missingCrd(resource, error);
    if (sentence === undefined) return;
    const opened = watches();
    if (reportedAt === opened) return;
    reportedAt = opened;
    log.error(`${sentence}; the adaptor is not ready until it is`, { resource });
  };
}
