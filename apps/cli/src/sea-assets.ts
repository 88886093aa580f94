/**
 * What the single executable's build (scripts/binaries/blob.ts, which imports the built
 * dist/sea-assets.js) and src/sea.ts, which reads the assets, must agree on: the asset names, the
 * manifest and the chart's hash. Nothing here loads more than node:crypto, and that on use.
 */

/** The asset that describes the others (written by scripts/binaries/blob.ts). */
export const MANIFEST_ASSET = "linkerd-smi-sea.json";
/** Asset key prefixes: `helm/<engine file>`, `chart/<path in the chart>`. */
export const HELM_ASSET_PREFIX = "helm/";
export const CHART_ASSET_PREFIX = "chart/";

export interface SeaManifest {
  /** The CLI's version (apps/cli/package.json). */
  version: string;
  chart: {
    /** SHA-256 (hex) over the chart's file names and contents, see {@link chartHash}. */
    hash: string;
    /** Paths relative to the chart root, `/`-separated. */
    files: string[];
  };
}

/** The hash {@link SeaManifest} carries: over each file's name and content, in the given order. */
export function chartHash(files: readonly { name: string; data: Uint8Array }[]): string {
  // node:crypto only here (the build and the tests): the executable does not load it to start.
  const hash = process.getBuiltinModule("node:crypto").createHash("sha256");
  for (const { name, data } of files) {
    hash.update(`${name}\0${String(data.length)}\0`);
    hash.update(data);
  }
  return hash.digest("hex");
}
