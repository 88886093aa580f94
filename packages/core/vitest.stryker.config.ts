import { defineConfig } from "vitest/config";

/**
 * The unit tests StrykerJS runs against each mutant: the tests next to the code, without
 * test/pack.test.ts (it packs and builds dist/, which mutants never reach). The setup file
 * caps fast-check's property runs for the mutation run only (see test/stryker-setup.ts).
 */
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    setupFiles: ["test/stryker-setup.ts"],
    testTimeout: 30_000,
  },
});
