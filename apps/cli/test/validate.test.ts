/**
 * `linkerd smi validate`: offline, no cluster. The fixtures in testdata/validate are the
 * documents users and Linkerd's docs use.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
        "  error[unknown-field] spec.trafficRouting: spec.trafficRouting is not a field of spec (allowed: service, backends, matches); did you mean `backends`? SMI lists the weighted Services under `backends`, each entry `{service: <name>, weight: <weight>}`. Written the SMI way, yours is: backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        "    did you mean: backends",
        "seed-002-invalid-shape.yaml:6:1: document 1, TrafficSplit default/my-app-split",
        "  error[missing-field] spec.backends: spec.backends is missing: list the Services to split traffic between with their weights, e.g. backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        "    did you mean: backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
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

  it("--server keeps the offline diagnostics, reports each rejection as the apiserver's answer, and goes on", async () => {
    const res = await validateWith([
      "-f",
      at("seed-002-invalid-shape.yaml"),
      "-f",
      at("string-weight.yaml"),
      "-f",
      at("traffic-split-leaf-weights.yaml"),
      "--server",
      "--kubeconfig",
      kubeconfig,
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(
      [
        "seed-002-invalid-shape.yaml:8:3: document 1, TrafficSplit default/my-app-split",
        "  error[unknown-field] spec.trafficRouting: spec.trafficRouting is not a field of spec (allowed: service, backends, matches); did you mean `backends`? SMI lists the weighted Services under `backends`, each entry `{service: <name>, weight: <weight>}`. Written the SMI way, yours is: backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        "    did you mean: backends",
        "seed-002-invalid-shape.yaml:6:1: document 1, TrafficSplit default/my-app-split",
        "  error[missing-field] spec.backends: spec.backends is missing: list the Services to split traffic between with their weights, e.g. backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        "    did you mean: backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
        "seed-002-invalid-shape.yaml:8:3: document 1, TrafficSplit default/my-app-split",
        "  error[server-rejected] spec.trafficRouting: the apiserver rejects spec.trafficRouting: field not declared in schema; remove it (server-side dry run)",
        "string-weight.yaml:11:13: document 1, TrafficSplit default/web-split",
        '  error[crd-schema] spec.backends[0].weight: spec.backends[0].weight is the string "50", but the TrafficSplit CRD\'s v1alpha2 schema wants a number: the apiserver rejects it; write 50 without quotes',
        "    did you mean: 50",
        "string-weight.yaml:11:5: document 1, TrafficSplit default/web-split",
        "  error[server-rejected] spec.backends[0].weight: the apiserver rejects spec.backends[0].weight: expected numeric (int or float), got string (server-side dry run)",
        // Checked by the cluster too, after the rejections of the other files.
        "traffic-split-leaf-weights.yaml: document 1, TrafficSplit backend-traffic-split: valid, backend-svc -> backend-svc 500m (100.0%), failing-svc 0 (0.0%)",
        "",
        "3 TrafficSplits in 3 files: 1 valid, 2 invalid (5 errors, 0 warnings)",
        "",
      ].join("\n"),
    );
  });

  it("--server: a cluster that cannot be reached, said as such, after the offline report", async () => {
    // A kubeconfig whose apiserver nobody listens on.
    const unreachable = join(mkdtempSync(join(tmpdir(), "validate-")), "kubeconfig");
    writeFileSync(
      unreachable,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: x, context: {cluster: c, user: u}}]",
        "current-context: x",
        "",
      ].join("\n"),
    );
    const res = await validateWith([
      "-f",
      at("backend-split.yaml"),
      "--server",
      "--kubeconfig",
      unreachable,
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(
      [
        "backend-split.yaml: document 1, TrafficSplit trafficsplit-sample/backend-split: valid, backend-svc -> backend-svc 500 (50.0%), failing-svc 500 (50.0%)",
        "",
        "1 TrafficSplit in 1 file: 1 valid, 0 invalid (0 errors, 0 warnings)",
        "",
      ].join("\n"),
    );
    expect(res.stderr).toMatch(
      /^Error: --server: could not reach the cluster, so the report above lacks its answers: .*ECONNREFUSED.*\n$/,
    );
  });

  it("an export of a split stored as v1alpha1 (served as v1alpha4 unchanged): a warning, as the apiserver takes it back", async () => {
    const admin = KubeHttp.fromKubeconfig(kubeconfig);
    const base = "/apis/split.smi-spec.io";
    await admin.post(`${base}/v1alpha1/namespaces/default/trafficsplits`, {
      apiVersion: "split.smi-spec.io/v1alpha1",
      kind: "TrafficSplit",
      metadata: { name: "exported-split", namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "web-v1", weight: "900m" },
          { service: "web-v2", weight: "100m" },
        ],
      },
    });
    // What `kubectl get ts -A -o yaml` reads: the preferred version, v1alpha4, unconverted.
    const list = (await admin.get(`${base}/v1alpha4/trafficsplits`)).body as {
      items: { metadata: { name: string; resourceVersion: string }; spec: unknown }[];
    };
    const exported = list.items.find((i) => i.metadata.name === "exported-split");
    expect(exported?.spec).toEqual({
      service: "web",
      backends: [
        { service: "web-v1", weight: "900m" },
        { service: "web-v2", weight: "100m" },
      ],
    });
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items: [exported] });

    // What the apiserver does with the export (CRD validation ratcheting: only what changes is
    // validated again). `kubectl replace` (PUT) takes it, with other fields changed too:
    const path = `${base}/v1alpha4/namespaces/default/trafficsplits/exported-split`;
    const replaced = await admin.request("PUT", path, { body: exported });
    expect(replaced.status).toBe(200);
    const relabelled = await admin.request("PUT", path, {
      body: {
        ...(replaced.body as { metadata: object }),
        metadata: { ...(replaced.body as { metadata: object }).metadata, labels: { app: "web" } },
      },
    });
    expect(relabelled.status).toBe(200);
    // `kubectl apply` (a merge patch of what differs) takes a change of another field,
    const patch = (body: unknown) =>
      admin.request("PATCH", path, { body, contentType: "application/merge-patch+json" });
    expect((await patch({ spec: { service: "web-apex" } })).status).toBe(200);
    // not new string weights,
    const reweighted = await patch({
      spec: {
        backends: [
          { service: "web-v1", weight: "800m" },
          { service: "web-v2", weight: "200m" },
        ],
      },
    });
    expect(reweighted.status).toBe(422);
    expect(reweighted.text).toContain(
      'spec.backends[0].weight in body must be of type number: \\"string\\"',
    );
    // nor a new object with the same content,
    const created = await admin.post(`${base}/v1alpha4/namespaces/default/trafficsplits`, {
      ...(exported as object),
      metadata: { name: "exported-split-copy", namespace: "default" },
    });
    expect(created.status).toBe(422);
    // and server-side apply (`kubectl apply --server-side`) fails on the typed object, unchanged.
    // (what kubectl sends: the object without managedFields and resourceVersion)
    const metadata: Record<string, unknown> = {
      ...(relabelled.body as { metadata: Record<string, unknown> }).metadata,
    };
    delete metadata.managedFields;
    delete metadata.resourceVersion;
    const applied = await admin.apply(
      path,
      { ...(relabelled.body as object), metadata },
      "kubectl",
    );
    expect(applied.status).toBe(500);
    expect(applied.text).toContain(
      ".spec.backends[0].weight: expected numeric (int or float), got string",
    );

    const res = await validateWith(["-f", "-"], { stdin: text });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      'warning[crd-schema] spec.backends[0].weight: spec.backends[0].weight is the string "900m", but the TrafficSplit CRD\'s v1alpha4 schema wants a number; this is an export of a stored TrafficSplit (it has metadata.resourceVersion): it was stored under v1alpha1, whose schema allows it, and is served as v1alpha4 unchanged (the CRD converts with None). The apiserver takes it back as it is with kubectl apply or kubectl replace (fields that do not change are not validated again), but rejects it with kubectl apply --server-side, when this field changes, or as a new object; write apiVersion split.smi-spec.io/v1alpha1 or integer weights',
    );
    expect(res.stdout).toContain(
      "<stdin>: document 1, items[0], TrafficSplit default/exported-split: valid, web -> web-v1 900m (90.0%), web-v2 100m (10.0%)\n",
    );
    // The same split as a manifest of its own (no server fields, not in a List) is an error.
    const manifest = JSON.stringify({
      ...(exported as object),
      metadata: { name: "exported-split", namespace: "default" },
    });
    const fresh = await validateWith(["-f", "-"], { stdin: manifest });
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain(
      'error[crd-schema] spec.backends[0].weight: spec.backends[0].weight is the string "900m", but the TrafficSplit CRD\'s v1alpha4 schema wants a number: the apiserver rejects it; ' +
        "write weight: 900 (v1alpha2 weights are integers: this is the weight in thousandths, so write the split's other weights in thousandths too), " +
        "or use apiVersion split.smi-spec.io/v1alpha1 for Quantity weights\n",
    );
    expect(res.stdout).toContain(
      "1 TrafficSplit in 1 file: 1 valid, 0 invalid (0 errors, 2 warnings)\n",
    );
    await admin.delete(path);
  });

  it("--server sends an export without the fields only the apiserver writes (managedFields, resourceVersion, uid)", async () => {
    const admin = KubeHttp.fromKubeconfig(kubeconfig);
    const base = "/apis/split.smi-spec.io";
    const split = {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "exported-valid", namespace: "default" },
      spec: {
        service: "web",
        backends: [
          { service: "web-v1", weight: 900 },
          { service: "web-v2", weight: 100 },
        ],
      },
    };
    const path = `${base}/v1alpha2/namespaces/default/trafficsplits/exported-valid`;
    expect((await admin.apply(path, split, "kubectl")).status).toBe(201);
    const exported = (await admin.get(path)).body as { metadata: Record<string, unknown> };
    expect(exported.metadata.managedFields).toBeDefined();
    // From another cluster, or stale: another uid and resourceVersion.
    const elsewhere = {
      ...exported,
      metadata: {
        ...exported.metadata,
        uid: "0b5c7e8e-0000-4000-8000-000000000000",
        resourceVersion: "1",
      },
    };
    const res = await validateWith(["-f", "-", "--server", "--kubeconfig", kubeconfig], {
      stdin: JSON.stringify({ apiVersion: "v1", kind: "List", items: [exported, elsewhere] }),
    });
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe(
      [
        "<stdin>: document 1, items[0], TrafficSplit default/exported-valid: valid, web -> web-v1 900 (90.0%), web-v2 100 (10.0%)",
        "<stdin>: document 1, items[1], TrafficSplit default/exported-valid: valid, web -> web-v1 900 (90.0%), web-v2 100 (10.0%)",
        "",
        "2 TrafficSplits in 1 file: 2 valid, 0 invalid (0 errors, 0 warnings)",
        "",
      ].join("\n"),
    );
    expect(res.code).toBe(0);
    await admin.delete(path);
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
        "Written the SMI way, yours is: backends: [{service: my-app-v1, weight: 900}, {service: my-app-v2, weight: 100}]",
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
    expect(missing.stderr).toBe(
      "Error: cannot read nope.yaml: no such file or directory\nRun 'linkerd smi validate --help' for usage.\n",
    );
    const xml = await validate("-f", at("backend-split.yaml"), "-o", "xml");
    expect(xml.code).toBe(2);
    expect(xml.stderr).toBe(
      "Error: --output must be one of: text, json (got \"xml\")\nRun 'linkerd smi validate --help' for usage.\n",
    );
  });
});
