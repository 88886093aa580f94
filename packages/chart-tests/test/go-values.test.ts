/**
 * `helm upgrade` from the Go linkerd-smi chart (1.0.x) with its values file: every key
 * only the Go chart has is accepted and does what the NOTES say (the NOTES themselves are
 * checked on a real apiserver in cluster.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  chartDir,
  chartYaml,
  GO_VALUES,
  helms,
  one,
  render,
  valuesFile,
  type Deployment,
} from "./helpers.js";

interface PodSpec {
  imagePullSecrets?: { name: string }[];
  securityContext: { runAsUser: number };
  containers: {
    image: string;
    resources: unknown;
    securityContext: { runAsUser: number };
    env: { name: string; value?: string }[];
  }[];
}
const podOf = (objects: Awaited<ReturnType<typeof render>>) =>
  one<Deployment>(objects, "Deployment").spec.template.spec as unknown as PodSpec;

describe.each(helms)("the Go chart's values file, with $name", ({ binary }) => {
  it("renders this adaptor, not the Go image, with memory it can run in and nothing of the Go Job", async () => {
    const objects = await render({ helm: binary, valuesFiles: [GO_VALUES] });
    const pod = podOf(objects);
    const container = pod.containers[0];
    expect(container?.image).toBe(`ghcr.io/linkerd-smi-ts/smi-adaptor:${chartYaml.appVersion}`);
    expect(pod.securityContext.runAsUser).toBe(65534);
    expect(container?.securityContext.runAsUser).toBe(65534);
    // 20Mi would starve it: the chart's own defaults instead; the Go CPU values stay.
    expect(container?.resources).toEqual({
      requests: { cpu: "100m", memory: "112Mi" },
      limits: { cpu: "100m", memory: "320Mi" },
    });
    expect(container?.env).toContainEqual({
      name: "NODE_OPTIONS",
      value: "--max-old-space-size=240",
    });
    expect(objects.map((o) => o.kind)).not.toContain("Job");
    expect(pod.imagePullSecrets).toBeUndefined();
  });

  it("runs as the Go chart's adaptor.runAsUser", async () => {
    const pod = podOf(await render({ helm: binary, set: { "adaptor.runAsUser": 1001 } }));
    expect(pod.securityContext.runAsUser).toBe(1001);
    expect(pod.containers[0]?.securityContext.runAsUser).toBe(1001);
  });

  it("adds the Go chart's top-level imagePullSecrets to the adaptor's own", async () => {
    const pod = podOf(
      await render({
        helm: binary,
        valuesFiles: [
          valuesFile({
            imagePullSecrets: [{ name: "go-style" }, { name: "both" }],
            adaptor: { imagePullSecrets: [{ name: "ours" }, { name: "both" }] },
          }),
        ],
      }),
    );
    expect(pod.imagePullSecrets).toEqual([
      { name: "ours" },
      { name: "both" },
      { name: "go-style" },
    ]);
  });

  it("keeps a memory request or limit of 64Mi or more as given, and the image registry of anyone but the Go project", async () => {
    const pod = podOf(
      await render({
        helm: binary,
        valuesFiles: [
          valuesFile({
            adaptor: {
              image: { registry: "registry.example/mesh", tag: "v9" },
              resources: { requests: { memory: "64Mi" }, limits: { memory: "100Mi" } },
            },
          }),
        ],
      }),
    );
    expect(pod.containers[0]?.image).toBe("registry.example/mesh/smi-adaptor:v9");
    expect(pod.containers[0]?.resources).toEqual({
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { memory: "100Mi" },
    });
  });

  it("replaces a starving memory with the defaults values.yaml gives (the helper's copy is theirs)", async () => {
    const values = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as {
      adaptor: { resources: { requests: { memory: string }; limits: { memory: string } } };
    };
    const pod = podOf(
      await render({
        helm: binary,
        valuesFiles: [
          valuesFile({
            adaptor: { resources: { requests: { memory: "63Mi" }, limits: { memory: "1M" } } },
          }),
        ],
      }),
    );
    expect(pod.containers[0]?.resources).toEqual({
      requests: { cpu: "100m", memory: values.adaptor.resources.requests.memory },
      limits: { memory: values.adaptor.resources.limits.memory },
    });
  });
});
