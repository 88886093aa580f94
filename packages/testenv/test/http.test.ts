import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeHttp } from "../src/index.js";

// A server that, like an apiserver closing an idle connection at the wrong moment, drops the
// second request it reads on any connection without answering it.
const dir = mkdtempSync(join(tmpdir(), "kubehttp-"));
execFileSync(
  "openssl",
  ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    .concat(["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
    .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]),
  { stdio: "ignore" },
);
const cert = readFileSync(join(dir, "cert.pem"), "utf8");
const seen = new Map<Socket, number>();
const answered: string[] = [];
const server = createServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
  const n = (seen.get(req.socket) ?? 0) + 1;
  seen.set(req.socket, n);
  if (n === 2) {
    req.socket.destroy();
    return;
  }
  let body = "";
  req.on("data", (chunk: Buffer) => (body += chunk.toString()));
  req.on("end", () => {
    answered.push(`${req.method} ${req.url} ${body}`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ n }));
  });
});

let client: KubeHttp;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new KubeHttp(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, cert);
});
afterAll(() => {
  client.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("KubeHttp on a kept-alive connection the server closed", () => {
  it("sends the request again, once, on a new connection", async () => {
    expect((await client.get("/first")).body).toEqual({ n: 1 });
    // Goes out on the kept-alive connection, which the server drops: sent again on a new one.
    const second = await client.request("PATCH", "/second", { body: { a: 1 } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ n: 1 });
    expect(answered).toEqual(["GET /first ", 'PATCH /second {"a":1}']);
    expect(seen.size).toBe(2);
  });

  it("does not resend a request that failed on a new connection", async () => {
    const refused = new KubeHttp("https://127.0.0.1:1", cert);
    await expect(refused.get("/x")).rejects.toThrow(/ECONNREFUSED/);
    refused.close();
  });
});
