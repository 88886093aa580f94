import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQueryResponse, prometheusAtUrl, PrometheusError } from "./prometheus.js";

describe("parseQueryResponse", () => {
  it("reads a vector, NaN included", () => {
    expect(
      parseQueryResponse(
        {
          status: "success",
          data: {
            resultType: "vector",
            result: [
              { metric: { backend_name: "a" }, value: [1700000000.5, "2.5"] },
              { metric: {}, value: [1700000000.5, "NaN"] },
            ],
          },
        },
        "here",
        "q",
      ),
    ).toEqual([
      { metric: { backend_name: "a" }, value: 2.5 },
      { metric: {}, value: Number.NaN },
    ]);
  });

  it("refuses errors and other result types with what Prometheus said", () => {
    expect(() =>
      parseQueryResponse({ status: "error", error: "parse error at char 3" }, "here", "sum(("),
    ).toThrow(
      new PrometheusError(
        "Prometheus at here answered the query sum(( with an error: parse error at char 3",
      ),
    );
    expect(() =>
      parseQueryResponse({ status: "success", data: { resultType: "matrix" } }, "here", "q"),
    ).toThrow(/answered with a matrix result where a vector was expected/);
  });
});

describe("prometheusAtUrl", () => {
  let server: Server;
  let base: string;
  let lastBody = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        lastBody = body;
        res.writeHead(req.url === "/api/v1/query" ? 400 : 404, {
          "Content-Type": "application/json",
        });
        res.end(JSON.stringify({ status: "error", errorType: "bad_data", error: "boom" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("posts the query form-encoded and reports Prometheus's own error", async () => {
    const api = prometheusAtUrl(`${base}/`, "hint");
    await expect(api.query('up{job="x"}')).rejects.toThrow(
      `Prometheus at ${base} answered the query up{job="x"} with an error: boom`,
    );
    expect(new URLSearchParams(lastBody).get("query")).toBe('up{job="x"}');
  });
});
