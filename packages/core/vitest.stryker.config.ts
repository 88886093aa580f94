import { defineConfig } from "vitest/config";

/**
 * The unit tests StrykerJS runs against each mutant: the tests next to the code, without
 * test/pack.test.ts (it packs and builds dist/, which mutants never reach).
 */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
