/**
 * What the smi-adaptor does with the Kubernetes API (see apps/controller), and what installing
 * the extension creates: the permissions `linkerd smi check` verifies with access reviews.
 */
import { TRAFFIC_SPLIT_GROUP } from "@linkerd-smi/core";
import type { KubeClient } from "@linkerd-smi/kube";

export interface Permission {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
  /** Only needed in this namespace; cluster-wide otherwise. */
  readonly namespace?: string;
}

function expand(
  group: string,
  resource: string,
  verbs: readonly string[],
  namespace?: string,
): Permission[] {
  return verbs.map((verb) => ({
    group,
    resource,
    verb,
    ...(namespace === undefined ? {} : { namespace }),
  }));
}

/** Every call the adaptor makes; leases only in its own namespace (leader election). */
export function adaptorPermissions(extensionNamespace: string): Permission[] {
  return [
    // Informer on TrafficSplits, any namespace.
    ...expand(TRAFFIC_SPLIT_GROUP, "trafficsplits", ["get", "list", "watch"]),
    // Informer, server-side apply (create + patch), clearing (patch) and deleting profiles.
    ...expand("linkerd.io", "serviceprofiles", [
      "get",
      "list",
      "watch",
      "create",
      "patch",
      "delete",
    ]),
    // Informer on Services, for the BackendNotFound warning.
    ...expand("", "services", ["get", "list", "watch"]),
    // Events about splits and profiles; repeats are patched.
    ...expand("", "events", ["create", "patch"]),
    // Leader election.
    ...expand("coordination.k8s.io", "leases", ["get", "create", "update"], extensionNamespace),
  ];
}

/** The cluster-scoped kinds `linkerd smi install` creates (helm template, default values). */
export const INSTALL_CLUSTER_RESOURCES: readonly Permission[] = [
  { group: "", resource: "namespaces", verb: "create" },
  { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", verb: "create" },
  { group: "rbac.authorization.k8s.io", resource: "clusterroles", verb: "create" },
  { group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", verb: "create" },
];

/** The namespaced kinds `linkerd smi install` creates in the extension's namespace. */
export function installNamespacedResources(namespace: string): Permission[] {
  return [
    { group: "", resource: "serviceaccounts", verb: "create", namespace },
    { group: "", resource: "services", verb: "create", namespace },
    { group: "apps", resource: "deployments", verb: "create", namespace },
    { group: "rbac.authorization.k8s.io", resource: "roles", verb: "create", namespace },
    { group: "rbac.authorization.k8s.io", resource: "rolebindings", verb: "create", namespace },
  ];
}

/** `verb resource.group` and where, as people say it: `patch serviceprofiles.linkerd.io (all namespaces)`. */
export function describePermission(p: Permission): string {
  const resource = p.group === "" ? p.resource : `${p.resource}.${p.group}`;
  return `${p.verb} ${resource} ${p.namespace === undefined ? "(all namespaces)" : `in namespace ${p.namespace}`}`;
}

interface ReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

function attributes(p: Permission) {
  return {
    group: p.group,
    resource: p.resource,
    verb: p.verb,
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
  };
}

/** Whether a service account may do `p`, asked with a SubjectAccessReview. */
export async function serviceAccountCan(
  client: KubeClient,
  account: { namespace: string; name: string },
  p: Permission,
): Promise<boolean> {
  const review = (await client.request({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: `system:serviceaccount:${account.namespace}:${account.name}`,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${account.namespace}`,
          "system:authenticated",
        ],
        resourceAttributes: attributes(p),
      },
    },
    context: { verb: "create", resource: "subjectaccessreviews.authorization.k8s.io" },
  })) as ReviewStatus;
  return review.status?.allowed === true;
}

/** Whether the caller may do `p`, asked with a SelfSubjectAccessReview (what `kubectl auth can-i` does). */
export async function selfCan(client: KubeClient, p: Permission): Promise<boolean> {
  const review = (await client.request({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: attributes(p) },
    },
    context: { verb: "create", resource: "selfsubjectaccessreviews.authorization.k8s.io" },
  })) as ReviewStatus;
  return review.status?.allowed === true;
}
