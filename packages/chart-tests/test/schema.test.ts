import { describe, expect, it } from "vitest";
import { helms, one, render, renderError, valuesFile, type Deployment } from "./helpers.js";

/** Each case: values, then what helm's message must name. */
const rejected: [string, unknown, RegExp][] = [
  [
    "a misspelt key",
    { adaptor: { replica: 2 } },
    /at '\/adaptor': additional properties 'replica' not allowed/,
  ],
  [
    "a misspelt top-level key",
    { installCRD: false },
    /additional properties 'installCRD' not allowed/,
  ],
  [
    "a string for replicas",
    { adaptor: { replicas: "two" } },
    /at '\/adaptor\/replicas': got string, want integer/,
  ],
  [
    "an unknown log level",
    { adaptor: { logLevel: "loud" } },
    /at '\/adaptor\/logLevel': value must be one of 'debug', 'info', 'warn', 'error'/,
  ],
  [
    "an unknown log format",
    { adaptor: { logFormat: "xml" } },
    /at '\/adaptor\/logFormat': value must be one of 'json', 'text'/,
  ],
  [
    "zero worker threads",
    { adaptor: { workerThreads: 0 } },
    /at '\/adaptor\/workerThreads': minimum: got 0, want 1/,
  ],
  [
    "a resync period that is not a duration",
    { adaptor: { resyncPeriod: "10 minutes" } },
    /at '\/adaptor\/resyncPeriod'/,
  ],
  [
    "a cluster domain with a trailing dot",
    { clusterDomain: "cluster.local." },
    /at '\/clusterDomain': 'cluster.local.' does not match pattern/,
  ],
  [
    "a tag with a colon",
    { adaptor: { image: { tag: "v1:latest" } } },
    /at '\/adaptor\/image\/tag'/,
  ],
  [
    "an unknown pull policy",
    { adaptor: { image: { pullPolicy: "Sometimes" } } },
    /at '\/adaptor\/image\/pullPolicy': value must be one of/,
  ],
  [
    "a memory that is not a quantity",
    { adaptor: { resources: { limits: { memory: "lots" } } } },
    /at '\/adaptor\/resources\/limits\/memory'/,
  ],
  [
    "a misspelt resource",
    { adaptor: { resources: { request: { cpu: "1" } } } },
    /at '\/adaptor\/resources': additional properties 'request' not allowed/,
  ],
  [
    "a pull secret as a string",
    { adaptor: { imagePullSecrets: ["regcred"] } },
    /at '\/adaptor\/imagePullSecrets\/0': got string, want object/,
  ],
  [
    "a number as a pod label",
    { adaptor: { podLabels: { tier: 1 } } },
    /at '\/adaptor\/podLabels\/tier': got number, want string/,
  ],
  [
    "a misspelt toleration field",
    { adaptor: { tolerations: [{ key: "a", opertor: "Exists" }] } },
    /additional properties 'opertor' not allowed/,
  ],
  [
    "a string for installNamespace",
    { installNamespace: "always" },
    /at '\/installNamespace': got string, want boolean/,
  ],
];

describe.each(helms)("values.schema.json with $name", ({ binary }) => {
  it.each(rejected)("rejects %s, naming the field", async (_what, values, message) => {
    const stderr = await renderError({ helm: binary, valuesFiles: [valuesFile(values)] });
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toMatch(message);
  });

  it("rejects the same with --set on the command line", async () => {
    expect(await renderError({ helm: binary, set: { "adaptor.replica": 2 } })).toMatch(
      /additional properties 'replica' not allowed/,
    );
    expect(await renderError({ helm: binary, set: { "adaptor.replicas": "two" } })).toMatch(
      /at '\/adaptor\/replicas': got string, want integer/,
    );
    expect(await renderError({ helm: binary, set: { "adaptor.logLevel": "loud" } })).toMatch(
      /at '\/adaptor\/logLevel': value must be one of/,
    );
  });

  it("accepts what a user may legitimately write", async () => {
    const objects = await render({
      helm: binary,
      valuesFiles: [
        valuesFile({
          clusterDomain: "k8s.example.org",
          adaptor: {
            replicas: 0,
            resyncPeriod: 0,
            workerThreads: 8,
            image: { registry: "localhost:5000/linkerd", tag: "v0.3.0-rc.1_build" },
            resources: {
              requests: { cpu: 0.5, memory: "1e6" },
              limits: { "ephemeral-storage": "1Gi" },
            },
            nodeSelector: null,
            affinity: { nodeAffinity: {} },
          },
        }),
      ],
    });
    const deploy = one<Deployment>(objects, "Deployment");
    expect(deploy.spec.replicas).toBe(0);
    expect(deploy.spec.template.spec.containers[0]?.args).toContain("-resync-period=0");
    expect(deploy.spec.template.spec.containers[0]?.image).toBe(
      "localhost:5000/linkerd/smi-adaptor:v0.3.0-rc.1_build",
    );
    expect(deploy.spec.template.spec).not.toHaveProperty("nodeSelector");
  });
});
