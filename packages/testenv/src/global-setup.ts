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
    /** With the node's global setup: the node's containerd socket (for `importImage`). */
    nodeSocket: string;
    /** With the node's global setup: where the node's programs write their logs. */
    nodeLogDir: string;
  }
}

/**
 * Starts the run's control plane (and the node with `node: true`), provides what tests read with
 * `inject`, and returns the teardown.
 */
export async function setupEnvironment(
  project: TestProject,
  options: { node?: boolean } = {},
): Promise<() => Promise<void>> {
  // Every binary a test may start is built before any test starts its clock (a build in a
  // test's hook would time it out); once per machine, under the cache entry's lock.
  await ensureBinaries(ALL_TARGETS);
  const started = Date.now();
  const env = await startEnvironment({ node: options.node === true });
  process.env.KUBECONFIG = env.kubeconfig;
  project.provide("kubeconfig", env.kubeconfig);
  project.provide("apiServer", env.plane.server);
  project.provide("kubernetesVersion", env.version);
  project.provide("controlPlaneDir", env.plane.dir);
  const node = env.plane.node;
  if (node !== undefined) {
    project.provide("nodeSocket", node.socket);
    project.provide("nodeLogDir", node.logDir);
  }
  console.log(
    `[testenv] real control plane up in ${((Date.now() - started) / 1000).toFixed(1)}s: ` +
      `kube-apiserver ${env.version} + etcd ${env.plane.binaries.versions.etcd} at ${env.plane.server}, ` +
      `RBAC on, CRDs: ${env.crds.join(", ")}` +
      (node === undefined
        ? ""
        : `; node Ready in ${((node.figures?.readyMs ?? 0) / 1000).toFixed(1)}s`),
  );
  return async () => {
    await env.plane.stop();
  };
}

/**
 * vitest global setup: one real control plane (etcd + kube-apiserver, RBAC on,
 * CRDs installed) for the whole run, torn down afterwards even when tests fail.
 * Use it from any package's vitest config:
 *   globalSetup: ["@linkerd-smi/testenv/global-setup"]
 * and read `inject("kubeconfig")` in tests.
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupEnvironment(project);
}
