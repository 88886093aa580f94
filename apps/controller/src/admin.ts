import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready (for humans and probes' logs). */
  reasons: string[];
}

export interface AdminServerDeps {
  registry: Registry;
  readiness: () => Readiness;
  /** False once the process is wedged and should be restarted. */
  live?: () => boolean;
}

/**
 * The admin server: `/metrics` (Prometheus), `/ready` (caches synced and
 * watches up), `/live`, `/ping`. `main` calls `listen`; tests use `inject`.
 */
export function buildAdminServer(deps: AdminServerDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/metrics", async (_req, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });
  app.get("/ready", (_req, reply) => {
    const { ready, reasons } = deps.readiness();
    return reply
      .code(ready ? 200 : 503)
      .type("text/plain; charset=utf-8")
      .send(ready ? "ok\n" : `not ready:\n${reasons.map((r) => `- ${r}`).join("\n")}\n`);
  });
  app.get("/live", (_req, reply) => {
    const live = deps.live?.() ?? true;
    return reply
      .code(live ? 200 : 503)
      .type("text/plain; charset=utf-8")
      .send(live ? "ok\n" : "not live\n");
  });
  app.get("/ping", (_req, reply) => reply.type("text/plain; charset=utf-8").send("pong\n"));
  return app;
}

/** Splits Go-style listen addresses (":9995", "127.0.0.1:9995", "[::1]:9995"). */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = Number(m?.[3]);
  if (m === null || port > 65535) {
    throw new Error(
      `invalid -metrics-addr "${addr}": want host:port, such as ":9995" or "127.0.0.1:9995"`,
    );
  }
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port };
}
