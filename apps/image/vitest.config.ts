import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    reporters,
    include: ["test/**/*.test.ts"],
    globalSetup: ["../../packages/testenv/src/global-setup.ts"],
    // One file at a time: the chart's ClusterRole and ClusterRoleBinding have
    // one name per cluster, and each adaptor watches every namespace.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
