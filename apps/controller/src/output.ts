/**
 * The seam between the decision and the API server: an output is one planner (in core: what to
 * write) and one writer (here: how to write it), chosen per split. The ServiceProfile output is
 * and the Gateway API output sit behind one targeted pair (core's `targetedOutput`), chosen per
 * split by `-target` or the split's `smi.linkerd.io/target` annotation.
 */
import type { OutputPlanner } from "@linkerd-smi/core";
import type { Involved } from "./events.js";

/** Carries out the actions of one output's planner. */
export interface OutputWriter<E, A> {
  /** What exists of the output of `namespace/apex` (cache, or our newer write). */
  existing(namespace: string, apex: string): E | undefined;
  /** The object Events go to when no split is left (the output object), if any. */
  involved(existing: E | undefined): Involved | undefined;
  /** Carries `action` out; throws the API server's error when it fails. */
  execute(action: A): Promise<void>;
  /**
   * True when the adaptor remembers writing `existing` as it is, though it no longer shows it
   * (see core's `PlanContext.adaptorWrote`).
   */
  adaptorWrote?(existing: E | undefined): boolean;
  /** The objects `action` writes or deletes, as `kind/name` (`httproute/web-smi-80`), for logs. */
  written(action: A): string[];
}

/** A planner and its writer. */
export interface Output<E, A> {
  readonly planner: OutputPlanner<E, A>;
  readonly writer: OutputWriter<E, A>;
}
