import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { buildAdminServer, parseListenAddress } from "./admin.js";
import { createMetrics } from "./metrics.js";

const TEXT = "text/plain; charset=utf-8";

describe("admin server", () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let state = { ready: false, reasons: ["TrafficSplit cache not synced"] };
  let live = true;
  const app = buildAdminServer({
    registry: metrics.registry,
    readiness: () => state,
    live: () => live,
  });
  afterAll(() => app.close());

  it("answers /ping and /live, and /live 503 once the process is wedged", async () => {
    const ping = await app.inject("/ping");
    expect([ping.statusCode, ping.headers["content-type"], ping.body]).toEqual([
      200,
      TEXT,
      "pong\n",
    ]);
    const ok = await app.inject("/live");
    expect([ok.statusCode, ok.body]).toEqual([200, "ok\n"]);
    live = false;
    const wedged = await app.inject("/live");
    expect([wedged.statusCode, wedged.body]).toEqual([503, "not live\n"]);
    live = true;
  });

  it("is not ready until caches sync, and says why", async () => {
    state = { ready: false, reasons: ["TrafficSplit cache not synced", "Service watch is down"] };
    const res = await app.inject("/ready");
    expect(res.statusCode).toBe(503);
    expect(res.headers["content-type"]).toBe(TEXT);
    expect(res.body).toBe("not ready:\n- TrafficSplit cache not synced\n- Service watch is down\n");
    state = { ready: true, reasons: [] };
    const ready = await app.inject("/ready");
    expect([ready.statusCode, ready.body]).toEqual([200, "ok\n"]);
  });

  it("serves prom-client's exposition of the adaptor's metrics", async () => {
    metrics.reconciles.inc({ result: "created" });
    metrics.backendWeight.set({ namespace: "ns", trafficsplit: "s", apex: "a", backend: "b" }, 0.5);
    const res = await app.inject("/metrics");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.body).toContain('smi_adaptor_reconciles_total{result="created"} 1\n');
    expect(res.body).toContain(
      'smi_adaptor_backend_weight_ratio{namespace="ns",trafficsplit="s",apex="a",backend="b"} 0.5\n',
    );
  });

  it("answers HEAD on every path with GET's status and headers and no body", async () => {
    for (const [url, status] of [
      ["/ping", 200],
      ["/live", 200],
      ["/ready", 200],
      ["/metrics", 200],
    ] as const) {
      const head = await app.inject({ method: "HEAD", url });
      expect([url, head.statusCode, head.body]).toEqual([url, status, ""]);
    }
    const head = await app.inject({ method: "HEAD", url: "/ping" });
    expect(head.headers["content-length"]).toBe("5");
    expect(head.headers["content-type"]).toBe(TEXT);
  });

  it("answers 404 for anything else, 405 with Allow for other methods, and ignores the query", async () => {
    const nope = await app.inject("/nope");
    expect([nope.statusCode, nope.headers["content-type"], nope.body]).toEqual([
      404,
      TEXT,
      "404 page not found: /nope\n",
    ]);
    for (const url of ["/metrics", "/ready", "/live", "/ping"]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const) {
        const res = await app.inject({ method, url });
        expect([method, url, res.statusCode, res.headers["allow"], res.body]).toEqual([
          method,
          url,
          405,
          "GET, HEAD",
          `method ${method} not allowed on ${url}\n`,
        ]);
      }
    }
    // A body does not change the answer.
    const post = await app.inject({
      method: "POST",
      url: "/ready",
      payload: { a: 1 },
    });
    expect([post.statusCode, post.headers["allow"]]).toEqual([405, "GET, HEAD"]);
    expect((await app.inject("/ping?verbose=1")).body).toBe("pong\n");
    expect((await app.inject("/ready?x")).statusCode).toBe(200);
  });

  it("answers 500 with the message when a handler throws", async () => {
    const broken = buildAdminServer({
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => {
        throw new Error("informer gone");
      },
    });
    const res = await broken.inject("/ready");
    expect([res.statusCode, res.headers["content-type"], res.body]).toEqual([
      500,
      TEXT,
      "informer gone\n",
    ]);
    await broken.close();
  });
});

describe("admin server on a socket", () => {
  it("serves GET and HEAD, and close ends kept-alive connections", async () => {
    const server = buildAdminServer({
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true, reasons: [] }),
    });
    await server.listen({ host: "127.0.0.1", port: 0 });
    const { address, port } = server.server.address() as AddressInfo;
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
    await first.listen({ host: "127.0.0.1", port: 0 });
    const { port } = first.server.address() as AddressInfo;
    const second = buildAdminServer(deps);
    await expect(second.listen({ host: "127.0.0.1", port })).rejects.toThrow(/EADDRINUSE/);
    await second.close();
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
