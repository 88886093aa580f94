import { describe, expect, it } from "vitest";
import { buildAdminServer, parseListenAddress } from "./admin.js";
import { createMetrics } from "./metrics.js";

describe("admin server", () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let state = { ready: false, reasons: ["TrafficSplit cache not synced"] };
  const app = buildAdminServer({ registry: metrics.registry, readiness: () => state });

  it("answers /ping and /live", async () => {
    expect((await app.inject("/ping")).body).toBe("pong\n");
    const live = await app.inject("/live");
    expect(live.statusCode).toBe(200);
  });

  it("is not ready until caches sync, and says why", async () => {
    const res = await app.inject("/ready");
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain("TrafficSplit cache not synced");
    state = { ready: true, reasons: [] };
    expect((await app.inject("/ready")).statusCode).toBe(200);
  });

  it("serves Prometheus metrics", async () => {
    metrics.reconciles.inc({ result: "created" });
    metrics.backendWeight.set({ namespace: "ns", trafficsplit: "s", apex: "a", backend: "b" }, 0.5);
    const res = await app.inject("/metrics");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain('smi_adaptor_reconciles_total{result="created"} 1');
    expect(res.body).toContain(
      'smi_adaptor_backend_weight_ratio{namespace="ns",trafficsplit="s",apex="a",backend="b"} 0.5',
    );
  });

  it("answers 404 for anything else", async () => {
    expect((await app.inject("/nope")).statusCode).toBe(404);
  });
});

describe("parseListenAddress", () => {
  it.each([
    [":9995", "0.0.0.0", 9995],
    ["127.0.0.1:0", "127.0.0.1", 0],
    ["[::1]:9995", "::1", 9995],
  ])("%s", (addr, host, port) => {
    expect(parseListenAddress(addr)).toEqual({ host, port });
  });
  it("rejects a bare port with advice", () => {
    expect(() => parseListenAddress("9995")).toThrow('want host:port, such as ":9995"');
  });
});
