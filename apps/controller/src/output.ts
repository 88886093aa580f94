/**
 * The seam between the decision and the API server: an output is one planner (in core: what to
 * write) and one writer (here: how to write it), chosen per split. The ServiceProfile output is
 * the only one today; a Gateway API output is a second pair behind the same interface.
 */
import type { OutputPlanner } from "@linkerd-smi/core";

/** Carries out the actions of one output's planner. */
export interface OutputWriter<E, A> {
  /** What exists of the output of `namespace/apex` (cache, or our newer write). */
  existing(namespace: string, apex: string): E | undefined;
  /** Carries `action` out; throws the API server's error when it fails. */
  execute(action: A): Promise<void>;
}

/** A planner and its writer. */
export interface Output<E, A> {
  readonly planner: OutputPlanner<E, A>;
  readonly writer: OutputWriter<E, A>;
}
