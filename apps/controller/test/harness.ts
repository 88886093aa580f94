import type {} from "@linkerd-smi/testenv/global-setup";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { inject } from "vitest";
import {
  applyManifest,
  expectOk,
  KubeHttp,
  mintServiceAccountKubeconfig,
  renderChart,
  eventually,
} from "@linkerd-smi/testenv";
import { startAdaptor, type AdaptorHandle, type AdaptorOptions } from "../src/index.js";

export const admin = KubeHttp.fromKubeconfig(inject("kubeconfig"));

export const paths = {
  splits: (ns: string, version = "v1alpha2") =>
    `/apis/split.smi-spec.io/${version}/namespaces/${ns}/trafficsplits`,
  split: (ns: string, name: string, version = "v1alpha2") =>
    `/apis/split.smi-spec.io/${version}/namespaces/${ns}/trafficsplits/${name}`,
  profiles: (ns: string) => `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles`,
  profile: (ns: string, name: string) =>
    `/apis/linkerd.io/v1alpha2/namespaces/${ns}/serviceprofiles/${name}`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
};

export interface Profile {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  spec: Record<string, unknown> & {
    dstOverrides?: { authority: string; weight: string | number }[];
  };
}

interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count?: number;
  involvedObject: { kind: string; name: string; namespace: string };
  source?: { component?: string };
}

/** A fresh namespace with the given Services, deleted by the caller's `afterAll`. */
export async function createNamespace(
  prefix: string,
  services: readonly string[] = [],
): Promise<string> {
  const ns = `${prefix}-${randomBytes(3).toString("hex")}`;
  expectOk(
    await admin.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    }),
    `create namespace ${ns}`,
  );
  for (const name of services) await createService(ns, name);
  return ns;
}

export async function createService(ns: string, name: string): Promise<void> {
  expectOk(
    await admin.post(`/api/v1/namespaces/${ns}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: { ports: [{ port: 8080, name: "http" }], selector: { app: name } },
    }),
    `create service ${ns}/${name}`,
  );
}

export async function deleteNamespace(ns: string): Promise<void> {
  await admin.delete(`/api/v1/namespaces/${ns}`);
}

export function fqdn(service: string, ns: string, domain = "cluster.local"): string {
  return `${service}.${ns}.svc.${domain}`;
}

/** Creates or replaces a TrafficSplit (server-side apply as `kubectl apply --server-side` would). */
export async function applySplit(
  ns: string,
  split: { apiVersion: string; metadata: { name: string } } & Record<string, unknown>,
): Promise<void> {
  const version = split.apiVersion.split("/")[1] ?? "v1alpha2";
  expectOk(
    await admin.apply(
      paths.split(ns, split.metadata.name, version),
      { kind: "TrafficSplit", ...split, metadata: { ...split.metadata, namespace: ns } },
      "kubectl",
    ),
    `apply split ${ns}/${split.metadata.name}`,
  );
}

export async function deleteSplit(ns: string, name: string): Promise<void> {
  expectOk(await admin.delete(paths.split(ns, name)), `delete split ${ns}/${name}`);
}

export async function getProfile(ns: string, name: string): Promise<Profile | undefined> {
  const res = await admin.get(paths.profile(ns, name));
  if (res.status === 404) return undefined;
  return expectOk(res, `get profile ${ns}/${name}`).body as Profile;
}

export async function listEvents(ns: string, involved?: string): Promise<KubeEvent[]> {
  const items = (
    expectOk(await admin.get(paths.events(ns)), "list events").body as { items: KubeEvent[] }
  ).items;
  return items.filter((e) => involved === undefined || e.involvedObject.name === involved);
}

export { eventually };

/** Waits until the profile's dstOverrides equal `expected` exactly (undefined: profile absent). */
export function profileBecomes(
  ns: string,
  name: string,
  expected: { authority: string; weight: string }[] | "absent" | "no-overrides",
): Promise<Profile | "absent"> {
  return eventually(`serviceprofile ${ns}/${name} to be ${JSON.stringify(expected)}`, async () => {
    const profile = await getProfile(ns, name);
    if (expected === "absent") return profile === undefined ? "absent" : undefined;
    if (profile === undefined) return undefined;
    if (expected === "no-overrides")
      return profile.spec.dstOverrides === undefined ? profile : undefined;
    return JSON.stringify(profile.spec.dstOverrides) === JSON.stringify(expected)
      ? profile
      : undefined;
  });
}

export function eventAppears(
  ns: string,
  involved: string,
  reason: string,
  fragment = "",
): Promise<KubeEvent> {
  return eventually(
    `${reason} event on ${ns}/${involved}${fragment === "" ? "" : ` mentioning "${fragment}"`}`,
    async () =>
      (await listEvents(ns, involved)).find(
        (e) => e.reason === reason && e.message.includes(fragment),
      ),
  );
}

/** Where the chart installs the adaptor: its ServiceAccount and its leader-election Lease. */
export const ADAPTOR_NAMESPACE = "linkerd-smi";

const RBAC_KINDS = new Set([
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
]);

const identities = new Map<string, Promise<string>>();

/**
 * A kubeconfig for the chart's own identity, ServiceAccount
 * `linkerd-smi/smi-adaptor`, on the control plane `adminKubeconfig` points
 * at: the chart's Namespace, ServiceAccount and RBAC are rendered by the real
 * helm and server-side applied (idempotent, so every test file may do it),
 * then a token is minted for the account with the TokenRequest API. An
 * adaptor running with it can do exactly what the chart grants, so a missing
 * verb fails the tests.
 */
export function adaptorKubeconfig(adminKubeconfig: string = inject("kubeconfig")): Promise<string> {
  let identity = identities.get(adminKubeconfig);
  if (identity === undefined) {
    identity = (async () => {
      const objects = await renderChart({
        namespace: ADAPTOR_NAMESPACE,
        set: { installNamespace: true },
      });
      const client = KubeHttp.fromKubeconfig(adminKubeconfig);
      try {
        await applyManifest(
          client,
          objects.filter((o) => RBAC_KINDS.has(o.kind)),
          "controller-tests",
        );
      } finally {
        client.close();
      }
      return mintServiceAccountKubeconfig(
        adminKubeconfig,
        { namespace: ADAPTOR_NAMESPACE, name: "smi-adaptor" },
        join(
          dirname(adminKubeconfig),
          `kubeconfig-sa-smi-adaptor-${String(process.pid)}-${randomBytes(3).toString("hex")}`,
        ),
      );
    })();
    identities.set(adminKubeconfig, identity);
  }
  return identity;
}

export interface RunningAdaptor extends AdaptorHandle {
  logs: string[];
}

/**
 * Runs the adaptor in this process against the test control plane, with JSON
 * logs captured, as the chart's ServiceAccount ({@link adaptorKubeconfig})
 * unless `options.kubeconfig` says otherwise.
 */
export async function runAdaptor(options: Partial<AdaptorOptions> = {}): Promise<RunningAdaptor> {
  const logs: string[] = [];
  const handle = await startAdaptor({
    kubeconfig: options.kubeconfig ?? (await adaptorKubeconfig()),
    metricsAddr: "127.0.0.1:0",
    logFormat: "json",
    logLevel: "debug",
    ...options,
    writeLog: (line) => {
      logs.push(line);
      options.writeLog?.(line);
    },
  });
  await handle.waitUntilReady(30_000);
  return Object.assign(handle, { logs });
}

/** One sample of a counter or gauge from the adaptor's /metrics. */
export async function metricValue(adaptor: AdaptorHandle, series: string): Promise<number> {
  const text = (await adaptor.admin.inject("/metrics")).body;
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
