/**
 * Setup for the mutation run only (vitest.stryker.config.ts); `pnpm test` does not load it.
 *
 * The property tests ask fast-check for 500 to 3000 cases each. Stryker runs the covering
 * tests once per mutant, and on two shared cores those cases dominate the run. Here every
 * property runs at most STRYKER_FC_RUNS cases (default 100): a mutant that breaks a
 * property is almost always caught within the first few dozen cases, and the example tests
 * with literal expectations are unchanged. A mutant that only a rare case reaches can then
 * survive, which lowers the score rather than inflating it.
 */
import { vi } from "vitest";

const cap = Number(process.env["STRYKER_FC_RUNS"] ?? 100);

vi.mock("fast-check", async (importOriginal) => {
  const fc = await importOriginal<typeof import("fast-check")>();
  fc.default.configureGlobal({ numRuns: cap });
  type Assert = typeof fc.default.assert;
  const assert = ((property: Parameters<Assert>[0], params?: Parameters<Assert>[1]) =>
    fc.default.assert(property, {
      ...params,
      numRuns: Math.min(params?.numRuns ?? cap, cap),
    })) as Assert;
  return { ...fc, assert, default: { ...fc.default, assert } };
});
