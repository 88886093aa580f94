/**
 * esbuild plugins and options that the adaptor's bundle (apps/controller/scripts/bundle.ts) and
 * the CLI's single executable (apps/cli/scripts/binaries/bundle.ts) share.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve, sep } from "node:path";
import { formatMessages, type BuildResult, type Plugin } from "esbuild";

/**
 * Marks every module of `pkg` side-effect free, so that esbuild keeps only what the names
 * imported from it reach. For @kubernetes/client-node, whose package.json does not say
 * `"sideEffects": false` and none of whose modules does anything on import that its
 * `KubeConfig` relies on: without this, esbuild keeps every module its index reaches that
 * might have a side effect (the generated API and models, cp's tar, ws, ...).
 */
export function withoutSideEffects(pkg: string): Plugin {
  const marker = {};
  const inside = `${sep}node_modules${sep}${pkg.split("/").join(sep)}${sep}`;
  return {
    name: "without-side-effects",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === marker) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: marker,
        });
        return resolved.errors.length > 0 || !resolved.path.includes(inside)
          ? undefined
          : { ...resolved, sideEffects: false };
      });
    },
  };
}

/** What a package's dist/version.js does to read its package.json at run time. */
const READ_PACKAGE_JSON = 'readFileSync(new URL("../package.json", import.meta.url), "utf8")';

/**
 * The package's `versionFile` (dist/version.js, which reads ../package.json at run time) with
 * that package.json replaced by `fields` in the bundle: a bundle has no package.json beside it.
 */
export function inlinePackageJson(versionFile: string, fields: Record<string, string>): Plugin {
  return {
    name: "inline-package-json",
    setup(build) {
      build.onLoad({ filter: /[\\/]version\.js$/ }, (args) => {
        if (resolve(args.path) !== versionFile) return undefined;
        const text = readFileSync(versionFile, "utf8");
        if (!text.includes(READ_PACKAGE_JSON)) {
          throw new Error(
            `${versionFile} no longer reads its package.json with ${READ_PACKAGE_JSON}; update inlinePackageJson in packages/build-support`,
          );
        }
        return {
          contents: text.replace(READ_PACKAGE_JSON, JSON.stringify(JSON.stringify(fields))),
          loader: "js",
        };
      });
    },
  };
}

/**
 * Node warns (DEP0040) when code outside node_modules loads the `punycode` builtin, as bundled
 * code does (tr46, under node-fetch, under @kubernetes/client-node): the bundles take npm's
 * punycode instead, the same code. An esbuild `alias` entry.
 */
export const punycodeAlias: Record<string, string> = {
  punycode: createRequire(import.meta.url).resolve("punycode/"),
};

/** esbuild's warnings, formatted, or undefined when there are none (the scripts fail on any). */
export async function warningsText(result: BuildResult): Promise<string | undefined> {
  if (result.warnings.length === 0) return undefined;
  const text = await formatMessages(result.warnings, { kind: "warning" });
  return text.join("\n");
}
