/**
 * The runtime: composes the client, the informers, the output writer, the controller, the
 * workqueue and its workers, the admin server and leader election, and stops them in order.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  FIELD_MANAGER,
  TCP_ROUTE_RESOURCE,
  checkClusterDomain,
  httpRouteGroupResource,
  httpRouteOutput,
  httpRouteResource,
  isAdaptorRoute,
  managedByAdaptor,
  serviceProfileOutput,
  targetedOutput,
  trafficSplitResource,
  SERVICE_PROFILE_RESOURCE,
  type Route,
} from "@linkerd-smi/core";
import {
  EventRecorder,
  Informer,
  KubeClient,
  LeaderElector,
  ResourceClient,
  ServiceV1,
  WorkQueue,
  loadKubeConfig,
} from "@linkerd-smi/kube";
import type { FastifyInstance } from "fastify";
import { buildAdminServer, parseListenAddress, type Readiness } from "./admin.js";
import { createController } from "./controller.js";
import { MISSING_CRD, reportMissingCrd } from "./crd-missing.js";
import { createEventSink } from "./events.js";
import { parseFlags, type AdaptorFlags } from "./flags.js";
import {
  keyOfProfile,
  keyOfProfileName,
  keyOfRoute,
  keysOfRoute,
  keyOfSplit,
  registerHandlers,
  type Departed,
} from "./handlers.js";
import { createLogger } from "./logger.js";
import { labelExtensionNamespace } from "./namespace-label.js";
import { createMetrics, type AdaptorMetrics } from "./metrics.js";
import { DefaultOpaquePorts } from "./opaque-ports.js";
import { StatusSettle } from "./settle.js";
import { ShareGauges } from "./share-gauges.js";
import { slimObject, slimProfile, slimService } from "./slim.js";
import { VERSION } from "./version.js";
import { discoverGatewayApi } from "./gateway-discovery.js";
import { PROFILE_BY_NAME, RouteWriter, TargetedWriter } from "./writers/routes.js";
import { ServiceProfileWriter } from "./writers/service-profile.js";

export interface AdaptorOptions extends Omit<AdaptorFlags, "help" | "version"> {
  /** Where log lines go (default: stderr). */
  writeLog?: (line: string) => void;
  /** Leader-election identity (default: hostname and a random suffix). */
  identity?: string;
}

export interface AdaptorHandle {
  /** The admin server (tests use `inject`). */
  admin: FastifyInstance;
  /** `host:port` the admin server listens on. */
  adminAddress: string;
  metrics: AdaptorMetrics;
  readiness(): Readiness;
  waitUntilReady(timeoutMs: number): Promise<void>;
  /** Graceful stop: drain in-flight work (bounded), release the Lease, close everything. */
  stop(): Promise<void>;
}

function defaults(): AdaptorFlags {
  return parseFlags([], process.env);
}

/** The longest an Event waits for the workqueue to be idle before it is written anyway. */
const EVENT_WAIT_MS = 1000;
/**
 * Events waiting to be written beyond this are dropped (with a warning, as client-go's
 * broadcaster drops past 1,000): room for one Event per split of a start-up with 10,000.
 */
const EVENT_MAX_PENDING = 10_000;
/**
 * Event writes per second and their burst, the kubelet's `--event-qps` and `--event-burst`
 * defaults: a backlog of thousands (a start-up with that many splits) drains at this rate
 * rather than as fast as the apiserver answers, which took its time from the profile writes
 * of weight updates arriving meanwhile.
 */
const EVENT_RATE = { qps: 50, burst: 100 };

/**
 * Starts the adaptor: informers on TrafficSplits, ServiceProfiles and Services, the admin
 * server, leader election when asked, and the workers (only while leading).
 */
export async function startAdaptor(options: Partial<AdaptorOptions> = {}): Promise<AdaptorHandle> {
  const flags = { ...defaults(), ...options };
  const log = createLogger({
    level: flags.logLevel,
    format: flags.logFormat,
    ...(options.writeLog === undefined ? {} : { write: options.writeLog }),
  });
  const domainProblem = checkClusterDomain(flags.clusterDomain);
  if (domainProblem !== undefined)
    throw new Error(`invalid -cluster-domain "${flags.clusterDomain}": ${domainProblem.message}`);
  log.info(`Using cluster domain: ${flags.clusterDomain}`);

  const metrics = createMetrics();
  const client = new KubeClient(
    loadKubeConfig({
      ...(flags.kubeconfig === "" ? {} : { kubeconfig: flags.kubeconfig }),
      ...(flags.context === "" ? {} : { context: flags.context }),
    }),
    {
      userAgent: `smi-adaptor/${VERSION}`,
      onRequest: (req) => {
        if (req.method !== "GET") metrics.apiWrites.inc({ resource: req.resource ?? "unknown" });
      },
    },
  );

  const informerLog = log.with({ component: "informer" });
  const splits = new Informer(new ResourceClient(client, trafficSplitResource("v1alpha2")), {
    logger: informerLog,
    transform: slimObject,
  });
  const profiles = new Informer(new ResourceClient(client, SERVICE_PROFILE_RESOURCE), {
    logger: informerLog,
    transform: slimProfile,
  });
  const services = new Informer(new ResourceClient(client, ServiceV1), {
    logger: informerLog,
    transform: slimService,
  });
  // The Gateway API resources the cluster serves decide which informers run (CRDs installed
  // later need a restart of the adaptor).
  const gateway = await discoverGatewayApi(client, flags.gatewayApiVersion);
  const httpRouteVersion =
    flags.gatewayApiVersion === "auto" ? (gateway.httpRoute ?? "v1") : flags.gatewayApiVersion;
  log.info(
    `Gateway API: HTTPRoute ${gateway.httpRoute ?? "not served"}, TCPRoute ${gateway.tcpRoute ? "served" : "not served"}, HTTPRouteGroup ${gateway.httpRouteGroup ? "served" : "not served"}; default target ${flags.target}`,
  );
  const httpRoutes =
    gateway.httpRoute === undefined
      ? undefined
      : new Informer(new ResourceClient(client, httpRouteResource(gateway.httpRoute)), {
          logger: informerLog,
          transform: slimObject,
        });
  const tcpRoutes = gateway.tcpRoute
    ? new Informer(new ResourceClient(client, TCP_ROUTE_RESOURCE), {
        logger: informerLog,
        transform: slimObject,
      })
    : undefined;
  const routeGroups = gateway.httpRouteGroup
    ? new Informer(new ResourceClient(client, httpRouteGroupResource()), {
        logger: informerLog,
        transform: slimObject,
      })
    : undefined;
  profiles.addIndex(PROFILE_BY_NAME, (p) => [p.metadata.name ?? ""]);
  const informers = [
    ["trafficsplits", splits],
    ["serviceprofiles", profiles],
    ["services", services],
    ...(httpRoutes === undefined ? [] : [["httproutes", httpRoutes] as const]),
    ...(tcpRoutes === undefined ? [] : [["tcproutes", tcpRoutes] as const]),
    ...(routeGroups === undefined ? [] : [["httproutegroups", routeGroups] as const]),
  ] as const;

  // Events give way to the writes Linkerd routes with: each waits until the workqueue is idle,
  // or at most EVENT_WAIT_MS. A burst of creates (a few thousand splits at start-up) would
  // otherwise share the apiserver with as many Event POSTs while the profiles are written;
  // the Events follow, in order, with the times they were recorded at.
  const recorder = new EventRecorder({
    client,
    component: FIELD_MANAGER,
    logger: log.with({ component: "events" }),
    maxPending: EVENT_MAX_PENDING,
    rate: EVENT_RATE,
    waitTurn: () => queue?.whenIdle(EVENT_WAIT_MS) ?? Promise.resolve(),
  });
  const departed: Departed = new Map();
  // Every split is planned again when the cluster's default opaque ports change.
  const opaquePorts = new DefaultOpaquePorts({
    client,
    namespace: flags.linkerdNamespace,
    explicit: flags.defaultOpaquePorts,
    log,
    onChange: () => enqueueAll(),
  });
  const profileWriter = new ServiceProfileWriter(client, profiles, flags.clusterDomain);
  const controller = createController({
    splits,
    serviceExists: (namespace, name) => services.get(namespace, name) !== undefined,
    output: {
      planner: targetedOutput({
        target: flags.target,
        serviceProfile: serviceProfileOutput({ clusterDomain: flags.clusterDomain }),
        httpRoute: httpRouteOutput({
          clusterDomain: flags.clusterDomain,
          apiVersion: httpRouteVersion,
          defaultOpaquePorts: opaquePorts.ports,
        }),
      }),
      writer: new TargetedWriter(
        profileWriter,
        new RouteWriter(
          client,
          {
            services,
            profiles,
            ...(httpRoutes === undefined ? {} : { httpRoutes }),
            ...(tcpRoutes === undefined ? {} : { tcpRoutes }),
            ...(routeGroups === undefined ? {} : { routeGroups }),
            clusterDomain: flags.clusterDomain,
          },
          httpRouteVersion,
          profileWriter,
        ),
      ),
    },
    events: createEventSink(recorder),
    metrics,
    shares: new ShareGauges(metrics.backendWeight),
    departed,
    log,
    settle: new StatusSettle(flags.routeStatusSettleMs, (key, ms) => queue?.addAfter(key, ms)),
  });

  let queue: WorkQueue | undefined;
  const enqueue = (key: string) => queue?.add(key);
  const enqueueAll = () => {
    for (const split of splits.list()) enqueue(keyOfSplit(split));
    // The orphan sweep: profiles the adaptor manages whose split is gone or points elsewhere.
    for (const profile of profiles.list()) {
      const key = keyOfProfile(profile, flags.clusterDomain);
      if (key !== undefined && managedByAdaptor(profile)) enqueue(key);
    }
    // ... and routes it wrote whose split is gone (garbage collection removes most of them).
    for (const route of [...(httpRoutes?.list() ?? []), ...(tcpRoutes?.list() ?? [])]) {
      const key = keyOfRoute(route);
      if (key !== undefined && isAdaptorRoute(route)) enqueue(key);
    }
  };
  registerHandlers({ splits, profiles, clusterDomain: flags.clusterDomain, enqueue, departed });
  for (const [resource, informer] of informers) {
    const crdMissing = reportMissingCrd(log, resource, () => informer.health().watches);
    informer.onWatchRestart((reason, error) => {
      crdMissing(error);
      metrics.watchRestarts.inc({ resource, reason });
      // The apiserver went away: what it refused before may be accepted once it is back.
      for (const key of controller.parked()) enqueue(key);
    });
  }
  const onRoute = (route: Route) => {
    for (const key of keysOfRoute(route)) enqueue(key);
  };
  for (const informer of [httpRoutes, tcpRoutes] as const) {
    (informer as Informer<Route> | undefined)?.addHandlers({
      onAdd: onRoute,
      onUpdate: (old, route) => {
        onRoute(old);
        onRoute(route);
      },
      onDelete: onRoute,
    });
  }
  // A route group, a Service (its ports) or a profile in another namespace changes an apex.
  routeGroups?.addHandlers({
    onAdd: (g) => enqueueSplitsMatching(g),
    onUpdate: (_o, g) => enqueueSplitsMatching(g),
    onDelete: (g) => enqueueSplitsMatching(g),
  });
  function enqueueSplitsMatching(group: { metadata: { namespace?: string; name?: string } }) {
    const ns = group.metadata.namespace ?? "";
    for (const split of splits.list(ns)) {
      const matches = (split.spec as { matches?: { name?: string }[] } | undefined)?.matches;
      if (Array.isArray(matches) && matches.some((m) => m.name === group.metadata.name))
        enqueue(keyOfSplit(split));
    }
  }
  const onService = (svc: { metadata?: { namespace?: string; name?: string } }) =>
    enqueue(`${svc.metadata?.namespace ?? ""}/${svc.metadata?.name ?? ""}`);
  services.addHandlers({
    onAdd: onService,
    onUpdate: (_o, svc) => onService(svc),
    onDelete: onService,
  });
  profiles.addHandlers({
    onAdd: (p) => onForeignProfile(p),
    onUpdate: (_o, p) => onForeignProfile(p),
    onDelete: (p) => onForeignProfile(p),
  });
  function onForeignProfile(profile: { metadata: { name?: string } }) {
    const key = keyOfProfileName(profile.metadata.name ?? "", flags.clusterDomain);
    if (key !== undefined) enqueue(key);
  }

  let workers: { abort: AbortController; done: Promise<void> } | undefined;
  const startWorkers = () => {
    if (workers !== undefined) return;
    queue = new WorkQueue<string>({
      name: "trafficsplits",
      metrics: {
        onAdd: () => metrics.queueAdds.inc(),
        onDepth: (depth) => metrics.queueDepth.set(depth),
        onRetry: () => metrics.queueRetries.inc(),
        onQueueLatency: (ms) => metrics.queueLatency.observe(ms / 1000),
      },
    });
    const abort = new AbortController();
    log.info("Starting workers");
    enqueueAll();
    const done = queue.runWorkers(flags.workerThreads, controller.processItem, {
      signal: abort.signal,
    });
    workers = { abort, done };
    log.info("Started workers");
  };
  const stopWorkers = async () => {
    const running = workers;
    if (running === undefined) return;
    workers = undefined;
    log.info("Shutting down workers");
    running.abort.abort();
    const bound = new Promise<void>((resolve) =>
      setTimeout(resolve, flags.shutdownTimeoutMs).unref(),
    );
    await Promise.race([running.done, bound]);
    queue = undefined;
  };

  let stopping = false;
  const readiness = (): Readiness => {
    const reasons: string[] = [];
    for (const [resource, informer] of informers) {
      const health = informer.health();
      const crd = health.lastError?.kind === "not-found" ? MISSING_CRD[resource] : undefined;
      if (!health.synced)
        reasons.push(`${resource} cache not synced yet${crd === undefined ? "" : `: ${crd}`}`);
      else if (!health.watching)
        reasons.push(
          `${resource} watch is down${health.lastError === undefined ? "" : `: ${health.lastError.message}`}`,
        );
      metrics.cacheSynced.set({ resource }, health.synced && health.watching ? 1 : 0);
    }
    if (stopping) reasons.push("shutting down");
    return { ready: reasons.length === 0, reasons };
  };

  const admin = buildAdminServer({ registry: metrics.registry, readiness });
  const { host, port } = parseListenAddress(flags.metricsAddr);
  log.info(`starting admin server on ${flags.metricsAddr}`);
  await admin.listen({ host, port });
  const address = admin.server.address() as AddressInfo;
  const adminAddress = `${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;

  log.info(`admin server listening on ${adminAddress}`);
  if (flags.extensionNamespace !== "")
    await labelExtensionNamespace(client, flags.extensionNamespace, log);
  log.info("Starting SMI Controller", { version: VERSION });
  for (const [, informer] of informers) informer.start();
  log.info("Waiting for informer caches to sync");
  const syncAbort = new AbortController();
  const synced = await Promise.all(
    informers.map(([, informer]) => informer.waitForSync(syncAbort.signal)),
  );
  if (!synced.every(Boolean)) throw new Error("informer caches did not sync");
  await opaquePorts.start();

  let resyncTimer: NodeJS.Timeout | undefined;
  if (flags.resyncPeriodMs > 0) resyncTimer = setInterval(enqueueAll, flags.resyncPeriodMs);

  let elector: LeaderElector | undefined;
  if (flags.leaderElect) {
    const identity = options.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
    metrics.leader.set(0);
    elector = new LeaderElector({
      client,
      lease: { namespace: flags.leaderElectionNamespace, name: flags.leaderElectionId },
      identity,
      leaseDurationSeconds: flags.leaseDurationMs / 1000,
      renewDeadlineSeconds: flags.renewDeadlineMs / 1000,
      retryPeriodSeconds: flags.retryPeriodMs / 1000,
      logger: log.with({ component: "leader-election" }),
      onStartedLeading: () => {
        log.info(
          `became leader on lease ${flags.leaderElectionNamespace}/${flags.leaderElectionId}`,
          { identity },
        );
        metrics.leader.set(1);
        startWorkers();
      },
      onStoppedLeading: () => {
        log.info("lost leadership; stopping workers", { identity });
        metrics.leader.set(0);
        void stopWorkers();
      },
      onNewLeader: (leader) => log.info(`leader is now ${leader}`, { identity }),
    });
    elector.start();
  } else {
    metrics.leader.set(1);
    startWorkers();
  }

  let stopped: Promise<void> | undefined;
  return {
    admin,
    adminAddress,
    metrics,
    readiness,
    async waitUntilReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!readiness().ready) {
        if (Date.now() > deadline)
          throw new Error(
            `adaptor not ready after ${timeoutMs} ms: ${readiness().reasons.join("; ")}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (resyncTimer !== undefined) clearInterval(resyncTimer);
        await stopWorkers();
        await elector?.stop({ release: true });
        metrics.leader.set(0);
        await recorder.flush();
        syncAbort.abort();
        await Promise.all(informers.map(([, informer]) => informer.stop()));
        await opaquePorts.stop();
        await admin.close();
        client.close();
        log.info("stopped");
      })();
      return stopped;
    },
  };
}
