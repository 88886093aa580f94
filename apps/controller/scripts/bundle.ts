// Bundles the built adaptor (dist/main.js) with esbuild into what the image ships and the
// bench runs: dist/bundle/smi-adaptor.mjs, and dist/bundle/chunks/*.mjs for anything imported
// dynamically. @linkerd-smi/kube imports client-node by name (`{ KubeConfig }`), so esbuild
// keeps only what that reaches. Third-party licences are at the end of each file. Run by
// `pnpm build`, after tsc.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readPackageJson, scriptOutput } from "@linkerd-smi/build-support";
import {
  inlinePackageJson,
  punycodeAlias,
  warningsText,
  withoutSideEffects,
} from "@linkerd-smi/build-support/esbuild";
import * as esbuild from "esbuild";

const fail: (message: string) => never = scriptOutput("bundle").fail;
const controllerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(controllerDir, "dist");
const out = join(dist, "bundle");
const { version, engines } = readPackageJson(controllerDir);

const entry = join(dist, "main.js");
const minNode = /(\d+\.\d+)/.exec(engines?.node ?? "")?.[1];
if (minNode === undefined)
  fail(`package.json engines.node "${engines?.node ?? ""}" names no version`);
const result = await esbuild
  .build({
    entryPoints: [entry],
    write: false,
    outdir: out,
    entryNames: "smi-adaptor",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    // The oldest Node the package supports: the image's newer Node and the bench's both run it.
    target: `node${minNode}`,
    minify: true,
    legalComments: "eof",
    // CommonJS dependencies require() Node's builtins; an ES module has no require of its own.
    banner: {
      js: 'import { createRequire as __smiCreateRequire } from "node:module"; const require = __smiCreateRequire(import.meta.url);',
    },
    // The punycode builtin's warning is not JSON, in the adaptor's log.
    alias: {
      ...punycodeAlias,
      "whatwg-url": fileURLToPath(new URL("whatwg-url.ts", import.meta.url)),
    },
    plugins: [
      // dist/version.js reads ../package.json at run time; in the bundle it is the version itself.
      inlinePackageJson(join(dist, "version.js"), { version }),
      /**
       * What kube uses of client-node is `KubeConfig` and model types. Measured with `pnpm
       * --filter @linkerd-smi/bench bench:idle` (the idle adaptor's RSS 20 s after ready, Node
       * 20.20): client-node whole in the bundle, 1.9 MiB of script and 72.3 MiB; side-effect
       * free, 1.4 MiB and 64.1 MiB; with whatwg-url replaced too (scripts/whatwg-url.ts), 1.1
       * MiB and 59.1 MiB, where the bundle that loaded client-node only for exec and
       * auth-provider plugins held 61.3 MiB. On Node 26.12 (the image's line) the same two
       * measure 87.9-88.4 MiB and 76.7-83.3 MiB.
       */
      withoutSideEffects("@kubernetes/client-node"),
    ],
    logLevel: "silent",
  })
  .catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
const warnings = await warningsText(result);
if (warnings !== undefined) fail(`esbuild warnings:\n${warnings}`);
rmSync(out, { recursive: true, force: true });
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
}
const sizes = result.outputFiles.map(
  (f) => `${relative(controllerDir, f.path)} (${(f.contents.length / 2 ** 20).toFixed(1)} MiB)`,
);
process.stderr.write(`bundled dist/main.js -> ${sizes.join(", ")}\n`);
