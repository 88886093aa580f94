import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    reporters,
    // Property tests run thousands of cases; on a busy two-core CI machine (other
    // packages boot control planes in parallel) they can need more than the 5 s default.
    testTimeout: 30_000,
  },
});
