import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Every metric the adaptor exports, in one registry (no global state). */
export interface AdaptorMetrics {
  registry: Registry;
  reconciles: Counter<"result">;
  reconcileDuration: Histogram<"result">;
  queueDepth: Gauge;
  queueAdds: Counter;
  queueRetries: Counter;
  queueLatency: Histogram;
  leader: Gauge;
  watchRestarts: Counter<"resource" | "reason">;
  cacheSynced: Gauge<"resource">;
  apiWrites: Counter<"resource">;
  permanentErrors: Counter<"kind">;
  backendWeight: Gauge<"namespace" | "trafficsplit" | "apex" | "backend">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): AdaptorMetrics {
  const registry = new Registry();
  // prom-client's process and Node.js metrics (CPU, memory, file descriptors, heap spaces, GC,
  // event-loop lag, active handles and requests, version), under the adaptor's prefix.
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: "smi_adaptor_" });
  }
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: "smi_adaptor_reconciles_total",
      help: "Reconciles of an apex service's ServiceProfile, by result.",
      labelNames: ["result"],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: "smi_adaptor_reconcile_duration_seconds",
      help: "Time to reconcile one apex service, by result.",
      labelNames: ["result"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    queueDepth: new Gauge({
      name: "smi_adaptor_workqueue_depth",
      help: "Keys waiting in the workqueue.",
      registers,
    }),
    queueAdds: new Counter({
      name: "smi_adaptor_workqueue_adds_total",
      help: "Keys added to the workqueue.",
      registers,
    }),
    queueRetries: new Counter({
      name: "smi_adaptor_workqueue_retries_total",
      help: "Keys requeued with backoff after a failed reconcile.",
      registers,
    }),
    queueLatency: new Histogram({
      name: "smi_adaptor_workqueue_queue_duration_seconds",
      help: "Time a key waits in the workqueue before a worker takes it.",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    }),
    leader: new Gauge({
      name: "smi_adaptor_leader",
      help: "1 while this replica holds the leader Lease (or leader election is off), else 0.",
      registers,
    }),
    watchRestarts: new Counter({
      name: "smi_adaptor_watch_restarts_total",
      help: "Watches restarted after they ended or failed, by resource and reason.",
      labelNames: ["resource", "reason"],
      registers,
    }),
    cacheSynced: new Gauge({
      name: "smi_adaptor_cache_synced",
      help: "1 when the informer cache of a resource is synced and its watch is up.",
      labelNames: ["resource"],
      registers,
    }),
    permanentErrors: new Counter({
      name: "smi_adaptor_permanent_errors_total",
      help: "Writes the apiserver refused for a reason retrying cannot fix (forbidden, invalid), by kind; each is reported in a WriteRejected Event and not retried until something changes.",
      labelNames: ["kind"],
      registers,
    }),
    apiWrites: new Counter({
      name: "smi_adaptor_api_writes_total",
      help: "Write requests (create, apply, patch, delete) the adaptor sent to the apiserver, by resource.",
      labelNames: ["resource"],
      registers,
    }),
    backendWeight: new Gauge({
      name: "smi_adaptor_backend_weight_ratio",
      help: "Share of an apex service's traffic each backend receives (0 to 1), per TrafficSplit.",
      labelNames: ["namespace", "trafficsplit", "apex", "backend"],
      registers,
    }),
  };
}
