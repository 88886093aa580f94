/**
 * The controller's one step: `processItem(key)` reads the caches for one apex, asks core's
 * decision what to do, has the output's writer carry it out, then records the Events, metrics
 * and log line. Permanent API errors (forbidden, invalid, ...) are reported once and not retried
 * until something changes; transient ones are retried with backoff.
 */
import { Reason, decideApex, type ApexDecision, type TrafficSplitObject } from "@linkerd-smi/core";
import {
  classifyError,
  isPermanent,
  type Informer,
  type PermanentErrorKind,
  type WorkResult,
} from "@linkerd-smi/kube";
import type { EventSink, Involved } from "./events.js";
import type { Departed } from "./handlers.js";
import { BY_APEX } from "./informers.js";
import { parseApexKey } from "./keys.js";
import type { Logger } from "./logger.js";
import type { AdaptorMetrics } from "./metrics.js";
import type { Output } from "./output.js";
import type { ShareGauges } from "./share-gauges.js";
import type { StatusSettle } from "./settle.js";

interface ControllerDeps<E, A extends { kind: string }> {
  /** The split informer (or a fake in tests): its BY_APEX index finds an apex's splits. */
  splits: Pick<Informer<TrafficSplitObject>, "byIndex">;
  serviceExists: (namespace: string, name: string) => boolean;
  output: Output<E, A>;
  events: EventSink;
  metrics: AdaptorMetrics;
  shares: ShareGauges;
  departed: Departed;
  log: Logger;
  /** Holds back route-status Events until they last; without it they are recorded at once. */
  settle?: StatusSettle;
}

/** What to do about each error kind retrying cannot fix (kube's `isPermanent`), for the Warning Event. */
const PERMANENT_HINTS: Record<PermanentErrorKind, string> = {
  forbidden:
    "grant the smi-adaptor's ServiceAccount this verb (the chart's ClusterRole has every verb the adaptor needs)",
  invalid: "the API server rejects what this TrafficSplit translates to: fix the TrafficSplit",
};

/** Results after which the adaptor wrote something. */
const WROTE = new Set(["created", "updated", "deleted", "cleaned"]);

/** "Successfully synced '<namespace>/<split>'", once per split the reconcile was about. */
function synced(
  write: (msg: string, fields?: Record<string, unknown>) => void,
  key: string,
  decision: ApexDecision<TrafficSplitObject, { kind: string }>,
  departed: TrafficSplitObject | undefined,
  fields: Record<string, unknown>,
): void {
  const splits = decision.splits.map((s) => s.split);
  const about = splits.length > 0 ? splits : departed === undefined ? [] : [departed];
  if (about.length === 0) {
    write(`Successfully synced '${key}'`, { ...fields, key });
    return;
  }
  for (const split of about) {
    const ref = `${split.metadata.namespace}/${split.metadata.name}`;
    write(`Successfully synced '${ref}'`, { ...fields, key, trafficsplit: split.metadata.name });
  }
}

export function createController<E, A extends { kind: string }>(deps: ControllerDeps<E, A>) {
  const { metrics, log, output } = deps;
  /** Keys whose last write was refused for good: retried when something changes. */
  const parked = new Set<string>();

  /**
   * A reconcile that wrote logs what it wrote (with the result) at info, then "Successfully
   * synced '<namespace>/<split>'" at info for each split of the apex, as linkerd-smi v0.2.7
   * does (its workqueue key is the split's, ours the apex's) and its walkthrough shows; one
   * that wrote nothing logs "Successfully synced" at debug only. With no split left, the line
   * names the split that left (or the apex key when none is known: the orphan sweep).
   */
  const logOutcome = (
    key: string,
    decision: ApexDecision<TrafficSplitObject, A>,
    name: string,
    departed: TrafficSplitObject | undefined,
  ) => {
    const split = decision.winner?.metadata.name;
    const written = output.writer.written(decision.action);
    const what =
      written.length > 0 ? written.join(", ") : `${output.planner.kind.toLowerCase()}/${name}`;
    const fields = {
      key,
      profile: name,
      result: decision.result,
      ...(written.length === 0 ? {} : { written }),
      ...(split === undefined ? {} : { trafficsplit: split }),
    };
    switch (decision.result) {
      case "created":
        log.info(`created ${what} for trafficsplit/${split ?? ""}`, fields);
        break;
      case "updated":
        log.info(`updated ${what}`, fields);
        break;
      case "deleted":
        log.info(`deleted ${what}: no trafficsplit targets it`, fields);
        break;
      case "cleaned":
        log.info(`cleaned up dstOverrides of ${what}`, fields);
        break;
      case "invalid":
        log.warn(
          `trafficsplit/${split ?? ""} is invalid; ${what} keeps its last good state`,
          fields,
        );
        break;
      case "skipped":
        log.info(`skipping ${what}: it has the smi.linkerd.io/skip annotation`, fields);
        break;
      default:
        synced((m, f) => log.debug(m, f), key, decision, departed, fields);
        return;
    }
    const wrote = WROTE.has(decision.result);
    synced(
      (m, f) => {
        if (wrote) log.info(m, f);
        else log.debug(m, f);
      },
      key,
      decision,
      departed,
      {},
    );
  };

  async function processItem(key: string): Promise<WorkResult> {
    const started = performance.now();
    const { namespace, apex } = parseApexKey(key);
    const existing = output.writer.existing(namespace, apex);
    const departed = deps.departed.get(key);
    const decision = decideApex(
      {
        namespace,
        apex,
        splits: deps.splits.byIndex(BY_APEX, key),
        existing,
        serviceExists: (name) => deps.serviceExists(namespace, name),
        ...(departed === undefined ? {} : { departed }),
        adaptorWrote: output.writer.adaptorWrote?.(existing) === true,
      },
      output.planner,
    );
    const name = output.planner.nameOf(namespace, apex);
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      await output.writer.execute(decision.action);
    } catch (error) {
      const kind = classifyError(error);
      const message = error instanceof Error ? error.message : String(error);
      metrics.reconciles.inc({ result: "error" });
      metrics.reconcileDuration.observe({ result: "error" }, elapsed());
      const gone =
        kind === "not-found" &&
        decision.action.kind !== "apply" &&
        decision.action.kind !== "write";
      if (gone) return "ok"; // someone removed it first: the informer brings the delete.
      if (!isPermanent(kind)) {
        log.error(`error syncing '${key}': ${message}, requeuing`, { key, kind });
        return "retry";
      }
      metrics.permanentErrors.inc({ kind });
      parked.add(key);
      const about: Involved | undefined = decision.winner ?? output.writer.involved(existing);
      const text = `The API server refused to ${decision.action.kind} ${output.planner.kind} ${name} (${kind}): ${message}. To fix: ${PERMANENT_HINTS[kind]}. Not retried until the TrafficSplit or the output changes, or the next resync.`;
      if (about !== undefined) deps.events.record(about, "Warning", Reason.WriteRejected, text);
      log.error(`error syncing '${key}': ${message}; not retried (permanent: ${kind})`, {
        key,
        kind,
      });
      return "drop";
    }
    parked.delete(key);
    const events =
      deps.settle === undefined ? decision.events : deps.settle.filter(key, decision.events);
    for (const event of events) {
      const about: Involved | undefined = event.split ?? output.writer.involved(existing);
      if (about !== undefined) deps.events.record(about, event.type, event.reason, event.message);
    }
    metrics.reconciles.inc({ result: decision.result });
    metrics.reconcileDuration.observe({ result: decision.result }, elapsed());
    deps.shares.publish(key, decision);
    logOutcome(key, decision, name, departed);
    if (decision.winner === undefined) deps.departed.delete(key);
    return "ok";
  }

  return {
    processItem,
    /** Keys whose write was refused for good, to retry after an apiserver restart. */
    parked: (): readonly string[] => [...parked],
  };
}
