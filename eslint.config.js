// @ts-check
import { builtinModules } from "node:module";
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Node's built-in modules by their bare names (`fs`, `fs/promises`, ...); `node:*` is matched by pattern. */
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith("_") && !m.startsWith("node:"));

/**
 * Packages that do I/O (network, processes, files, servers). @linkerd-smi/core is pure translation:
 * whatever talks to a cluster or the outside world belongs in kube, the controller or the CLI.
 */
const ioPackages = [
  "@kubernetes/client-node",
  "@linkerd-smi/kube",
  "@linkerd-smi/testenv",
  "@linkerd-smi/controller",
  "@linkerd-smi/cli",
  "commander",
  "fastify",
  "@fastify/*",
  "prom-client",
  "undici",
  "node-fetch",
  "axios",
  "ws",
  "esbuild",
  "postject",
];

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "**/.turbo/**",
      "**/coverage/**",
      "**/.stryker-tmp*/**",
      "**/reports/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
  {
    // No import cycles, between files or packages: the layering in the READMEs stays true by itself.
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Follow imports into TypeScript files (the default is JavaScript only).
      "import-x/extensions": [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx", ".mts", ".cts"] },
      "import-x/resolver-next": [
        createTypeScriptImportResolver({
          alwaysTryTypes: true,
          noWarnOnMultipleProjects: true,
          // Absolute: turbo runs eslint from each package's directory.
          project: [
            `${import.meta.dirname}/packages/*/tsconfig.json`,
            `${import.meta.dirname}/apps/*/tsconfig.json`,
          ],
        }),
      ],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: false }],
    },
  },
  {
    // @linkerd-smi/core ships pure functions: no Node built-ins, no I/O packages.
    files: ["packages/core/src/**/*.ts"],
    ignores: ["packages/core/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message:
              "@linkerd-smi/core does no I/O: Node built-ins belong in kube, the controller or the CLI.",
          })),
          patterns: [
            {
              group: ["node:*"],
              message:
                "@linkerd-smi/core does no I/O: Node built-ins belong in kube, the controller or the CLI.",
            },
            {
              group: ioPackages,
              message:
                "@linkerd-smi/core does no I/O: a package that talks to a cluster, a network or a process belongs in kube, the controller or the CLI.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
