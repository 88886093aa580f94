export {
  buildAdminServer,
  parseListenAddress,
  type AdminServerDeps,
  type Readiness,
} from "./admin.js";
export { startAdaptor, type AdaptorHandle, type AdaptorOptions } from "./adaptor.js";
export { FlagError, parseDuration, parseFlags, usage, type AdaptorFlags } from "./flags.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export { createMetrics, type AdaptorMetrics } from "./metrics.js";
export {
  FIELD_MANAGER,
  Reason,
  apexKey,
  apexOfProfile,
  managedByAdaptor,
  onlyAdaptorContent,
  reconcileApex,
  type ReconcileDeps,
  type ReconcileOutcome,
  type ReconcileResult,
} from "./reconcile.js";
export { VERSION } from "./version.js";
