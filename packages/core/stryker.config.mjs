// Mutation testing of core: `pnpm --filter @linkerd-smi/core mutate` (or `pnpm mutate` at the
// root). Not part of `pnpm test`: it runs the unit tests once per mutant, which takes long on
// two cores. Incremental: a later run reuses reports/stryker-incremental.json and only runs the
// mutants whose code or covering tests changed. That file (several hundred kB) and the HTML and
// JSON reports stay in reports/, which git ignores. A subset: `pnpm mutate --mutate src/dns.ts`.
import { fileURLToPath } from "node:url";

// pnpm keeps each package's dependencies private, so Stryker cannot find its plugins by
// scanning node_modules/@stryker-mutator; name them by path.
const plugin = (name) => fileURLToPath(import.meta.resolve(name));

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "pnpm",
  plugins: [
    plugin("@stryker-mutator/vitest-runner"),
    plugin("@stryker-mutator/typescript-checker"),
  ],
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts" },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  // Re-run the unit tests only; types.ts holds types and index.ts only re-exports.
  mutate: ["src/**/*.ts", "!src/**/*.test.ts", "!src/index.ts", "!src/types.ts"],
  ignorePatterns: ["dist", "test-results", "reports", "coverage", "scripts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: ".stryker-tmp",
};
