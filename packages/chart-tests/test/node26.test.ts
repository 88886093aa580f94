import type {} from "@linkerd-smi/testenv/global-setup";
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expectOk, KubeHttp } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, inject, it } from "vitest";
import { ensureNode } from "../src/node-binary.js";
import { eventually } from "./helpers.js";

const run = promisify(execFile);
const NODE_MAJOR = 26; // the line the image runs (apps/image/image.lock.json)
const main = fileURLToPath(new URL("../../../apps/controller/dist/main.js", import.meta.url));
const kubeconfig = inject("kubeconfig");
const admin = KubeHttp.fromKubeconfig(kubeconfig);
const ns = `node26-${randomBytes(3).toString("hex")}`;
afterAll(async () => {
  await admin.delete(`/api/v1/namespaces/${ns}`);
  admin.close();
});

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")(
  `the built smi-adaptor on Node.js ${String(NODE_MAJOR)}`,
  () => {
    it("syncs a TrafficSplit into a ServiceProfile and reports ready", async () => {
      expect(
        existsSync(main),
        `${main} is missing: run pnpm --filter @linkerd-smi/controller... build`,
      ).toBe(true);
      const node = await ensureNode(NODE_MAJOR);
      const { stdout: version } = await run(node.path, ["-p", "process.versions.node"]);
      expect(version.trim()).toBe(node.version);
      expect(version.trim().startsWith(`${String(NODE_MAJOR)}.`)).toBe(true);

      expectOk(
        await admin.post("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns },
        }),
        "create namespace",
      );
      for (const name of ["web", "web-v1", "web-v2"])
        expectOk(
          await admin.post(`/api/v1/namespaces/${ns}/services`, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name },
            spec: { ports: [{ port: 8080, name: "http" }], selector: { app: name } },
          }),
          `create service ${name}`,
        );

      const child = spawn(
        node.path,
        [main, "-kubeconfig", kubeconfig, "-metrics-addr", "127.0.0.1:0"],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      try {
        const port = await eventually("the admin server address in the logs", () =>
          Promise.resolve(/admin server listening on 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]),
        );
        await eventually("/ready", async () =>
          (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? true : undefined,
        );

        expectOk(
          await admin.apply(
            `/apis/split.smi-spec.io/v1alpha2/namespaces/${ns}/trafficsplits/web`,
            {
              apiVersion: "split.smi-spec.io/v1alpha2",
              kind: "TrafficSplit",
              metadata: { name: "web", namespace: ns },
              spec: {
                service: "web",
                backends: [
                  { service: "web-v1", weight: 900 },
                  { service: "web-v2", weight: 100 },
                ],
              },
            },
            "kubectl",
          ),
          "apply the TrafficSplit",
        );
        const fqdn = (service: string) => `${service}.${ns}.svc.cluster.local`;
        const overrides = await eventually("the ServiceProfile", async () => {
          const res = await admin.get(
            `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${fqdn("web")}`,
          );
          return res.status === 200
            ? (res.body as { spec: { dstOverrides?: unknown } }).spec.dstOverrides
            : undefined;
        });
        expect(overrides).toEqual([
          { authority: fqdn("web-v1"), weight: "900" },
          { authority: fqdn("web-v2"), weight: "100" },
        ]);
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
        expect(stderr).toContain('"msg":"Starting SMI Controller"');

        child.kill("SIGTERM");
        expect(await exited).toBe(0);
      } finally {
        child.kill("SIGKILL");
      }
    }, 180_000);
  },
);
