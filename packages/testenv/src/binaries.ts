import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of this package, whether running from `src/` (vitest) or `dist/` (node). */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));
/** Root of the monorepo (testenv is private and always runs from a checkout). */
export const repoRoot = join(packageRoot, "..", "..");

export interface Versions {
  kubernetes: string;
  etcd: string;
  /** Helm 4 (`helm.sh/helm/v4`): the `helm` binary, and the version the CLI's engine is built from. */
  helm: string;
  /** Helm 3 (`helm.sh/helm/v3`), which users still run: the chart is tested with both. */
  helm3: string;
  /** The `sigs.k8s.io/gateway-api` module whose CRDs tests install. */
  gatewayApi: string;
  /** The `github.com/prometheus/prometheus` module version (v0.3MM.P is Prometheus 3.MM.P). */
  prometheus: string;
  /** The `github.com/distribution/distribution/v3` module: the OCI registry of the release test. */
  distribution: string;
  /** The `github.com/rhysd/actionlint` module: lints the GitHub workflows. */
  actionlint: string;
  /** Changes when the way we build changes, so stale builds are not reused. */
  buildRevision: number;
}

export interface Binaries {
  versions: Versions;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** Helm 4. */
  helm: string;
  /** Helm 3. */
  helm3: string;
  prometheus: string;
  /** The CNCF Distribution registry (`registry serve <config>`). */
  registry: string;
  actionlint: string;
}

export type Target =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "helm"
  | "helm3"
  | "prometheus"
  | "registry"
  | "actionlint";

/** Every binary a test run uses: `linkerd-smi-testenv prepare` and the global setup build them all. */
export const ALL_TARGETS: readonly Target[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "helm",
  "helm3",
  "prometheus",
  "registry",
  "actionlint",
];

export function readVersions(): Versions {
  return JSON.parse(readFileSync(join(packageRoot, "versions.json"), "utf8")) as Versions;
}

/** Where built binaries live: `$LINKERD_SMI_CACHE`, else `~/.cache/linkerd-smi`. */
export function cacheDir(): string {
  return process.env.LINKERD_SMI_CACHE ?? join(homedir(), ".cache", "linkerd-smi");
}

export function binaryPaths(versions: Versions = readVersions()): Binaries {
  const bin = (name: Target, version: string) =>
    join(cacheDir(), "bin", `${name}-${version}-b${String(versions.buildRevision)}`, name);
  return {
    versions,
    etcd: bin("etcd", versions.etcd),
    kubeApiserver: bin("kube-apiserver", versions.kubernetes),
    kubeControllerManager: bin("kube-controller-manager", versions.kubernetes),
    helm: bin("helm", versions.helm),
    helm3: bin("helm3", versions.helm3),
    prometheus: bin("prometheus", versions.prometheus),
    registry: bin("registry", versions.distribution),
    actionlint: bin("actionlint", versions.actionlint),
  };
}

const pathOf: Record<Target, (b: Binaries) => string> = {
  etcd: (b) => b.etcd,
  "kube-apiserver": (b) => b.kubeApiserver,
  "kube-controller-manager": (b) => b.kubeControllerManager,
  helm: (b) => b.helm,
  helm3: (b) => b.helm3,
  prometheus: (b) => b.prometheus,
  registry: (b) => b.registry,
  actionlint: (b) => b.actionlint,
};

/**
 * Returns the cached binaries, building the missing ones of `targets` first with
 * `scripts/build-binaries.sh` (which prints its progress on stderr). Prometheus is built
 * only when asked for: only `linkerd smi stat`'s tests need it.
 */
export async function ensureBinaries(
  targets: readonly Target[] = ["etcd", "kube-apiserver", "kube-controller-manager", "helm"],
): Promise<Binaries> {
  const paths = binaryPaths();
  const missing = targets.filter((t) => !existsSync(pathOf[t](paths)));
  if (missing.length === 0) return paths;

  const script = join(packageRoot, "scripts", "build-binaries.sh");
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [script, ...missing], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `building ${missing.join(", ")} failed (exit ${String(code)}); run \`bash ${script}\` to see why`,
          ),
        );
    });
  });
  return paths;
}
