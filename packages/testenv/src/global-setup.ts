import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { ALL_TARGETS, ensureBinaries } from "./binaries.js";
import { startEnvironment } from "./environment.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of an admin kubeconfig for the test control plane. */
    kubeconfig: string;
    /** The apiserver's URL, e.g. https://127.0.0.1:41234. */
    apiServer: string;
    /** What the apiserver's /version reports. */
    kubernetesVersion: string;
    /** The control plane's data directory (holds its logs). */
    controlPlaneDir: string;
  }
}

/**
 * vitest global setup: one real control plane (etcd + kube-apiserver, RBAC on,
 * CRDs installed) for the whole run, torn down afterwards even when tests fail.
 * Use it from any package's vitest config:
 *   globalSetup: ["@linkerd-smi/testenv/global-setup"]
 * and read `inject("kubeconfig")` in tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every binary a test may start is built before any test starts its clock (a build in a
  // test's hook would time it out); once per machine, under the cache entry's lock.
  await ensureBinaries(ALL_TARGETS);
  const started = Date.now();
  const env = await startEnvironment();
  process.env.KUBECONFIG = env.kubeconfig;
  project.provide("kubeconfig", env.kubeconfig);
  project.provide("apiServer", env.plane.server);
  project.provide("kubernetesVersion", env.version);
  project.provide("controlPlaneDir", env.plane.dir);
  console.log(
    `[testenv] real control plane up in ${((Date.now() - started) / 1000).toFixed(1)}s: ` +
      `kube-apiserver ${env.version} + etcd ${env.plane.binaries.versions.etcd} at ${env.plane.server}, ` +
      `RBAC on, CRDs: ${env.crds.join(", ")}`,
  );
  return async () => {
    await env.plane.stop();
  };
}
