/**
 * Check results printed exactly as Linkerd prints them (pkg/healthcheck/healthcheck_output.go):
 * a category header underlined with dashes, `√`, `‼` or `×` and the description, for failures
 * the error and `see <hint> for hints` indented by four spaces, a blank line, then
 * `Status check results are √` (or `×`). `-o json` is Linkerd's CheckOutput.
 */
import type { CheckResult } from "./runner.js";

export const OK = "\u221A"; // √
export const WARN = "\u203C"; // ‼
export const FAIL = "\u00D7"; // ×

export interface Style {
  ok: string;
  warn: string;
  fail: string;
}

/** Bold green, yellow and red, as Linkerd colours them on a terminal. */
export function symbols(color: boolean): Style {
  if (!color) return { ok: OK, warn: WARN, fail: FAIL };
  const paint = (code: number, s: string) => `\u001b[${code};1m${s}\u001b[0m`;
  return { ok: paint(32, OK), warn: paint(33, WARN), fail: paint(31, FAIL) };
}

/** Prints results as they arrive. `short` prints only warnings and errors, as `linkerd check -o short`. */
export class TablePrinter {
  private lastCategory: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly style: Style,
    private readonly short = false,
  ) {}

  result(r: CheckResult): void {
    if (this.short && r.result === "success") return;
    if (this.lastCategory !== r.category) {
      if (this.lastCategory !== undefined) this.write("\n");
      this.write(`${r.category}\n${"-".repeat(r.category.length)}\n`);
      this.lastCategory = r.category;
    }
    const status =
      r.result === "success"
        ? this.style.ok
        : r.result === "warning"
          ? this.style.warn
          : this.style.fail;
    let text = `${status} ${r.description}\n`;
    if (r.error !== undefined) {
      // Exactly as Linkerd prints it (and as `linkerd check` prints our JSON): the first line
      // after four spaces; the message's continuation lines carry their own tab.
      text += `    ${r.error}\n`;
      if (r.hint !== undefined) text += `    see ${r.hint} for hints\n`;
    }
    this.write(text);
  }

  /** The blank line after the categories and the final verdict. */
  finish(success: boolean, warning: boolean): void {
    if (!this.short || !success || warning) this.write("\n");
    this.write(`Status check results are ${success ? this.style.ok : this.style.fail}\n`);
  }
}

/** Linkerd's `CheckOutput`: what `linkerd check` parses from `linkerd-<extension> check -o json`. */
export interface CheckOutput {
  success: boolean;
  categories: {
    categoryName: string;
    checks: {
      description: string;
      hint?: string;
      error?: string;
      result: "success" | "warning" | "error";
    }[];
  }[];
}

export function checkOutput(results: readonly CheckResult[], success: boolean): CheckOutput {
  const categories: CheckOutput["categories"] = [];
  for (const r of results) {
    let category = categories.at(-1);
    if (category?.categoryName !== r.category) {
      category = { categoryName: r.category, checks: [] };
      categories.push(category);
    }
    category.checks.push({
      description: r.description,
      ...(r.hint === undefined ? {} : { hint: r.hint }),
      ...(r.error === undefined ? {} : { error: r.error }),
      result: r.result,
    });
  }
  return { success, categories };
}
