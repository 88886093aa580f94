/**
 * Issue 28, point 8: without Linkerd's ServiceProfile CRD the adaptor used to retry
 * `list serviceprofiles.linkerd.io: HTTP (404)` for ever without saying what is missing. It
 * says so once, on one line, stays not ready while the CRD is missing, and starts once it is
 * installed. This file deletes the CRD of its own control plane and installs it again.
 */
import { createServer } from "node:net";
import { expectOk, serviceProfileCrd } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import { startAdaptor, type AdaptorHandle } from "../src/index.js";
import { adaptorKubeconfig, admin, eventually } from "./harness.js";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const NAME = "serviceprofiles.linkerd.io";
const MISSING =
  "the ServiceProfile CRD serviceprofiles.linkerd.io is not installed; install Linkerd's CRDs with `linkerd install --crds | kubectl apply -f -`";

async function served(): Promise<boolean> {
  const r = await admin.request("GET", "/apis/linkerd.io/v1alpha2/serviceprofiles?limit=1");
  return r.status === 200;
}

async function installCrd(): Promise<void> {
  if (await served()) return;
  const existing = await admin.request("GET", `${CRDS}/${NAME}`);
  if (existing.status === 404) {
    const [crd] = serviceProfileCrd();
    expectOk(await admin.request("POST", CRDS, { body: crd }), "create the CRD");
  }
  await eventually("the ServiceProfile CRD to be served", async () =>
    (await served()) ? true : undefined,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

let handle: AdaptorHandle | undefined;
afterAll(async () => {
  await handle?.stop();
  await installCrd();
});

describe("the adaptor without the ServiceProfile CRD", () => {
  it("says once that it is missing and how to install it, is not ready, and starts once it is", async () => {
    expectOk(await admin.request("DELETE", `${CRDS}/${NAME}`), "delete the CRD");
    await eventually("the CRD to be gone", async () => ((await served()) ? undefined : true));

    const logs: string[] = [];
    const port = await freePort();
    const starting = startAdaptor({
      kubeconfig: await adaptorKubeconfig(),
      metricsAddr: `127.0.0.1:${String(port)}`,
      logFormat: "json",
      logLevel: "debug",
      writeLog: (line) => logs.push(line),
    });
    starting.then(
      (h) => (handle = h),
      () => undefined,
    );
    const lines = () => logs.map((l) => JSON.parse(l) as { level: string; msg: string });
    // Retried at least three times...
    await eventually(
      "three failed lists of serviceprofiles",
      () =>
        Promise.resolve(
          lines().filter((l) => l.msg.includes("serviceprofiles") && l.msg.includes("retrying"))
            .length >= 3
            ? true
            : undefined,
        ),
      30_000,
    );
    // ...and said once what is missing.
    const said = lines().filter((l) => l.msg.includes("is not installed"));
    expect(said).toEqual([
      expect.objectContaining({
        level: "error",
        msg: `${MISSING}; the adaptor is not ready until it is`,
      }),
    ]);
    const ready = await fetch(`http://127.0.0.1:${String(port)}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain(`serviceprofiles cache not synced yet: ${MISSING}`);

    await installCrd();
    handle = await starting;
    await handle.waitUntilReady(60_000);
    expect((await fetch(`http://127.0.0.1:${String(port)}/ready`)).status).toBe(200);
  }, 120_000);
});
