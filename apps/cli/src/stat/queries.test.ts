import { describe, expect, it } from "vitest";
import {
  checkWindow,
  endpointLatencyQuery,
  endpointResponsesQuery,
  promString,
  regexLiteral,
  routeBackendLatencyQuery,
  routeBackendStatusesQuery,
  routeBackendSuccess,
  endpointSuccess,
  windowSeconds,
  type StatScope,
} from "./queries.js";

const scope: StatScope = {
  namespace: "shop",
  apexes: [
    { namespace: "shop", apex: "web" },
    { namespace: "shop", apex: "api" },
  ],
  backendHosts: ["web-v1.shop.svc.cluster.local", "web-v2.shop.svc.cluster.local"],
};

describe("route-backend queries (Gateway API path)", () => {
  it("sums response rates by parent, backend, status and error for the apexes", () => {
    expect(routeBackendStatusesQuery(scope, "1m")).toBe(
      'sum by (parent_namespace, parent_name, backend_namespace, backend_name, http_status, error) (rate(outbound_http_route_backend_response_statuses_total{parent_kind="Service",parent_namespace="shop",parent_name=~"api|web"}[1m]))',
    );
  });

  it("takes a quantile of the response duration histogram by parent and backend", () => {
    expect(routeBackendLatencyQuery(scope, "30s", 0.95)).toBe(
      'histogram_quantile(0.95, sum by (parent_namespace, parent_name, backend_namespace, backend_name, le) (rate(outbound_http_route_backend_response_duration_seconds_bucket{parent_kind="Service",parent_namespace="shop",parent_name=~"api|web"}[30s])))',
    );
  });

  it("has no namespace matcher for all namespaces", () => {
    const all: StatScope = { apexes: scope.apexes, backendHosts: scope.backendHosts };
    expect(routeBackendStatusesQuery(all, "1m")).toContain(
      '{parent_kind="Service",parent_name=~"api|web"}',
    );
  });
});

describe("endpoint queries (ServiceProfile path)", () => {
  it("matches the backends' authorities with any port, dots escaped", () => {
    expect(endpointResponsesQuery(scope, "1m")).toBe(
      'sum by (authority, classification) (rate(response_total{direction="outbound",authority=~"(?:web-v1\\\\.shop\\\\.svc\\\\.cluster\\\\.local|web-v2\\\\.shop\\\\.svc\\\\.cluster\\\\.local)(?::[0-9]+)?"}[1m]))',
    );
    expect(endpointLatencyQuery(scope, "1m", 0.5)).toMatch(
      /^histogram_quantile\(0\.5, sum by \(authority, le\) \(rate\(response_latency_ms_bucket\{direction="outbound",authority=~".*"\}\[1m\]\)\)\)$/,
    );
  });
});

describe("success", () => {
  it("counts 5xx and proxy errors as failures on the route-backend path", () => {
    expect(routeBackendSuccess({ http_status: "200", error: "" })).toBe(true);
    expect(routeBackendSuccess({ http_status: "404", error: "" })).toBe(true);
    expect(routeBackendSuccess({ http_status: "503", error: "" })).toBe(false);
    expect(routeBackendSuccess({ http_status: "", error: "FAIL_FAST" })).toBe(false);
  });
  it("follows the proxy's classification on the endpoint path", () => {
    expect(endpointSuccess({ classification: "success", status_code: "500" })).toBe(true);
    expect(endpointSuccess({ classification: "failure", status_code: "200" })).toBe(false);
  });
});

describe("escaping", () => {
  it("quotes PromQL strings and regex metacharacters", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(regexLiteral("a.b*c(d)|e")).toBe("a\\.b\\*c\\(d\\)\\|e");
  });
});

describe("windows", () => {
  it("accepts PromQL durations and says what is wrong with others", () => {
    expect(checkWindow("1m")).toBeUndefined();
    expect(checkWindow("1h30m")).toBeUndefined();
    expect(checkWindow("10s")).toBeUndefined();
    expect(checkWindow("1 m")).toMatch(/"1 m" is not a time window: use a duration such as 30s/);
    expect(checkWindow("0s")).toMatch(/not a time window/);
    expect(checkWindow("5")).toMatch(/not a time window/);
    expect(checkWindow("1m; drop")).toMatch(/not a time window/);
  });
  it("converts to seconds", () => {
    expect(windowSeconds("1m")).toBe(60);
    expect(windowSeconds("1h30m")).toBe(5400);
    expect(windowSeconds("10s")).toBe(10);
    expect(windowSeconds("500ms")).toBe(0.5);
  });
});
