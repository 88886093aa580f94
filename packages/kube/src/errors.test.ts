import { describe, expect, it } from "vitest";
import {
  classifyError,
  isPermanent,
  isRetryable,
  KubeError,
  PERMANENT_ERROR_KINDS,
  type ErrorKind,
} from "./errors.js";

const ctx = {
  verb: "update",
  resource: "trafficsplits.split.smi-spec.io",
  namespace: "prod",
  name: "web",
};

function status(code: number, reason: string, message = "m"): unknown {
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
}

describe("classifyError", () => {
  it.each<[number, string, ErrorKind]>([
    [404, "NotFound", "not-found"],
    [409, "AlreadyExists", "already-exists"],
    [409, "Conflict", "conflict"],
    [403, "Forbidden", "forbidden"],
    [401, "Unauthorized", "unauthorized"],
    [422, "Invalid", "invalid"],
    [400, "BadRequest", "invalid"],
    [410, "Expired", "gone"],
    [410, "Gone", "gone"],
    [429, "TooManyRequests", "too-many-requests"],
    [500, "InternalError", "transient"],
    [503, "ServiceUnavailable", "transient"],
    [504, "Timeout", "transient"],
  ])("HTTP %i %s is %s", (code, reason, kind) => {
    const error = KubeError.fromResponse(code, status(code, reason), ctx);
    expect(error.kind).toBe(kind);
    expect(classifyError(error)).toBe(kind);
    expect(error.status).toBe(code);
    expect(error.reason).toBe(reason);
  });

  it("falls back to the HTTP status when there is no Status body", () => {
    expect(classifyError(KubeError.fromResponse(404, "404 page not found", ctx))).toBe("not-found");
    expect(classifyError(KubeError.fromResponse(409, "", ctx))).toBe("conflict");
    expect(classifyError(KubeError.fromResponse(502, "<html>bad gateway</html>", ctx))).toBe(
      "transient",
    );
    expect(classifyError(KubeError.fromResponse(418, "teapot", ctx))).toBe("unknown");
  });

  it("recognises an expired resourceVersion reported as an internal error", () => {
    const e = KubeError.fromResponse(
      500,
      status(500, "InternalError", "too old resource version: 5 (120)"),
      ctx,
    );
    expect(e.kind).toBe("gone");
  });

  it("treats network failures as transient", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]) {
      const err = Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code });
      expect(classifyError(err)).toBe("transient");
      expect(KubeError.fromNetwork(err, ctx).kind).toBe("transient");
    }
    expect(classifyError(new Error("socket hang up"))).toBe("transient");
    // The code may sit on the cause.
    const wrapped = new Error("fetch failed", {
      cause: Object.assign(new Error("x"), { code: "ECONNRESET" }),
    });
    expect(classifyError(wrapped)).toBe("transient");
  });

  it("classifies client-node ApiExceptions and bare Status objects", () => {
    const apiException = Object.assign(new Error("HTTP-Code: 409"), {
      code: 409,
      body: JSON.stringify(status(409, "AlreadyExists")),
    });
    expect(classifyError(apiException)).toBe("already-exists");
    expect(classifyError({ code: 403, body: status(403, "Forbidden") })).toBe("forbidden");
    expect(classifyError(status(410, "Expired"))).toBe("gone");
  });

  it("leaves aborts and junk as unknown", () => {
    expect(classifyError(new DOMException("aborted", "AbortError"))).toBe("unknown");
    expect(classifyError(undefined)).toBe("unknown");
    expect(classifyError("string")).toBe("unknown");
    expect(classifyError(new Error("something else"))).toBe("unknown");
  });
});

describe("KubeError", () => {
  it("says what was being done, to what, and what the server said", () => {
    const e = KubeError.fromResponse(
      409,
      status(
        409,
        "Conflict",
        'Operation cannot be fulfilled on trafficsplits "web": the object has been modified',
      ),
      ctx,
    );
    expect(e.message).toBe(
      'update trafficsplits.split.smi-spec.io "web" in namespace "prod": Conflict (409): ' +
        'Operation cannot be fulfilled on trafficsplits "web": the object has been modified',
    );
    expect(e.serverMessage).toMatch(/has been modified/);
    expect(e.context).toEqual(ctx);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("KubeError");
  });

  it("carries Retry-After", () => {
    const e = KubeError.fromResponse(429, status(429, "TooManyRequests"), ctx, 3);
    expect(e.retryAfterSeconds).toBe(3);
  });

  it("names the network error when there was no answer", () => {
    const e = KubeError.fromNetwork(
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      { verb: "list", resource: "services" },
    );
    expect(e.status).toBeUndefined();
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.message).toBe("list services: connect ECONNREFUSED 127.0.0.1:1");
  });
});

describe("isRetryable and isPermanent: the one retry policy", () => {
  it("treats only forbidden and invalid as permanent", () => {
    const retryable: ErrorKind[] = [
      "transient",
      "too-many-requests",
      "conflict",
      "gone",
      "already-exists",
      "not-found",
      "unauthorized",
      "unknown",
    ];
    for (const k of retryable) {
      expect(isRetryable(k), k).toBe(true);
      expect(isPermanent(k), k).toBe(false);
    }
    for (const k of PERMANENT_ERROR_KINDS) {
      expect(isRetryable(k), k).toBe(false);
      expect(isPermanent(k), k).toBe(true);
    }
    expect([...PERMANENT_ERROR_KINDS].sort()).toEqual(["forbidden", "invalid"]);
  });

  it.each<[number, string | undefined, boolean]>([
    [400, "BadRequest", false],
    [401, "Unauthorized", true],
    [403, "Forbidden", false],
    [404, "NotFound", true],
    [405, "MethodNotAllowed", false],
    [408, undefined, true],
    [409, "Conflict", true],
    [409, "AlreadyExists", true],
    [410, "Expired", true],
    [413, "RequestEntityTooLarge", false],
    [415, "UnsupportedMediaType", false],
    [422, "Invalid", false],
    [429, "TooManyRequests", true],
    [500, "InternalError", true],
    [502, undefined, true],
    [503, "ServiceUnavailable", true],
    [504, "Timeout", true],
  ])("HTTP %i (%s): retryable %j", (status, reason, retryable) => {
    const error = new KubeError({
      status,
      ...(reason === undefined ? {} : { reason }),
      message: "no",
      context: { verb: "update", resource: "serviceprofiles.linkerd.io" },
    });
    expect(isRetryable(classifyError(error))).toBe(retryable);
    // The status alone, as a server without a Status body answers.
    const bare = new KubeError({ status, message: "no", context: { verb: "update" } });
    expect(isRetryable(classifyError(bare))).toBe(retryable);
  });

  it("retries network errors and errors it cannot classify", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
      code: "ECONNREFUSED",
    });
    expect(isRetryable(classifyError(refused))).toBe(true);
    expect(isRetryable(classifyError(new Error("socket hang up")))).toBe(true);
    expect(isRetryable(classifyError(new Error("something odd")))).toBe(true);
  });
});
