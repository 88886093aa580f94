/**
 * The runtime: composes the client, API discovery, the informers and their handlers, the output,
 * the controller, the workers, the admin server and leader election, and stops them in order.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { checkClusterDomain } from "@linkerd-smi/core";
import { KubeClient, loadKubeConfig } from "@linkerd-smi/kube";
import type { FastifyInstance } from "fastify";
import { buildAdminServer, listenOn, waitUntilReady, type Readiness } from "./admin.js";
import { createController } from "./controller.js";
import { createEventRecorder, createEventSink } from "./events.js";
import { parseFlags, type AdaptorFlags } from "./flags.js";
import { registerHandlers, sweepKeys, type Departed } from "./handlers.js";
import { cacheProblems, discoverInformers, observeWatchRestarts } from "./informers.js";
import { createLogger } from "./logger.js";
import { runWhileLeading } from "./leadership.js";
import { labelExtensionNamespace } from "./namespace-label.js";
import { createMetrics, type AdaptorMetrics } from "./metrics.js";
import { DefaultOpaquePorts } from "./opaque-ports.js";
import { createOutput } from "./output.js";
import { StatusSettle } from "./settle.js";
import { ShareGauges } from "./share-gauges.js";
import { VERSION } from "./version.js";
import { Workers } from "./workers.js";

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

/**
 * Starts the adaptor: informers on TrafficSplits, ServiceProfiles, Services and the Gateway API
 * routes served, the admin server, leader election when asked, and the workers (only while leading).
 */
export async function startAdaptor(options: Partial<AdaptorOptions> = {}): Promise<AdaptorHandle> {
  const flags = { ...parseFlags([], process.env), ...options };
  const log = createLogger({
    level: flags.logLevel,
    format: flags.logFormat,
    ...(options.writeLog === undefined ? {} : { write: options.writeLog }),
  });
  const domainProblem = checkClusterDomain(flags.clusterDomain);
  if (domainProblem !== undefined)
    throw new Error(`invalid -cluster-domain "${flags.clusterDomain}": ${domainProblem.message}`);
  log.info(`Using cluster domain: ${flags.clusterDomain}`);
  const { clusterDomain } = flags;

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
  const { informers, httpRouteVersion } = await discoverInformers(client, flags, log).catch(
    (error: unknown) => {
      client.close();
      throw error;
    },
  );
  const { splits, services } = informers;

  const workers = new Workers({
    metrics,
    log,
    threads: flags.workerThreads,
    shutdownTimeoutMs: flags.shutdownTimeoutMs,
    processItem: (key) => controller.processItem(key),
    sweep: () => sweepKeys(informers, clusterDomain),
  });

  const recorder = createEventRecorder(client, log, (ms) => workers.whenIdle(ms));
  const departed: Departed = new Map();
  // Every split is planned again when the cluster's default opaque ports change (behind the
  // changes of single splits, as a resync: it is a pass over all of them).
  const opaquePorts = new DefaultOpaquePorts({
    client,
    namespace: flags.linkerdNamespace,
    explicit: flags.defaultOpaquePorts,
    log,
    onChange: () => {
      for (const key of sweepKeys(informers, clusterDomain)) workers.addLowPriority(key);
    },
  });
  const controller = createController({
    splits,
    serviceExists: (namespace, name) => services.get(namespace, name) !== undefined,
    output: createOutput(client, informers, {
      clusterDomain,
      target: flags.target,
      httpRouteVersion,
      defaultOpaquePorts: opaquePorts.ports,
    }),
    events: createEventSink(recorder),
    metrics,
    shares: new ShareGauges(metrics.backendWeight),
    departed,
    log,
    settle: new StatusSettle(flags.routeStatusSettleMs, (key, ms) => workers.addAfter(key, ms)),
  });
  const enqueue = (key: string) => workers.add(key);
  registerHandlers(informers, { clusterDomain, enqueue, departed, parked: controller.parked });
  observeWatchRestarts(informers, log, (resource, reason) =>
    metrics.watchRestarts.inc({ resource, reason }),
  );

  let stopping = false;
  const readiness = (): Readiness => {
    const reasons = cacheProblems(informers, (resource, healthy) =>
      metrics.cacheSynced.set({ resource }, healthy ? 1 : 0),
    );
    if (stopping) reasons.push("shutting down");
    return { ready: reasons.length === 0, reasons };
  };

  const admin = buildAdminServer({ registry: metrics.registry, readiness });
  log.info(`starting admin server on ${flags.metricsAddr}`);
  const adminAddress = await listenOn(admin, flags.metricsAddr);
  log.info(`admin server listening on ${adminAddress}`);
  if (flags.extensionNamespace !== "")
    await labelExtensionNamespace(client, flags.extensionNamespace, log);
  log.info("Starting SMI Controller", { version: VERSION });
  for (const [, informer] of informers.all) informer.start();
  log.info("Waiting for informer caches to sync");
  const syncAbort = new AbortController();
  const synced = await Promise.all(
    informers.all.map(([, informer]) => informer.waitForSync(syncAbort.signal)),
  );
  if (!synced.every(Boolean)) throw new Error("informer caches did not sync");
  await opaquePorts.start();

  let resyncTimer: NodeJS.Timeout | undefined;
  if (flags.resyncPeriodMs > 0)
    resyncTimer = setInterval(() => {
      // Behind the changes: a weight update is not queued after thousands of unchanged splits.
      for (const key of sweepKeys(informers, clusterDomain)) workers.addLowPriority(key);
    }, flags.resyncPeriodMs);

  const identity = options.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
  const elector = runWhileLeading(flags, { client, identity, workers, metrics, log });

  let stopped: Promise<void> | undefined;
  return {
    admin,
    adminAddress,
    metrics,
    readiness,
    waitUntilReady: (timeoutMs) => waitUntilReady(readiness, timeoutMs),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const stopStarted = Date.now();
        if (resyncTimer !== undefined) clearInterval(resyncTimer);
        await workers.stop();
        await elector?.stop({ release: true });
        metrics.leader.set(0);
        // The Events still waiting get what is left of the shutdown's budget (at least 1 s): a
        // start-up's backlog drains at 50 writes/s, longer than any grace period.
        const budget = Math.max(1000, flags.shutdownTimeoutMs - (Date.now() - stopStarted));
        const dropped = await recorder.flushWithin(budget);
        if (dropped > 0)
          log.warn("shutting down: Events not written in time were dropped", { dropped });
        syncAbort.abort();
        await Promise.all(informers.all.map(([, informer]) => informer.stop()));
        await opaquePorts.stop();
        await admin.close();
        client.close();
        log.info("stopped");
      })();
      return stopped;
    },
  };
}
