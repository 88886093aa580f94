import { ControlPlane, type ControlPlaneOptions } from "./controlplane.js";
import { installCrds } from "./crds.js";

export interface TestEnvironment {
  plane: ControlPlane;
  kubeconfig: string;
  version: string;
  crds: string[];
}

/** A control plane with our CRDs installed: what every integration test starts from. */
export async function startEnvironment(
  options: ControlPlaneOptions = {},
): Promise<TestEnvironment> {
  const plane = await ControlPlane.start(options);
  try {
    const crds = await installCrds(plane);
    return { plane, kubeconfig: plane.kubeconfigPath, version: await plane.version(), crds };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}
