/** `linkerd smi convert` against a real kube-apiserver: where it looked for an apex Service. */
import { describe, expect, inject, it } from "vitest";
import { smi } from "./smi.js";

const kubeconfig = inject("kubeconfig");

const split = (namespace?: string) =>
  [
    "apiVersion: split.smi-spec.io/v1alpha2",
    "kind: TrafficSplit",
    `metadata: {name: web-split${namespace === undefined ? "" : `, namespace: ${namespace}`}}`,
    "spec: {service: web, backends: [{service: web-v1, weight: 900}, {service: web-v2, weight: 100}]}",
    "",
  ].join("\n");

describe("linkerd smi convert", () => {
  it("says the cluster has no such Service when the cluster answered", async () => {
    const res = await smi(["convert", "-f", "-", "--kubeconfig", kubeconfig], {
      stdin: split("default"),
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      "error: TrafficSplit default/web-split: cannot resolve Service default/web: it is not in the input, and the cluster has no such Service; add its manifest to the input or pass --port\n",
    );
  });

  it("-n is --namespace: the namespace of objects that name none", async () => {
    const res = await smi(
      ["convert", "-f", "-", "-n", "shop", "--port", "80", "--kubeconfig", kubeconfig],
      { stdin: split() },
    );
    expect(res.stderr).toBe(
      "warning: TrafficSplit shop/web-split: Service shop/web not found (it is not in the input, and the cluster has no such Service); using --port 80\n",
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("  name: web-80\n  namespace: shop\n");
  });
});
