import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  binaryPaths,
  helmTemplateArgs,
  parseManifest,
  type RenderChartOptions,
  type RenderedObject,
  eventually as poll,
} from "@linkerd-smi/testenv";
import { parse, stringify } from "yaml";
import { chartDir } from "../src/values-doc.js";

export { chartDir };
const binaries = binaryPaths();
/** Helm 4, the default `helm` (and the version the CLI's engine is built from). */
export const helmBinary = binaries.helm;

export interface Helm {
  /** `helm 4` or `helm 3`, for test names. */
  name: string;
  binary: string;
  version: string;
}

/** The helm binaries the chart is tested with: users run both Helm 4 and Helm 3. */
export const helms: readonly Helm[] = [
  { name: "helm 4", binary: binaries.helm, version: binaries.versions.helm },
  { name: "helm 3", binary: binaries.helm3, version: binaries.versions.helm3 },
];

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real helm (`binary`, Helm 4 by default); never throws for a non-zero exit (the
 * caller asserts on it).
 */
export function helm(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  binary = helmBinary,
): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`could not run ${binary}: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

/** `helm template` of the chart (stdout); fails the test with helm's own message when it fails. */
export async function template(options: RenderChartOptions = {}): Promise<string> {
  const args = helmTemplateArgs({ chart: chartDir, ...options });
  const result = await helm(args, {}, options.helm);
  if (result.code !== 0)
    throw new Error(`${options.helm ?? "helm"} ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `helm template` of the chart, parsed; `options.helm` is the binary (default Helm 4). */
export async function render(options: RenderChartOptions = {}): Promise<RenderedObject[]> {
  return parseManifest(await template(options), "helm template");
}

/** `helm template` that is expected to fail: its stderr. */
export async function renderError(options: RenderChartOptions = {}): Promise<string> {
  const result = await helm(helmTemplateArgs({ chart: chartDir, ...options }), {}, options.helm);
  if (result.code === 0) throw new Error("helm template succeeded; it should have failed");
  return result.stderr;
}

/** Writes a values file for one test and returns its path. */
export function valuesFile(values: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "chart-tests-"));
  const path = join(dir, "values.yaml");
  writeFileSync(path, stringify(values));
  return path;
}

/** The ci/*-values.yaml scenarios, by name (`default`, `ha`, ...). */
export const scenarios: { name: string; file: string }[] = readdirSync(join(chartDir, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort()
  .map((f) => ({ name: f.replace(/-values\.yaml$/, ""), file: join(chartDir, "ci", f) }));

export const chartYaml = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as {
  name: string;
  version: string;
  appVersion: string;
};

/** The one object of a kind (and name), or a failure listing what there is. */
// T is the shape the caller expects of that kind: a checked-by-eye cast, as for parsed YAML.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function one<T = RenderedObject>(
  objects: readonly RenderedObject[],
  kind: string,
  name?: string,
): T {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind}${name === undefined ? "" : ` ${name}`}, found ${String(found.length)} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
    );
  return found[0] as T;
}

/** The parts of a Deployment the tests look at. */
export interface Deployment {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: unknown;
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  args: string[];
  env: unknown[];
  ports: unknown[];
  readinessProbe: unknown;
  livenessProbe: unknown;
  resources?: unknown;
  securityContext: Record<string, unknown>;
}

export interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  imagePullSecrets?: unknown;
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown;
  [field: string]: unknown;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Every (apiGroup, resource, verb) a set of RBAC rules grants, as `group/resource:verb`. */
export function grants(rules: readonly PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules)
    for (const group of rule.apiGroups)
      for (const resource of rule.resources)
        for (const verb of rule.verbs)
          out.add(
            `${group === "" ? "core" : group}/${resource}` +
              (rule.resourceNames === undefined ? "" : `[${rule.resourceNames.join(",")}]`) +
              `:${verb}`,
          );
  return [...out].sort();
}

/** What the adaptor does with the API (apps/controller/src/adaptor.ts, packages/kube). */
export const EXPECTED_CLUSTER_GRANTS = [
  "split.smi-spec.io/trafficsplits:get",
  "split.smi-spec.io/trafficsplits:list",
  "split.smi-spec.io/trafficsplits:watch",
  "linkerd.io/serviceprofiles:get",
  "linkerd.io/serviceprofiles:list",
  "linkerd.io/serviceprofiles:watch",
  "linkerd.io/serviceprofiles:create",
  "linkerd.io/serviceprofiles:patch",
  "linkerd.io/serviceprofiles:delete",
  "core/services:get",
  "core/services:list",
  "core/services:watch",
  "gateway.networking.k8s.io/httproutes:get",
  "gateway.networking.k8s.io/httproutes:list",
  "gateway.networking.k8s.io/httproutes:watch",
  "gateway.networking.k8s.io/httproutes:create",
  "gateway.networking.k8s.io/httproutes:patch",
  "gateway.networking.k8s.io/httproutes:delete",
  "gateway.networking.k8s.io/tcproutes:get",
  "gateway.networking.k8s.io/tcproutes:list",
  "gateway.networking.k8s.io/tcproutes:watch",
  "gateway.networking.k8s.io/tcproutes:create",
  "gateway.networking.k8s.io/tcproutes:patch",
  "gateway.networking.k8s.io/tcproutes:delete",
  "specs.smi-spec.io/httproutegroups:get",
  "specs.smi-spec.io/httproutegroups:list",
  "specs.smi-spec.io/httproutegroups:watch",
  "core/configmaps[linkerd-config]:get",
  "core/configmaps[linkerd-config]:list",
  "core/configmaps[linkerd-config]:watch",
  "core/events:create",
  "core/events:patch",
].sort();

export const EXPECTED_NAMESPACE_GRANTS = [
  "coordination.k8s.io/leases:get",
  "coordination.k8s.io/leases:create",
  "coordination.k8s.io/leases:update",
].sort();

/** Polls until `check` returns something other than undefined (every 100 ms, 20 s by default). */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  return poll(what, check, timeoutMs, 100);
}

/** The values a Go linkerd-smi 1.0.4 release was installed with (see the file). */
export const GO_VALUES = join(
  dirname(fileURLToPath(import.meta.url)),
  "fixtures",
  "go-chart-1.0.4-values.yaml",
);
