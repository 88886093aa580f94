// Bundles the built adaptor (dist/main.js) with esbuild into what the image ships and the
// bench runs: dist/bundle/smi-adaptor.mjs, and dist/bundle/chunks/*.mjs for anything imported
// dynamically. @linkerd-smi/kube imports client-node by name (`{ KubeConfig }`), so esbuild
// keeps only what that reaches. Third-party licences are at the end of each file. Run by
// `pnpm build`, after tsc.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const controllerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(controllerDir, "dist");
const out = join(dist, "bundle");
const { version, engines } = JSON.parse(readFileSync(join(controllerDir, "package.json"), "utf8"));

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/** dist/version.js reads ../package.json at run time; in the bundle it is the version itself. */
const versionPlugin = {
  name: "smi-adaptor-version",
  setup(build) {
    const file = join(dist, "version.js");
    const read = 'readFileSync(new URL("../package.json", import.meta.url), "utf8")';
    build.onLoad({ filter: /[\\/]version\.js$/ }, (args) => {
      if (resolve(args.path) !== file) return undefined;
      const text = readFileSync(file, "utf8");
      if (!text.includes(read))
        throw new Error(
          `${file} no longer reads the version with ${read}; update ${fileURLToPath(import.meta.url)}`,
        );
      return {
        contents: text.replace(read, JSON.stringify(JSON.stringify({ version }))),
        loader: "js",
      };
    });
  },
};

/**
 * client-node's package.json does not say `"sideEffects": false`, so esbuild keeps every module
 * of it that its index reaches and that might have one (the generated API and models, cp's tar,
 * ws, ...), though kube uses only `KubeConfig` and model types. None of its modules does
 * anything on import that KubeConfig relies on: mark them side-effect free, and esbuild keeps
 * what `KubeConfig` reaches. Measured with `pnpm --filter @linkerd-smi/bench bench:idle`
 * (the idle adaptor's RSS 20 s after ready, Node 20.20): client-node whole in the bundle,
 * 1.9 MiB of script and 72.3 MiB; side-effect free, 1.4 MiB and 64.1 MiB; with whatwg-url
 * replaced too (scripts/whatwg-url.mjs), 1.1 MiB and 59.1 MiB, where the bundle that loaded
 * client-node only for exec and auth-provider plugins held 61.3 MiB. On Node 26.12 (the
 * image's line) the same two measure 87.9-88.4 MiB and 76.7-83.3 MiB.
 */
const clientNodeWithoutSideEffects = {
  name: "client-node-without-side-effects",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === clientNodeWithoutSideEffects) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: clientNodeWithoutSideEffects,
      });
      if (
        resolved.errors.length > 0 ||
        !/[\\/]@kubernetes[\\/]client-node[\\/]/.test(resolved.path)
      )
        return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

const entry = join(dist, "main.js");
const minNode = /(\d+\.\d+)/.exec(engines.node)?.[1];
if (minNode === undefined) fail(`package.json engines.node "${engines.node}" names no version`);
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
    // Node warns (DEP0040, a line that is not JSON in the adaptor's log) when code outside
    // node_modules loads the `punycode` builtin, as bundled tr46 (node-fetch, under
    // @kubernetes/client-node) does: it gets npm's punycode instead, the same code.
    alias: {
      punycode: createRequire(import.meta.url).resolve("punycode/"),
      "whatwg-url": fileURLToPath(new URL("whatwg-url.mjs", import.meta.url)),
    },
    plugins: [versionPlugin, clientNodeWithoutSideEffects],
    logLevel: "silent",
  })
  .catch((error) => fail(error.message));
if (result.warnings.length > 0) {
  const text = await esbuild.formatMessages(result.warnings, { kind: "warning" });
  fail(`esbuild warnings:\n${text.join("\n")}`);
}
rmSync(out, { recursive: true, force: true });
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
}
const sizes = result.outputFiles.map(
  (f) => `${relative(controllerDir, f.path)} (${(f.contents.length / 2 ** 20).toFixed(1)} MiB)`,
);
process.stderr.write(`bundled dist/main.js -> ${sizes.join(", ")}\n`);
