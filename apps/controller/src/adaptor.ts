import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import {
  apexOfSplit,
  backendShares,
  checkClusterDomain,
  parseTrafficSplit,
  type ServiceProfile as CoreProfile,
} from "@linkerd-smi/core";
import {
  EventRecorder,
  Informer,
  KubeClient,
  LeaderElector,
  ResourceClient,
  ServiceProfileV1Alpha2,
  ServiceV1,
  TrafficSplitV1Alpha1,
  WorkQueue,
  classifyError,
  loadKubeConfig,
  type KubeObject,
  type KubeRequest,
  type ServiceProfile,
  type WorkResult,
} from "@linkerd-smi/kube";
import type { FastifyInstance } from "fastify";
import { buildAdminServer, parseListenAddress, type Readiness } from "./admin.js";
import { parseFlags, type AdaptorFlags } from "./flags.js";
import { RecentWrites } from "./recent-writes.js";
import { createLogger } from "./logger.js";
import { createMetrics, type AdaptorMetrics } from "./metrics.js";
import {
  FIELD_MANAGER,
  apexKey,
  apexOfProfile,
  managedByAdaptor,
  reconcileApex,
  type EventSink,
  type ProfileWriter,
  type ReconcileDeps,
  type SplitObject,
} from "./reconcile.js";
import { VERSION } from "./version.js";

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

/** Counts every write the adaptor makes, by resource, for `smi_adaptor_api_writes_total`. */
class CountingClient extends KubeClient {
  onWrite: (resource: string) => void = () => undefined;
  override request(req: KubeRequest): Promise<unknown> {
    if (req.method !== "GET") {
      const segments = req.path.split("?")[0]?.split("/").filter(Boolean) ?? [];
      const i = segments.indexOf("namespaces");
      const resource =
        i >= 0 ? (segments[i + 2] ?? segments[segments.length - 1]) : segments[segments.length - 1];
      this.onWrite(resource ?? "unknown");
    }
    return super.request(req);
  }
}

/** Remembers which Event states were already reported, so an idle resync writes nothing. */
class ReportedOnce {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 20_000) {}
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.limit) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}

function defaults(): AdaptorFlags {
  return parseFlags([], process.env);
}

/**
 * Starts the adaptor: informers on TrafficSplits, ServiceProfiles and
 * Services, the admin server, leader election when asked, and the workers
 * (only while leading).
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
  const kubeOptions = {
    ...(flags.kubeconfig === "" ? {} : { kubeconfig: flags.kubeconfig }),
    ...(flags.context === "" ? {} : { context: flags.context }),
  };
  const client = new CountingClient(loadKubeConfig(kubeOptions), {
    userAgent: `smi-adaptor/${VERSION}`,
  });
  client.onWrite = (resource) => metrics.apiWrites.inc({ resource });

  const splitClient = new ResourceClient(client, TrafficSplitV1Alpha1);
  const profileClient = new ResourceClient(client, ServiceProfileV1Alpha2);
  const informerLog = log.with({ component: "informer" });
  const splits = new Informer(splitClient, { logger: informerLog });
  const profiles = new Informer(profileClient, { logger: informerLog });
  const services = new Informer(new ResourceClient(client, ServiceV1), { logger: informerLog });
  const informers = [
    ["trafficsplits", splits],
    ["serviceprofiles", profiles],
    ["services", services],
  ] as const;
  for (const [resource, informer] of informers) {
    informer.onWatchRestart((reason) => metrics.watchRestarts.inc({ resource, reason }));
  }

  const recorder = new EventRecorder({
    client,
    component: FIELD_MANAGER,
    logger: log.with({ component: "events" }),
  });
  const reported = new ReportedOnce();
  const record = (
    object: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ) => {
    const meta = object.metadata ?? {};
    if (!reported.first(`${meta.uid ?? ""}|${meta.resourceVersion ?? ""}|${reason}|${message}`))
      return;
    recorder.event(object, type, reason, message);
  };
  const events: EventSink = {
    split: (split, type, reason, message) => record(split as KubeObject, type, reason, message),
    profile: (profile, type, reason, message) =>
      record(profile as unknown as KubeObject, type, reason, message),
  };

  const recentWrites = new RecentWrites<ServiceProfile>();
  const writer: ProfileWriter = {
    async applyDstOverrides(namespace, name, dstOverrides, resourceVersion) {
      const metadata: Record<string, string> = { name, namespace };
      if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
      const written = await profileClient.apply(
        {
          apiVersion: "linkerd.io/v1alpha2",
          kind: "ServiceProfile",
          metadata,
          spec: { dstOverrides: [...dstOverrides] },
        },
        { fieldManager: FIELD_MANAGER, force: true },
      );
      recentWrites.written(`${namespace}/${name}`, written);
    },
    async clearDstOverrides(namespace, name, resourceVersion) {
      const written = await profileClient.mergePatch(
        namespace,
        name,
        { metadata: { resourceVersion }, spec: { dstOverrides: null } },
        { fieldManager: FIELD_MANAGER },
      );
      recentWrites.written(`${namespace}/${name}`, written);
    },
    async deleteProfile(namespace, name, uid, resourceVersion) {
      await profileClient.delete(namespace, name, { preconditions: { uid, resourceVersion } });
      recentWrites.deleted(`${namespace}/${name}`, resourceVersion);
    },
  };

  const departed = new Map<string, SplitObject>();
  const deps: ReconcileDeps = {
    clusterDomain: flags.clusterDomain,
    caches: {
      splitsIn: (namespace) => splits.list(namespace) as unknown as SplitObject[],
      profile: (namespace, name) =>
        recentWrites.newest(`${namespace}/${name}`, profiles.get(namespace, name)) as unknown as
          CoreProfile | undefined,
      serviceExists: (namespace, name) => services.get(namespace, name) !== undefined,
    },
    writer,
    events,
    departedSplit: (namespace, apex) => departed.get(apexKey(namespace, apex)),
  };

  // Gauges of each backend's share, per apex key, so stale series can be removed.
  const shareLabels = new Map<
    string,
    Record<"namespace" | "trafficsplit" | "apex" | "backend", string>[]
  >();
  const publishShares = (key: string, winner: SplitObject | undefined) => {
    for (const labels of shareLabels.get(key) ?? []) metrics.backendWeight.remove(labels);
    shareLabels.delete(key);
    if (winner === undefined) return;
    const parsed = parseTrafficSplit(winner);
    if (!parsed.ok) return;
    const sets = backendShares(parsed.split).map((share) => ({
      labels: {
        namespace: winner.metadata.namespace,
        trafficsplit: winner.metadata.name,
        apex: parsed.split.service,
        backend: share.service,
      },
      ratio: share.percent / 100,
    }));
    for (const s of sets) metrics.backendWeight.set(s.labels, s.ratio);
    shareLabels.set(
      key,
      sets.map((s) => s.labels),
    );
  };

  let queue: WorkQueue | undefined;
  const enqueue = (key: string) => queue?.add(key);
  const enqueueAll = () => {
    for (const split of splits.list())
      enqueue(apexKey(split.metadata?.namespace ?? "", apexOfSplit(split)));
    // The orphan sweep: profiles the adaptor manages whose split is gone or points elsewhere.
    for (const profile of profiles.list()) {
      const { namespace = "", name = "" } = profile.metadata ?? {};
      const apex = apexOfProfile(namespace, name, flags.clusterDomain);
      if (apex !== undefined && managedByAdaptor(profile as unknown as CoreProfile))
        enqueue(apexKey(namespace, apex));
    }
  };

  const keyOf = (split: KubeObject) => apexKey(split.metadata?.namespace ?? "", apexOfSplit(split));
  splits.addHandlers({
    onAdd: (split) => enqueue(keyOf(split)),
    onUpdate: (old, split) => {
      const before = keyOf(old);
      const after = keyOf(split);
      if (before !== after) {
        departed.set(before, old as unknown as SplitObject);
        enqueue(before);
      }
      enqueue(after);
    },
    onDelete: (split) => {
      departed.set(keyOf(split), split as unknown as SplitObject);
      enqueue(keyOf(split));
    },
  });
  const onProfile = (profile: ServiceProfile) => {
    const { namespace = "", name = "" } = profile.metadata ?? {};
    const apex = apexOfProfile(namespace, name, flags.clusterDomain);
    if (apex !== undefined) enqueue(apexKey(namespace, apex));
  };
  profiles.addHandlers({
    onAdd: onProfile,
    onUpdate: (_old, p) => onProfile(p),
    onDelete: onProfile,
  });

  const reconcile = async (key: string): Promise<WorkResult> => {
    const started = performance.now();
    try {
      const outcome = await reconcileApex(key, deps);
      const seconds = (performance.now() - started) / 1000;
      metrics.reconciles.inc({ result: outcome.result });
      metrics.reconcileDuration.observe({ result: outcome.result }, seconds);
      const winner =
        outcome.split === undefined
          ? undefined
          : (splits.get(key.slice(0, key.indexOf("/")), outcome.split) as unknown as
              SplitObject | undefined);
      publishShares(key, outcome.result === "invalid" ? undefined : winner);
      const fields = {
        key,
        profile: outcome.profile,
        result: outcome.result,
        ...(outcome.split === undefined ? {} : { trafficsplit: outcome.split }),
      };
      if (outcome.result === "created")
        log.info(
          `created serviceprofile/${outcome.profile} for trafficsplit/${outcome.split ?? ""}`,
          fields,
        );
      else if (outcome.result === "updated")
        log.info(`updated serviceprofile/${outcome.profile}`, fields);
      else if (outcome.result === "deleted")
        log.info(`deleted serviceprofile/${outcome.profile}: no trafficsplit targets it`, fields);
      else if (outcome.result === "cleaned")
        log.info(`cleaned up dstOverrides of serviceprofile/${outcome.profile}`, fields);
      else if (outcome.result === "invalid")
        log.warn(
          `trafficsplit/${outcome.split ?? ""} is invalid; serviceprofile/${outcome.profile} keeps its last good state`,
          fields,
        );
      else if (outcome.result === "skipped")
        log.info(
          `skipping serviceprofile/${outcome.profile}: it has the smi.linkerd.io/skip annotation`,
          fields,
        );
      const wrote = ["created", "updated", "deleted", "cleaned"].includes(outcome.result);
      if (wrote) log.info(`Successfully synced '${key}'`, fields);
      else log.debug(`Successfully synced '${key}'`, fields);
      if (outcome.split === undefined) departed.delete(key);
      return "ok";
    } catch (error) {
      const kind = classifyError(error);
      metrics.reconciles.inc({ result: "error" });
      metrics.reconcileDuration.observe({ result: "error" }, (performance.now() - started) / 1000);
      log.error(
        `error syncing '${key}': ${error instanceof Error ? error.message : String(error)}, requeuing`,
        { key, kind },
      );
      return "retry";
    }
  };

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
    const done = queue.runWorkers(flags.workerThreads, reconcile, { signal: abort.signal });
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

  const readiness = (): Readiness => {
    const reasons: string[] = [];
    for (const [resource, informer] of informers) {
      const health = informer.health();
      if (!health.synced) reasons.push(`${resource} cache not synced yet`);
      else if (!health.watching)
        reasons.push(
          `${resource} watch is down${health.lastError === undefined ? "" : `: ${health.lastError.message}`}`,
        );
      metrics.cacheSynced.set({ resource }, health.synced && health.watching ? 1 : 0);
    }
    if (stopping) reasons.push("shutting down");
    return { ready: reasons.length === 0, reasons };
  };

  let stopping = false;
  const admin = buildAdminServer({ registry: metrics.registry, readiness });
  const { host, port } = parseListenAddress(flags.metricsAddr);
  log.info(`starting admin server on ${flags.metricsAddr}`);
  await admin.listen({ host, port });
  const address = admin.server.address();
  const adminAddress =
    typeof address === "object" && address !== null
      ? `${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`
      : flags.metricsAddr;

  log.info(`admin server listening on ${adminAddress}`);
  log.info("Starting SMI Controller", { version: VERSION });
  for (const [, informer] of informers) informer.start();
  log.info("Waiting for informer caches to sync");
  const syncAbort = new AbortController();
  const synced = await Promise.all(
    informers.map(([, informer]) => informer.waitForSync(syncAbort.signal)),
  );
  if (!synced.every(Boolean)) throw new Error("informer caches did not sync");

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
        await admin.close();
        client.close();
        log.info("stopped");
      })();
      return stopped;
    },
  };
}
