// Mutation testing of core: `pnpm --filter @linkerd-smi/core mutate` (or `pnpm mutate` at the
// root). Not part of `pnpm test`: it runs the unit tests once per mutant, which takes long on
// two cores. Incremental: a later run reuses reports/stryker-incremental.json and only runs the
// mutants whose code or covering tests changed. That file (several hundred kB) and the HTML and
// JSON reports stay in reports/, which git ignores. A subset: `pnpm mutate --mutate src/dns.ts`.
import { fileURLToPath } from "node:url";

// pnpm keeps each package's dependencies private, so Stryker cannot find its plugins by
// scanning node_modules/@stryker-mutator; name them by path.
const group = process.env["STRYKER_GROUP"] ?? "mutation";

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
  // The checker type-checks the sources only (not the tests, which vitest runs untyped): five
  // times less work per mutant than tsconfig.json, and a mutant still has to compile.
  tsconfigFile: "tsconfig.stryker.json",
  // Re-run the unit tests only; types.ts holds types and index.ts only re-exports.
  mutate: ["src/**/*.ts", "!src/**/*.test.ts", "!src/index.ts", "!src/types.ts"],
  ignorePatterns: ["dist", "test-results", "reports", "coverage", "scripts"],
  coverageAnalysis: "perTest",
  // Two cores shared with other work: a slow run must not count as a timeout (each timeout also
  // restarts the test runner, which costs more).
  timeoutMS: 15_000,
  concurrency: 2,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  // STRYKER_GROUP=<name> writes the reports to reports/mutation/<name>.{json,html}, so runs
  // over parts of core (each with its own --incrementalFile) keep their results apart;
  // scripts/mutation-score.ts merges the JSON reports and prints the scores.
  htmlReporter: { fileName: `reports/mutation/${group}.html` },
  jsonReporter: { fileName: `reports/mutation/${group}.json` },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: ".stryker-tmp",
};
