import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig, type LoadKubeConfigOptions } from "./config.js";
import { KubeError } from "./errors.js";
import type { KubeRequest, KubeTransport, StreamHandlers } from "./transport.js";

export type { HttpMethod, KubeRequest, StreamHandlers } from "./transport.js";

/** Options for {@link KubeClient}. */
export interface KubeClientOptions {
  /** Sent as `User-Agent`. */
  userAgent?: string;
  /** Deadline for one non-streaming request (default 30s). */
  requestTimeoutMs?: number;
  /**
   * How many times a request answered 429 (or a GET answered 5xx with
   * `Retry-After`) is retried after the server's `Retry-After` (default 5),
   * as client-go does.
   */
  maxRetries?: number;
  /**
   * Called once for every request (and watch) before it is sent, not again
   * for retries: for metrics such as writes per resource
   * (`req.method`, `req.resource`). It must not throw; an exception fails
   * the request.
   */
  onRequest?: (req: KubeRequest) => void;
}

interface TlsSnapshot {
  agent: HttpAgent;
  /** The settings the agent was built with. */
  settings: Record<string, unknown>;
}

/**
 * The HTTP transport: talks to the apiserver of a client-node
 * {@link KubeConfig} with its TLS settings and credentials (tokens, client
 * certificates, exec and OIDC plugins, impersonation), over a keep-alive
 * connection pool. It returns parsed JSON or throws a {@link KubeError}.
 *
 * Most code uses a typed `ResourceClient` (`new ResourceClient(client, descriptor)`)
 * rather than calling {@link KubeClient.request} directly.
 */
export class KubeClient implements KubeTransport {
  /** The apiserver URL of the current context, without a trailing slash. */
  readonly server: string;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly onRequest: ((req: KubeRequest) => void) | undefined;
  private tls: TlsSnapshot | undefined;
  private closed = false;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null)
      throw new Error(
        `kubeconfig context "${kubeConfig.getCurrentContext()}" has no cluster; load it with loadKubeConfig()`,
      );
    this.server = cluster.server.replace(/\/+$/, "");
    this.userAgent = options.userAgent ?? "linkerd-smi-kube";
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.onRequest = options.onRequest;
  }

  /** A client for the configuration {@link loadKubeConfig} finds with these options. */
  static fromConfig(
    config: LoadKubeConfigOptions = {},
    options: KubeClientOptions = {},
  ): KubeClient {
    return new KubeClient(loadKubeConfig(config), options);
  }

  /** Sends a request and returns its parsed JSON body (undefined when empty). */
  async request(req: KubeRequest): Promise<unknown> {
    this.onRequest?.(req);
    for (let attempt = 0; ; attempt++) {
      let res: IncomingMessage;
      try {
        res = await this.send(req, req.timeoutMs ?? this.requestTimeoutMs);
      } catch (error) {
        // A kept-alive connection the server closed meanwhile fails with a
        // reset; a read is safe to send once more on a fresh connection.
        if (req.method === "GET" && attempt === 0 && isStaleConnection(error)) continue;
        throw error;
      }
      const text = await readBody(res, req);
      const status = res.statusCode ?? 0;
      const body = parseBody(text, res.headers["content-type"]);
      if (status >= 200 && status < 300) return body;
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      const retryable =
        status === 429 || (status >= 500 && req.method === "GET" && retryAfter !== undefined);
      if (retryable && attempt < this.maxRetries) {
        await sleep(Math.min(retryAfter ?? 1, 10) * 1000, req.signal);
        continue;
      }
      throw KubeError.fromResponse(status, body, req.context, retryAfter);
    }
  }

  /**
   * Sends a streaming request (a watch) and calls `onLine` for every
   * newline-terminated line of the response body, `onOpen` once the server
   * answered 200. Resolves when the server ends the response; rejects with a
   * {@link KubeError} when the server answers an error status or the
   * connection breaks, or with the abort reason when `signal` fires. If
   * `onLine` throws, the stream is closed and the promise rejects with that error.
   */
  async stream(req: KubeRequest, handlers: StreamHandlers): Promise<void> {
    this.onRequest?.(req);
    let res: IncomingMessage;
    for (let attempt = 0; ; attempt++) {
      res = await this.send(req, req.timeoutMs ?? 0);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) break;
      const text = await readBody(res, req);
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      // 429 before the stream opened (e.g. "storage is (re)initializing" right
      // after an apiserver start): nothing was delivered yet, so wait and retry.
      if (status === 429 && attempt < this.maxRetries) {
        await sleep(Math.min(retryAfter ?? 1, 10) * 1000, req.signal);
        continue;
      }
      throw KubeError.fromResponse(
        status,
        parseBody(text, res.headers["content-type"]),
        req.context,
        retryAfter,
      );
    }
    try {
      handlers.onOpen?.();
    } catch (error) {
      res.destroy();
      throw error;
    }
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(toError(error, req));
      };
      const deliver = (line: string): boolean => {
        if (line.trim() === "") return true;
        try {
          handlers.onLine(line);
          return true;
        } catch (error) {
          settled = true;
          res.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
          return false;
        }
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (settled) return;
        buffered += chunk;
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (!deliver(line)) return;
          newline = buffered.indexOf("\n");
        }
      });
      res.on("end", () => {
        if (settled) return;
        if (buffered !== "" && !deliver(buffered)) return;
        finish();
      });
      res.on("error", (error) => {
        finish(req.signal?.aborted === true ? abortReason(req.signal) : error);
      });
      res.on("close", () => {
        if (req.signal?.aborted === true) finish(abortReason(req.signal));
        else
          finish(
            Object.assign(new Error("connection closed before the response ended"), {
              code: "ERR_STREAM_PREMATURE_CLOSE",
            }),
          );
      });
    });
  }

  /** Closes pooled connections. Requests after this fail. */
  close(): void {
    this.closed = true;
    this.tls?.agent.destroy();
    this.tls = undefined;
  }

  private async send(req: KubeRequest, timeoutMs: number): Promise<IncomingMessage> {
    if (this.closed) throw new Error("KubeClient is closed");
    req.signal?.throwIfAborted();
    const url = new URL(`${this.server}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const options: RequestOptions = { method: req.method, headers: {} };
    try {
      // Credentials are applied per request: exec plugins, OIDC and token files refresh.
      await this.kubeConfig.applyToHTTPSOptions(options);
    } catch (error) {
      // client-node refuses a plain-HTTP server (kubectl proxy) unless insecure-skip-tls-verify
      // is set, after it applied the credentials, when it builds its agent; kubectl allows it.
      if (!(url.protocol === "http:" && PLAIN_HTTP_REFUSED.test(String(error))))
        throw new KubeError({
          message: `cannot apply credentials from the kubeconfig: ${error instanceof Error ? error.message : String(error)}`,
          context: req.context,
          cause: error,
        });
    }
    options.agent = this.agentFor(options, url);
    const headers = options.headers as Record<string, string | string[] | number>;
    headers.Accept = "application/json";
    headers["User-Agent"] = this.userAgent;
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      headers["Content-Type"] = req.contentType ?? "application/json";
      // Explicit: Node frames a DELETE body only with a Content-Length, and an
      // unframed body would corrupt the next request on a kept-alive connection.
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(url, {
        ...options,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      });
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          r.destroy(
            Object.assign(new Error(`request timed out after ${timeoutMs}ms`), {
              code: "ETIMEDOUT",
            }),
          );
        }, timeoutMs);
      }
      r.on("response", (res) => {
        // The timer keeps guarding the body of a non-streaming request.
        if (timer !== undefined)
          res.once("close", () => {
            clearTimeout(timer);
          });
        resolve(res);
      });
      r.on("error", (error) => {
        clearTimeout(timer);
        if (req.signal?.aborted === true) reject(abortReason(req.signal));
        else reject(KubeError.fromNetwork(error, req.context));
      });
      r.end(payload);
    });
  }

  /**
   * A keep-alive agent with the TLS settings client-node applied, rebuilt when they change
   * (rotated client certificates). client-node's `applyToHTTPSOptions` builds a fresh agent
   * without keep-alive on every call: it is used only for a cluster behind a `proxy-url`
   * (its proxy agent), and then kept while the settings are unchanged.
   */
  private agentFor(options: RequestOptions, url: URL): HttpAgent {
    const settings: Record<(typeof TLS_SETTINGS)[number], unknown> = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      rejectUnauthorized: options.rejectUnauthorized,
      servername: options.servername,
    };
    const previous = this.tls;
    if (
      previous !== undefined &&
      TLS_SETTINGS.every((k) => sameSetting(previous.settings[k], settings[k]))
    )
      return previous.agent;
    const proxied = this.kubeConfig.getCurrentCluster()?.proxyUrl;
    let agent: HttpAgent;
    if (proxied !== undefined && proxied !== "" && options.agent instanceof HttpAgent)
      agent = options.agent;
    else if (url.protocol === "http:") agent = new HttpAgent({ keepAlive: true });
    else
      agent = new HttpsAgent({
        keepAlive: true,
        ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
      });
    this.tls = { agent, settings };
    return agent;
  }
}

const PLAIN_HTTP_REFUSED = /HTTP protocol is not allowed when skipTLSVerify/;

const TLS_SETTINGS = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "rejectUnauthorized",
  "servername",
] as const;

/** client-node reads certificate files anew on every call: compare their bytes. */
function sameSetting(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameSetting(v, b[i]));
  return false;
}

function isStaleConnection(error: unknown): boolean {
  return (
    error instanceof KubeError &&
    error.status === undefined &&
    (error.code === "ECONNRESET" ||
      error.code === "EPIPE" ||
      /socket hang up/i.test(error.serverMessage))
  );
}

function isAborted(req: KubeRequest): boolean {
  return req.signal?.aborted === true;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException("This operation was aborted", "AbortError");
}

function toError(error: unknown, req: KubeRequest): Error {
  if (error instanceof KubeError) return error;
  if (isAborted(req) && req.signal !== undefined) return abortReason(req.signal);
  return KubeError.fromNetwork(error, req.context);
}

function readBody(res: IncomingMessage, req: KubeRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    res.on("error", (error) => {
      reject(
        isAborted(req) && req.signal !== undefined
          ? abortReason(req.signal)
          : KubeError.fromNetwork(error, req.context),
      );
    });
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === "") return undefined;
  if (contentType?.includes("json") === true || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal === undefined ? new Error("aborted") : abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
