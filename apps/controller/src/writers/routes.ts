/**
 * Writes the Gateway API output: server-side apply of whole routes (field manager smi-adaptor),
 * deletes guarded by uid and version, and the cut-over's ServiceProfile action through the
 * ServiceProfile writer. `TargetedWriter` puts both outputs behind one writer for the targeted
 * planner, and builds what exists around an apex from the informers.
 */
import {
  FIELD_MANAGER,
  TCP_ROUTE_RESOURCE,
  httpRouteResource,
  isAdaptorRoute,
  serviceProfileName,
  type HttpRoute,
  type HttpRouteGroupObject,
  type HttpRouteVersion,
  type Route,
  type RouteAction,
  type RouteWorld,
  type ServiceLike,
  type ServiceProfile,
  type TargetedAction,
  type TargetedWorld,
  type TcpRoute,
} from "@linkerd-smi/core";
import {
  classifyError,
  MutationCache,
  ResourceClient,
  type Informer,
  type KubeTransport,
} from "@linkerd-smi/kube";
import type { Involved } from "../events.js";
import { PROFILE_BY_NAME } from "../informers.js";
import type { OutputWriter } from "../output.js";
import type { ServiceProfileWriter } from "./service-profile.js";

/** What the Gateway API output reads, from the informers. */
interface RouteSources {
  readonly services: { get(namespace: string, name: string): unknown };
  readonly profiles: Informer<ServiceProfile>;
  /** Undefined when HTTPRoute is not served. */
  readonly httpRoutes?: Informer<HttpRoute>;
  /** Undefined when TCPRoute is not served. */
  readonly tcpRoutes?: Informer<TcpRoute>;
  /** Undefined when HTTPRouteGroup is not served. */
  readonly routeGroups?: Informer<HttpRouteGroupObject>;
  readonly clusterDomain: string;
}

export class RouteWriter {
  private readonly http: ResourceClient<HttpRoute>;
  private readonly tcp: ResourceClient<TcpRoute>;
  private readonly recent = new MutationCache<Route>();

  constructor(
    transport: KubeTransport,
    private readonly sources: RouteSources,
    httpVersion: HttpRouteVersion,
    private readonly profiles: ServiceProfileWriter,
  ) {
    this.http = new ResourceClient(transport, httpRouteResource(httpVersion));
    this.tcp = new ResourceClient(transport, TCP_ROUTE_RESOURCE);
  }

  private key(route: { kind: string; namespace: string; name: string }): string {
    return `${route.kind}/${route.namespace}/${route.name}`;
  }

  /** The routes, Services, profiles and route groups around `namespace/apex`. */
  world(namespace: string, apex: string): RouteWorld {
    const { services, httpRoutes, tcpRoutes, routeGroups, profiles, clusterDomain } = this.sources;
    const listed: Route[] = [
      ...(httpRoutes?.list(namespace) ?? []),
      ...(tcpRoutes?.list(namespace) ?? []),
    ];
    const routes = listed.flatMap((r) => {
      const newest = this.recent.newest(
        this.key({ kind: r.kind, namespace, name: r.metadata.name ?? "" }),
        r,
      );
      return newest === undefined ? [] : [newest];
    });
    const portsOf = (name: string) =>
      (services.get(namespace, name) as ServiceLike | undefined)?.spec?.ports?.map((p) => p.port);
    return {
      namespace,
      apex,
      service: services.get(namespace, apex) as ServiceLike | undefined,
      routes,
      profiles: profiles.byIndex(
        PROFILE_BY_NAME,
        serviceProfileName(apex, namespace, clusterDomain),
      ),
      ...(routeGroups === undefined
        ? {}
        : { routeGroup: (name: string) => routeGroups.get(namespace, name) }),
      backendPorts: portsOf,
      serviceNamed: (name: string) => services.get(namespace, name) as ServiceLike | undefined,
      tcpRouteServed: tcpRoutes !== undefined,
    };
  }

  async execute(action: RouteAction): Promise<void> {
    if (action.kind === "none") return;
    // Routes first, then the profile that shadowed them: never a moment with neither.
    for (const route of action.apply) {
      const client = (route.kind === "TCPRoute" ? this.tcp : this.http) as ResourceClient<Route>;
      const written = await client.apply(route, { fieldManager: FIELD_MANAGER, force: true });
      this.recent.written(
        this.key({
          kind: route.kind,
          namespace: action.namespace,
          name: route.metadata.name ?? "",
        }),
        written,
      );
    }
    await profileGone(this.profiles.execute(action.profile));
    for (const ref of action.delete) {
      const client = (ref.kind === "TCPRoute" ? this.tcp : this.http) as ResourceClient<Route>;
      // Gone already (garbage collection, someone else): nothing left to do.
      await client.delete(ref.namespace, ref.name, {
        preconditions: { uid: ref.uid, resourceVersion: ref.resourceVersion },
      });
      this.recent.deleted(this.key(ref), ref.resourceVersion);
    }
  }
}

/** A profile someone removed first needs no clearing: the informer brings the delete. */
async function profileGone(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (classifyError(error) !== "not-found") throw error;
  }
}

/** Both outputs behind one writer, for core's `targetedOutput`. */
export class TargetedWriter implements OutputWriter<TargetedWorld, TargetedAction> {
  constructor(
    private readonly profiles: ServiceProfileWriter,
    private readonly routes: RouteWriter,
  ) {}

  adaptorWrote(existing: TargetedWorld | undefined): boolean {
    return this.profiles.adaptorWrote(existing?.profile);
  }

  /** Events with no split left go to the profile, else to a route the adaptor wrote. */
  involved(existing: TargetedWorld | undefined): Involved | undefined {
    return existing?.profile ?? existing?.routes.routes.find((r) => isAdaptorRoute(r));
  }

  existing(namespace: string, apex: string): TargetedWorld {
    return {
      profile: this.profiles.existing(namespace, apex),
      routes: this.routes.world(namespace, apex),
    };
  }

  written(action: TargetedAction): string[] {
    if (action.kind === "none") return [];
    const routes =
      action.routes.kind === "sync"
        ? [
            ...action.routes.apply.map((r) => `${r.kind.toLowerCase()}/${r.metadata.name ?? ""}`),
            ...action.routes.delete.map((r) => `${r.kind.toLowerCase()}/${r.name}`),
          ]
        : [];
    const profile =
      action.routes.kind === "sync" && action.routes.profile.kind !== "none"
        ? action.routes.profile
        : action.profile;
    return [...routes, ...this.profiles.written(profile)];
  }

  async execute(action: TargetedAction): Promise<void> {
    if (action.kind === "none") return;
    if (action.routes.kind === "sync") {
      // The route action carries its own profile action (the cut-over).
      await this.routes.execute(action.routes);
      if (action.routes.profile.kind === "none")
        await profileGone(this.profiles.execute(action.profile));
      return;
    }
    await profileGone(this.profiles.execute(action.profile));
  }
}
