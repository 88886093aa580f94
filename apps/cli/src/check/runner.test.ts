import { describe, expect, it } from "vitest";
import { runChecks, type Check, type Outcome } from "./runner.js";

const outcome = (o: Outcome) => () => Promise.resolve(o);
const check = (id: string, run: Check["run"], extra: Partial<Check> = {}): Check => ({
  id,
  description: `check ${id}`,
  run,
  ...extra,
});

describe("runChecks", () => {
  it("reports results as Linkerd does: hints only on failures, warnings do not fail", async () => {
    const seen: string[] = [];
    const summary = await runChecks(
      [
        {
          name: "cat",
          checks: [
            check("a", outcome({ status: "success" })),
            check("b", outcome({ status: "error", message: "bad" }), { warning: true }),
            check("c", outcome({ status: "warning", message: "meh" })),
            check("d", outcome({ status: "skip", reason: "n/a" })),
            check("e", () => Promise.reject(new Error("boom"))),
          ],
        },
      ],
      { deadline: 0, onResult: (r) => seen.push(r.id) },
    );
    expect(summary.results).toEqual([
      { category: "cat", id: "a", description: "check a", result: "success" },
      {
        category: "cat",
        id: "b",
        description: "check b",
        result: "warning",
        error: "bad",
        hint: "https://github.com/linkerd-smi-ts/linkerd-smi/blob/main/docs/checks.md#b",
      },
      {
        category: "cat",
        id: "c",
        description: "check c",
        result: "warning",
        error: "meh",
        hint: "https://github.com/linkerd-smi-ts/linkerd-smi/blob/main/docs/checks.md#c",
      },
      {
        category: "cat",
        id: "e",
        description: "check e",
        result: "error",
        error: "boom",
        hint: "https://github.com/linkerd-smi-ts/linkerd-smi/blob/main/docs/checks.md#e",
      },
    ]);
    expect(seen).toEqual(["a", "b", "c", "e"]);
    expect(summary.success).toBe(false);
    expect(summary.warning).toBe(true);
  });

  it("stops a category at a fatal failure, and goes on with the next category", async () => {
    const summary = await runChecks(
      [
        {
          name: "one",
          checks: [
            check("a", outcome({ status: "error", message: "x" }), { fatal: true }),
            check("b", outcome({ status: "success" })),
          ],
        },
        { name: "two", checks: [check("c", outcome({ status: "success" }))] },
      ],
      { deadline: 0 },
    );
    expect(summary.results.map((r) => r.id)).toEqual(["a", "c"]);
  });

  it("retries a retry check until it passes or the deadline is reached", async () => {
    let clock = 0;
    let calls = 0;
    const retries: string[] = [];
    const flaky = check(
      "p",
      () => {
        calls++;
        return Promise.resolve<Outcome>(
          calls < 3 ? { status: "error", message: `not yet ${calls}` } : { status: "success" },
        );
      },
      { retry: true },
    );
    const options = {
      now: () => clock,
      sleep: (ms: number) => {
        clock += ms;
        return Promise.resolve();
      },
      retryIntervalMs: 1000,
      onRetry: (_c: string, _k: Check, message: string) => retries.push(message),
    };
    const passed = await runChecks([{ name: "c", checks: [flaky] }], {
      ...options,
      deadline: 10_000,
    });
    expect(passed.success).toBe(true);
    expect(retries).toEqual(["not yet 1", "not yet 2"]);

    calls = -100;
    clock = 0;
    const failed = await runChecks([{ name: "c", checks: [flaky] }], {
      ...options,
      deadline: 2500,
    });
    expect(failed.results[0]).toMatchObject({ result: "error", error: "not yet -96" });
    expect(clock).toBe(2500);

    calls = 0;
    const once = await runChecks([{ name: "c", checks: [{ ...flaky, retry: false }] }], {
      ...options,
      deadline: 10_000,
    });
    expect(once.results[0]?.result).toBe("error");
  });
});
