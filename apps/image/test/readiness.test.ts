/**
 * Readiness follows the apiserver: the image, run as the chart's pod against
 * a control plane of its own (testenv can stop and start its apiserver),
 * reports not ready on the chart's readiness probe while the apiserver is
 * down, stays live on the liveness probe (a restart would not help), and is
 * ready again once the apiserver is back.
 */
import { eventually, startEnvironment, type TestEnvironment } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullPlatform } from "./built.js";
import { AdaptorPod, applyIdentity, renderForTest } from "./pod.js";

let env: TestEnvironment;
let pod: AdaptorPod | undefined;

beforeAll(async () => {
  env = await startEnvironment({ log: () => undefined });
});
afterAll(async () => {
  await pod?.remove();
  await env.plane.stop();
});

const probeBecomes = (p: AdaptorPod, which: "readinessProbe" | "livenessProbe", status: number) =>
  eventually(
    `${which} to answer ${String(status)}`,
    async () => ((await p.probe(which)) === status ? true : undefined),
    90_000,
    200,
  );

describe("the image's readiness", () => {
  it("goes false while the apiserver is stopped, and true again when it is back", async () => {
    const chart = await renderForTest("linkerd-smi");
    const cluster = { admin: env.plane.admin(), server: env.plane.server, caPem: env.plane.caPem };
    await applyIdentity(cluster.admin, chart);
    pod = await AdaptorPod.start(cluster, chart, { imageId: await pullPlatform("amd64") });
    await pod.waitReady();
    expect(await pod.probe("livenessProbe")).toBe(200);

    await env.plane.stopApiServer();
    await probeBecomes(pod, "readinessProbe", 503);
    expect(await pod.probe("livenessProbe")).toBe(200);
    expect((await pod.inspect()).Running).toBe(true);

    await env.plane.startApiServer();
    await probeBecomes(pod, "readinessProbe", 200);
    expect(await pod.probe("livenessProbe")).toBe(200);
  });
});
