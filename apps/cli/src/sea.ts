/**
 * The `linkerd-smi` single executable (Node's SEA, built by
 * `scripts/build-binaries.ts`): one file with Node, the CLI bundled into one
 * CommonJS script, and as SEA assets the Helm engine and the chart, which the
 * package otherwise reads from `dist/helm/` and `dist/chart/`.
 *
 * In the executable, {@link startSea} points the engine at its embedded files
 * (read from memory) and the chart at a copy extracted once per CLI version and
 * chart content into the user's cache (the Go engine loads a chart from a
 * directory). Outside the executable nothing here runs.
 */
import * as fs from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as sea from "node:sea";
import { useEmbeddedChart } from "./chart.js";
import { useEmbeddedEngine } from "./helm/engine.js";
import { processIO } from "./io.js";
import { answerMetadata } from "./metadata.js";
import {
  CHART_ASSET_PREFIX,
  HELM_ASSET_PREFIX,
  MANIFEST_ASSET,
  type SeaManifest,
} from "./sea-assets.js";

export {
  CHART_ASSET_PREFIX,
  chartHash,
  HELM_ASSET_PREFIX,
  MANIFEST_ASSET,
  type SeaManifest,
} from "./sea-assets.js";

/** True inside the single executable. */
export function inSea(): boolean {
  // node:sea exists in every supported Node; isSea() since 20.12.
  return typeof sea.isSea === "function" && sea.isSea();
}

/** Wires the embedded engine and chart into the CLI and runs it (the executable's entry point). */
export function startSea(): void {
  // In a single executable process.argv is [executable, executable, ...arguments].
  const args = process.argv.slice(2);
  // `linkerd check` asks for the metadata on every run: answer before anything loads.
  if (answerMetadata(args, processIO.out)) return;
  const manifest = JSON.parse(sea.getAsset(MANIFEST_ASSET, "utf8")) as SeaManifest;
  const readAsset = (key: string): Uint8Array => new Uint8Array(sea.getAsset(key));
  useEmbeddedEngine({
    dir: process.execPath,
    read: (name) => readAsset(HELM_ASSET_PREFIX + name),
  });
  let chart: string | undefined;
  useEmbeddedChart(() => {
    chart ??= extractChart(manifest, (file) => readAsset(CHART_ASSET_PREFIX + file));
    return chart;
  });
  void import("./program.js")
    .then(({ run }) => run(args, processIO))
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * The base of the CLI's cache: `$LINKERD_SMI_CACHE`, else
 * `$XDG_CACHE_HOME/linkerd-smi`, else `%LOCALAPPDATA%\linkerd-smi` on Windows,
 * else `~/.cache/linkerd-smi`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINKERD_SMI_CACHE) return env.LINKERD_SMI_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "linkerd-smi");
  if (process.platform === "win32" && env.LOCALAPPDATA) {
    return join(env.LOCALAPPDATA, "linkerd-smi");
  }
  return join(homedir(), ".cache", "linkerd-smi");
}

/**
 * The embedded chart as a directory: `<cache>/cli/<version>/chart-<hash>/`,
 * written once (into a temporary directory renamed into place, so that a
 * directory there is always whole, whoever wins a race). When the cache cannot
 * be written, a private temporary copy, removed when the process exits.
 */
export function extractChart(
  manifest: SeaManifest,
  read: (file: string) => Uint8Array,
  root: string = cacheRoot(),
): string {
  const dir = join(root, "cli", manifest.version, `chart-${manifest.chart.hash.slice(0, 16)}`);
  if (fs.existsSync(join(dir, "Chart.yaml"))) return dir;
  let tmp: string | undefined;
  try {
    fs.mkdirSync(dirname(dir), { recursive: true });
    tmp = fs.mkdtempSync(`${dir}.tmp-`);
    writeChart(tmp, manifest, read);
    try {
      fs.renameSync(tmp, dir);
      tmp = undefined;
    } catch (error) {
      // Another process got there first (EEXIST, ENOTEMPTY; EPERM on Windows).
      if (!fs.existsSync(join(dir, "Chart.yaml"))) throw error;
    }
    return dir;
  } catch {
    return privateChart(manifest, read);
  } finally {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function privateChart(manifest: SeaManifest, read: (file: string) => Uint8Array): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "linkerd-smi-chart-"));
  const remove = (): void => {
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeChart(dir, manifest, read);
  } catch (error) {
    remove();
    throw error;
  }
  process.once("exit", remove);
  return dir;
}

function writeChart(dir: string, manifest: SeaManifest, read: (file: string) => Uint8Array): void {
  for (const file of manifest.chart.files) {
    if (file.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new Error(`bad chart file name in the executable: ${file}`);
    }
    const path = join(dir, ...file.split("/"));
    fs.mkdirSync(dirname(path), { recursive: true });
    fs.writeFileSync(path, read(file));
  }
}
