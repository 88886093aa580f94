/**
 * The shares Linkerd serves on each port of an apex Service. A backend Service that does not
 * expose one of the apex's ports is left out of that port's route (the SMI spec), so the shares
 * there are the kept backends' weights over their own total: 50/30/20 where the 20-backend lacks
 * the port is served as 62.5/37.5 on it.
 *
 * @packageDocumentation
 */

import type { ServiceLike } from "./gateway-types.js";
import { routeWeights } from "./route-weights.js";
import { backendShares } from "./shares.js";

/** One backend of a port's route and its share of that port's traffic. */
export interface PortBackendShare {
  readonly service: string;
  /** The split's weight, as written. */
  readonly weight: string;
  /** The route's `backendRef.weight`. */
  readonly routeWeight: number;
  /** routeWeight / the route's total * 100; 100 for the apex when every kept weight is 0. */
  readonly percent: number;
}

/** What Linkerd serves on one port of the apex. */
export interface PortShares {
  readonly port: number;
  /**
   * The route's backends in split order with their shares. When no kept backend has a weight
   * (or none is kept), the route sends everything to the apex: one entry for it, weight `-`.
   */
  readonly backends: readonly PortBackendShare[];
  /** Backends left out of the port's route because their Service lacks the port. */
  readonly leftOut: readonly string[];
}

/** The ports of `service` that get a route: its TCP ports, each once, in order. */
export function apexRoutePorts(service: ServiceLike): number[] {
  const ports: number[] = [];
  for (const p of service.spec?.ports ?? []) {
    if (typeof p.port !== "number" || (p.protocol ?? "TCP") !== "TCP") continue;
    if (!ports.includes(p.port)) ports.push(p.port);
  }
  return ports;
}

/**
 * Per port of `ports`, the backends Linkerd routes to and their shares, after leaving out the
 * backends whose Service does not expose the port (`backendPorts` answers undefined when it is
 * not known: the backend is then kept, as the adaptor keeps it). Pure.
 */
export function portShares(input: {
  readonly apex: string;
  readonly backends: readonly {
    readonly service: string;
    readonly weight: string;
    readonly milli: bigint;
  }[];
  readonly ports: readonly number[];
  readonly backendPorts?: (name: string) => readonly number[] | undefined;
}): PortShares[] {
  return input.ports.map((port) => {
    const kept: { service: string; weight: string; milli: bigint }[] = [];
    const leftOut: string[] = [];
    for (const b of input.backends) {
      const exposed = input.backendPorts?.(b.service);
      if (exposed !== undefined && !exposed.includes(port)) leftOut.push(b.service);
      else kept.push(b);
    }
    const { weights } = routeWeights(kept.map((b) => b.milli));
    if (weights.every((w) => w === 0))
      return {
        port,
        backends: [{ service: input.apex, weight: "-", routeWeight: 1, percent: 100 }],
        leftOut,
      };
    const shares = backendShares({
      backends: kept.map((b, i) => ({
        service: b.service,
        weight: b.weight,
        milli: BigInt(weights[i] ?? 0),
      })),
    });
    return {
      port,
      backends: shares.map((s, i) => ({
        service: s.service,
        weight: kept[i]?.weight ?? s.weight,
        routeWeight: weights[i] ?? 0,
        percent: s.percent,
      })),
      leftOut,
    };
  });
}
