/**
 * `@linkerd-smi/kube`: a small, typed Kubernetes toolkit over
 * `@kubernetes/client-node` for the linkerd-smi adaptor and CLI.
 *
 * - {@link loadKubeConfig}: kubeconfig / in-cluster loading, `--context`, impersonation.
 * - {@link KubeClient}: the HTTP transport ({@link KubeTransport}).
 * - {@link ResourceClient}: typed CRUD, server-side apply, watch over any resource descriptor.
 * - {@link servedResources} and {@link isServed}: API discovery (404 means not served).
 * - {@link classifyError} and {@link KubeError}: what went wrong, and whether to retry.
 * - {@link Informer}: a supervised list + watch + cache.
 * - {@link WorkQueue}: a rate-limited, deduplicating work queue with workers.
 * - {@link MutationCache}: a controller's own writes, until its informer has seen them.
 * - {@link EventRecorder}: aggregated core/v1 Events.
 * - {@link LeaderElector}: Lease-based leader election.
 *
 * @packageDocumentation
 */
export {
  currentNamespace,
  ImpersonatingKubeConfig,
  KubeConfig,
  KubeConfigError,
  loadKubeConfig,
  type Cluster,
  type Context,
  type Impersonation,
  type KubeConfigEnvironment,
  type User,
  type LoadKubeConfigOptions,
} from "./config.js";
export { KubeClient, type KubeClientOptions } from "./client.js";
export type { HttpMethod, KubeRequest, KubeTransport, StreamHandlers } from "./transport.js";
export {
  classifyError,
  isAbort,
  isPermanent,
  isRetryable,
  PERMANENT_ERROR_KINDS,
  KubeError,
  type ErrorContext,
  type ErrorKind,
  type KubeErrorInit,
  type KubeStatus,
  type PermanentErrorKind,
} from "./errors.js";
export { isServed, servedResources } from "./discovery.js";
export {
  apiVersionOf,
  ClusterRoleBindingV1,
  ClusterRoleV1,
  ConfigMapV1,
  defineResource,
  DeploymentV1,
  EventV1,
  LeaseV1,
  NamespaceV1,
  PodV1,
  objectKey,
  ResourceClient,
  resourceName,
  resourcePath,
  ServiceAccountV1,
  ServiceV1,
  splitKey,
  type ApplyOptions,
  type ClusterRole,
  type ClusterRoleBinding,
  type ConfigMap,
  type CoreEvent,
  type DeleteOptions,
  type Deployment,
  type KubeObject,
  type KubeObjectMeta,
  type Lease,
  type ListOptions,
  type Namespace,
  type ObjectList,
  type ObjectMeta,
  type Pod,
  type ResourceDescriptor,
  type SelectorOptions,
  type Service,
  type ServiceAccount,
  type WatchEvent,
  type WatchOptions,
  type Wire,
  type WriteOptions,
} from "./resources.js";
export {
  Informer,
  NAMESPACE_INDEX,
  type DeleteInfo,
  type InformerHandlers,
  type InformerHealth,
  type InformerOptions,
  type WatchRestartReason,
} from "./informer.js";
export type { IndexFunc } from "./store.js";
export {
  defaultControllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  systemClock,
  TokenBucketRateLimiter,
  WorkQueue,
  type Clock,
  type ControllerRateLimiterOptions,
  type QueueItem,
  type RateLimiter,
  type RunWorkersOptions,
  type WorkQueueMetrics,
  type WorkQueueOptions,
  type WorkResult,
} from "./workqueue.js";
export { MutationCache, type Versioned } from "./mutation-cache.js";
export { EventRecorder, type EventRecorderOptions, type EventType } from "./events.js";
export { LeaderElector, microTime, type LeaderElectorOptions } from "./leader.js";
export { consoleLogger, silentLogger, type LogFields, type Logger } from "./log.js";
export { backoffDelay, type BackoffOptions } from "./util.js";
