import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { renderChart } from "./helm/engine.js";

/** The release name `linkerd smi install` renders with (and `helm install linkerd-smi` uses). */
export const RELEASE_NAME = "linkerd-smi";
export const DEFAULT_NAMESPACE = "linkerd-smi";

let embeddedChartDir: (() => string) | undefined;

/** For the single executable only (src/sea.ts): where its embedded chart is (extracted on first use). */
export function useEmbeddedChart(dir: () => string): void {
  embeddedChartDir = dir;
}

/** Where the chart is: shipped in `dist/chart`, or the repo's `charts/linkerd-smi` when run from source. */
export function chartDir(): string {
  if (embeddedChartDir !== undefined) return embeddedChartDir();
  const candidates = ["./chart/", "../dist/chart/", "../../../charts/linkerd-smi/"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(`${dir}Chart.yaml`));
  if (found === undefined)
    throw new Error(`the linkerd-smi chart is missing (looked in ${candidates.join(", ")})`);
  return found;
}

/** Value flags as `helm template` takes them, applied in helm's order: files, then --set* flags. */
export interface ValueFlags {
  values: string[];
  set: string[];
  setString: string[];
  setFile: string[];
}

/**
 * The extension's manifests exactly as `helm template linkerd-smi <chart>
 * --namespace <ns> --set installNamespace=true <flags>` prints them: the CLI
 * also creates the namespace, which Helm users get from --create-namespace.
 */
export function renderExtension(namespace: string, flags: ValueFlags): Promise<string> {
  return renderChart({
    chartDir: chartDir(),
    releaseName: RELEASE_NAME,
    namespace,
    valueFiles: flags.values,
    set: ["installNamespace=true", ...flags.set],
    setString: flags.setString,
    setFile: flags.setFile,
  });
}

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** The objects of a multi-document manifest (empty documents left out). */
export function manifestObjects(manifest: string): ManifestObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJS() as unknown)
    .filter((o): o is ManifestObject => typeof o === "object" && o !== null && "kind" in o);
}
