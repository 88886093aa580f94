/**
 * `@linkerd-smi/core`: parse and validate SMI TrafficSplits and translate them into Linkerd
 * ServiceProfile `dstOverrides`, byte for byte as the linkerd-smi v0.2.7 adaptor does.
 *
 * Pure functions, no I/O, no runtime dependencies. Typical use:
 *
 * ```ts
 * const parsed = parseTrafficSplit(document);
 * if (parsed.ok) {
 *   const { profile } = desiredServiceProfile(parsed.split, { namespace: "default" });
 * }
 * ```
 *
 * Every export is documented where it is declared.
 *
 * @packageDocumentation
 */

// Resource types.
export {
  SERVICE_PROFILE_API_VERSION,
  TRAFFIC_SPLIT_GROUP,
  TRAFFIC_SPLIT_VERSIONS,
  type HTTPMatch,
  type HTTPMatchV1Alpha1,
  type HTTPRouteGroup,
  type HTTPRouteGroupV1Alpha1,
  type HTTPRouteGroupV1Alpha2,
  type HTTPRouteGroupV1Alpha3,
  type HTTPRouteGroupV1Alpha4,
  type HTTPRouteMethod,
  type ManagedFieldsEntry,
  type ObjectMeta,
  type OwnerReference,
  type Range,
  type RequestMatch,
  type ResponseClass,
  type ResponseMatch,
  type RetryBudget,
  type RouteSpec,
  type ServiceProfile,
  type ServiceProfileSpec,
  type TrafficSplit,
  type TrafficSplitApiVersion,
  type TrafficSplitBackendV1Alpha1,
  type TrafficSplitBackendV1Alpha2,
  type TrafficSplitV1Alpha1,
  type TrafficSplitV1Alpha2,
  type TrafficSplitV1Alpha3,
  type TrafficSplitV1Alpha4,
  type TrafficSplitVersion,
  type TypedLocalObjectReference,
  type WeightedDst,
} from "./types.js";

// Kubernetes quantities, exactly as k8s.io/apimachinery.
export {
  MAX_DECIMAL_EXPONENT,
  canonicalQuantity,
  compareQuantity,
  decodeQuantity,
  isQuantityError,
  isWholeMilli,
  milliValue,
  parseQuantity,
  quantityFromMilli,
  type Quantity,
  type QuantityError,
  type QuantityErrorCode,
  type QuantityFormat,
} from "./quantity.js";

// Kubernetes name rules.
export {
  DNS_LABEL_MAX_LENGTH,
  DNS_SUBDOMAIN_MAX_LENGTH,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  isDns1035Label,
  isDns1123Subdomain,
  type NameProblem,
} from "./dns.js";

// Did-you-mean for field names.
export {
  FIELD_ALIASES,
  KNOWN_FIELDS,
  closestName,
  levenshtein,
  suggestField,
  type FieldContext,
  type FieldSuggestion,
  type SuggestionReason,
} from "./suggest.js";

// Diagnostics.
export {
  DIAGNOSTIC_CODES,
  formatDiagnostic,
  hasErrors,
  joinPath,
  sortDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
  type FormatDiagnosticOptions,
  type Severity,
} from "./diagnostics.js";

// Parsing and validation.
export {
  parseTrafficSplit,
  type ParseTrafficSplitOptions,
  type ParseTrafficSplitResult,
  type ParsedBackend,
  type ParsedTrafficSplit,
} from "./parse.js";

// Translation to a ServiceProfile.
export {
  DEFAULT_CLUSTER_DOMAIN,
  MAX_LINKERD_WEIGHT_MILLI,
  backendAuthority,
  checkClusterDomain,
  desiredDstOverrides,
  desiredServiceProfile,
  fitLinkerdWeights,
  normalizeClusterDomain,
  apexOfServiceProfileName,
  parseServiceProfileName,
  serviceProfileName,
  type ClusterDomainOptions,
  type DesiredDstOverrides,
  type DesiredServiceProfile,
  type DesiredServiceProfileOptions,
  type FittedWeights,
} from "./translate.js";

// Reconciling with an existing ServiceProfile.
export {
  SKIP_ANNOTATION,
  dstOverridesEqual,
  hasSkipAnnotation,
  isOnlyOurs,
  planServiceProfile,
  planServiceProfileCleanup,
  type CleanupOptions,
  type ServiceProfileCleanupPlan,
  type ServiceProfilePlan,
} from "./merge.js";

// Traffic shares.
export { backendShares, formatPercent, type BackendShare } from "./shares.js";

// The one decision: which split decides an apex, what to write, which Events to record.
export {
  Reason,
  apexOfSplit,
  compareSeniority,
  decideApex,
  orderBySeniority,
  selectWinner,
  type ApexDecision,
  type ApexInput,
  type DecisionEvent,
  type OutputPlan,
  type OutputPlanner,
  type PlanContext,
  type ReconcileResult,
  type SplitLike,
  type SplitStatus,
  type SyncState,
  type Winner,
} from "./decide.js";

// What to write instead of a Quantity weight where an integer is wanted (v1alpha2+).
export { integerWeightFix } from "./weight-fix.js";

// The text of an Event: one line, within Kubernetes' limit.
export { EVENT_MESSAGE_LIMIT, eventMessage } from "./event-message.js";

// The ServiceProfile output.
export {
  serviceProfileOutput,
  type ServiceProfileAction,
  type ServiceProfileOutputOptions,
} from "./outputs/service-profile.js";

// What the adaptor owns and how it recognises it.
export {
  CUT_OVER_STATE_ANNOTATION,
  FIELD_MANAGER,
  PREVIOUS_DST_OVERRIDES_ANNOTATION,
  adaptorHasWritten,
  formatPreviousDstOverrides,
  managedByAdaptor,
  onlyAdaptorContent,
  otherEditorsOfDstOverrides,
  previousDstOverrides,
  type PreviousDstOverrides,
} from "./ownership.js";

// Where one split stands, for status and check.
export {
  profileNameOfSplit,
  splitSyncState,
  type SplitSyncInput,
  type SplitSyncState,
} from "./sync.js";

// API resources, as data for @linkerd-smi/kube's typed clients.
export {
  HTTP_ROUTE_GROUP_GROUP,
  TCP_ROUTE_RESOURCE,
  httpRouteGroupResource,
  httpRouteResource,
  type HttpRouteGroupObject,
  SERVICE_PROFILE_GROUP,
  SERVICE_PROFILE_RESOURCE,
  trafficSplitResource,
  gatewayApiSupport,
  type ApiResource,
  type GatewayApiSupport,
  type TrafficSplitObject,
} from "./resources.js";

// Gateway API routes (the `httproute` output and `linkerd smi convert`).
export {
  GATEWAY_GROUP,
  HTTP_ROUTE_METHODS,
  HTTP_ROUTE_VERSIONS,
  TCP_ROUTE_VERSION,
  type HttpHeaderMatch,
  type HttpPathMatch,
  type HttpRoute,
  type HttpRouteMatch,
  type HttpRouteMethodName,
  type HttpRouteRule,
  type HttpRouteVersion,
  type Route,
  type RouteCondition,
  type RouteParentStatus,
  type ServiceBackendRef,
  type ServiceLike,
  type ServiceParentRef,
  type ServicePortLike,
  type TcpRoute,
} from "./gateway-types.js";
export {
  APEX_LABEL,
  CONVERTED_LABEL,
  GATEWAY_LIMITS,
  LINKERD_DEFAULT_OPAQUE_PORTS,
  MANAGED_BY_LABEL,
  OPAQUE_APP_PROTOCOL,
  OPAQUE_PORTS_ANNOTATION,
  SPLIT_ANNOTATION,
  canonicalJson,
  describeRoute,
  isOpaquePort,
  normalizeRouteSpec,
  opaquePortsOf,
  parseAppProtocol,
  parsePortList,
  portProtocol,
  routeGroupRegexProblems,
  servesHttpRoutes,
  routeName,
  translateSplitMatches,
  translateSplitToRoutes,
  apexWithoutClusterIP,
  type PortOutcome,
  type PortProtocol,
  type RouteNote,
  type RouteTranslation,
  type RouteTranslationInput,
} from "./gateway.js";
export { rustRegexError } from "./rust-regex.js";
export { MAX_ROUTE_WEIGHT, routeWeights, type RouteWeights } from "./route-weights.js";
export {
  apexRoutePorts,
  portShares,
  type PortBackendShare,
  type PortShares,
} from "./port-shares.js";
export {
  describeRouteConditions,
  LINKERD_POLICY_CONTROLLER,
  routeAcceptance,
  routeAcceptanceMessage,
  type RouteAcceptance,
  type RouteState,
} from "./outputs/route-acceptance.js";
export {
  httpRouteOutput,
  isAdaptorRoute,
  shadowingOf,
  type HttpRouteOutputOptions,
  type RouteAction,
  type RouteRef,
  type RouteWorld,
} from "./outputs/http-route.js";
export {
  TARGETS,
  TARGET_ANNOTATION,
  targetOf,
  targetedOutput,
  type Target,
  type TargetedAction,
  type TargetedOutputOptions,
  type TargetedWorld,
} from "./outputs/targeted.js";
// The cut-over between ServiceProfile and Gateway API routes, and the proxy model it follows.
export {
  CLIENTS_RESTARTED_ANNOTATION,
  CUT_OVER_ANNOTATION,
  cutOverState,
  splitAtRest,
  type CutOverState,
} from "./outputs/cut-over.js";
export {
  OUTBOUND_DISCOVERY_IDLE_TIMEOUT_MS,
  ProxyModel,
  profileOverridesPolicy,
  profileTargets,
  servedBy,
  type ProxyPath,
  type ServedShares,
  type ServedWorld,
} from "./proxy-model.js";
export { formatGoDuration, parseGoBool, parseGoDuration } from "./go-parse.js";
export {
  LINKERD_CONFIG_NAME,
  opaquePortsOfLinkerdConfig,
  type ClusterOpaquePorts,
  type LinkerdConfigRead,
} from "./linkerd-config.js";
