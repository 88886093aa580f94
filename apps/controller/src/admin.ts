import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "./prometheus.js";

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

/** An admin response, as served and as `inject` returns it. */
export interface AdminResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface AdminServer {
  /** Answers one request without a socket (tests). */
  inject(url: string, method?: string): Promise<AdminResponse>;
  /** Listens on `host:port` (port 0: any free port) and resolves with the bound address. */
  listen(options: { host: string; port: number }): Promise<AddressInfo>;
  /** Stops listening and closes open connections (probes keep theirs alive). */
  close(): Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";

function text(
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): AdminResponse {
  return { statusCode, headers: { "content-type": TEXT, ...headers }, body };
}

/** The admin paths, each answering GET (and HEAD, without the body). */
function route(deps: AdminServerDeps, path: string): (() => AdminResponse) | undefined {
  switch (path) {
    case "/metrics":
      return () => ({
        statusCode: 200,
        headers: { "content-type": deps.registry.contentType },
        body: deps.registry.metrics(),
      });
    case "/ready":
      return () => {
        const { ready, reasons } = deps.readiness();
        return ready
          ? text(200, "ok\n")
          : text(503, `not ready:\n${reasons.map((r) => `- ${r}`).join("\n")}\n`);
      };
    case "/live":
      return () => ((deps.live?.() ?? true) ? text(200, "ok\n") : text(503, "not live\n"));
    case "/ping":
      return () => text(200, "pong\n");
    default:
      return undefined;
  }
}

function respond(deps: AdminServerDeps, method: string, url: string): AdminResponse {
  const path = url.split("?", 1)[0] ?? url;
  const handler = route(deps, path);
  if (handler === undefined) return text(404, `404 page not found: ${path}\n`);
  if (method !== "GET" && method !== "HEAD") {
    return text(405, `method ${method} not allowed on ${path}\n`, { allow: "GET, HEAD" });
  }
  try {
    return handler();
  } catch (error) {
    return text(500, `${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/**
 * The admin server: `/metrics` (Prometheus), `/ready` (caches synced and watches up), `/live`,
 * `/ping`, on node:http (four GET paths need no framework; fastify cost about 17 MiB of resident
 * memory). `main` calls `listen`; tests use `inject`.
 */
export function buildAdminServer(deps: AdminServerDeps): AdminServer {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const { statusCode, headers, body } = respond(deps, method, req.url ?? "/");
    res.writeHead(statusCode, { ...headers, "content-length": Buffer.byteLength(body) });
    res.end(method === "HEAD" ? undefined : body);
  });
  return {
    inject: (url, method = "GET") => Promise.resolve(respond(deps, method, url)),
    listen: ({ host, port }) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
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
