/**
 * A small reimplementation of Linkerd's health-check runner (pkg/healthcheck): categories of
 * checks run in order, a fatal failure stops the rest of its category, some checks are retried
 * until a deadline, and every final result is reported as Linkerd reports it.
 */
import { PROJECT_HOME } from "../version.js";

/**
 * Where each check's hint is: this project's docs/checks.md (linkerd.io has no page for the
 * SMI extension's checks); each check adds its id as the anchor.
 */
export const HINT_BASE_URL = `${PROJECT_HOME}/blob/main/docs/checks.md#`;

/** What one run of a check found. */
export type Outcome =
  | { readonly status: "success" }
  | { readonly status: "error"; readonly message: string }
  /** A warning even if the check is not a warning check. */
  | { readonly status: "warning"; readonly message: string }
  /** Not applicable here; not reported (Linkerd's SkipError). */
  | { readonly status: "skip"; readonly reason: string };

export interface Check {
  /** The hint anchor, e.g. `l5d-smi-ns-exists`. */
  readonly id: string;
  readonly description: string;
  /** A failure is reported as a warning (‼) and does not fail the run. */
  readonly warning?: boolean;
  /** A failure stops the remaining checks of the category. */
  readonly fatal?: boolean;
  /** Retried while it fails, until the run's deadline (`--wait`). */
  readonly retry?: boolean;
  readonly run: () => Promise<Outcome>;
}

export interface Category {
  readonly name: string;
  readonly checks: readonly Check[];
}

/** One reported result, in the terms of Linkerd's `check -o json`. */
export interface CheckResult {
  readonly category: string;
  readonly id: string;
  readonly description: string;
  readonly result: "success" | "warning" | "error";
  readonly error?: string;
  readonly hint?: string;
}

export interface RunOptions {
  /** Epoch milliseconds after which failing checks are no longer retried. */
  readonly deadline: number;
  /** Pause between retries. */
  readonly retryIntervalMs?: number;
  /** Called before each check starts. */
  readonly onStart?: (category: string, check: Check) => void;
  /** Called when a check failed and will be retried. */
  readonly onRetry?: (category: string, check: Check, message: string) => void;
  /** Called with every final result, in order. */
  readonly onResult?: (result: CheckResult) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RunSummary {
  /** No check failed with an error. */
  readonly success: boolean;
  /** Some check ended with a warning. */
  readonly warning: boolean;
  readonly results: readonly CheckResult[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function attempt(check: Check): Promise<Outcome> {
  try {
    return await check.run();
  } catch (error) {
    return { status: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs every category in order and reports each final result. */
export async function runChecks(
  categories: readonly Category[],
  options: RunOptions,
): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.retryIntervalMs ?? 1000;
  const results: CheckResult[] = [];
  for (const category of categories) {
    for (const check of category.checks) {
      options.onStart?.(category.name, check);
      let outcome = await attempt(check);
      while (check.retry === true && outcome.status === "error" && now() < options.deadline) {
        options.onRetry?.(category.name, check, outcome.message);
        await sleep(Math.max(0, Math.min(interval, options.deadline - now())));
        outcome = await attempt(check);
      }
      if (outcome.status === "skip") continue;
      const result: CheckResult =
        outcome.status === "success"
          ? {
              category: category.name,
              id: check.id,
              description: check.description,
              result: "success",
            }
          : {
              category: category.name,
              id: check.id,
              description: check.description,
              result: outcome.status === "warning" || check.warning === true ? "warning" : "error",
              error: outcome.message,
              hint: `${HINT_BASE_URL}${check.id}`,
            };
      results.push(result);
      options.onResult?.(result);
      if (result.result === "error" && check.fatal === true) break;
    }
  }
  return {
    success: results.every((r) => r.result !== "error"),
    warning: results.some((r) => r.result === "warning"),
    results,
  };
}
