import { Agent, request } from "node:https";
import { readKubeconfig } from "./kubeconfig.js";

export interface Credentials {
  /** Bearer token; omit for an anonymous request. */
  token?: string;
  /** Impersonate this user (the caller must be allowed to). */
  impersonateUser?: string;
  impersonateGroups?: readonly string[];
}

export interface KubeResponse {
  status: number;
  /** Parsed JSON when the server sent JSON, else the raw text. */
  body: unknown;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** A request that failed because the server had closed the kept-alive connection it reused. */
class StaleConnectionError extends Error {
  constructor(cause: Error) {
    super(`the apiserver closed a kept-alive connection: ${cause.message}`, { cause });
  }
}

/**
 * A deliberately small REST client for the test control plane: it speaks
 * HTTPS to one apiserver with one identity and returns status and body, so
 * tests can assert on exactly what the apiserver said.
 */
export class KubeHttp {
  private readonly agent: Agent;

  constructor(
    readonly server: string,
    readonly caPem: string,
    readonly credentials: Credentials = {},
  ) {
    this.agent = new Agent({ ca: caPem, keepAlive: true, maxSockets: 32 });
  }

  /** A client for the current context of a kubeconfig (token users, as testenv writes them). */
  static fromKubeconfig(path: string): KubeHttp {
    const { server, caPem, user } = readKubeconfig(path);
    const credentials: Credentials = { token: user.token };
    if (user.as !== undefined) credentials.impersonateUser = user.as;
    if (user.asGroups !== undefined) credentials.impersonateGroups = user.asGroups;
    return new KubeHttp(server, caPem, credentials);
  }

  withCredentials(credentials: Credentials): KubeHttp {
    return new KubeHttp(this.server, this.caPem, credentials);
  }

  /**
   * One request. A 429 (API Priority and Fairness, e.g. right after an
   * apiserver restart) is retried after its Retry-After, as client-go does.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<KubeResponse> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.sendOnLiveConnection(method, path, options);
      if (response.status !== 429 || attempt >= 10) return response;
      const retryAfter = Number(response.retryAfter ?? "1");
      await new Promise((r) =>
        setTimeout(r, Math.min(Number.isFinite(retryAfter) ? retryAfter : 1, 5) * 1000),
      );
    }
  }

  /**
   * A kept-alive connection the apiserver closed just as a request went out on it fails with
   * "socket hang up" or ECONNRESET before any response: the server never read that request.
   * Such a request is sent again once, on a new connection (the retry Node's documentation
   * gives for `request.reusedSocket`).
   */
  private async sendOnLiveConnection(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<KubeResponse & { retryAfter?: string }> {
    try {
      return await this.send(method, path, options);
    } catch (error) {
      if (!(error instanceof StaleConnectionError)) throw error;
      return this.send(method, path, options);
    }
  }

  private send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<KubeResponse & { retryAfter?: string }> {
    const url = new URL(path, this.server);
    const headers: Record<string, string | string[]> = { Accept: "application/json" };
    if (this.credentials.token !== undefined)
      headers.Authorization = `Bearer ${this.credentials.token}`;
    if (this.credentials.impersonateUser !== undefined)
      headers["Impersonate-User"] = this.credentials.impersonateUser;
    if (this.credentials.impersonateGroups !== undefined)
      headers["Impersonate-Group"] = [...this.credentials.impersonateGroups];
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["Content-Type"] = options.contentType ?? "application/json";
    }
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, headers, agent: this.agent, signal: options.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            if ((res.headers["content-type"] ?? "").includes("json")) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            const retryAfter = res.headers["retry-after"];
            resolve({
              status: res.statusCode ?? 0,
              body,
              text,
              ...(retryAfter === undefined ? {} : { retryAfter }),
            });
          });
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        const stale =
          req.reusedSocket && (error.code === "ECONNRESET" || error.message === "socket hang up");
        reject(stale ? new StaleConnectionError(error) : error);
      });
      req.end(payload);
    });
  }

  get(path: string): Promise<KubeResponse> {
    return this.request("GET", path);
  }

  delete(path: string): Promise<KubeResponse> {
    return this.request("DELETE", path);
  }

  post(path: string, body: unknown): Promise<KubeResponse> {
    return this.request("POST", path, { body });
  }

  /** Server-side apply of one object at `path` (the object's own URL). */
  apply(path: string, object: unknown, fieldManager = "testenv"): Promise<KubeResponse> {
    const sep = path.includes("?") ? "&" : "?";
    return this.request("PATCH", `${path}${sep}fieldManager=${fieldManager}&force=true`, {
      body: object,
      contentType: "application/apply-patch+yaml",
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Throws with the apiserver's own message unless the status is 2xx. */
export function expectOk(response: KubeResponse, what: string): KubeResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const message =
    typeof response.body === "object" && response.body !== null && "message" in response.body
      ? String(response.body.message)
      : response.text.slice(0, 500);
  throw new Error(`${what}: HTTP ${response.status}: ${message}`);
}
