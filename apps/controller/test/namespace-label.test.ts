import { expectOk } from "@linkerd-smi/testenv";
import { describe, expect, it } from "vitest";
import { ADAPTOR_NAMESPACE, adaptorKubeconfig, admin, eventually, runAdaptor } from "./harness.js";

interface Namespace {
  metadata: {
    labels?: Record<string, string>;
    managedFields?: { manager: string; fieldsV1?: unknown }[];
  };
}

async function namespace(name: string): Promise<Namespace> {
  return expectOk(await admin.get(`/api/v1/namespaces/${name}`), `get namespace ${name}`)
    .body as Namespace;
}

describe("the extension's namespace label", () => {
  it("is applied by the adaptor at start, as the chart's ServiceAccount, keeping every other label", async () => {
    // The chart's namespace and identity, then, as after `helm install` into a namespace
    // Helm created: no extension label.
    await adaptorKubeconfig();
    expectOk(
      await admin.request("PATCH", `/api/v1/namespaces/${ADAPTOR_NAMESPACE}`, {
        body: { metadata: { labels: { "linkerd.io/extension": null, team: "mesh" } } },
        contentType: "application/merge-patch+json",
      }),
      "remove the label",
    );
    expect((await namespace(ADAPTOR_NAMESPACE)).metadata.labels?.["linkerd.io/extension"]).toBe(
      undefined,
    );

    const adaptor = await runAdaptor({ extensionNamespace: ADAPTOR_NAMESPACE });
    try {
      const ns = await eventually("the extension label", async () => {
        const n = await namespace(ADAPTOR_NAMESPACE);
        return n.metadata.labels?.["linkerd.io/extension"] === "smi" ? n : undefined;
      });
      expect(ns.metadata.labels?.team).toBe("mesh");
      expect(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
      expect(ns.metadata.managedFields?.map((f) => f.manager)).toContain("smi-adaptor");
      expect(adaptor.logs.join("")).toContain(
        `labelled namespace ${ADAPTOR_NAMESPACE} linkerd.io/extension=smi`,
      );
    } finally {
      await adaptor.stop();
    }
  });

  it("is only a warning where the chart's RBAC does not allow it, and the adaptor runs on", async () => {
    const adaptor = await runAdaptor({ extensionNamespace: "default" });
    try {
      expect(adaptor.readiness().ready).toBe(true);
      const warning = adaptor.logs
        .map((l) => JSON.parse(l) as { level: string; msg: string })
        .find((l) => l.msg.startsWith("could not label namespace default"));
      expect(warning?.level).toBe("warn");
      expect(warning?.msg).toContain(
        "run `kubectl label namespace default linkerd.io/extension=smi`",
      );
      expect((await namespace("default")).metadata.labels?.["linkerd.io/extension"]).toBe(
        undefined,
      );
    } finally {
      await adaptor.stop();
    }
  });
});
