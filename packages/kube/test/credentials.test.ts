/**
 * Every credential kind client-node's KubeConfig supplies, each proven by the identity a real
 * kube-apiserver (testenv's, with a client CA so that x509 authentication is on) reports in a
 * SelfSubjectReview: client certificates from files (rotated on disk), a token file (rotated
 * on disk), an exec plugin, and a cluster behind an HTTP CONNECT proxy on loopback.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlPlane } from "@linkerd-smi/testenv";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { KubeClient, KubeError, loadKubeConfig } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "kube-credentials-"));
let plane: ControlPlane;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** Issues a client certificate for `user` in `group`, signed by the test's client CA. */
function issue(name: string, user: string, group: string): void {
  openssl(
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/O=${group}/CN=${user}`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "client-ca.crt",
    "-CAkey",
    "client-ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-out",
    `${name}.crt`,
  );
}

beforeAll(async () => {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "client-ca.key",
    "-out",
    "client-ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=kube-credentials-test-ca",
  );
  plane = await ControlPlane.start({
    log: () => undefined,
    apiServerArgs: [`--client-ca-file=${join(dir, "client-ca.crt")}`],
  });
}, 120_000);

afterAll(async () => {
  await plane.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A kubeconfig for the test's control plane with this user entry (and cluster fields). */
function kubeconfig(name: string, user: object, cluster: object = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "testenv",
          cluster: {
            server: plane.server,
            "certificate-authority-data": Buffer.from(plane.caPem).toString("base64"),
            ...cluster,
          },
        },
      ],
      users: [{ name: "u", user }],
      contexts: [{ name: "c", context: { cluster: "testenv", user: "u" } }],
      "current-context": "c",
    }),
  );
  return path;
}

/** Who the apiserver says the client is. */
async function whoami(client: KubeClient): Promise<{ username: string; groups: string[] }> {
  const review = (await client.request({
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    context: { verb: "create", resource: "selfsubjectreviews" },
  })) as { status: { userInfo: { username: string; groups: string[] } } };
  const { username, groups } = review.status.userInfo;
  return { username, groups };
}

describe("credentials through client-node's KubeConfig, judged by a real apiserver", () => {
  it("authenticates with a client certificate from files, and follows one rotated on disk", async () => {
    issue("jane", "jane", "devs");
    const path = kubeconfig("certs", {
      "client-certificate": "client.crt",
      "client-key": "client.key",
    });
    writeFileSync(join(dir, "client.crt"), readFileSync(join(dir, "jane.crt")));
    writeFileSync(join(dir, "client.key"), readFileSync(join(dir, "jane.key")));
    const client = new KubeClient(loadKubeConfig({ kubeconfig: path }));
    try {
      expect(await whoami(client)).toEqual({
        username: "jane",
        groups: ["devs", "system:authenticated"],
      });
      expect((await whoami(client)).username).toBe("jane");
      issue("john", "john", "ops");
      writeFileSync(join(dir, "client.crt"), readFileSync(join(dir, "john.crt")));
      writeFileSync(join(dir, "client.key"), readFileSync(join(dir, "john.key")));
      // The next request: a new connection with the new certificate, not the kept-alive one.
      expect(await whoami(client)).toEqual({
        username: "john",
        groups: ["ops", "system:authenticated"],
      });
    } finally {
      client.close();
    }
  });

  it("re-reads a token file rotated on disk after a minute", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const token = join(dir, "token");
    writeFileSync(token, `${plane.adminToken}\n`);
    const client = new KubeClient(
      loadKubeConfig({ kubeconfig: kubeconfig("token-file", { "token-file": "token" }) }),
    );
    try {
      expect((await whoami(client)).username).toBe("testenv-admin");
      writeFileSync(token, "a-revoked-token\n");
      vi.setSystemTime(new Date("2026-01-01T00:00:30Z"));
      expect((await whoami(client)).username).toBe("testenv-admin");
      vi.setSystemTime(new Date("2026-01-01T00:01:01Z"));
      const error = await whoami(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeError);
      expect((error as KubeError).status).toBe(401);
    } finally {
      client.close();
    }
  });

  it("runs an exec plugin for its token", async () => {
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: plane.adminToken },
    });
    const path = kubeconfig("exec", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: process.execPath,
        args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
        interactiveMode: "Never",
      },
    });
    const client = new KubeClient(loadKubeConfig({ kubeconfig: path, as: "jane" }));
    try {
      // The admin (system:masters) may impersonate: the apiserver then judges jane.
      expect((await whoami(client)).username).toBe("jane");
    } finally {
      client.close();
    }
  });

  it("reaches a cluster behind its proxy-url", async () => {
    const tunnels: string[] = [];
    const proxy: Server = createServer();
    const sockets: { destroy(): void }[] = [];
    proxy.on("connect", (req, socket, head) => {
      tunnels.push(req.url ?? "");
      sockets.push(socket);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}`;
    const path = kubeconfig("proxied", { token: plane.adminToken }, { "proxy-url": proxyUrl });
    const client = new KubeClient(loadKubeConfig({ kubeconfig: path }));
    try {
      expect((await whoami(client)).username).toBe("testenv-admin");
      expect(tunnels).toEqual([new URL(plane.server).host]);
    } finally {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
