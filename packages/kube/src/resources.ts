import type {
  CoreV1Event,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Deployment,
  V1Lease,
  V1Namespace,
  V1ObjectMeta,
  V1Pod,
  V1Service,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import { KubeError, type ErrorContext } from "./errors.js";
import type { KubeTransport } from "./transport.js";

/**
 * A client-node model type as it is on the wire: JSON, so every `Date`
 * (including `V1MicroTime`) is an RFC 3339 string. client-node's models
 * declare `Date` because its own serializer converts them; this package
 * speaks plain JSON and says so in its types.
 */
export type Wire<T> = 0 extends 1 & T
  ? unknown
  : T extends Date
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { -readonly [K in keyof T]: Wire<T[K]> }
        : T;

/** `metadata` of any object, as client-node models it. */
export type ObjectMeta = Wire<V1ObjectMeta>;

/**
 * What this package reads of an object's metadata. Deliberately small, so
 * that any model of Kubernetes objects fits (client-node's, or
 * `@linkerd-smi/core`'s wire types): a type is a {@link KubeObject} when
 * these fields, where it has them, are strings.
 */
export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The least every Kubernetes object has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
}

/** A core/v1 Service, as JSON. */
export type Service = Wire<V1Service>;
/** A core/v1 Event, as JSON. */
export type CoreEvent = Wire<CoreV1Event>;
/** A coordination.k8s.io/v1 Lease, as JSON (MicroTime fields are strings). */
export type Lease = Wire<V1Lease>;
/** A core/v1 Pod, as JSON. */
export type Pod = Wire<V1Pod>;
/** An apps/v1 Deployment, as JSON. */
export type Deployment = Wire<V1Deployment>;
/** A core/v1 ConfigMap, as JSON. */
export type ConfigMap = Wire<V1ConfigMap>;
/** A core/v1 Namespace, as JSON. */
export type Namespace = Wire<V1Namespace>;
/** A core/v1 ServiceAccount, as JSON. */
export type ServiceAccount = Wire<V1ServiceAccount>;
/** An rbac.authorization.k8s.io/v1 ClusterRole, as JSON. */
export type ClusterRole = Wire<V1ClusterRole>;
/** An rbac.authorization.k8s.io/v1 ClusterRoleBinding, as JSON. */
export type ClusterRoleBinding = Wire<V1ClusterRoleBinding>;

/**
 * Which API resource a client talks to. The type parameter ties a descriptor
 * to the object type its client returns. Any value of this shape works,
 * whoever made it: `@linkerd-smi/core`'s `ApiResource<T>` descriptors
 * (`trafficSplitResource()`, `SERVICE_PROFILE_RESOURCE`) are accepted as they are.
 */
export interface ResourceDescriptor<T extends KubeObject = KubeObject> {
  /** API group; `""` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name used in URLs. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Type-level only: never set. */
  readonly __object?: T;
}

/** Defines a {@link ResourceDescriptor}. */
export function defineResource<T extends KubeObject>(
  descriptor: Omit<ResourceDescriptor<T>, "__object">,
): ResourceDescriptor<T> {
  return Object.freeze({ ...descriptor });
}

/** core/v1 Service. */
export const ServiceV1 = defineResource<Service>({
  group: "",
  version: "v1",
  plural: "services",
  kind: "Service",
  namespaced: true,
});

/** core/v1 Event. */
export const EventV1 = defineResource<CoreEvent>({
  group: "",
  version: "v1",
  plural: "events",
  kind: "Event",
  namespaced: true,
});

/** coordination.k8s.io/v1 Lease. */
export const LeaseV1 = defineResource<Lease>({
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
});

/** core/v1 Pod. */
export const PodV1 = defineResource<Pod>({
  group: "",
  version: "v1",
  plural: "pods",
  kind: "Pod",
  namespaced: true,
});

/** apps/v1 Deployment. */
export const DeploymentV1 = defineResource<Deployment>({
  group: "apps",
  version: "v1",
  plural: "deployments",
  kind: "Deployment",
  namespaced: true,
});

/** core/v1 Namespace (cluster-scoped: pass `undefined` as the namespace). */
export const NamespaceV1 = defineResource<Namespace>({
  group: "",
  version: "v1",
  plural: "namespaces",
  kind: "Namespace",
  namespaced: false,
});

/** core/v1 ServiceAccount. */
export const ServiceAccountV1 = defineResource<ServiceAccount>({
  group: "",
  version: "v1",
  plural: "serviceaccounts",
  kind: "ServiceAccount",
  namespaced: true,
});

/** core/v1 ConfigMap. */
export const ConfigMapV1 = defineResource<ConfigMap>({
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
});

/** rbac.authorization.k8s.io/v1 ClusterRole (cluster-scoped). */
export const ClusterRoleV1 = defineResource<ClusterRole>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterroles",
  kind: "ClusterRole",
  namespaced: false,
});

/** rbac.authorization.k8s.io/v1 ClusterRoleBinding (cluster-scoped). */
export const ClusterRoleBindingV1 = defineResource<ClusterRoleBinding>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterrolebindings",
  kind: "ClusterRoleBinding",
  namespaced: false,
});

/** `group/version`, or just `version` for the core group. */
export function apiVersionOf(resource: ResourceDescriptor): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

/** `plural.group` (or `plural` for the core group), as kubectl names a resource. */
export function resourceName(resource: ResourceDescriptor): string {
  return resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
}

/** The URL path of a collection (no name) or an object. */
export function resourcePath(
  resource: ResourceDescriptor,
  namespace?: string,
  name?: string,
): string {
  const base =
    resource.group === ""
      ? `/api/${resource.version}`
      : `/apis/${resource.group}/${resource.version}`;
  const ns =
    resource.namespaced && namespace !== undefined
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : "";
  const obj = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  return `${base}${ns}/${resource.plural}${obj}`;
}

/** `namespace/name` (or `name` for cluster-scoped objects): the key caches and work queues use. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns === undefined || ns === "" ? name : `${ns}/${name}`;
}

/** Splits an {@link objectKey} back into namespace and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Label and field selectors for list and watch. */
export interface SelectorOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Options of {@link ResourceClient.list}. */
export interface ListOptions extends SelectorOptions {
  /** Page size; the server returns a `continue` token when more remain. */
  limit?: number;
  /** Token from the previous page. */
  continue?: string;
  /** `"0"` lets the apiserver answer from its cache; unset reads from etcd (consistent). */
  resourceVersion?: string;
  signal?: AbortSignal;
}

/** One page (or all) of a list. */
export interface ObjectList<T> {
  items: T[];
  /** The collection's resourceVersion: watch from here to see every later change. */
  resourceVersion: string;
  /** Set when more pages remain. */
  continue?: string;
}

/** Options of writes. */
export interface WriteOptions {
  /** Who makes the change (recorded in managedFields). */
  fieldManager?: string;
  /** Validate and admit, but do not persist. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link ResourceClient.apply}. */
export interface ApplyOptions {
  /** Required: the owner of the applied fields. */
  fieldManager: string;
  /** Take over fields another manager owns instead of failing with a conflict. */
  force?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Options of {@link ResourceClient.delete}. */
export interface DeleteOptions {
  /** Delete only if the object still has this uid / resourceVersion (else 409 conflict). */
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** A watch event. `ERROR` events are turned into thrown {@link KubeError}s instead. */
export type WatchEvent<T> =
  { type: "ADDED" | "MODIFIED" | "DELETED"; object: T } | { type: "BOOKMARK"; object: KubeObject };

/** Options of {@link ResourceClient.watch}. */
export interface WatchOptions extends SelectorOptions {
  /** Start after this resourceVersion (from a list or the last event). */
  resourceVersion?: string;
  /** Ask for BOOKMARK events carrying fresh resourceVersions (default true). */
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (it adds no jitter of its own). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called once the server accepted the watch (HTTP 200). */
  onOpen?: () => void;
}

/**
 * Typed CRUD, server-side apply, merge patch, list and watch for one
 * resource. Objects are plain JSON; nothing is decoded into classes, so an
 * unexpected field shape (a quantity string where a number was expected)
 * arrives as it is instead of breaking the client.
 */
export class ResourceClient<T extends KubeObject> {
  private readonly name: string;

  constructor(
    readonly client: KubeTransport,
    readonly resource: ResourceDescriptor<T>,
  ) {
    this.name = resourceName(resource);
  }

  /** The object, or undefined when it does not exist (404). */
  async get(
    namespace: string | undefined,
    name: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<T | undefined> {
    this.checkNamespace(namespace, "get");
    try {
      return (await this.client.request({
        method: "GET",
        path: resourcePath(this.resource, namespace, name),
        ...signalOf(options.signal),
        resource: this.resource.plural,
        context: this.context("get", namespace, name),
      })) as T;
    } catch (error) {
      if (error instanceof KubeError && error.kind === "not-found") return undefined;
      throw error;
    }
  }

  /** One page of objects (all of them unless `limit` is set), across namespaces when `namespace` is undefined. */
  async list(namespace?: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    const body = (await this.client.request({
      method: "GET",
      path: resourcePath(this.resource, namespace),
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continue,
        resourceVersion: options.resourceVersion,
      },
      ...signalOf(options.signal),
      resource: this.resource.plural,
      context: this.context("list", namespace),
    })) as { items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } };
    const items = body.items ?? [];
    // A list's items carry no apiVersion/kind; fill them in as kubectl does.
    for (const item of items) {
      item.apiVersion ??= apiVersionOf(this.resource);
      item.kind ??= this.resource.kind;
    }
    const next = body.metadata?.continue;
    return {
      items,
      resourceVersion: body.metadata?.resourceVersion ?? "",
      ...(next === undefined || next === "" ? {} : { continue: next }),
    };
  }

  /** Every object, fetching pages of `limit` (default 500) and following `continue`. */
  async listAll(
    namespace?: string,
    options: Omit<ListOptions, "continue"> & {
      /** Applied to each item as its page arrives, so that only its result is kept. */
      eachItem?: (item: T) => T;
    } = {},
  ): Promise<ObjectList<T>> {
    const { eachItem, ...listOptions } = options;
    const items: T[] = [];
    const keep = (page: ObjectList<T>) => {
      for (const item of page.items) items.push(eachItem === undefined ? item : eachItem(item));
    };
    let page = await this.list(namespace, { ...listOptions, limit: listOptions.limit ?? 500 });
    keep(page);
    while (page.continue !== undefined) {
      // Later pages continue the first one's snapshot: no resourceVersion of their own.
      const rest: ListOptions = { ...listOptions };
      delete rest.resourceVersion;
      page = await this.list(namespace, {
        ...rest,
        limit: listOptions.limit ?? 500,
        continue: page.continue,
      });
      keep(page);
    }
    return { items, resourceVersion: page.resourceVersion };
  }

  /** Creates the object (409 `already-exists` if the name is taken). */
  async create(obj: T, options: WriteOptions = {}): Promise<T> {
    const { namespace, name } = this.identity(obj, "create");
    return (await this.client.request({
      method: "POST",
      path: resourcePath(this.resource, namespace),
      query: writeQuery(options),
      body: this.withType(obj),
      ...signalOf(options.signal),
      resource: this.resource.plural,
      context: this.context("create", namespace, name === "" ? undefined : name),
    })) as T;
  }

  /**
   * Replaces the object (PUT). With `metadata.resourceVersion` set, the
   * write succeeds only if the object is still at that version: otherwise a
   * `conflict`, and nothing changed (optimistic concurrency).
   */
  async replace(obj: T, options: WriteOptions = {}): Promise<T> {
    const { namespace, name } = this.identity(obj, "update");
    return (await this.client.request({
      method: "PUT",
      path: resourcePath(this.resource, namespace, name),
      query: writeQuery(options),
      body: this.withType(obj),
      ...signalOf(options.signal),
      resource: this.resource.plural,
      context: this.context("update", namespace, name),
    })) as T;
  }

  /**
   * Server-side apply: PATCH `application/apply-patch+yaml` with the fields
   * this manager wants to own. Creates the object if missing. A field owned
   * by another manager with a different value fails as a `conflict` unless
   * `force` is set.
   */
  async apply(obj: T, options: ApplyOptions): Promise<T> {
    const { namespace, name } = this.identity(obj, "apply");
    return (await this.client.request({
      method: "PATCH",
      path: resourcePath(this.resource, namespace, name),
      query: {
        fieldManager: options.fieldManager,
        force: options.force === true ? true : undefined,
        dryRun: options.dryRun === true ? "All" : undefined,
      },
      // JSON is YAML: the apply content type accepts it.
      body: this.withType(obj),
      contentType: "application/apply-patch+yaml",
      ...signalOf(options.signal),
      resource: this.resource.plural,
      context: this.context("apply", namespace, name),
    })) as T;
  }

  /** JSON merge patch (RFC 7386): `null` deletes a field, arrays are replaced whole. */
  async mergePatch(
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: WriteOptions = {},
  ): Promise<T> {
    this.checkNamespace(namespace, "patch");
    return (await this.client.request({
      method: "PATCH",
      path: resourcePath(this.resource, namespace, name),
      query: writeQuery(options),
      body: patch,
      contentType: "application/merge-patch+json",
      ...signalOf(options.signal),
      resource: this.resource.plural,
      context: this.context("patch", namespace, name),
    })) as T;
  }

  /**
   * Deletes the object. Resolves true when it was deleted (or deletion
   * started), false when it did not exist. A failed precondition is a `conflict`.
   */
  async delete(
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    this.checkNamespace(namespace, "delete");
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options.preconditions !== undefined) body.preconditions = options.preconditions;
    if (options.propagationPolicy !== undefined) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined)
      body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.dryRun === true) body.dryRun = ["All"];
    try {
      await this.client.request({
        method: "DELETE",
        path: resourcePath(this.resource, namespace, name),
        body,
        ...signalOf(options.signal),
        resource: this.resource.plural,
        context: this.context("delete", namespace, name),
      });
      return true;
    } catch (error) {
      if (error instanceof KubeError && error.kind === "not-found") return false;
      throw error;
    }
  }

  /**
   * Watches changes and calls `onEvent` for each, in order. Resolves when
   * the server ends the watch (its `timeoutSeconds`, or a graceful
   * apiserver shutdown): resume from the last resourceVersion seen. Rejects
   * with a {@link KubeError} on an error status, an `ERROR` event (`gone`
   * when the resourceVersion was compacted) or a broken connection, and with
   * the abort reason when `signal` fires.
   */
  async watch(
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    const context = this.context("watch", namespace);
    await this.client.stream(
      {
        method: "GET",
        path: resourcePath(this.resource, namespace),
        query: {
          watch: true,
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: options.allowWatchBookmarks ?? true,
          timeoutSeconds: options.timeoutSeconds,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
        },
        ...signalOf(options.signal),
        timeoutMs: 0,
        resource: this.resource.plural,
        context,
      },
      {
        ...(options.onOpen === undefined ? {} : { onOpen: options.onOpen }),
        onLine: (line) => {
          let event: { type?: string; object?: unknown };
          try {
            event = JSON.parse(line) as { type?: string; object?: unknown };
          } catch {
            throw new KubeError({
              message: `malformed watch event: ${line.slice(0, 200)}`,
              context,
            });
          }
          const object = event.object;
          if (typeof object !== "object" || object === null)
            throw new KubeError({
              message: `watch event without an object: ${line.slice(0, 200)}`,
              context,
            });
          switch (event.type) {
            case "ADDED":
            case "MODIFIED":
            case "DELETED": {
              const obj = object as T;
              obj.apiVersion ??= apiVersionOf(this.resource);
              obj.kind ??= this.resource.kind;
              onEvent({ type: event.type, object: obj });
              return;
            }
            case "BOOKMARK":
              onEvent({ type: "BOOKMARK", object });
              return;
            case "ERROR":
              throw KubeError.fromStatus(object, context);
            default:
              throw new KubeError({
                message: `unknown watch event type ${String(event.type)}`,
                context,
              });
          }
        },
      },
    );
  }

  private context(verb: string, namespace?: string, name?: string): ErrorContext {
    return {
      verb,
      resource: this.name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
    };
  }

  private checkNamespace(namespace: string | undefined, verb: string): void {
    if (this.resource.namespaced && (namespace === undefined || namespace === ""))
      throw new KubeError({
        message: `${this.name} is namespaced: a namespace is required`,
        context: { verb, resource: this.name },
      });
  }

  private identity(obj: T, verb: string): { namespace: string | undefined; name: string } {
    const name = obj.metadata?.name ?? "";
    const namespace = this.resource.namespaced ? obj.metadata?.namespace : undefined;
    const generated = verb === "create" && (obj.metadata?.generateName ?? "") !== "";
    if (name === "" && !generated)
      throw new KubeError({
        message: "metadata.name is required",
        context: { verb, resource: this.name },
      });
    this.checkNamespace(namespace, verb);
    return { namespace, name };
  }

  private withType(obj: T): T {
    return {
      ...obj,
      apiVersion: obj.apiVersion ?? apiVersionOf(this.resource),
      kind: obj.kind ?? this.resource.kind,
    };
  }
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return {
    fieldManager: options.fieldManager,
    dryRun: options.dryRun === true ? "All" : undefined,
  };
}
