import { ControlPlane, type ControlPlaneOptions } from "./controlplane.js";
import { installCrds, type InstallCrdsOptions } from "./crds.js";

export interface TestEnvironment {
  plane: ControlPlane;
  kubeconfig: string;
  version: string;
  crds: string[];
}

/**
 * A control plane (etcd, kube-apiserver, kube-controller-manager) with our CRDs and the Gateway
 * API CRDs installed: what every integration test starts from. With `node: true`, also the
 * machine's test node (kubelet, containerd, kube-proxy, kube-scheduler, CoreDNS), Ready.
 */
export async function startEnvironment(
  options: ControlPlaneOptions & InstallCrdsOptions = {},
): Promise<TestEnvironment> {
  const plane = await ControlPlane.start({ ...options, controllerManager: false });
  try {
    const crds = await installCrds(plane, options);
    // After the CRDs, so that its garbage collector watches them from the start.
    if (options.controllerManager !== false) await plane.startControllerManager();
    if (options.node === true) await plane.startNode();
    return { plane, kubeconfig: plane.kubeconfigPath, version: await plane.version(), crds };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}
