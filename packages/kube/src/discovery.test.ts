import { describe, expect, it } from "vitest";
import { isServed, servedResources } from "./discovery.js";
import { KubeError } from "./errors.js";
import type { KubeRequest, KubeTransport } from "./transport.js";

/** A transport that answers each path from a table: a body, or an HTTP status to fail with. */
function answering(table: Record<string, unknown>): KubeTransport & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    request(req: KubeRequest) {
      paths.push(req.path);
      const answer = table[req.path];
      if (typeof answer === "number")
        return Promise.reject(
          new KubeError({ status: answer, message: `status ${answer}`, context: { verb: "get" } }),
        );
      return Promise.resolve(answer);
    },
    stream: () => Promise.reject(new Error("no watches here")),
  };
}

const gatewayV1 = {
  kind: "APIResourceList",
  groupVersion: "gateway.networking.k8s.io/v1",
  resources: [{ name: "httproutes" }, { name: "httproutes/status" }, { name: "gateways" }],
};

describe("servedResources", () => {
  it("lists what a served group version serves, subresources included", async () => {
    const client = answering({ "/apis/gateway.networking.k8s.io/v1": gatewayV1 });
    expect(await servedResources(client, "gateway.networking.k8s.io", "v1")).toEqual([
      "httproutes",
      "httproutes/status",
      "gateways",
    ]);
  });

  it("reads the core group at /api", async () => {
    const client = answering({ "/api/v1": { resources: [{ name: "services" }] } });
    expect(await servedResources(client, "", "v1")).toEqual(["services"]);
    expect(client.paths).toEqual(["/api/v1"]);
  });

  it("answers undefined for a group version the apiserver does not serve (404)", async () => {
    const client = answering({ "/apis/gateway.networking.k8s.io/v1alpha2": 404 });
    expect(await servedResources(client, "gateway.networking.k8s.io", "v1alpha2")).toBeUndefined();
  });

  it("throws every other failure: it says nothing about what is served", async () => {
    for (const status of [401, 403, 500, 503]) {
      const client = answering({ "/apis/gateway.networking.k8s.io/v1": status });
      await expect(servedResources(client, "gateway.networking.k8s.io", "v1")).rejects.toThrow(
        `status ${status}`,
      );
    }
  });
});

describe("isServed", () => {
  const httpRoutes = { group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes" };

  it("is true when the group version lists the plural", async () => {
    const client = answering({ "/apis/gateway.networking.k8s.io/v1": gatewayV1 });
    expect(await isServed(client, httpRoutes)).toBe(true);
  });

  it("is false when the group version is served without it, or not at all", async () => {
    const without = answering({
      "/apis/gateway.networking.k8s.io/v1": { resources: [{ name: "gateways" }] },
    });
    expect(await isServed(without, httpRoutes)).toBe(false);
    // A subresource alone is not the resource.
    const status = answering({
      "/apis/gateway.networking.k8s.io/v1": { resources: [{ name: "httproutes/status" }] },
    });
    expect(await isServed(status, httpRoutes)).toBe(false);
    expect(
      await isServed(answering({ "/apis/gateway.networking.k8s.io/v1": 404 }), httpRoutes),
    ).toBe(false);
  });

  it("throws a 403 rather than calling the resource not served", async () => {
    const client = answering({ "/apis/gateway.networking.k8s.io/v1": 403 });
    await expect(isServed(client, httpRoutes)).rejects.toBeInstanceOf(KubeError);
  });
});
