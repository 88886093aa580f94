import { expectOk } from "@linkerd-smi/testenv";
import { afterAll, describe, expect, it } from "vitest";
import {
  admin,
  applySplit,
  createNamespace,
  deleteNamespace,
  deleteSplit,
  eventAppears,
  eventually,
  fqdn,
  metricValue,
  paths,
  profileBecomes,
  runAdaptor,
  type RunningAdaptor,
} from "./harness.js";
import { splitManifest } from "./fixtures.js";

/** Defects found at Linkerd's edges, each with the test that would have caught it. */

const namespaces: string[] = [];
const running: RunningAdaptor[] = [];
afterAll(async () => {
  await Promise.all(running.map((a) => a.stop()));
  await Promise.all(namespaces.map(deleteNamespace));
});

async function start(options: Parameters<typeof runAdaptor>[0] = {}): Promise<RunningAdaptor> {
  const adaptor = await runAdaptor(options);
  running.push(adaptor);
  return adaptor;
}

async function namespace(prefix: string, services: string[]): Promise<string> {
  const ns = await createNamespace(prefix, services);
  namespaces.push(ns);
  return ns;
}

describe("-cluster-domain with a trailing dot (cluster.local.)", () => {
  it("still maps profiles back to their apex: hand edits are restored and orphans swept", async () => {
    const ns = await namespace("dot", ["web", "web-v1", "web-v2"]);
    const name = fqdn("web", ns); // no trailing dot, as linkerd-smi names it
    const want = [
      { authority: fqdn("web-v1", ns), weight: "3" },
      { authority: fqdn("web-v2", ns), weight: "1" },
    ];
    const adaptor = await start({ clusterDomain: "cluster.local.", resyncPeriodMs: 0 });
    await applySplit(
      ns,
      splitManifest("web", "web", [
        ["web-v1", 3],
        ["web-v2", 1],
      ]),
    );
    await profileBecomes(ns, name, want);

    // A hand edit reaches the adaptor only through the profile's own watch event (no resync).
    expectOk(
      await admin.request("PATCH", `${paths.profile(ns, name)}?fieldManager=kubectl-edit`, {
        body: { spec: { dstOverrides: [{ authority: fqdn("web-v1", ns), weight: "1" }] } },
        contentType: "application/merge-patch+json",
      }),
      "hand edit",
    );
    await profileBecomes(ns, name, want);

    // The split goes while the adaptor is down: the start-up sweep must find the profile.
    await adaptor.stop();
    await deleteSplit(ns, "web");
    await start({ clusterDomain: "cluster.local.", resyncPeriodMs: 0 });
    await profileBecomes(ns, name, "absent");
  });
});

describe("a write the apiserver refuses for good", () => {
  const policy = "smi-edges-deny-denied-backends";
  afterAll(async () => {
    await admin.delete(
      `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/${policy}`,
    );
    await admin.delete(
      `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${policy}`,
    );
  });

  it("is reported once (WriteRejected, a metric) and not retried until the split changes", async () => {
    const ns = await namespace("refused", ["web", "web-v1", "denied-v2", "ok-v2", "api", "api-v1"]);
    // A real admission policy in the real apiserver turns such profiles down with 422 Invalid.
    expectOk(
      await admin.request(
        "POST",
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
        {
          body: {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: policy },
            spec: {
              failurePolicy: "Fail",
              matchConstraints: {
                resourceRules: [
                  {
                    apiGroups: ["linkerd.io"],
                    apiVersions: ["*"],
                    operations: ["CREATE", "UPDATE"],
                    resources: ["serviceprofiles"],
                  },
                ],
              },
              validations: [
                {
                  expression:
                    "!has(object.spec.dstOverrides) || object.spec.dstOverrides.all(d, !d.authority.startsWith('denied-'))",
                  message: "backends named denied-* are not allowed in this cluster",
                  reason: "Invalid",
                },
              ],
            },
          },
        },
      ),
      "create policy",
    );
    expectOk(
      await admin.request(
        "POST",
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
        {
          body: {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicyBinding",
            metadata: { name: policy },
            spec: {
              policyName: policy,
              validationActions: ["Deny"],
              matchResources: {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": ns },
                },
              },
            },
          },
        },
      ),
      "create binding",
    );
    // The policy is in force once a dry run of such a profile is refused.
    await eventually(
      "the admission policy to be in force",
      async () => {
        const res = await admin.request("POST", `${paths.profiles(ns)}?dryRun=All`, {
          body: {
            apiVersion: "linkerd.io/v1alpha2",
            kind: "ServiceProfile",
            metadata: { name: "probe", namespace: ns },
            spec: { dstOverrides: [{ authority: "denied-x", weight: "1" }] },
          },
        });
        return res.status === 422 ? true : undefined;
      },
      30_000,
    );

    const adaptor = await start({ resyncPeriodMs: 0 });
    const errorsBefore = await metricValue(adaptor, 'smi_adaptor_reconciles_total{result="error"}');
    const retriesBefore = await metricValue(adaptor, "smi_adaptor_workqueue_retries_total");
    await applySplit(
      ns,
      splitManifest("web", "web", [
        ["web-v1", 1],
        ["denied-v2", 1],
      ]),
    );
    const event = await eventAppears(ns, "web", "WriteRejected");
    expect(event.type).toBe("Warning");
    expect(event.message).toContain(`ServiceProfile ${fqdn("web", ns)} (invalid)`);
    expect(event.message).toContain("backends named denied-* are not allowed in this cluster");
    expect(event.message).toContain("To fix: the API server rejects what this TrafficSplit");

    // Once refused for good, the key is parked: the error count and the retries stop moving.
    // (On a loaded machine a transient failure, retried with backoff, may come before the
    // refusal; that is the retry path working, not this one.)
    const errorsAtRefusal = await metricValue(
      adaptor,
      'smi_adaptor_reconciles_total{result="error"}',
    );
    const retriesAtRefusal = await metricValue(adaptor, "smi_adaptor_workqueue_retries_total");
    expect(errorsAtRefusal - errorsBefore).toBeGreaterThanOrEqual(1);
    expect(retriesAtRefusal - retriesBefore).toBe(errorsAtRefusal - errorsBefore - 1);

    // A positive barrier: a later split on another apex is fully processed...
    await applySplit(ns, splitManifest("api", "api", [["api-v1", 1]]));
    await profileBecomes(ns, fqdn("api", ns), [{ authority: fqdn("api-v1", ns), weight: "1" }]);
    // ...and the refused one was reported once and never tried again.
    expect(await metricValue(adaptor, 'smi_adaptor_permanent_errors_total{kind="invalid"}')).toBe(
      1,
    );
    expect(await metricValue(adaptor, 'smi_adaptor_reconciles_total{result="error"}')).toBe(
      errorsAtRefusal,
    );
    expect(await metricValue(adaptor, "smi_adaptor_workqueue_retries_total")).toBe(
      retriesAtRefusal,
    );

    // Fixing the split lets it through at once.
    await applySplit(
      ns,
      splitManifest("web", "web", [
        ["web-v1", 1],
        ["ok-v2", 1],
      ]),
    );
    await profileBecomes(ns, fqdn("web", ns), [
      { authority: fqdn("web-v1", ns), weight: "1" },
      { authority: fqdn("ok-v2", ns), weight: "1" },
    ]);
  });
});
