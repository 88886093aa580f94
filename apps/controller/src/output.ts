/**
 * The seam between the decision and the API server: an output is one planner (in core: what to
 * write) and one writer (here, `writers/`: how to write it). The ServiceProfile output and the
 * Gateway API output sit behind one targeted pair (core's `targetedOutput`), chosen per split by
 * `-target` or the split's `smi.linkerd.io/target` annotation.
 */
import {
  httpRouteOutput,
  serviceProfileOutput,
  targetedOutput,
  type HttpRouteVersion,
  type OutputPlanner,
  type Target,
  type TargetedAction,
  type TargetedWorld,
} from "@linkerd-smi/core";
import type { KubeTransport } from "@linkerd-smi/kube";
import type { Involved } from "./events.js";
import type { AdaptorInformers } from "./informers.js";
import { RouteWriter, TargetedWriter } from "./writers/routes.js";
import { ServiceProfileWriter } from "./writers/service-profile.js";

/** Carries out the actions of one output's planner. */
export interface OutputWriter<E, A> {
  /** What exists of the output of `namespace/apex` (cache, or our newer write). */
  existing(namespace: string, apex: string): E | undefined;
  /** The object Events go to when no split is left (the output object), if any. */
  involved(existing: E | undefined): Involved | undefined;
  /** Carries `action` out; throws the API server's error when it fails. */
  execute(action: A): Promise<void>;
  /**
   * True when the adaptor remembers writing `existing` as it is, though it no longer shows it
   * (see core's `PlanContext.adaptorWrote`).
   */
  adaptorWrote?(existing: E | undefined): boolean;
  /** The objects `action` writes or deletes, as `kind/name` (`httproute/web-smi-80`), for logs. */
  written(action: A): string[];
}

/** A planner and its writer. */
export interface Output<E, A> {
  readonly planner: OutputPlanner<E, A>;
  readonly writer: OutputWriter<E, A>;
}

interface OutputOptions {
  readonly clusterDomain: string;
  /** The adaptor's `-target`; a split's `smi.linkerd.io/target` annotation overrides it. */
  readonly target: Target;
  readonly httpRouteVersion: HttpRouteVersion;
  readonly defaultOpaquePorts: readonly number[];
}

/** The adaptor's output: the ServiceProfile and Gateway API outputs behind one targeted pair. */
export function createOutput(
  client: KubeTransport,
  informers: AdaptorInformers,
  options: OutputOptions,
): Output<TargetedWorld, TargetedAction> {
  const { clusterDomain, httpRouteVersion } = options;
  const profileWriter = new ServiceProfileWriter(client, informers.profiles, clusterDomain);
  return {
    planner: targetedOutput({
      target: options.target,
      serviceProfile: serviceProfileOutput({ clusterDomain }),
      httpRoute: httpRouteOutput({
        clusterDomain,
        apiVersion: httpRouteVersion,
        defaultOpaquePorts: options.defaultOpaquePorts,
      }),
    }),
    writer: new TargetedWriter(
      profileWriter,
      new RouteWriter(client, { ...informers, clusterDomain }, httpRouteVersion, profileWriter),
    ),
  };
}
