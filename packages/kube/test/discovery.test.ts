import { afterAll, describe, expect, it } from "vitest";
import { isServed, servedResources } from "../src/index.js";
import { client } from "./helpers.js";

// The shared control plane has the Gateway API CRDs (standard and experimental channels) and
// SMI's, with RBAC on.
const admin = client();
// system:anonymous is not in system:authenticated, which system:discovery is bound to.
const anonymous = client({ as: "system:anonymous" });
afterAll(() => {
  admin.close();
  anonymous.close();
});

describe("API discovery on a real kube-apiserver", () => {
  it("lists a served group version, and the core group", async () => {
    expect(await servedResources(admin, "gateway.networking.k8s.io", "v1")).toContain("httproutes");
    expect(await servedResources(admin, "", "v1")).toContain("services");
    expect(
      await isServed(admin, {
        group: "gateway.networking.k8s.io",
        version: "v1alpha2",
        plural: "tcproutes",
      }),
    ).toBe(true);
  });

  it("says not served for a version or a group the apiserver does not have (404)", async () => {
    expect(await servedResources(admin, "gateway.networking.k8s.io", "v9")).toBeUndefined();
    expect(await servedResources(admin, "nothing.example.com", "v1")).toBeUndefined();
    expect(
      await isServed(admin, {
        group: "split.smi-spec.io",
        version: "v1alpha2",
        plural: "httproutes",
      }),
    ).toBe(false);
  });

  it("throws when discovery is forbidden instead of calling the group not served", async () => {
    await expect(servedResources(anonymous, "gateway.networking.k8s.io", "v1")).rejects.toThrow(
      /Forbidden|403/,
    );
  });
});
