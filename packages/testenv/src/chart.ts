import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { binaryPaths } from "./binaries.js";
import { chartDir } from "./crds.js";
import { expectOk, KubeHttp } from "./http.js";
import { readKubeconfig, writeKubeconfig } from "./kubeconfig.js";
import type { ServiceAccountRef } from "./controlplane.js";

const run = promisify(execFile);

/** One object of a rendered manifest. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderChartOptions {
  /** Release name (default `linkerd-smi`). */
  release?: string;
  /** `--namespace` (default `linkerd-smi`). */
  namespace?: string;
  /** `--set key=value` pairs. */
  set?: Record<string, string | number | boolean>;
  /** `-f` values files. */
  valuesFiles?: readonly string[];
  /** `--show-only` templates, e.g. `templates/rbac.yaml`. */
  showOnly?: readonly string[];
  /** The chart directory (default: this repository's `charts/linkerd-smi`). */
  chart?: string;
  /** The helm binary (default: the one testenv builds). */
  helm?: string;
}

/** The `helm template` arguments for {@link RenderChartOptions}. */
export function helmTemplateArgs(options: RenderChartOptions = {}): string[] {
  const args = [
    "template",
    options.release ?? "linkerd-smi",
    options.chart ?? chartDir,
    "--namespace",
    options.namespace ?? "linkerd-smi",
  ];
  for (const file of options.valuesFiles ?? []) args.push("--values", file);
  for (const [key, value] of Object.entries(options.set ?? {}))
    args.push(typeof value === "string" ? "--set-string" : "--set", `${key}=${String(value)}`);
  for (const template of options.showOnly ?? []) args.push("--show-only", template);
  return args;
}

/** Parses a multi-document YAML manifest, dropping empty documents. */
export function parseManifest(text: string, source = "manifest"): RenderedObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`${source}: ${doc.errors[0]?.message ?? "bad YAML"}`);
      return doc.toJS() as unknown;
    })
    .filter((value): value is RenderedObject => typeof value === "object" && value !== null);
}

/** Renders the chart with the real helm (`helm template`) and returns its objects in order. */
export async function renderChart(options: RenderChartOptions = {}): Promise<RenderedObject[]> {
  const helm = options.helm ?? binaryPaths().helm;
  const args = helmTemplateArgs(options);
  const { stdout } = await run(helm, args, { maxBuffer: 16 * 1024 * 1024 });
  return parseManifest(stdout, `helm ${args.join(" ")}`);
}

/**
 * Mints a token for an existing service account with the TokenRequest API
 * (as the kubelet does for a pod), using the admin kubeconfig, and writes a
 * kubeconfig for it to `outPath`. RBAC then governs everything done with it.
 */
export async function mintServiceAccountKubeconfig(
  adminKubeconfigPath: string,
  sa: ServiceAccountRef,
  outPath: string,
  expirationSeconds = 3600,
): Promise<string> {
  const cluster = readKubeconfig(adminKubeconfigPath);
  const admin = KubeHttp.fromKubeconfig(adminKubeconfigPath);
  try {
    const res = expectOk(
      await admin.post(`/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.name}/token`, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds },
      }),
      `mint a token for ${sa.namespace}/${sa.name}`,
    );
    const token = (res.body as { status: { token: string } }).status.token;
    return writeKubeconfig(
      outPath,
      { server: cluster.server, caPem: cluster.caPem },
      { token },
      `${sa.namespace}-${sa.name}`,
    );
  } finally {
    admin.close();
  }
}
