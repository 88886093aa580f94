/**
 * The checks of `linkerd smi check` (category `linkerd-smi`) and `linkerd smi check --pre`
 * (category `linkerd-smi-pre`). Every check asks the API server; nothing is assumed.
 */
import {
  DEFAULT_CLUSTER_DOMAIN,
  GATEWAY_GROUP,
  TCP_ROUTE_VERSION,
  TRAFFIC_SPLIT_GROUP,
  isOpaquePort,
  LINKERD_POLICY_CONTROLLER,
  routeAcceptanceMessage,
  trafficSplitResource,
} from "@linkerd-smi/core";
import type { PortComparison } from "../served/compare.js";
import { servedCheck } from "./served.js";
import {
  classifyError,
  ConfigMapV1,
  isServed,
  KubeError,
  type Deployment,
  type KubeClient,
  type Pod,
  PodV1,
  ResourceClient,
  ServiceAccountV1,
} from "@linkerd-smi/kube";
import { servedVersions } from "../crd.js";
import {
  adaptorDeployment,
  adaptorSettings,
  adaptorLease,
  adaptorPods,
  ADAPTOR,
  ADAPTOR_SELECTOR,
  DEFAULT_NAMESPACE,
  EXTENSION_LABEL,
  EXTENSION_NAME,
  extensionNamespaces,
  LEASE_NAME,
} from "../extension.js";
import {
  gatewayApiServed,
  gatewayView,
  listServiceProfiles,
  listServices,
  listTrafficSplits,
  splitStatuses,
  type ClusterView,
  type SplitStatus,
} from "../status/collect.js";
import {
  adaptorPermissions,
  describePermission,
  INSTALL_CLUSTER_RESOURCES,
  installNamespacedResources,
  selfCan,
  serviceAccountCan,
  type Permission,
} from "./rbac.js";
import { serviceProfileCrdProblem } from "../service-profile-crd.js";
import type { Category, Check, Outcome } from "./runner.js";
import { collectOldPaths, describeOldPath } from "../stat/old-path.js";
import { PrometheusError, type PrometheusApi } from "../stat/prometheus.js";

export const CATEGORY = "linkerd-smi";
/** The Gateway API release whose CRDs the hints install: the one Linkerd 2.18 and later support. */
export const GATEWAY_API_RELEASE = "v1.2.1";
const GATEWAY_API_URL = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_RELEASE}`;
export const PRE_CATEGORY = "linkerd-smi-pre";
export { DEFAULT_NAMESPACE, extensionNamespaces } from "../extension.js";
export type { Pod } from "@linkerd-smi/kube";

export interface SmiCheckOptions {
  /** Limits the TrafficSplit checks to one namespace (`--namespace`). */
  namespace?: string;
  /** Also check the adaptor's proxies (`--proxy`, as `linkerd check --proxy` forwards it). */
  proxy?: boolean;
  /** Where Linkerd's control plane is (`-L`), for the proxies' trust anchors. */
  linkerdNamespace?: string;
  /** Overrides the cluster domain read from the adaptor's Deployment. */
  clusterDomain?: string;
  /** `--served`: ask Linkerd's policy controller what it serves (see served.ts). */
  served?: { policyAddr?: string; kubectlFlags: readonly string[]; report: PortComparison[] };
  now?: () => number;
  /** The Prometheus that scrapes the proxies, if any (`--prometheus-url`, else linkerd-viz's). */
  prometheus?: () => Promise<PrometheusApi | undefined>;
}

/** The window of the proxies' request rates `check` reads. */
const OLD_PATH_WINDOW = "1m";

const ok: Outcome = { status: "success" };
const error = (message: string): Outcome => ({ status: "error", message });
const warning = (message: string): Outcome => ({ status: "warning", message });
const skip = (reason: string): Outcome => ({ status: "skip", reason });

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why an adaptor pod is not running and ready, or undefined when it is (or is done for good). */
export function podProblem(pod: Pod): string | undefined {
  const name = pod.metadata?.name ?? "";
  const phase = pod.status?.phase ?? "Pending";
  if (phase === "Succeeded") return undefined;
  if (pod.metadata?.deletionTimestamp !== undefined) return `pod "${name}" is terminating`;
  const container =
    pod.status?.containerStatuses?.find((c) => c.name === ADAPTOR) ??
    pod.status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  const why = waiting?.reason ?? container?.state?.terminated?.reason ?? pod.status?.reason;
  const detail = waiting?.message ?? pod.status?.message;
  const because =
    why === undefined || why === ""
      ? ""
      : ` (${why}${detail === undefined || detail === "" ? "" : `: ${detail}`})`;
  if (phase === "Pending" && container === undefined) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False")
      return `pod "${name}" is not scheduled on any node (${scheduled.reason ?? "Unschedulable"}${scheduled.message === undefined ? "" : `: ${scheduled.message}`})`;
  }
  if (phase !== "Running") return `pod "${name}" status is ${phase}${because}`;
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  if (!ready)
    return `container "${container?.name ?? ADAPTOR}" in pod "${name}" is not ready${because}`;
  return undefined;
}

/** Pods that count as replicas: not finished. */
function live(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
}

function holderPod(holder: string, pods: readonly Pod[]): Pod | undefined {
  // The adaptor's identity is `<hostname>_<random>`, and a pod's hostname is its name.
  return pods.find((p) => {
    const name = p.metadata?.name ?? "";
    return name !== "" && (holder === name || holder.startsWith(`${name}_`));
  });
}

/**
 * A bulleted list for a multi-line message. Continuation lines start with a tab, as Linkerd's
 * own messages do: `linkerd check` prints an extension's message after four spaces, as it is.
 */
function list(items: readonly string[]): string {
  return items.map((i) => `\t* ${i}`).join("\n");
}

/** Why a Deployment that should have pods has none, from what it says about itself. */
function whyNoPods(deployment: Deployment | undefined, namespace: string): string {
  if (deployment === undefined)
    return `Deployment ${ADAPTOR} not found in namespace "${namespace}"; reinstall the extension with: linkerd smi install | kubectl apply -f -`;
  const replicas = deployment.spec?.replicas ?? 1;
  if (replicas === 0)
    return `Deployment ${namespace}/${ADAPTOR} is scaled to zero; scale it up with: kubectl -n ${namespace} scale deployment/${ADAPTOR} --replicas=1`;
  const conditions = (deployment.status as { conditions?: DeploymentCondition[] } | undefined)
    ?.conditions;
  const failure = conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure !== undefined)
    return `Deployment ${namespace}/${ADAPTOR} wants ${replicas} replica${replicas === 1 ? "" : "s"} but cannot create its pods (${failure.reason ?? "ReplicaFailure"}): ${failure.message ?? ""}`;
  const selects = Object.entries(deployment.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  const other =
    selects.length > 0 && selects.join(",") !== ADAPTOR_SELECTOR.split(",").sort().join(",");
  return (
    `Deployment ${namespace}/${ADAPTOR} wants ${replicas} replica${replicas === 1 ? "" : "s"} but no pod with ${ADAPTOR_SELECTOR} exists` +
    (other ? ` (the Deployment selects ${selects.join(",")})` : "") +
    `; no ReplicaSet has created one yet: see kubectl -n ${namespace} describe deployment/${ADAPTOR} and its events`
  );
}

interface DeploymentCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The `status` command that shows these splits: one namespace's, or all. */
export function statusCommand(namespaces: readonly string[]): string {
  const unique = [...new Set(namespaces)];
  return unique.length === 1 ? `linkerd smi status -n ${unique[0]}` : "linkerd smi status -A";
}

/** The `linkerd-smi` category. */
export function smiCategory(client: KubeClient, options: SmiCheckOptions = {}): Category {
  const now = options.now ?? Date.now;
  const state: { namespace?: string; splitCrd?: boolean; pods?: Pod[] } = {};
  const ns = () => state.namespace ?? DEFAULT_NAMESPACE;
  let loaded:
    Promise<{ statuses: SplitStatus[]; view: ClusterView; clusterDomain: string }> | undefined;
  /** The splits and where they stand, read once for the checks that need them. */
  const load = () => {
    loaded ??= (async () => {
      const [splits, profiles, adaptor, services] = await Promise.all([
        listTrafficSplits(client, options.namespace),
        listServiceProfiles(client, options.namespace),
        adaptorSettings(client, ns()),
        listServices(client, options.namespace),
      ]);
      const view: ClusterView = {
        ...(await gatewayView(
          client,
          options.namespace,
          splits,
          adaptor,
          profiles.items,
          options.linkerdNamespace ?? "linkerd",
        )),
        ...(services === undefined ? {} : { services }),
      };
      const clusterDomain =
        options.clusterDomain ?? adaptor.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
      const statuses = splitStatuses(
        splits,
        profiles.items,
        clusterDomain,
        services === undefined ? undefined : new Set(services.keys()),
        view,
      );
      return { statuses, view, clusterDomain };
    })();
    return loaded;
  };

  const checks: Check[] = [
    {
      id: "l5d-smi-ns-exists",
      description: "linkerd-smi extension Namespace exists",
      fatal: true,
      run: async () => {
        const found = await extensionNamespaces(client);
        const active = found.filter((n) => !n.terminating);
        if (active.length > 1) {
          // The one that runs the adaptor is the extension; say which, and that the other is not.
          const withAdaptor: string[] = [];
          for (const n of active)
            if ((await adaptorDeployment(client, n.name)) !== undefined) withAdaptor.push(n.name);
          const chosen = withAdaptor[0] ?? active[0]?.name ?? DEFAULT_NAMESPACE;
          state.namespace = chosen;
          return warning(
            `${active.length} namespaces are labelled "${EXTENSION_LABEL}: ${EXTENSION_NAME}":\n${list(active.map((n) => `${n.name}${withAdaptor.includes(n.name) ? ` (runs ${ADAPTOR})` : ""}`))}\n` +
              `\tchecking "${chosen}"; remove the label from the others (kubectl label namespace NAME ${EXTENSION_LABEL}-), or uninstall the extra install`,
          );
        }
        if (active[0] !== undefined) {
          state.namespace = active[0].name;
          return ok;
        }
        if (found.length > 0)
          return error(
            `namespace ${found.map((n) => `"${n.name}"`).join(", ")} with label "${EXTENSION_LABEL}: ${EXTENSION_NAME}" is being deleted; install the extension again once it is gone`,
          );
        return error(
          `namespace with label "${EXTENSION_LABEL}: ${EXTENSION_NAME}" not found; install the extension with: linkerd smi install | kubectl apply -f -`,
        );
      },
    },
    {
      id: "l5d-smi-ts-crd-exists",
      description: `TrafficSplit CRD is installed and serves ${listed(servedVersions())}`,
      run: async () => {
        const versions = servedVersions();
        const missing: string[] = [];
        for (const version of versions) {
          if (!(await isServed(client, { ...trafficSplitResource(), version })))
            missing.push(version);
        }
        state.splitCrd = missing.length < versions.length;
        if (missing.length === versions.length)
          return error(
            `the API server does not serve trafficsplits.${TRAFFIC_SPLIT_GROUP}: the CRD is not installed (linkerd smi install | kubectl apply -f - installs it)`,
          );
        if (missing.length > 0)
          return error(
            `trafficsplits.${TRAFFIC_SPLIT_GROUP} is not served as ${missing.join(", ")}: the CRD is not the extension's; reinstall it with linkerd smi install | kubectl apply -f -`,
          );
        return ok;
      },
    },
    {
      id: "l5d-smi-sp-crd-exists",
      description: "Linkerd ServiceProfile CRD is installed",
      run: () => serviceProfileCrd(client),
    },
    {
      id: "l5d-smi-sc-exists",
      description: "SMI extension service account exists",
      run: async () => {
        const sa = await new ResourceClient(client, ServiceAccountV1).get(ns(), ADAPTOR);
        return sa === undefined
          ? error(
              `ServiceAccount "${ADAPTOR}" not found in namespace "${ns()}"; reinstall the extension with: linkerd smi install | kubectl apply -f -`,
            )
          : ok;
      },
    },
    {
      id: "l5d-smi-adaptor-rbac",
      description: "SMI extension service account has the permissions the adaptor needs",
      run: async () => {
        const needed = adaptorPermissions(ns());
        let allowed: boolean[];
        try {
          allowed = await Promise.all(
            needed.map((p) => serviceAccountCan(client, { namespace: ns(), name: ADAPTOR }, p)),
          );
        } catch (e) {
          if (classifyError(e) === "forbidden")
            return warning(
              `could not verify the adaptor's permissions: you may not create SubjectAccessReviews (${e instanceof KubeError ? e.serverMessage : messageOf(e)})`,
            );
          throw e;
        }
        const denied = needed.filter((_, i) => allowed[i] !== true);
        if (denied.length === 0) return ok;
        return error(
          `ServiceAccount ${ns()}/${ADAPTOR} is not allowed to:\n${list(denied.map(describePermission))}\n` +
            "\tReinstall the extension's RBAC (linkerd smi install | kubectl apply -f -) or restore the ClusterRole smi-adaptor and the Role smi-adaptor-leader-election",
        );
      },
    },
    {
      id: "l5d-smi-pods-running",
      description: "SMI extension pods are running",
      retry: true,
      run: async () => {
        state.pods = await adaptorPods(client, ns());
        if (live(state.pods).length === 0)
          return error(whyNoPods(await adaptorDeployment(client, ns()), ns()));
        for (const pod of state.pods) {
          const problem = podProblem(pod);
          if (problem !== undefined) return error(problem);
        }
        return ok;
      },
    },
    ...(options.proxy === true
      ? proxyChecks(client, ns, options.linkerdNamespace ?? "linkerd")
      : []),
    {
      id: "l5d-smi-leader",
      description: "SMI adaptor replicas have elected one leader",
      warning: true,
      run: async () => {
        const pods = live(state.pods ?? []);
        let replicas = pods.length;
        const deployment = await adaptorDeployment(client, ns()).catch(() => undefined);
        replicas = Math.max(replicas, deployment?.spec?.replicas ?? 0);
        if (replicas <= 1) return skip("one replica: no leader election");
        const lease = await adaptorLease(client, ns());
        const where = `Lease ${ns()}/${LEASE_NAME}`;
        if (lease === undefined)
          return warning(
            `${replicas} replicas run but there is no ${where}: none has been elected leader, so none writes ServiceProfiles (is -leader-elect=true set?)`,
          );
        const holder = lease.spec?.holderIdentity ?? "";
        if (holder === "")
          return warning(
            `no replica holds ${where}: none writes ServiceProfiles until one takes it`,
          );
        const duration = lease.spec?.leaseDurationSeconds ?? 15;
        const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? "");
        if (!Number.isNaN(renewed)) {
          const age = Math.round((now() - renewed) / 1000);
          // A little slack for clock skew between this machine and the cluster.
          if (age > duration + 5)
            return warning(
              `${where} is stale: ${holder} last renewed it ${age}s ago, longer than its ${duration}s duration; the leader is gone and no other replica has taken over yet`,
            );
        }
        if (pods.length > 0 && holderPod(holder, pods) === undefined)
          return warning(
            `${where} is held by ${holder}, which is not one of the adaptor pods (${pods.map((p) => p.metadata?.name ?? "").join(", ")})`,
          );
        return ok;
      },
    },
    {
      id: "l5d-smi-ts-sync",
      description:
        options.namespace === undefined
          ? "TrafficSplits are valid and their ServiceProfiles are in sync"
          : `TrafficSplits in namespace ${options.namespace} are valid and their ServiceProfiles are in sync`,
      warning: true,
      run: async () => {
        if (state.splitCrd === false) return skip("the TrafficSplit CRD is not installed");
        const { statuses } = await load();
        // The route states of httproute splits are the routes check's.
        const bad = statuses.filter(
          (s) =>
            (s.state !== "Synced" &&
              s.state !== "Skipped" &&
              s.state !== "RouteAccepted" &&
              s.state !== "RouteNotAccepted" &&
              s.state !== "RouteRefsNotResolved" &&
              s.state !== "RoutePending") ||
            (s.missingBackends?.length ?? 0) > 0 ||
            s.matchesIgnored === true,
        );
        if (bad.length === 0) return ok;
        const describe = (s: SplitStatus) => {
          const missing = s.missingBackends ?? [];
          const absent =
            missing.length === 0
              ? ""
              : `backend Service${missing.length === 1 ? "" : "s"} ${missing.map((m) => `${s.namespace}/${m}`).join(", ")} ${missing.length === 1 ? "does" : "do"} not exist (BackendNotFound): Linkerd sends ${missing.length === 1 ? "its" : "their"} share to a name that does not resolve`;
          const fine = s.state === "Synced" || s.state.startsWith("Route");
          if (fine && absent !== "") return `${s.namespace}/${s.name}: ${s.state}, but ${absent}`;
          if (fine) return `${s.namespace}/${s.name}: ${s.state}: ${s.reason}`;
          return `${s.namespace}/${s.name}: ${s.state}: ${s.reason}${absent === "" ? "" : `; ${absent}`}`;
        };
        return warning(
          `${bad.length} of ${statuses.length} TrafficSplit${statuses.length === 1 ? "" : "s"} ${bad.length === 1 ? "needs" : "need"} attention:\n` +
            list(bad.map(describe)) +
            `\n\tRun ${statusCommand(bad.map((s) => s.namespace))} for details`,
        );
      },
    },
    {
      id: "l5d-smi-gateway-crds",
      description: "Gateway API CRDs serve the routes httproute TrafficSplits need",
      run: async () => {
        if (state.splitCrd === false) return skip("the TrafficSplit CRD is not installed");
        const { statuses, view } = await load();
        const routed = statuses.filter((s) => s.target === "httproute");
        if (routed.length === 0) return skip("no TrafficSplit targets httproute");
        const served = view.gatewayApi ?? (await gatewayApiServed(client));
        const names = (rows: readonly SplitStatus[]) =>
          rows.map((s) => `${s.namespace}/${s.name}`).join(", ");
        if (served.httpRoute === undefined)
          return error(
            `the API server does not serve httproutes.${GATEWAY_GROUP} as v1 or v1beta1, so the adaptor cannot write the routes of ${names(routed)}.\n` +
              `\tInstall the Gateway API CRDs (standard channel, ${GATEWAY_API_RELEASE}): kubectl apply --server-side -f ${GATEWAY_API_URL}/standard-install.yaml`,
          );
        const opaque = routed.filter((s) => {
          const service = view.services?.get(`${s.namespace}/${s.apex}`);
          return (service?.spec?.ports ?? []).some((p) =>
            isOpaquePort(service ?? {}, p.port, view.defaultOpaquePorts),
          );
        });
        if (opaque.length > 0 && !served.tcpRoute)
          return error(
            `the API server does not serve tcproutes.${GATEWAY_GROUP}/${TCP_ROUTE_VERSION}, and ${names(opaque)} split${opaque.length === 1 ? "s" : ""} a Service with an opaque port, where Linkerd uses only TCPRoutes: that port's traffic is not split.\n` +
              `\tInstall the TCPRoute CRD (Gateway API experimental channel, ${GATEWAY_API_RELEASE}): kubectl apply --server-side -f ${GATEWAY_API_URL}/experimental-install.yaml`,
          );
        return ok;
      },
    },
    {
      id: "l5d-smi-routes-accepted",
      description: "Linkerd accepts the routes of httproute TrafficSplits",
      warning: true,
      run: async () => {
        if (state.splitCrd === false) return skip("the TrafficSplit CRD is not installed");
        const { statuses } = await load();
        const routed = statuses.filter((s) => s.target === "httproute");
        if (routed.length === 0) return skip("no TrafficSplit targets httproute");
        const problems = routed.flatMap((s) =>
          (s.routes ?? [])
            .filter((r) => r.state !== "RouteAccepted")
            .map((r) =>
              r.state === "RoutePending" && s.apexWarning !== undefined
                ? // A Service without a ClusterIP is why, more likely than no Linkerd (status says so too).
                  `TrafficSplit ${s.namespace}/${s.name}: ${r.kind} ${r.name} has no status from ${LINKERD_POLICY_CONTROLLER} yet; ${s.apexWarning}`
                : `TrafficSplit ${s.namespace}/${s.name}: ${routeAcceptanceMessage(`${r.kind} ${r.name}`, r)}`,
            ),
        );
        if (problems.length === 0) return ok;
        return warning(
          `${problems.length} route${problems.length === 1 ? " is" : "s are"} not fully accepted by Linkerd:\n${list(problems)}\n` +
            `\tRun ${statusCommand(routed.map((s) => s.namespace))} -o wide for details`,
        );
      },
    },
    {
      id: "l5d-smi-no-shadowing-profiles",
      description: "no ServiceProfile shadows the routes of httproute TrafficSplits",
      warning: true,
      run: async () => {
        if (state.splitCrd === false) return skip("the TrafficSplit CRD is not installed");
        const { statuses } = await load();
        const routed = statuses.filter((s) => s.target === "httproute");
        if (routed.length === 0) return skip("no TrafficSplit targets httproute");
        const shadowed = routed.flatMap((s) =>
          (s.shadowedBy ?? []).map(
            (p) =>
              `ServiceProfile ${p.profile} has ${p.why}: proxies use it instead of the routes of TrafficSplit ${s.namespace}/${s.name} (service ${s.apex})`,
          ),
        );
        if (shadowed.length === 0) return ok;
        return warning(
          `${shadowed.length === 1 ? "a ServiceProfile shadows" : `${shadowed.length} ServiceProfiles shadow`} Gateway API routes (linkerd2-proxy prefers a profile with routes or non-zero dstOverrides):\n${list(shadowed)}\n` +
            "\tRemove the profile's routes and dstOverrides (or delete it) to let the routes apply; if the smi-adaptor wrote the dstOverrides, it removes them at its next sync. Client proxies may keep their earlier choice until their cache entry expires: restart the client workloads (kubectl rollout restart)",
        );
      },
    },
    {
      id: "l5d-smi-cut-over-old-path",
      description: "no client proxy still sends a split's traffic by the old path of a cut-over",
      warning: true,
      run: async () => {
        if (state.splitCrd === false) return skip("the TrafficSplit CRD is not installed");
        const { statuses } = await load();
        const valid = statuses.filter(
          (s) => s.state !== "Invalid" && s.state !== "Conflict" && s.apex !== "",
        );
        if (valid.length === 0) return skip("no valid TrafficSplit");
        const prometheus = await options.prometheus?.();
        if (prometheus === undefined)
          return skip(
            "no Prometheus to read the proxies' metrics from: pass --prometheus-url, or install linkerd-viz",
          );
        let paths;
        try {
          paths = await collectOldPaths(
            prometheus,
            valid.map((s) => ({
              namespace: s.namespace,
              name: s.name,
              apex: s.apex,
              target: s.target,
            })),
            {
              ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
              window: OLD_PATH_WINDOW,
            },
          );
        } catch (error) {
          if (!(error instanceof PrometheusError)) throw error;
          return skip(`the proxies' metrics could not be read: ${error.message}`);
        }
        const lines = valid.flatMap((s) =>
          describeOldPath(s, paths.get(`${s.namespace}/${s.name}`) ?? []),
        );
        if (lines.length === 0) return ok;
        return warning(
          `client proxies still use the old path of a cut-over (they chose it when they built their stack and keep it while busy), over the last ${OLD_PATH_WINDOW}:\n${list(lines)}\n` +
            "\tOnce restarted, annotate the split smi.linkerd.io/clients-restarted=<the time> so that the adaptor finishes the cut-over",
        );
      },
    },
  ];
  if (options.served !== undefined)
    checks.push(
      servedCheck(load, {
        ...(options.served.policyAddr === undefined
          ? {}
          : { policyAddr: options.served.policyAddr }),
        linkerdNamespace: options.linkerdNamespace ?? "linkerd",
        kubectlFlags: options.served.kubectlFlags,
        report: options.served.report,
      }),
    );
  return { name: CATEGORY, checks };
}

export const PROXY_CONTAINER = "linkerd-proxy";
const INJECT_ANNOTATION = "linkerd.io/inject";
const CONTROL_PLANE_NS_LABEL = "linkerd.io/control-plane-ns";
const TRUST_ANCHORS_ENV = "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS";
const TRUST_ROOTS_CONFIGMAP = "linkerd-identity-trust-roots";

function hasProxy(pod: Pod): boolean {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some(
    (c) => c.name === PROXY_CONTAINER,
  );
}

/** Why a meshed pod's proxy is not running and ready (Linkerd's CheckPodsRunning), or undefined. */
export function proxyProblem(pod: Pod): string | undefined {
  const name = pod.metadata?.name ?? "";
  const phase = pod.status?.phase ?? "Pending";
  if (phase === "Succeeded") return undefined;
  if (phase !== "Running") return `pod "${name}" status is ${phase}`;
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  if (statuses.find((c) => c.name === PROXY_CONTAINER)?.ready !== true)
    return `container "${PROXY_CONTAINER}" in pod "${name}" is not ready`;
  return undefined;
}

/** The data-plane checks of `check --proxy`: the adaptor's pods are meshed and their proxies healthy. */
function proxyChecks(client: KubeClient, ns: () => string, linkerdNamespace: string): Check[] {
  let meshingOff = false;
  return [
    {
      id: "l5d-smi-pods-injection",
      description: "SMI extension pods are injected",
      warning: true,
      run: async () => {
        const deployment = await adaptorDeployment(client, ns());
        const inject = deployment?.spec?.template.metadata?.annotations?.[INJECT_ANNOTATION];
        if (deployment !== undefined && inject !== "enabled") {
          meshingOff = true;
          return skip("the adaptor is installed unmeshed (adaptor.proxyInject=false)");
        }
        const unmeshed = live(await adaptorPods(client, ns())).filter((p) => !hasProxy(p));
        if (unmeshed.length === 0) return ok;
        return error(
          `could not find the ${PROXY_CONTAINER} container in pod${unmeshed.length === 1 ? "" : "s"}:\n${list(unmeshed.map((p) => p.metadata?.name ?? ""))}\n` +
            `\tIs Linkerd's proxy injector running? Then restart the adaptor: kubectl -n ${ns()} rollout restart deployment/${ADAPTOR}`,
        );
      },
    },
    {
      id: "l5d-smi-proxy-healthy",
      description: "SMI extension proxies are healthy",
      retry: true,
      run: async () => {
        if (meshingOff) return skip("the adaptor is installed unmeshed");
        const pods = (
          await new ResourceClient(client, PodV1).listAll(ns(), {
            labelSelector: CONTROL_PLANE_NS_LABEL,
          })
        ).items;
        if (pods.length === 0)
          return error(`no "${PROXY_CONTAINER}" containers found in the "${ns()}" namespace`);
        for (const pod of pods) {
          const problem = proxyProblem(pod);
          if (problem !== undefined) return error(problem);
        }
        const roots = await new ResourceClient(client, ConfigMapV1).get(
          linkerdNamespace,
          TRUST_ROOTS_CONFIGMAP,
        );
        if (roots === undefined)
          return error(
            `ConfigMap ${linkerdNamespace}/${TRUST_ROOTS_CONFIGMAP} not found: is Linkerd's control plane installed in "${linkerdNamespace}" (-L)?`,
          );
        const bundle = (roots.data?.["ca-bundle.crt"] ?? "").trim();
        const stale = pods.filter((pod) =>
          [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
            .filter((c) => c.name === PROXY_CONTAINER)
            .some((c) =>
              (c.env ?? []).some(
                (e) => e.name === TRUST_ANCHORS_ENV && (e.value ?? "").trim() !== bundle,
              ),
            ),
        );
        if (stale.length === 0) return ok;
        return error(
          `Some pods do not have the current trust bundle and must be restarted:\n${list(stale.map((p) => p.metadata?.name ?? ""))}`,
        );
      },
    },
  ];
}

async function serviceProfileCrd(client: KubeClient): Promise<Outcome> {
  const problem = await serviceProfileCrdProblem(client);
  return problem === undefined ? ok : error(problem.message);
}

async function deniedOf(client: KubeClient, permissions: readonly Permission[]): Promise<string[]> {
  const allowed = await Promise.all(permissions.map((p) => selfCan(client, p)));
  return permissions.filter((_, i) => allowed[i] !== true).map(describePermission);
}

/** The `linkerd-smi-pre` category: what must hold before `linkerd smi install`. */
export function preCategory(
  client: KubeClient,
  installNamespace: string = DEFAULT_NAMESPACE,
): Category {
  const checks: Check[] = [
    {
      id: "l5d-smi-sp-crd-exists",
      description: "Linkerd ServiceProfile CRD is installed",
      run: () => serviceProfileCrd(client),
    },
    {
      id: "l5d-smi-pre-k8s-cluster",
      description: "can create non-namespaced resources",
      run: async () => {
        const denied = await deniedOf(client, INSTALL_CLUSTER_RESOURCES);
        return denied.length === 0 ? ok : error(`you are not allowed to:\n${list(denied)}`);
      },
    },
    {
      id: "l5d-smi-pre-k8s",
      description: `can create the extension's resources in namespace ${installNamespace}`,
      run: async () => {
        const denied = await deniedOf(client, installNamespacedResources(installNamespace));
        return denied.length === 0 ? ok : error(`you are not allowed to:\n${list(denied)}`);
      },
    },
    {
      id: "l5d-smi-pre-existing",
      description: "the SMI extension is not already installed",
      run: async () => {
        const found = await extensionNamespaces(client);
        if (found.length === 0) return ok;
        const names = found.map((n) => `${n.name}${n.terminating ? " (being deleted)" : ""}`);
        return error(
          `the SMI extension is already installed in namespace ${names.join(", ")} (labelled ${EXTENSION_LABEL}=${EXTENSION_NAME}); run linkerd smi check to check it`,
        );
      },
    },
  ];
  return { name: PRE_CATEGORY, checks };
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "no version")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
}
