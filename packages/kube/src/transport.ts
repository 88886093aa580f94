import type { ErrorContext } from "./errors.js";

/** HTTP verbs the Kubernetes API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One request to the apiserver. */
export interface KubeRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/default/services`. */
  path: string;
  /** Query parameters; `undefined` values are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** JSON-serialised unless it is already a string. */
  body?: unknown;
  /** Defaults to `application/json` when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
  /** Overrides the client's request timeout; 0 means none (watches). */
  timeoutMs?: number;
  /**
   * The plural of the resource the request is about (`serviceprofiles`,
   * `events`, `leases`), for metrics and request hooks. Every request a
   * `ResourceClient` (and so `EventRecorder` and `LeaderElector`) sends has it.
   */
  resource?: string;
  /** What the request is about, for error messages. */
  context: ErrorContext;
}

/** Callbacks of {@link KubeTransport.stream}. */
export interface StreamHandlers {
  /** Called once the server answered 200, before the first line. */
  onOpen?: () => void;
  /** Called for every non-empty newline-terminated line of the body. */
  onLine: (line: string) => void;
}

/**
 * What typed clients, informers, the event recorder and the leader elector
 * need from a connection to the apiserver. `KubeClient` implements it over
 * HTTP; anything else that does (a recording wrapper, another HTTP stack)
 * can stand in for it.
 */
export interface KubeTransport {
  /** Sends a request and returns its parsed JSON body (undefined when empty); throws a `KubeError`. */
  request(req: KubeRequest): Promise<unknown>;
  /**
   * Sends a streaming request (a watch) and calls `onLine` for every line of
   * the response. Resolves when the server ends the response; rejects with a
   * `KubeError` on an error status or a broken connection, with the abort
   * reason when `req.signal` fires, or with what `onLine` threw.
   */
  stream(req: KubeRequest, handlers: StreamHandlers): Promise<void>;
}
