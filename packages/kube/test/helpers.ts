import { randomBytes } from "node:crypto";
import type {} from "@linkerd-smi/testenv/global-setup";
import { inject } from "vitest";
import { trafficSplitResource } from "@linkerd-smi/core";
import {
  defineResource,
  KubeClient,
  loadKubeConfig,
  NamespaceV1,
  ResourceClient,
  type KubeObject,
  type LoadKubeConfigOptions,
  type ObjectMeta,
} from "../src/index.js";

/**
 * A TrafficSplit as these tests write it. kube is generic: the project's model is core's
 * `TrafficSplitObject`, whose spec is `unknown` until core validates it; these tests know the
 * shape they wrote, so they read the same resource (core's descriptor) with a typed spec.
 */
export interface TrafficSplit extends KubeObject {
  metadata?: ObjectMeta;
  spec?: { service: string; backends: { service: string; weight: number | string }[] };
}
/** split.smi-spec.io/v1alpha1, the stored version. */
export const TrafficSplitV1Alpha1 = defineResource<TrafficSplit>(trafficSplitResource("v1alpha1"));
/** split.smi-spec.io/v1alpha2, served. */
export const TrafficSplitV1Alpha2 = defineResource<TrafficSplit>(trafficSplitResource("v1alpha2"));

/** A client for the shared test control plane (admin unless options say otherwise). */
export function client(
  options: LoadKubeConfigOptions = {},
  kubeconfig = inject("kubeconfig"),
): KubeClient {
  return new KubeClient(loadKubeConfig({ kubeconfig, ...options }));
}

/** Creates a namespace with a random name and returns it. */
export async function createNamespace(kube: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await new ResourceClient(kube, NamespaceV1).create({ metadata: { name } });
  return name;
}

/** Deletes a namespace (best effort: the test control plane has no namespace controller to finish it). */
export async function deleteNamespace(kube: KubeClient, name: string): Promise<void> {
  await new ResourceClient(kube, NamespaceV1).delete(undefined, name).catch(() => false);
}

/** Retries `check` (which throws, e.g. with expect) until it passes or the deadline passes. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A TrafficSplit manifest (v1alpha2 unless `version` says otherwise). */
export function split(
  namespace: string,
  name: string,
  backends: { service: string; weight: number | string }[] = [
    { service: `${name}-v1`, weight: 90 },
    { service: `${name}-v2`, weight: 10 },
  ],
  service = name,
  version = "v1alpha2",
): TrafficSplit {
  return {
    apiVersion: `split.smi-spec.io/${version}`,
    kind: "TrafficSplit",
    metadata: { name, namespace },
    spec: { service, backends },
  };
}

export const splits = (kube: KubeClient) => new ResourceClient(kube, TrafficSplitV1Alpha2);

/** The seeds' backend-split in v1alpha1, with the Quantity weights 500m and 0m. */
export const quantitySplit = (namespace: string, name: string): TrafficSplit =>
  split(
    namespace,
    name,
    [
      { service: "backend-svc", weight: "500m" },
      { service: "failing-svc", weight: "0m" },
    ],
    "backend-svc",
    "v1alpha1",
  );
