/**
 * Causes write conflicts on purpose, through the apiserver's own machinery: a validating
 * admission webhook (served here, on loopback) that, when the adaptor updates a ServiceProfile,
 * first has another client change that same profile and only then allows the adaptor's write.
 *
 * The apiserver checks the adaptor's resourceVersion, calls the webhook, and then finds in etcd
 * a newer object than the one it checked: it tries again from the newer object, whose
 * resourceVersion no longer matches, and answers 409 Conflict. So every profile named here
 * gives the adaptor exactly one conflict it did not cause by chance.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectOk, type KubeHttp } from "@linkerd-smi/testenv";
import { ADAPTOR_NAMESPACE, paths } from "./harness.js";

const WEBHOOKS = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";

interface AdmissionRequest {
  uid: string;
  operation: string;
  name: string;
  namespace: string;
  userInfo: { username: string };
}

export interface Interleaver {
  /** Profiles (namespace/name) whose adaptor update had another write slipped in before it. */
  readonly interleaved: string[];
  /**
   * Waits until the apiserver calls the webhook (its configuration takes effect a moment after
   * it is created), by touching the label `probe` of profile `name` until a call arrives.
   */
  ready(name: string): Promise<void>;
  /** Removes the webhook configuration and stops the server. */
  close(): Promise<void>;
}

/** A self-signed serving certificate for 127.0.0.1 (openssl, as on any Debian machine). */
function servingCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "interleave-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Before the first update the adaptor (the chart's ServiceAccount) makes to each ServiceProfile
 * in `namespace`, has `admin` set the label `interleaved` on that profile, then allows the update.
 */
export async function interleaveProfileWrites(
  admin: KubeHttp,
  namespace: string,
): Promise<Interleaver> {
  const adaptorUser = `system:serviceaccount:${ADAPTOR_NAMESPACE}:smi-adaptor`;
  const interleaved: string[] = [];
  let calls = 0;
  const { key, cert } = servingCertificate();
  const server: Server = createServer({ key, cert }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      void (async () => {
        const review = JSON.parse(body) as { request: AdmissionRequest };
        const request = review.request;
        calls += 1;
        const id = `${request.namespace}/${request.name}`;
        if (
          request.userInfo.username === adaptorUser &&
          request.operation === "UPDATE" &&
          !interleaved.includes(id)
        ) {
          interleaved.push(id);
          expectOk(
            await admin.request(
              "PATCH",
              `${paths.profile(request.namespace, request.name)}?fieldManager=interleaver`,
              {
                body: { metadata: { labels: { interleaved: String(interleaved.length) } } },
                contentType: "application/merge-patch+json",
              },
            ),
            `interleave a write on ${id}`,
          );
        }
        res.setHeader("Content-Type", "application/json");
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: { uid: request.uid, allowed: true },
          }),
        );
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const name = `interleave-${namespace}`;
  expectOk(
    await admin.post(WEBHOOKS, {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name },
      webhooks: [
        {
          name: "interleave.test.linkerd-smi.io",
          clientConfig: {
            url: `https://127.0.0.1:${String(port)}/validate`,
            caBundle: Buffer.from(cert).toString("base64"),
          },
          rules: [
            {
              apiGroups: ["linkerd.io"],
              apiVersions: ["*"],
              operations: ["UPDATE"],
              resources: ["serviceprofiles"],
              scope: "Namespaced",
            },
          ],
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
          sideEffects: "None",
          admissionReviewVersions: ["v1"],
          failurePolicy: "Fail",
          timeoutSeconds: 10,
        },
      ],
    }),
    "create the interleaving webhook",
  );
  return {
    interleaved,
    async ready(profile) {
      const called = () => calls > 0;
      for (let probe = 0; !called(); probe++) {
        if (probe > 300) throw new Error("the apiserver never called the interleaving webhook");
        if (probe > 0) await new Promise((r) => setTimeout(r, 100));
        expectOk(
          await admin.request("PATCH", `${paths.profile(namespace, profile)}?fieldManager=probe`, {
            body: { metadata: { labels: { probe: String(probe) } } },
            contentType: "application/merge-patch+json",
          }),
          "probe the webhook",
        );
      }
    },
    async close() {
      await admin.delete(`${WEBHOOKS}/${name}`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
