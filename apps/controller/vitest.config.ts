import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    reporters,
    projects: [
      { test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          globalSetup: ["../../packages/testenv/src/global-setup.ts"],
          // One adaptor at a time: every adaptor watches every namespace.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
