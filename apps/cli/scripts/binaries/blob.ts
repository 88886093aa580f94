/**
 * The SEA blob: the script plus the assets src/sea.ts reads (helm.wasm.br,
 * wasm_exec.js, helm-wasm.json, the chart from dist/chart, and a manifest),
 * written by Node's linux-x64 binary. Without a snapshot and without a code
 * cache, which are V8 data for one platform, the blob is the same bytes for
 * every platform (Node serialises it little-endian with 64-bit sizes, as all
 * five are), so one blob serves them all. (Checked by running the linux-arm64
 * executable under qemu-user: it prints what linux-amd64 prints.)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { mib } from "@linkerd-smi/build-support";
import type * as engine from "../../src/helm/engine.js";
import type * as seaAssetNames from "../../src/sea-assets.js";
import { bundle } from "./bundle.js";
import { dist, fail, log, run } from "./env.js";

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join("/"));
      else fail(`${path}: only files and directories can be embedded`);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What src/sea.ts reads, from the built package: the asset names and the chart's hash
 * (dist/sea-assets.js) and the engine's file names (dist/helm/engine.js), defined once there.
 */
async function seaAssets(): Promise<typeof seaAssetNames & { engineFiles: string[] }> {
  for (const f of ["sea-assets.js", "helm/engine.js"])
    if (!existsSync(join(dist, f)))
      fail(`dist/${f} is missing: run \`pnpm --filter @linkerd-smi/cli build\` first`);
  const assets = (await import(
    pathToFileURL(join(dist, "sea-assets.js")).href
  )) as typeof seaAssetNames;
  const { engineFiles } = (await import(
    pathToFileURL(join(dist, "helm", "engine.js")).href
  )) as typeof engine;
  return { ...assets, engineFiles: Object.values(engineFiles) };
}

/** The blob of the CLI `version` as dist/ has it, written by `node` in the directory `work`. */
export async function writeBlob(node: string, work: string, version: string): Promise<Buffer> {
  const { CHART_ASSET_PREFIX, HELM_ASSET_PREFIX, MANIFEST_ASSET, chartHash, engineFiles } =
    await seaAssets();
  const chartDir = join(dist, "chart");
  for (const f of engineFiles) {
    if (!existsSync(join(dist, "helm", f)))
      fail(`dist/helm/${f} is missing: run \`pnpm --filter @linkerd-smi/cli build\` first`);
  }
  if (
    !existsSync(join(chartDir, "Chart.yaml")) ||
    !existsSync(join(dist, "bin", "linkerd-smi-sea.js"))
  ) {
    fail("dist/ is incomplete: run `pnpm --filter @linkerd-smi/cli build` first");
  }
  const chartFiles = listFiles(chartDir);
  const hash = chartHash(
    chartFiles.map((name) => ({ name, data: readFileSync(join(chartDir, name)) })),
  );
  const manifest = { version, chart: { hash, files: chartFiles } };
  writeFileSync(join(work, "manifest.json"), JSON.stringify(manifest));

  const main = join(work, "linkerd-smi.cjs");
  const bundled = await bundle(version, main);
  log(`bundling dist/bin/linkerd-smi-sea.js with esbuild -> ${mib(bundled.size)}`);

  const assets: Record<string, string> = {
    [MANIFEST_ASSET]: join(work, "manifest.json"),
    ...bundled.assets,
  };
  for (const f of engineFiles) assets[HELM_ASSET_PREFIX + f] = join(dist, "helm", f);
  for (const f of chartFiles) assets[CHART_ASSET_PREFIX + f] = join(chartDir, ...f.split("/"));
  const blob = join(work, "sea.blob");
  const config = {
    // Relative (run in `work`): the blob records this path, and must not vary.
    main: basename(main),
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8 data for one platform: off, so that the blob serves every platform.
    useSnapshot: false,
    useCodeCache: false,
    // The helm engine (src/helm/engine.ts) turns on --liftoff-only when it
    // loads; on Node 26 it only takes full effect from the start (install:
    // about 650 ms instead of 900).
    execArgv: ["--liftoff-only"],
    // A CLI: NODE_OPTIONS meant for some Node program must not change it.
    execArgvExtension: "none",
    assets,
  };
  writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
  await run(node, ["--experimental-sea-config", join(work, "sea-config.json")], { cwd: work });
  const data = readFileSync(blob);
  log(`SEA blob: ${mib(data.length)} (script, helm engine, ${chartFiles.length} chart files)`);
  return data;
}
