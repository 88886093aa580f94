import { describe, expect, it } from "vitest";
import { apexRoutePorts, portShares } from "./port-shares.js";

const b = (service: string, weight: number) => ({
  service,
  weight: String(weight),
  milli: BigInt(weight) * 1000n,
});
const split = [b("v1", 50), b("v2", 30), b("v3", 20)];
const exposes =
  (ports: Record<string, number[]>) =>
  (name: string): readonly number[] | undefined =>
    ports[name];

describe("portShares", () => {
  it("re-spreads the shares of a port over the backends that expose it: 50/30/20 without the 20 is 62.5/37.5", () => {
    const [p80, p8080] = portShares({
      apex: "web",
      backends: split,
      ports: [80, 8080],
      backendPorts: exposes({ v1: [80, 8080], v2: [80, 8080], v3: [80] }),
    });
    expect(p80).toEqual({
      port: 80,
      backends: [
        { service: "v1", weight: "50", routeWeight: 50, percent: 50 },
        { service: "v2", weight: "30", routeWeight: 30, percent: 30 },
        { service: "v3", weight: "20", routeWeight: 20, percent: 20 },
      ],
      leftOut: [],
    });
    // 50/80 = 62.5%, 30/80 = 37.5%.
    expect(p8080).toEqual({
      port: 8080,
      backends: [
        { service: "v1", weight: "50", routeWeight: 50, percent: 62.5 },
        { service: "v2", weight: "30", routeWeight: 30, percent: 37.5 },
      ],
      leftOut: ["v3"],
    });
  });

  it("50/30/20 without the 30 is 71.43/28.57 on that port", () => {
    const [p] = portShares({
      apex: "web",
      backends: split,
      ports: [9000],
      backendPorts: exposes({ v1: [9000], v2: [80], v3: [9000] }),
    });
    expect(p?.leftOut).toEqual(["v2"]);
    expect(p?.backends.map((x) => x.service)).toEqual(["v1", "v3"]);
    // 50/70 = 71.428571...%, 20/70 = 28.571428...%.
    expect(p?.backends[0]?.percent).toBeCloseTo(71.428571, 5);
    expect(p?.backends[1]?.percent).toBeCloseTo(28.571429, 5);
  });

  it("keeps a backend whose ports are unknown", () => {
    const [p] = portShares({
      apex: "web",
      backends: split,
      ports: [80],
      backendPorts: exposes({ v1: [80], v3: [443] }),
    });
    expect(p?.backends.map((x) => [x.service, x.percent])).toEqual([
      ["v1", 62.5],
      ["v2", 37.5],
    ]);
    expect(p?.leftOut).toEqual(["v3"]);
  });

  it("sends a port's traffic to the apex when no kept backend has weight, or none is kept", () => {
    const apexOnly = [{ service: "web", weight: "-", routeWeight: 1, percent: 100 }];
    const ports = portShares({
      apex: "web",
      backends: [b("v1", 0), b("v2", 10)],
      ports: [80, 81],
      backendPorts: exposes({ v1: [80, 81], v2: [82] }),
    });
    expect(ports).toEqual([
      { port: 80, backends: apexOnly, leftOut: ["v2"] },
      { port: 81, backends: apexOnly, leftOut: ["v2"] },
    ]);
  });

  it("a zero-weight backend keeps share 0 among the others", () => {
    const [p] = portShares({
      apex: "web",
      backends: [b("v1", 3), b("v2", 0), b("v3", 1)],
      ports: [80],
    });
    expect(p?.backends.map((x) => x.percent)).toEqual([75, 0, 25]);
  });

  it("shares follow the route's integer weights: 500m/1500m are written 500/1500, 25%/75%", () => {
    const [p] = portShares({
      apex: "web",
      backends: [
        { service: "v1", weight: "500m", milli: 500n },
        { service: "v2", weight: "1500m", milli: 1500n },
      ],
      ports: [80],
    });
    expect(p?.backends).toEqual([
      { service: "v1", weight: "500m", routeWeight: 500, percent: 25 },
      { service: "v2", weight: "1500m", routeWeight: 1500, percent: 75 },
    ]);
  });
});

describe("apexRoutePorts", () => {
  it("lists the TCP ports once, in order", () => {
    expect(
      apexRoutePorts({
        spec: {
          ports: [
            { port: 80 },
            { port: 53, protocol: "UDP" },
            { port: 443, protocol: "TCP" },
            { port: 80 },
          ],
        },
      }),
    ).toEqual([80, 443]);
  });
});
