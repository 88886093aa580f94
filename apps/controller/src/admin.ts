import type { AddressInfo } from "node:net";
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

const TEXT = "text/plain; charset=utf-8";

/** The admin paths; each answers GET and HEAD (fastify adds HEAD to every GET route). */
const PATHS = new Set(["/metrics", "/ready", "/live", "/ping"]);

/**
 * The admin server on fastify: `/metrics` (Prometheus, from prom-client's registry), `/ready`
 * (caches synced and watches up), `/live`, `/ping`. Other methods on those paths get 405 with
 * `Allow`, other paths 404, both as text. `main` calls `listen`; tests use `inject`.
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
      .type(TEXT)
      .send(ready ? "ok\n" : `not ready:\n${reasons.map((r) => `- ${r}`).join("\n")}\n`);
  });
  app.get("/live", (_req, reply) => {
    const live = deps.live?.() ?? true;
    return reply
      .code(live ? 200 : 503)
      .type(TEXT)
      .send(live ? "ok\n" : "not live\n");
  });
  app.get("/ping", (_req, reply) => reply.type(TEXT).send("pong\n"));
  // Unrouted requests: a known path with another method, or an unknown path.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?", 1)[0] ?? req.url;
    if (PATHS.has(path)) {
      return reply
        .code(405)
        .header("allow", "GET, HEAD")
        .type(TEXT)
        .send(`method ${req.method} not allowed on ${path}\n`);
    }
    return reply.code(404).type(TEXT).send(`404 page not found: ${path}\n`);
  });
  // A handler that throws (a collect callback, say) answers 500 with the message, as text;
  // fastify's own errors (a body it cannot parse) keep their status.
  app.setErrorHandler((error, _req, reply) => {
    const status = (error as { statusCode?: unknown }).statusCode;
    return reply
      .code(typeof status === "number" && status >= 400 ? status : 500)
      .type(TEXT)
      .send(`${error instanceof Error ? error.message : String(error)}\n`);
  });
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

/** Listens on a Go-style address (see {@link parseListenAddress}); the `host:port` it listens on. */
export async function listenOn(app: FastifyInstance, addr: string): Promise<string> {
  const { host, port } = parseListenAddress(addr);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const ip = address.address.includes(":") ? `[${address.address}]` : address.address;
  return `${ip}:${address.port}`;
}

/** Resolves once `readiness` is ready; throws with its reasons after `timeoutMs`. */
export async function waitUntilReady(readiness: () => Readiness, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readiness().ready) {
    if (Date.now() > deadline)
      throw new Error(`adaptor not ready after ${timeoutMs} ms: ${readiness().reasons.join("; ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
