/**
 * Where the decision's Events go: about a TrafficSplit, or about the output object when no split
 * is left. Each distinct Event (object version, reason, message) is recorded once, so an idle
 * resync writes nothing; the recorder aggregates repeats as Kubernetes does. Every message is
 * recorded on one line and within Kubernetes' 1024 bytes (core's `eventMessage`), whoever wrote
 * it: the decision, or the controller quoting the API server. The recorder is throttled so that
 * Events give way to the writes Linkerd routes with.
 */
import { FIELD_MANAGER, eventMessage } from "@linkerd-smi/core";
import { EventRecorder, type KubeTransport } from "@linkerd-smi/kube";
import type { Logger } from "./logger.js";

/** The longest an Event waits for the workqueue to be idle before it is written anyway. */
const EVENT_WAIT_MS = 1000;
/**
 * Events waiting to be written beyond this are dropped (with a warning, as client-go's
 * broadcaster drops past 1,000): room for one Event per split of a start-up with 10,000.
 */
const EVENT_MAX_PENDING = 10_000;
/**
 * Event writes per second and their burst, the kubelet's `--event-qps` and `--event-burst`
 * defaults: a backlog of thousands (a start-up with that many splits) drains at this rate
 * rather than as fast as the apiserver answers, which took its time from the profile writes
 * of weight updates arriving meanwhile.
 */
const EVENT_RATE = { qps: 50, burst: 100 };

/**
 * The adaptor's Event recorder. Each Event waits until `whenIdle(ms)` resolves (the workqueue is
 * idle), at most EVENT_WAIT_MS: a burst of creates (a few thousand splits at start-up) would
 * otherwise share the apiserver with as many Event POSTs while the profiles are written; the
 * Events follow, in order, with the times they were recorded at.
 */
export function createEventRecorder(
  client: KubeTransport,
  log: Logger,
  whenIdle: (ms: number) => Promise<void>,
): EventRecorder {
  return new EventRecorder({
    client,
    component: FIELD_MANAGER,
    logger: log.with({ component: "events" }),
    maxPending: EVENT_MAX_PENDING,
    rate: EVENT_RATE,
    waitTurn: () => whenIdle(EVENT_WAIT_MS),
  });
}

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
