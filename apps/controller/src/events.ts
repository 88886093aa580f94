/**
 * Where the decision's Events go: about a TrafficSplit, or about the output object when no split
 * is left. Each distinct Event (object version, reason, message) is recorded once, so an idle
 * resync writes nothing; the recorder aggregates repeats as Kubernetes does. Every message is
 * recorded on one line and within Kubernetes' 1024 bytes (core's `eventMessage`), whoever wrote
 * it: the decision, or the controller quoting the API server.
 */
import { eventMessage } from "@linkerd-smi/core";
import type { EventRecorder } from "@linkerd-smi/kube";

/** What an Event is about: any object with its identity. */
export interface Involved {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = "Normal" | "Warning";

export interface EventSink {
  record(object: Involved, type: EventType, reason: string, message: string): void;
}

/** Remembers which Event states were already reported. Bounded: forgets all when full. */
class ReportedOnce {
  private readonly seen = new Set<string>();
  constructor(private readonly limit = 20_000) {}
  first(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.limit) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}

export function createEventSink(recorder: EventRecorder): EventSink {
  const reported = new ReportedOnce();
  return {
    record(object, type, reason, text) {
      const message = eventMessage(text);
      const { name, namespace, uid, resourceVersion } = object.metadata;
      if (!reported.first(`${uid ?? ""}|${resourceVersion ?? ""}|${reason}|${message}`)) return;
      recorder.event(
        {
          ...(object.apiVersion === undefined ? {} : { apiVersion: object.apiVersion }),
          ...(object.kind === undefined ? {} : { kind: object.kind }),
          metadata: {
            ...(name === undefined ? {} : { name }),
            ...(namespace === undefined ? {} : { namespace }),
            ...(uid === undefined ? {} : { uid }),
            ...(resourceVersion === undefined ? {} : { resourceVersion }),
          },
        },
        type,
        reason,
        message,
      );
    },
  };
}
