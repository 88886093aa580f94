import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  decideApex,
  httpRouteOutput,
  type Route,
  type RouteWorld,
  type ServiceLike,
  type TrafficSplitObject,
} from "@linkerd-smi/core";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { CliIO } from "../io.js";
import { run } from "../program.js";
import { convertObjects } from "./convert.js";

// Expected routes are written by hand from the rules; none is computed by convert.

function capture(): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => (out += t),
    err: (t) => (err += t),
    // No cluster: convert must not find one.
    env: { KUBECONFIG: "/nonexistent/kubeconfig" },
    stdout: () => out,
    stderr: () => err,
  };
}

function files(contents: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "convert-test-"));
  for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
  return dir;
}

const SPLIT = `apiVersion: split.smi-spec.io/v1alpha1
kind: TrafficSplit
metadata:
  name: podinfo
  namespace: test
spec:
  service: podinfo
  backends:
    - service: podinfo-primary
      weight: 900m
    - service: podinfo-canary
      weight: 100m
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: podinfo
  namespace: test
spec:
  ports:
    - name: http
      port: 9898
`;

describe("linkerd smi convert", () => {
  it("prints one HTTPRoute per apex port, without owner, from a Service in the input", async () => {
    const dir = files({ "split.yaml": SPLIT, "svc.yaml": SERVICE });
    const io = capture();
    const code = await run(["convert", "-f", dir], io);
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const docs = parseAllDocuments(io.stdout()).map((d) => d.toJS() as unknown);
    expect(docs).toEqual([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: {
          name: "podinfo-9898",
          namespace: "test",
          labels: { "smi.linkerd.io/converted": "true" },
          annotations: { "smi.linkerd.io/traffic-split": "podinfo" },
        },
        spec: {
          parentRefs: [{ group: "core", kind: "Service", name: "podinfo", port: 9898 }],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: "/" } }],
              backendRefs: [
                { group: "", kind: "Service", name: "podinfo-primary", port: 9898, weight: 900 },
                { group: "", kind: "Service", name: "podinfo-canary", port: 9898, weight: 100 },
              ],
            },
          ],
        },
      },
    ]);
  });

  it("says which Service it cannot resolve and exits 1; --port resolves it; -o json is a List", async () => {
    const dir = files({ "split.yaml": SPLIT });
    const io = capture();
    expect(
      await run(["--kubeconfig", "/nonexistent", "convert", "-f", join(dir, "split.yaml")], io),
    ).toBe(1);
    expect(io.stderr()).toContain(
      "error: TrafficSplit test/podinfo: cannot resolve Service test/podinfo: it is not in the input, and no cluster could be reached; add its manifest to the input or pass --port",
    );
    const withPort = capture();
    expect(
      await run(
        [
          "convert",
          "-f",
          join(dir, "split.yaml"),
          "--port",
          "8080",
          "-o",
          "json",
          "--api-version",
          "v1beta1",
        ],
        withPort,
      ),
    ).toBe(0);
    const list = JSON.parse(withPort.stdout()) as { kind: string; items: Route[] };
    expect(list.kind).toBe("List");
    expect(
      list.items.map((r) => [r.apiVersion, r.metadata.name, r.spec.parentRefs[0]?.port]),
    ).toEqual([["gateway.networking.k8s.io/v1beta1", "podinfo-8080", 8080]]);
  });

  it("gives invalid input validate's diagnostics and exit 1, and rejects bad flags with exit 2", async () => {
    const dir = files({
      "bad.yaml": SPLIT.replace("weight: 900m", "weight: -1"),
      "svc.yaml": SERVICE,
    });
    const io = capture();
    expect(await run(["convert", "-f", dir], io)).toBe(1);
    expect(io.stdout()).toBe("");
    expect(io.stderr()).toContain("error[negative-weight] spec.backends[0].weight");
    expect(io.stderr()).toContain("convert: fix the errors above first");
    expect(await run(["convert", "-f", dir, "-o", "table"], capture())).toBe(2);
    expect(await run(["convert", "-f", dir, "--api-version", "v2"], capture())).toBe(2);
  });

  it("writes HTTPRouteGroup matches from the input as rules, and the catch-all to the apex", async () => {
    const split = parse(SPLIT) as TrafficSplitObject & { spec: Record<string, unknown> };
    const objects = [
      {
        ...split,
        apiVersion: "split.smi-spec.io/v1alpha3",
        spec: { ...split.spec, matches: [{ kind: "HTTPRouteGroup", name: "mobile" }] },
      },
      parse(SERVICE) as Record<string, unknown>,
      {
        apiVersion: "specs.smi-spec.io/v1alpha3",
        kind: "HTTPRouteGroup",
        metadata: { name: "mobile", namespace: "test" },
        spec: { matches: [{ name: "android", headers: { "user-agent": ".*Android.*" } }] },
      },
    ];
    const { routes, failures } = await convertObjects(objects);
    expect(failures).toEqual([]);
    expect(routes[0]?.spec.rules).toEqual([
      {
        matches: [
          {
            path: { type: "PathPrefix", value: "/" },
            headers: [{ type: "RegularExpression", name: "user-agent", value: ".*Android.*" }],
          },
        ],
        backendRefs: [
          { group: "", kind: "Service", name: "podinfo-primary", port: 9898, weight: 900 },
          { group: "", kind: "Service", name: "podinfo-canary", port: 9898, weight: 100 },
        ],
      },
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [{ group: "", kind: "Service", name: "podinfo", port: 9898, weight: 1 }],
      },
    ]);
  });
});

describe("convert and the adaptor's planner", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
  const weight = fc.oneof(
    fc.integer({ min: 0, max: 2_000_000 }),
    fc.constantFrom("500m", "0.25", "1Ki", "1", "0", "3k"),
  );
  const input = fc.record({
    version: fc.constantFrom("v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"),
    apex: name,
    backends: fc.uniqueArray(fc.tuple(name, weight), {
      minLength: 1,
      maxLength: 16,
      selector: ([n]) => n,
    }),
    ports: fc.uniqueArray(
      fc.record({
        port: fc.integer({ min: 1, max: 65535 }),
        appProtocol: fc.constantFrom(undefined, "http", "linkerd.io/opaque"),
      }),
      { minLength: 1, maxLength: 4, selector: (p) => p.port },
    ),
    opaqueAnnotation: fc.option(fc.constantFrom("3306", "8080,9000-9010", "1-100"), {
      nil: undefined,
    }),
    apiVersion: fc.constantFrom("v1" as const, "v1beta1" as const),
  });

  it("produce the same routes (kind, version, parents, rules) for the same input", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const split: TrafficSplitObject = {
          apiVersion: `split.smi-spec.io/${i.version}`,
          kind: "TrafficSplit",
          metadata: { name: "s", namespace: "ns", uid: "u" },
          spec: {
            service: i.apex,
            backends: i.backends.map(([service, w]) => ({ service, weight: w })),
          },
        };
        const service: ServiceLike & Record<string, unknown> = {
          apiVersion: "v1",
          kind: "Service",
          metadata: {
            name: i.apex,
            namespace: "ns",
            ...(i.opaqueAnnotation === undefined
              ? {}
              : { annotations: { "config.linkerd.io/opaque-ports": i.opaqueAnnotation } }),
          },
          spec: {
            ports: i.ports.map((p) => ({
              port: p.port,
              ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
            })),
          },
        };
        const converted = await convertObjects(
          [split as unknown as Record<string, unknown>, service],
          { apiVersion: i.apiVersion },
        );
        const world: RouteWorld = { namespace: "ns", apex: i.apex, service, routes: [] };
        const decision = decideApex(
          { namespace: "ns", apex: i.apex, splits: [split], existing: world },
          httpRouteOutput({ apiVersion: i.apiVersion }),
        );
        const adaptor =
          decision.action.kind === "sync" ? decision.action.apply : ([] as readonly Route[]);
        const shape = (r: Route, suffix: string) => ({
          apiVersion: r.apiVersion,
          kind: r.kind,
          spec: r.spec,
          name: r.metadata.name?.replace(suffix, ""),
        });
        expect(converted.failures).toEqual(decision.result === "invalid" ? expect.anything() : []);
        expect(converted.routes.map((r) => shape(r, ""))).toEqual(
          adaptor.map((r) => shape(r, "-smi")),
        );
      }),
      { numRuns: 300 },
    );
  });
});
