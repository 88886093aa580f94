/**
 * The informers: one per resource the adaptor reads, each with its transform (`slim.ts`, so the
 * caches hold only what the adaptor reads) and the indexes the reconcile reads through; the
 * Gateway API ones only when the API server serves them (CRDs installed later need a restart).
 * Their health is the adaptor's readiness.
 */
import {
  TCP_ROUTE_RESOURCE,
  SERVICE_PROFILE_RESOURCE,
  gatewayApiSupport,
  httpRouteGroupResource,
  httpRouteResource,
  trafficSplitResource,
  type GatewayApiSupport,
  type HttpRoute,
  type HttpRouteGroupObject,
  type HttpRouteVersion,
  type ServiceProfile,
  type TcpRoute,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import {
  Informer,
  isServed,
  ResourceClient,
  ServiceV1,
  type KubeObject,
  type KubeTransport,
  type Service,
  type WatchRestartReason,
} from "@linkerd-smi/kube";
import { MISSING_CRD, reportMissingCrd } from "./crd-missing.js";
import type { AdaptorFlags } from "./flags.js";
import { keyOfSplit } from "./keys.js";
import type { Logger } from "./logger.js";
import { slimObject, slimProfile, slimService } from "./slim.js";

/** The index of the split informer that finds the splits of an apex: `namespace/apex`. */
export const BY_APEX = "apex";
/** The index of the profile informer by name: client-side profiles of an apex live in other namespaces. */
export const PROFILE_BY_NAME = "name";

/** What the runtime does with every informer, whatever it holds. */
type AnyInformer = Pick<
  Informer<KubeObject>,
  "start" | "stop" | "waitForSync" | "health" | "onWatchRestart"
>;

export interface AdaptorInformers {
  readonly splits: Informer<TrafficSplitObject>;
  readonly profiles: Informer<ServiceProfile>;
  readonly services: Informer<Service>;
  /** Only when the API server serves HTTPRoutes (the version in `GatewayApiSupport`). */
  readonly httpRoutes?: Informer<HttpRoute>;
  readonly tcpRoutes?: Informer<TcpRoute>;
  readonly routeGroups?: Informer<HttpRouteGroupObject>;
  /** Every informer, by the resource it watches, in the order they start. */
  readonly all: readonly (readonly [resource: string, informer: AnyInformer])[];
}

/**
 * Asks API discovery what of the Gateway API is served (a 404 is not served; another error is
 * thrown) and builds the informers for it, not started; the HTTPRoute version the adaptor writes
 * (`-gateway-api-version`, or the one served, else v1).
 */
export async function discoverInformers(
  client: KubeTransport,
  flags: Pick<AdaptorFlags, "gatewayApiVersion" | "target">,
  log: Logger,
): Promise<{ informers: AdaptorInformers; httpRouteVersion: HttpRouteVersion }> {
  const wanted = flags.gatewayApiVersion;
  const gateway = await gatewayApiSupport((resource) => isServed(client, resource), wanted);
  const served = (yes: boolean) => (yes ? "served" : "not served");
  log.info(
    `Gateway API: HTTPRoute ${gateway.httpRoute ?? "not served"}, TCPRoute ${served(gateway.tcpRoute)}, HTTPRouteGroup ${served(gateway.httpRouteGroup)}; default target ${flags.target}`,
  );
  return {
    informers: createInformers(client, gateway, log),
    httpRouteVersion: wanted === "auto" ? (gateway.httpRoute ?? "v1") : wanted,
  };
}

/** Builds the informers (not started) for what `gateway` says is served. */
function createInformers(
  client: KubeTransport,
  gateway: GatewayApiSupport,
  log: Logger,
): AdaptorInformers {
  const logger = log.with({ component: "informer" });
  const splits = new Informer(new ResourceClient(client, trafficSplitResource("v1alpha2")), {
    logger,
    transform: slimObject,
  });
  const profiles = new Informer(new ResourceClient(client, SERVICE_PROFILE_RESOURCE), {
    logger,
    transform: slimProfile,
  });
  const services = new Informer(new ResourceClient(client, ServiceV1), {
    logger,
    transform: slimService,
  });
  const httpRoutes =
    gateway.httpRoute === undefined
      ? undefined
      : new Informer(new ResourceClient(client, httpRouteResource(gateway.httpRoute)), {
          logger,
          transform: slimObject,
        });
  const tcpRoutes = gateway.tcpRoute
    ? new Informer(new ResourceClient(client, TCP_ROUTE_RESOURCE), {
        logger,
        transform: slimObject,
      })
    : undefined;
  const routeGroups = gateway.httpRouteGroup
    ? new Informer(new ResourceClient(client, httpRouteGroupResource()), {
        logger,
        transform: slimObject,
      })
    : undefined;
  splits.addIndex(BY_APEX, (split) => [keyOfSplit(split)]);
  profiles.addIndex(PROFILE_BY_NAME, (p) => [p.metadata.name ?? ""]);
  const all: [string, AnyInformer][] = [
    ["trafficsplits", splits],
    ["serviceprofiles", profiles],
    ["services", services],
  ];
  if (httpRoutes !== undefined) all.push(["httproutes", httpRoutes]);
  if (tcpRoutes !== undefined) all.push(["tcproutes", tcpRoutes]);
  if (routeGroups !== undefined) all.push(["httproutegroups", routeGroups]);
  return {
    splits,
    profiles,
    services,
    ...(httpRoutes === undefined ? {} : { httpRoutes }),
    ...(tcpRoutes === undefined ? {} : { tcpRoutes }),
    ...(routeGroups === undefined ? {} : { routeGroups }),
    all,
  };
}

/**
 * Why the caches are not ready, one reason per informer that is not synced (naming a missing
 * CRD and how to install it) or whose watch is down; `onHealth` sees each informer's state.
 */
export function cacheProblems(
  informers: AdaptorInformers,
  onHealth: (resource: string, healthy: boolean) => void,
): string[] {
  const reasons: string[] = [];
  for (const [resource, informer] of informers.all) {
    const health = informer.health();
    const crd = health.lastError?.kind === "not-found" ? MISSING_CRD[resource] : undefined;
    if (!health.synced)
      reasons.push(`${resource} cache not synced yet${crd === undefined ? "" : `: ${crd}`}`);
    else if (!health.watching)
      reasons.push(
        `${resource} watch is down${health.lastError === undefined ? "" : `: ${health.lastError.message}`}`,
      );
    onHealth(resource, health.synced && health.watching);
  }
  return reasons;
}

/** On every watch restart: `count` it, and log a missing CRD once (see `crd-missing.ts`). */
export function observeWatchRestarts(
  informers: AdaptorInformers,
  log: Logger,
  count: (resource: string, reason: WatchRestartReason) => void,
): void {
  for (const [resource, informer] of informers.all) {
    const crdMissing = reportMissingCrd(log, resource, () => informer.health().watches);
    informer.onWatchRestart((reason, error) => {
      crdMissing(error);
      count(resource, reason);
    });
  }
}
