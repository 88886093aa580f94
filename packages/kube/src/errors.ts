/**
 * What went wrong with a Kubernetes API call, in the few categories a
 * controller acts on differently.
 *
 * - `not-found`: 404, the object (or the resource type) does not exist.
 * - `already-exists`: 409 with reason `AlreadyExists` (a create of a taken name).
 * - `conflict`: 409 otherwise: a stale `resourceVersion`, a failed delete
 *   precondition, or a server-side apply field conflict.
 * - `forbidden`: 403, RBAC (or an admission policy) said no.
 * - `unauthorized`: 401, the credentials were not accepted.
 * - `invalid`: 422 or 400, the request or object is wrong and will stay wrong.
 * - `gone`: 410 / reason `Expired` / `Gone` / "too old resource version": a
 *   list or watch resumed from a resourceVersion that etcd compacted away; relist.
 * - `too-many-requests`: 429 (API Priority and Fairness); retry after a while.
 * - `transient`: 5xx, timeouts and broken connections (`ECONNREFUSED`,
 *   `ECONNRESET`, "socket hang up", ...); retry with backoff.
 * - `unknown`: anything else (including a caller's own abort).
 */
export type ErrorKind =
  | "not-found"
  | "already-exists"
  | "conflict"
  | "forbidden"
  | "unauthorized"
  | "invalid"
  | "gone"
  | "too-many-requests"
  | "transient"
  | "unknown";

/** Which call an error was about, for messages and logs. */
export interface ErrorContext {
  /** get, list, watch, create, update, patch, apply, delete, ... */
  verb: string;
  /** Resource, e.g. `trafficsplits.split.smi-spec.io` or `services`. */
  resource?: string;
  namespace?: string;
  name?: string;
}

/** The `Status` object the apiserver sends with an error. */
export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const TRANSIENT_MESSAGE = /socket hang up|network socket disconnected|read ECONNRESET|timed out/i;
const GONE_MESSAGE = /too old resource version|resourceVersion.*(compacted|too old)/i;

/** Options for {@link KubeError}'s constructor. */
export interface KubeErrorInit {
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Status reason (`NotFound`, `AlreadyExists`, `Conflict`, `Expired`, ...). */
  reason?: string;
  /** The apiserver's message (or the network error's). */
  message: string;
  context: ErrorContext;
  /** The network error code (`ECONNREFUSED`, ...) when the request never got an answer. */
  code?: string;
  /** The full Status object, when the server sent one. */
  details?: KubeStatus;
  /** Seconds from a `Retry-After` header or Status details. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * An error from the Kubernetes API (or from trying to reach it), carrying the
 * HTTP status, Status reason and message, and the verb, resource and name it
 * was about. Its `message` reads like kubectl's:
 * `update trafficsplits.split.smi-spec.io "web" in namespace "prod": Conflict (409): ...`.
 */
export class KubeError extends Error {
  override readonly name = "KubeError";
  readonly status: number | undefined;
  readonly reason: string | undefined;
  /** The server's (or network's) own message, without the context prefix. */
  readonly serverMessage: string;
  readonly context: ErrorContext;
  readonly code: string | undefined;
  readonly details: KubeStatus | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** What kind of failure this is; see {@link ErrorKind}. */
  readonly kind: ErrorKind;

  constructor(init: KubeErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.serverMessage = init.message;
    this.context = init.context;
    this.code = init.code;
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.kind = kindOf(init.status, init.reason, init.message, init.code);
  }

  /** Builds an error from an apiserver response body (a Status object, or anything). */
  static fromResponse(
    status: number,
    body: unknown,
    context: ErrorContext,
    retryAfterSeconds?: number,
  ): KubeError {
    const s = asStatus(body);
    const text =
      s?.message ??
      (typeof body === "string" && body.length > 0 ? body.slice(0, 500) : `HTTP ${status}`);
    const retry = retryAfterSeconds ?? s?.details?.retryAfterSeconds;
    return new KubeError({
      status,
      message: text,
      context,
      ...(s?.reason === undefined || s.reason === "" ? {} : { reason: s.reason }),
      ...(s === undefined ? {} : { details: s }),
      ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
    });
  }

  /** Builds an error for a request that got no HTTP answer (connection refused, reset, ...). */
  static fromNetwork(error: unknown, context: ErrorContext): KubeError {
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    return new KubeError({
      message,
      context,
      cause: error,
      ...(code === undefined ? {} : { code }),
    });
  }

  /** Builds an error from a watch `ERROR` event's Status object. */
  static fromStatus(status: KubeStatus, context: ErrorContext): KubeError {
    return new KubeError({
      message: status.message ?? "watch error",
      context,
      details: status,
      ...(status.code === undefined ? {} : { status: status.code }),
      ...(status.reason === undefined || status.reason === "" ? {} : { reason: status.reason }),
    });
  }
}

function formatMessage(init: KubeErrorInit): string {
  const c = init.context;
  let what = c.verb;
  if (c.resource !== undefined) what += ` ${c.resource}`;
  if (c.name !== undefined) what += ` "${c.name}"`;
  if (c.namespace !== undefined) what += ` in namespace "${c.namespace}"`;
  let why: string;
  if (init.status !== undefined) {
    why = `${init.reason ?? "HTTP"} (${init.status}): ${init.message}`;
  } else {
    why =
      init.code !== undefined && !init.message.includes(init.code)
        ? `${init.code}: ${init.message}`
        : init.message;
  }
  return `${what}: ${why}`;
}

function asStatus(body: unknown): KubeStatus | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (b.kind === "Status" || typeof b.reason === "string" || typeof b.message === "string")
    return b;
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e !== "object") return undefined;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function kindOf(
  status: number | undefined,
  reason: string | undefined,
  message: string,
  code: string | undefined,
): ErrorKind {
  switch (reason) {
    case "NotFound":
      return "not-found";
    case "AlreadyExists":
      return "already-exists";
    case "Conflict":
      return "conflict";
    case "Forbidden":
      return "forbidden";
    case "Unauthorized":
      return "unauthorized";
    case "Invalid":
    case "BadRequest":
    case "UnsupportedMediaType":
    case "MethodNotAllowed":
    case "NotAcceptable":
    case "RequestEntityTooLarge":
      return "invalid";
    case "Gone":
    case "Expired":
      return "gone";
    case "TooManyRequests":
      return "too-many-requests";
    case "ServerTimeout":
    case "Timeout":
    case "InternalError":
    case "ServiceUnavailable":
      // An old apiserver reports a compacted resourceVersion as InternalError.
      return GONE_MESSAGE.test(message) ? "gone" : "transient";
    default:
      break;
  }
  if (status !== undefined) {
    if (status === 404) return "not-found";
    if (status === 409) return "conflict";
    if (status === 403) return "forbidden";
    if (status === 401) return "unauthorized";
    if (
      status === 422 ||
      status === 400 ||
      status === 405 ||
      status === 406 ||
      status === 413 ||
      status === 415
    )
      return "invalid";
    if (status === 410) return "gone";
    if (GONE_MESSAGE.test(message)) return "gone";
    if (status === 429) return "too-many-requests";
    if (status === 408 || status >= 500) return "transient";
    return "unknown";
  }
  if (GONE_MESSAGE.test(message)) return "gone";
  if (code !== undefined && TRANSIENT_CODES.has(code)) return "transient";
  if (TRANSIENT_MESSAGE.test(message)) return "transient";
  return "unknown";
}

/**
 * Classifies any error thrown while talking to Kubernetes: a {@link KubeError},
 * a client-node `ApiException` (`code` + `body`), a bare `Status` object, or a
 * Node network error.
 */
export function classifyError(error: unknown): ErrorKind {
  if (error instanceof KubeError) return error.kind;
  if (typeof error !== "object" || error === null) return "unknown";
  if (isAbort(error)) return "unknown";
  const e = error as Record<string, unknown>;
  // client-node's generated clients throw ApiException { code: number, body: string | object }.
  if (typeof e.code === "number") {
    let body: unknown = e.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body) as unknown;
      } catch {
        // not JSON: keep the text
      }
    }
    const s = asStatus(body);
    const text = typeof e.message === "string" ? e.message : "";
    return kindOf(e.code, s?.reason, s?.message ?? text, undefined);
  }
  // A Status object (e.g. a watch ERROR event's payload).
  if (e.kind === "Status") {
    const s = e as KubeStatus;
    return kindOf(s.code, s.reason, s.message ?? "", undefined);
  }
  const message = error instanceof Error ? error.message : "";
  return kindOf(undefined, undefined, message, errorCode(error));
}

/** True for an `AbortError` (the caller cancelled the call). */
export function isAbort(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    ((error as { name?: unknown }).name === "AbortError" ||
      (error as { code?: unknown }).code === "ABORT_ERR")
  );
}

/** The error kinds retrying cannot fix: see {@link isPermanent}. */
export type PermanentErrorKind = "forbidden" | "invalid";

/** {@link PermanentErrorKind} as data, in one place. */
export const PERMANENT_ERROR_KINDS: readonly PermanentErrorKind[] = Object.freeze([
  "forbidden",
  "invalid",
]);

/**
 * Whether retrying cannot fix it: `forbidden` (403: RBAC or admission said no) and `invalid`
 * (400, 422, ...: the request is wrong and stays wrong) need someone to change something first.
 * Everything else is worth retrying with backoff: `transient`, `too-many-requests`, `conflict`
 * (re-read and try again), `gone` (relist), `already-exists` (re-read, then update), and also
 * `not-found` and `unauthorized`, since right after an apiserver restart custom resources and
 * tokens can answer so for a moment (a CRD or credentials really missing keep the informers,
 * and so readiness, down), and `unknown`, which is mostly the network.
 */
export function isPermanent(kind: ErrorKind): kind is PermanentErrorKind {
  return (PERMANENT_ERROR_KINDS as readonly ErrorKind[]).includes(kind);
}

/** Whether retrying later can succeed: every kind that is not {@link isPermanent}. */
export function isRetryable(kind: ErrorKind): boolean {
  return !isPermanent(kind);
}
