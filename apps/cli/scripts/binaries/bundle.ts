/**
 * The executable's script: esbuild bundles dist/bin/linkerd-smi-sea.js (which
 * starts src/sea.ts) and everything it imports into one CommonJS script, as SEA
 * runs a single script. The package.json read of src/version.ts becomes the
 * version itself, and import.meta.url the executable's path.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { mib, readPackageJson } from "@linkerd-smi/build-support";
import {
  inlinePackageJson,
  punycodeAlias,
  warningsText,
  withoutSideEffects,
} from "@linkerd-smi/build-support/esbuild";
import * as esbuild from "esbuild";
import { cliDir, dist, fail, log } from "./env.js";
import { NODE_MAJOR } from "./platforms.js";

/**
 * Packages that are big and that only some commands need: bundled inline, V8
 * parses and evaluates them when the executable starts (client-node's
 * `KubeConfig`, which @linkerd-smi/kube imports statically: 0.9 MiB of
 * script, about 20 MiB of RSS on every command, `--help` included). Each is
 * bundled on its own into an asset, `lib/<name>.cjs`, which the main script
 * compiles the first time one of its exports is read: the module that stands
 * in for it has a getter per export (their names read from the package here,
 * at build time), for static imports and `import()` alike. Nothing may read
 * one of its exports while the main script is evaluated (kube does not).
 */
const LAZY_PACKAGES = ["@kubernetes/client-node", "@grpc/grpc-js"];
const LAZY_NAMESPACE = "linkerd-smi-lazy";
const lazyAssetName = (pkg: string): string =>
  `lib/${pkg.replace(/^@/, "").replace(/\//g, "-")}.cjs`;

/** A lazy package as the main script imports it: from where, and which names ("*": all). */
export interface LazyImport {
  resolveDir: string;
  names: Set<string>;
}

export function lazyPackagesPlugin(found: Map<string, LazyImport>): esbuild.Plugin {
  const filter = new RegExp(
    `^(${LAZY_PACKAGES.map((p) => p.replace(/[/.]/g, "\\$&")).join("|")})$`,
  );
  return {
    name: "linkerd-smi-lazy-packages",
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const entry = found.get(args.path) ?? { resolveDir: args.resolveDir, names: new Set() };
        // The names imported: `import { A, B as C } from "pkg"` (tsc's output), else all ("*").
        const text = readFileSync(args.importer, "utf8");
        const quoted = args.path.replace(/[/.]/g, "\\$&");
        const named = [
          ...text.matchAll(new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*"${quoted}";$`, "gm")),
        ];
        const all = new RegExp(`"${quoted}"`, "g");
        if (args.kind !== "import-statement" || named.length !== (text.match(all) ?? []).length)
          entry.names.add("*");
        for (const m of named)
          for (const spec of (m[1] ?? "").split(","))
            if (spec.trim() !== "")
              entry.names.add(spec.trim().split(/\s+as\s+/)[0] ?? spec.trim());
        found.set(args.path, entry);
        return { path: args.path, namespace: LAZY_NAMESPACE, pluginData: args.resolveDir };
      });
      build.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, (args) => {
        const resolveDir = args.pluginData as string;
        const entry = createRequire(join(resolveDir, "index.js")).resolve(args.path);
        const wanted = found.get(args.path)?.names ?? new Set(["*"]);
        // Read with require, not import(), whose keys depend on the loader running this build
        // (Node's lists `__esModule`, tsx's does not); the stand-in defines `__esModule`
        // itself, and defining it twice throws. LAZY_PACKAGES are CommonJS, as the stand-in is.
        const names = wanted.has("*")
          ? Object.keys(createRequire(entry)(entry) as object)
              .filter((n) => n !== "default" && n !== "__esModule")
              .sort()
          : [...wanted].sort();
        const asset = JSON.stringify(lazyAssetName(args.path));
        return {
          // CommonJS: esbuild reads a static import's names off it when they are used.
          contents: [
            "let loaded;",
            "function load() {",
            "  if (loaded === undefined) {",
            "    const module = { exports: {} };",
            `    const code = require("node:sea").getAsset(${asset}, "utf8");`,
            `    const run = require("node:vm").compileFunction(code, ["exports", "require", "module", "__filename", "__dirname"], { filename: ${asset} });`,
            "    run(module.exports, require, module, __filename, __dirname);",
            "    loaded = module.exports;",
            "  }",
            "  return loaded;",
            "}",
            'Object.defineProperty(exports, "__esModule", { value: true });',
            `for (const name of ${JSON.stringify(names)})`,
            "  Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });",
          ].join("\n"),
          loader: "js",
        };
      });
    },
  };
}

const bundleOptions: esbuild.BuildOptions = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: `node${NODE_MAJOR}`,
  minify: true,
  legalComments: "eof",
  // One import.meta.url for every module: the executable (its __filename).
  // Nothing may resolve files next to it: src/sea.ts supplies the engine,
  // the chart and (above) the version.
  define: { "import.meta.url": "__linkerdSmiImportMetaUrl" },
  banner: {
    js: 'var __linkerdSmiImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  alias: punycodeAlias,
  logLevel: "silent",
};

async function checkWarnings(result: esbuild.BuildResult): Promise<void> {
  const warnings = await warningsText(result);
  if (warnings !== undefined) fail(`esbuild warnings:\n${warnings}`);
}

/**
 * The main script into `outfile`, and one asset per package of LAZY_PACKAGES it imports
 * beside it: their asset names and files.
 */
export async function bundle(
  version: string,
  outfile: string,
): Promise<{ size: number; assets: Record<string, string> }> {
  const { homepage = "" } = readPackageJson(cliDir);
  const lazy = new Map<string, LazyImport>();
  await checkWarnings(
    await esbuild.build({
      ...bundleOptions,
      entryPoints: [join(dist, "bin", "linkerd-smi-sea.js")],
      outfile,
      plugins: [
        inlinePackageJson(join(dist, "version.js"), { version, homepage }),
        lazyPackagesPlugin(lazy),
      ],
    }),
  );
  const assets: Record<string, string> = {};
  for (const [pkg, { resolveDir, names }] of lazy) {
    const file = join(dirname(outfile), lazyAssetName(pkg));
    // Only the names the main script imports, the package marked side-effect free, so
    // that esbuild keeps what they reach (for client-node's KubeConfig: 0.9 of 3.4 MiB).
    const contents = names.has("*")
      ? `module.exports = require(${JSON.stringify(pkg)});`
      : `export { ${[...names].sort().join(", ")} } from ${JSON.stringify(pkg)};`;
    await checkWarnings(
      await esbuild.build({
        ...bundleOptions,
        stdin: { contents, resolveDir, loader: "js" },
        outfile: file,
        plugins: names.has("*") ? [] : [withoutSideEffects(pkg)],
      }),
    );
    assets[lazyAssetName(pkg)] = file;
    log(`${pkg}: bundled apart, loaded on first use -> ${mib(statSync(file).size)}`);
  }
  return { size: statSync(outfile).size, assets };
}
