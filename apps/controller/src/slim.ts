/**
 * What the informers keep of each object: only what the adaptor reads. The server sends
 * every object with its `managedFields` (often most of its size), kubectl's
 * last-applied-configuration annotation (a second copy of the object) and, for a Service,
 * status and spec fields no output looks at; at a few thousand splits these copies were
 * most of the adaptor's heap.
 *
 * - Every resource: no `managedFields`, and the last-applied annotation keeps its key (a
 *   profile with annotations is not the adaptor's alone) but not its copy of the object.
 * - ServiceProfiles keep one entry per field manager, with only what tells whether it owns
 *   `spec.dstOverrides` (core's ownership predicates read nothing else).
 * - Services keep their metadata and `spec.ports`, `spec.clusterIP`, `spec.type` and
 *   `spec.selector`.
 */
import type { ManagedFieldsEntry } from "@linkerd-smi/core";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

interface Meta {
  managedFields?: readonly ManagedFieldsEntry[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

interface Slimmable {
  metadata?: Meta;
  spec?: unknown;
  [key: string]: unknown;
}

/**
 * A new metadata object without `managedFields` and the last-applied copy. Built key by
 * key, not by copying and `delete`: a `delete` turns the copy into a dictionary-mode object
 * (a hash table of its own, about 400 bytes more per cached object: 10.8 MiB of the heap at
 * 5,000 splits in `pnpm bench --profile`).
 */
function slimMeta(metadata: Meta, managedFields?: ManagedFieldsEntry[]): Meta {
  const out: Meta = {};
  for (const [key, value] of Object.entries(metadata))
    if (key !== "managedFields" && key !== "annotations") out[key] = value;
  const annotations = metadata.annotations;
  if (annotations !== undefined)
    out.annotations =
      annotations[LAST_APPLIED] === undefined
        ? annotations
        : { ...annotations, [LAST_APPLIED]: "" };
  if (managedFields !== undefined && managedFields.length > 0) out.managedFields = managedFields;
  return out;
}

/** Drops `managedFields` and the last-applied copy (TrafficSplits, routes, route groups). */
export function slimObject<T>(obj: T): T {
  const o = obj as Slimmable;
  if (o.metadata === undefined) return obj;
  return { ...o, metadata: slimMeta(o.metadata) } as T;
}

const OWNS_DST_OVERRIDES = { "f:spec": { "f:dstOverrides": {} } };

/** As {@link slimObject}, keeping of `managedFields` each manager and whether it owns dstOverrides. */
export function slimProfile<T>(obj: T): T {
  const o = obj as Slimmable;
  if (o.metadata === undefined) return obj;
  const listed: unknown = o.metadata.managedFields;
  const entries = Array.isArray(listed) ? (listed as readonly ManagedFieldsEntry[]) : [];
  const managers = entries.map((e): ManagedFieldsEntry => {
    const owns = JSON.stringify(e.fieldsV1 ?? {}).includes('"f:dstOverrides"');
    return {
      ...(e.manager === undefined ? {} : { manager: e.manager }),
      ...(e.operation === undefined ? {} : { operation: e.operation }),
      ...(owns ? { fieldsType: "FieldsV1", fieldsV1: OWNS_DST_OVERRIDES } : {}),
    };
  });
  return { ...o, metadata: slimMeta(o.metadata, managers) } as T;
}

/** Metadata and the spec fields the outputs read (`ports`, `clusterIP`, `type`). */
export function slimService<T>(obj: T): T {
  const o = obj as Slimmable & {
    spec?: { ports?: unknown; clusterIP?: unknown; type?: unknown; selector?: unknown };
  };
  if (o.metadata === undefined) return obj;
  const spec = o.spec;
  return {
    ...(o.apiVersion === undefined ? {} : { apiVersion: o.apiVersion }),
    ...(o.kind === undefined ? {} : { kind: o.kind }),
    metadata: slimMeta(o.metadata),
    ...(spec === undefined
      ? {}
      : {
          spec: {
            ...(spec.ports === undefined ? {} : { ports: spec.ports }),
            ...(spec.clusterIP === undefined ? {} : { clusterIP: spec.clusterIP }),
            ...(spec.type === undefined ? {} : { type: spec.type }),
            // The cut-over compares a backend's pods with the apex's.
            ...(spec.selector === undefined ? {} : { selector: spec.selector }),
          },
        }),
  } as T;
}
