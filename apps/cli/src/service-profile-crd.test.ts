import { KubeError, type KubeClient } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { serviceProfileCrdProblem } from "./service-profile-crd.js";

const DISCOVERY = "/apis/linkerd.io/v1alpha2";
const CRD = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/serviceprofiles.linkerd.io";

/** A client that answers `paths` and fails others with `missing` (a 404 by default). */
function fake(paths: Record<string, unknown>, missing = 404): KubeClient {
  return {
    request: ({ path }: { path: string }) =>
      path in paths
        ? Promise.resolve(paths[path])
        : Promise.reject(
            new KubeError({
              status: missing,
              message: "no",
              context: { verb: "get", resource: path },
            }),
          ),
  } as unknown as KubeClient;
}
const crd = (served: boolean, established: string) => ({
  spec: { versions: [{ name: "v1alpha2", served }] },
  status: { conditions: [{ type: "Established", status: established }] },
});

describe("serviceProfileCrdProblem", () => {
  it("passes when discovery lists serviceprofiles in linkerd.io/v1alpha2", async () => {
    const client = fake({ [DISCOVERY]: { resources: [{ name: "serviceprofiles" }] } });
    expect(await serviceProfileCrdProblem(client)).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, number, string, string]>([
    ["no CRD", {}, 404, "not-installed", "is not installed in this cluster"],
    [
      "a CRD not Established",
      { [CRD]: crd(true, "False") },
      404,
      "not-ready",
      "is not Established yet",
    ],
    [
      "an Established CRD not in discovery yet",
      { [CRD]: crd(true, "True") },
      404,
      "not-ready",
      "is Established but not served yet",
    ],
    [
      "a CRD without v1alpha2",
      { [CRD]: crd(false, "True") },
      404,
      "version-not-served",
      "does not serve serviceprofiles.linkerd.io/v1alpha2",
    ],
    [
      "a CRD the user may not read",
      {},
      403,
      "version-not-served",
      "does not serve serviceprofiles.linkerd.io/v1alpha2",
    ],
  ])("says why with %s", async (_, paths, missing, reason, message) => {
    const problem = await serviceProfileCrdProblem(
      fake({ [DISCOVERY]: { resources: [{ name: "otherprofiles" }] }, ...paths }, missing),
    );
    expect(problem?.reason).toBe(reason);
    expect(problem?.message).toContain(message);
  });

  it("throws what the API server answered otherwise", async () => {
    await expect(serviceProfileCrdProblem(fake({}, 503))).rejects.toBeInstanceOf(KubeError);
  });
});
