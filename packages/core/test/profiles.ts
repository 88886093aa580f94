import type { ServiceProfile } from "../src/index.js";

/**
 * A stored ServiceProfile whose `managedFields` say who wrote what: the adaptor (`smi-adaptor`)
 * owns `spec.dstOverrides`, any other manager `spec.routes`. For the outputs' unit tests.
 */
export function profile(
  name: string,
  namespace: string,
  spec: ServiceProfile["spec"],
  managers: string[],
): ServiceProfile {
  return {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      resourceVersion: "3",
      managedFields: managers.map((manager) => ({
        manager,
        operation: "Apply",
        fieldsV1: {
          "f:spec": manager === "smi-adaptor" ? { "f:dstOverrides": {} } : { "f:routes": {} },
        },
      })),
    },
    spec,
  };
}
