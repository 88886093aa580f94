import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    reporters,
    // One file at a time: the chart's ClusterRole and ClusterRoleBinding have
    // one name per cluster, and each adaptor watches every namespace.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    projects: [
      {
        extends: true,
        test: {
          name: "podman",
          include: ["test/*.test.ts"],
          globalSetup: ["../../packages/testenv/src/global-setup.ts"],
        },
      },
      {
        // The chart on the machine's test node (kubelet, containerd, ...; root), which has
        // a control plane of its own.
        extends: true,
        test: {
          name: "node",
          include: ["test/node/*.test.ts"],
          globalSetup: ["../../packages/testenv/src/global-setup-node.ts"],
        },
      },
    ],
  },
});
