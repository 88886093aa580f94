import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["../testenv/src/global-setup.ts"],
    reporters,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
