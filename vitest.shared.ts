/**
 * Reporters every package uses: the default console output, plus a JSON file
 * that `.ci/run` sums into one "N passed, N failed" line for the whole repo.
 */
export const reporters: ["default", ["json", { outputFile: string }]] = [
  "default",
  ["json", { outputFile: "test-results/vitest.json" }],
];
