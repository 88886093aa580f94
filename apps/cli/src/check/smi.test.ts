import { describe, expect, it } from "vitest";
import { podProblem, type Pod } from "./smi.js";
import { adaptorPermissions, describePermission } from "./rbac.js";

const pod = (status: Pod["status"] | undefined, metadata: Pod["metadata"] = {}): Pod => ({
  metadata: { name: "smi-adaptor-1", ...metadata },
  ...(status === undefined ? {} : { status }),
});
const ready = [{ type: "Ready", status: "True" }];
/** A not-ready adaptor container's status, as the API server always sends its fields. */
const status = {
  name: "smi-adaptor",
  image: "smi-adaptor",
  imageID: "",
  ready: false,
  restartCount: 0,
};

describe("podProblem", () => {
  it.each<[string, Pod, string | undefined]>([
    ["running and ready", pod({ phase: "Running", conditions: ready }), undefined],
    ["finished", pod({ phase: "Succeeded" }), undefined],
    ["no status yet", pod(undefined), 'pod "smi-adaptor-1" status is Pending'],
    [
      "pulling its image",
      pod({
        phase: "Pending",
        containerStatuses: [{ ...status, state: { waiting: { reason: "ImagePullBackOff" } } }],
      }),
      'pod "smi-adaptor-1" status is Pending (ImagePullBackOff)',
    ],
    [
      "evicted",
      pod({ phase: "Failed", reason: "Evicted" }),
      'pod "smi-adaptor-1" status is Failed (Evicted)',
    ],
    [
      "crash looping",
      pod({
        phase: "Running",
        conditions: [{ type: "Ready", status: "False" }],
        containerStatuses: [{ ...status, state: { waiting: { reason: "CrashLoopBackOff" } } }],
      }),
      'container "smi-adaptor" in pod "smi-adaptor-1" is not ready (CrashLoopBackOff)',
    ],
    [
      "running, not ready",
      pod({ phase: "Running" }),
      'container "smi-adaptor" in pod "smi-adaptor-1" is not ready',
    ],
    [
      "terminating",
      pod({ phase: "Running", conditions: ready }, { deletionTimestamp: "2024-01-01T00:00:00Z" }),
      'pod "smi-adaptor-1" is terminating',
    ],
  ])("%s", (_name, p, problem) => {
    expect(podProblem(p)).toBe(problem);
  });
});

describe("adaptorPermissions", () => {
  it("lists every call the adaptor makes, leases only in its namespace", () => {
    const all = adaptorPermissions("linkerd-smi").map(describePermission);
    expect(all).toEqual([
      "get trafficsplits.split.smi-spec.io (all namespaces)",
      "list trafficsplits.split.smi-spec.io (all namespaces)",
      "watch trafficsplits.split.smi-spec.io (all namespaces)",
      "get serviceprofiles.linkerd.io (all namespaces)",
      "list serviceprofiles.linkerd.io (all namespaces)",
      "watch serviceprofiles.linkerd.io (all namespaces)",
      "create serviceprofiles.linkerd.io (all namespaces)",
      "patch serviceprofiles.linkerd.io (all namespaces)",
      "delete serviceprofiles.linkerd.io (all namespaces)",
      "get services (all namespaces)",
      "list services (all namespaces)",
      "watch services (all namespaces)",
      "create events (all namespaces)",
      "patch events (all namespaces)",
      "get leases.coordination.k8s.io in namespace linkerd-smi",
      "create leases.coordination.k8s.io in namespace linkerd-smi",
      "update leases.coordination.k8s.io in namespace linkerd-smi",
    ]);
  });
});
