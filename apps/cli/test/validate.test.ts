/**
 * `linkerd smi validate`: offline, no cluster. The fixtures in testdata/validate are the
 * documents users and Linkerd's docs use.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KubeHttp } from "@linkerd-smi/testenv";
import { describe, expect, inject, it } from "vitest";
import { smi } from "./smi.js";

const kubeconfig = inject("kubeconfig");
const dir = fileURLToPath(new URL("./testdata/validate/", import.meta.url));
const at = (name: string) => `${dir}${name}`;
const validate = (...args: string[]) => validateWith(args);
const validateWith = async (args: string[], options: { stdin?: string } = {}) => {
  const res = await smi(["validate", ...args], options);
  // Paths relative to the fixtures, so expectations read like what a user sees.
  return { ...res, stdout: res.stdout.replaceAll(dir, ""), stderr: res.stderr.replaceAll(dir, "") };
};

interface Report {
  valid: boolean;
  summary: Record<string, number>;
  problems: Record<string, unknown>[];
  trafficSplits: Record<string, unknown>[];
  skipped: Record<string, unknown>[];
}

describe("linkerd smi validate", () => {
  it("rejects seed 002's shape with the did-you-mean `backends` and the corrected shape", async () => {
    const res = await validate("-f", at("seed-002-invalid-shape.yaml"));
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe(
      [
        "seed-002-invalid-shape.yaml:8:3: document 1, TrafficSplit default/my-app-split",
        "  error[unknown-field] spec.trafficRouting: spec.trafficRouting is not a field of spec (allowed: service, backends, matches); did you mean `backends`? SMI lists the weighted Services under `backends`, each entry `{service: <name>, weight: <weight>}`. Written the SMI way, yours is: backends: [{service: my-app-v1, weight: 900m}, {service: my-app-v2, weight: 100m}]",
        "    did you mean: backends",
        "seed-002-invalid-shape.yaml:6:1: document 1, TrafficSplit default/my-app-split",
        "  error[missing-field] spec.backends: spec.backends is missing: list the Services to split traffic between with their weights, e.g. backends: [{service: my-app-v1, weight: 900m}, {service: my-app-v2, weight: 100m}]",
        "    did you mean: backends: [{service: my-app-v1, weight: 900m}, {service: my-app-v2, weight: 100m}]",
        "",
        "1 TrafficSplit in 1 file: 0 valid, 1 invalid (2 errors, 0 warnings)",
        "",
      ].join("\n"),
    );
  });

  it("passes Linkerd's guide sample and linkerd-smi's own test data", async () => {
    const res = await validate(
      "-f",
      at("backend-split.yaml"),
      "-f",
      at("traffic-split-leaf-weights.yaml"),
      "-f",
      at("updated-traffic-split-leaf-weights.yaml"),
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      [
        "backend-split.yaml: document 1, TrafficSplit trafficsplit-sample/backend-split: valid, backend-svc -> backend-svc 500 (50.0%), failing-svc 500 (50.0%)",
        "traffic-split-leaf-weights.yaml: document 1, TrafficSplit backend-traffic-split: valid, backend-svc -> backend-svc 500m (100.0%), failing-svc 0 (0.0%)",
        "updated-traffic-split-leaf-weights.yaml: document 1, TrafficSplit backend-traffic-split: valid, backend-svc -> backend-svc 500m (50.0%), failing-svc 500m (50.0%)",
        "",
        "3 TrafficSplits in 3 files: 3 valid, 0 invalid (0 errors, 0 warnings)",
        "",
      ].join("\n"),
    );
  });

  it("skips the other kinds of a multi-document file and says how many on stderr", async () => {
    const res = await validate("-f", at("mixed.yaml"));
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "Skipped 2 documents that are not TrafficSplits: Deployment backend, Service backend-svc\n",
    );
    expect(res.stdout).toContain(
      "mixed.yaml:45:5: document 3, TrafficSplit shop/backend-split\n  error[unknown-field] spec.backends[1].wieght: spec.backends[1].wieght is not a field of a backend (allowed: service, weight); did you mean `weight`?\n    did you mean: weight\n",
    );
  });

  it("walks a directory for *.yaml, *.yml and *.json, lists included; v1alpha3 and v1alpha4 are served", async () => {
    const res = await validate("-f", at("dir"));
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "Skipped 1 document that is not a TrafficSplit: ConfigMap cart-config\n",
    );
    expect(res.stdout).toBe(
      [
        "dir/a-valid.yaml: document 1, TrafficSplit shop/web-split: valid, web -> web-v1 90 (90.0%), web-v2 10 (10.0%)",
        "dir/c-list.json:13:45: document 1, items[0], TrafficSplit shop/cart-split",
        "  error[negative-weight] spec.backends[1].weight: spec.backends[1].weight is -5, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight)",
        "    did you mean: 5",
        "dir/nested/b-warning.yml:8:3: document 1, TrafficSplit shop/api-split",
        '  warning[matches-ignored] spec.matches: spec.matches (HTTPRouteGroup/api-routes) cannot be expressed in a Linkerd ServiceProfile, so the split applies to all requests to "api", not only matching ones. Remove spec.matches to make that explicit',
        "dir/nested/b-warning.yml: document 1, TrafficSplit shop/api-split: valid, api -> api-v1 1 (50.0%), api-v2 1 (50.0%)",
        "",
        "3 TrafficSplits in 3 files: 2 valid, 1 invalid (1 error, 1 warning)",
        "",
      ].join("\n"),
    );
  });

  it("--server: a server-side dry run against the cluster, nothing stored", async () => {
    const manifest = (apiVersion: string, namespace: string) =>
      [
        `apiVersion: ${apiVersion}`,
        "kind: TrafficSplit",
        `metadata: {name: web-split, namespace: ${namespace}}`,
        "spec: {service: web, backends: [{service: web-v1, weight: 1}]}",
        "",
      ].join("\n");
    const server = (stdin: string) =>
      smi(["validate", "-f", "-", "--server", "--kubeconfig", kubeconfig], { stdin });

    const ok = await server(manifest("split.smi-spec.io/v1alpha2", "default"));
    expect(ok.stdout).toContain("TrafficSplit default/web-split: valid");
    expect(ok.code).toBe(0);

    const unserved = await server(manifest("split.smi-spec.io/v1beta1", "default"));
    expect(unserved.code).toBe(1);
    expect(unserved.stdout).toContain(
      "error[server-rejected]: the cluster does not serve split.smi-spec.io/v1beta1 TrafficSplits",
    );

    const nowhere = await server(manifest("split.smi-spec.io/v1alpha2", "no-such-namespace"));
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout).toContain(
      "error[server-rejected]: namespace no-such-namespace does not exist in the cluster",
    );

    // A dry run stores nothing.
    const admin = KubeHttp.fromKubeconfig(kubeconfig);
    const list = await admin.get(
      "/apis/split.smi-spec.io/v1alpha2/namespaces/default/trafficsplits",
    );
    expect(
      (list.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
    ).not.toContain("web-split");
  });

  it("reports YAML syntax errors with file and line, and goes on with the next document", async () => {
    const res = await validate("-f", at("syntax-error.yaml"));
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /^syntax-error\.yaml:10:1: document 1\n {2}error\[yaml-syntax\] not valid YAML: .+\nsyntax-error\.yaml: document 2, TrafficSplit fine: valid/,
    );
  });

  it("reads standard input with -f -", async () => {
    const res = await validateWith(["-f", "-"], {
      stdin: readFileSync(at("seed-002-invalid-shape.yaml"), "utf8"),
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^<stdin>:8:3: document 1, TrafficSplit default\/my-app-split\n/);
  });

  it("-o json: a stable report for CI", async () => {
    const res = await validate(
      "-f",
      at("seed-002-invalid-shape.yaml"),
      "-f",
      at("mixed.yaml"),
      "-o",
      "json",
    );
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.valid).toBe(false);
    expect(report.summary).toEqual({
      files: 2,
      documents: 4,
      trafficSplits: 2,
      valid: 0,
      invalid: 2,
      skipped: 2,
      errors: 4,
      warnings: 0,
    });
    expect(report.problems[0]).toEqual({
      file: "seed-002-invalid-shape.yaml",
      document: 1,
      line: 8,
      column: 3,
      object: "default/my-app-split",
      severity: "error",
      code: "unknown-field",
      path: "spec.trafficRouting",
      message: expect.stringContaining(
        "Written the SMI way, yours is: backends: [{service: my-app-v1, weight: 900m}, {service: my-app-v2, weight: 100m}]",
      ) as unknown,
      suggestion: "backends",
    });
    expect(report.skipped).toEqual([
      { file: "mixed.yaml", document: 1, kind: "Deployment", name: "backend" },
      { file: "mixed.yaml", document: 2, kind: "Service", name: "backend-svc" },
    ]);
    const ok = JSON.parse(
      (await validate("-f", at("backend-split.yaml"), "-o", "json")).stdout,
    ) as Report;
    expect(ok.valid).toBe(true);
    expect(ok.trafficSplits).toEqual([
      {
        file: "backend-split.yaml",
        document: 1,
        object: "trafficsplit-sample/backend-split",
        apiVersion: "split.smi-spec.io/v1alpha2",
        valid: true,
        apex: "backend-svc",
        backends: [
          { service: "backend-svc", weight: "500", percent: 50 },
          { service: "failing-svc", weight: "500", percent: 50 },
        ],
      },
    ]);
  });

  it("usage errors exit 2: no -f, a path that does not exist, a bad -o", async () => {
    const none = await validate();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no manifests given: pass -f FILE, -f DIR or -f -");
    const missing = await validate("-f", at("nope.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("Error: cannot read nope.yaml: no such file or directory\n");
    expect((await validate("-f", at("backend-split.yaml"), "-o", "xml")).code).toBe(2);
  });
});
