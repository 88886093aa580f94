import type { TestProject } from "vitest/node";
import { setupEnvironment } from "./global-setup.js";

/**
 * vitest global setup: the run's control plane with the machine's test node (kubelet,
 * containerd, kube-proxy, kube-scheduler, CoreDNS), behind its network guard. One node per
 * machine: a second run waits for the first's to stop. Needs root.
 *   globalSetup: ["@linkerd-smi/testenv/global-setup-node"]
 * Tests read `inject("kubeconfig")` and `inject("nodeSocket")` (for `importImage`).
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupEnvironment(project, { node: true });
}
