import { Agent, request } from "node:http";
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

  it("answers 404 for anything else, 405 for other methods, and ignores the query", async () => {
    expect((await app.inject("/nope")).statusCode).toBe(404);
    const post = await app.inject("/ready", "POST");
    expect(post.statusCode).toBe(405);
    expect(post.headers["allow"]).toBe("GET, HEAD");
    expect((await app.inject("/ping?verbose=1")).body).toBe("pong\n");
  });
});

describe("admin server on a socket", () => {
  it("serves GET and HEAD, and close ends kept-alive connections", async () => {
    const server = buildAdminServer({
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true, reasons: [] }),
    });
    const { address, port } = await server.listen({ host: "127.0.0.1", port: 0 });
    expect(address).toBe("127.0.0.1");
    expect(port).toBeGreaterThan(0);
    const keepAlive = new Agent({ keepAlive: true });
    const get = (method: string) =>
      new Promise<{ status: number; length: string | undefined; body: string }>(
        (resolve, reject) => {
          const req = request(
            { host: address, port, path: "/ping", method, agent: keepAlive },
            (res) => {
              let body = "";
              res.setEncoding("utf8");
              res.on("data", (chunk: string) => (body += chunk));
              res.on("end", () =>
                resolve({
                  status: res.statusCode ?? 0,
                  length: res.headers["content-length"],
                  body,
                }),
              );
            },
          );
          req.on("error", reject);
          req.end();
        },
      );
    expect(await get("GET")).toEqual({ status: 200, length: "5", body: "pong\n" });
    expect(await get("HEAD")).toEqual({ status: 200, length: "5", body: "" });
    // The agent holds an idle connection open; close must not wait for it.
    await server.close();
    keepAlive.destroy();
    await expect(get("GET")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("rejects listen on a port already taken", async () => {
    const deps = {
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true, reasons: [] }),
    };
    const first = buildAdminServer(deps);
    const { port } = await first.listen({ host: "127.0.0.1", port: 0 });
    await expect(buildAdminServer(deps).listen({ host: "127.0.0.1", port })).rejects.toThrow(
      /EADDRINUSE/,
    );
    await first.close();
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
