import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { exec } from "./exec.js";

/** The line of values.yaml that names the image's registry (`adaptor.image.registry`). */
const REGISTRY_LINE = /^(\s+registry:\s*)(\S+)\s*$/m;

/**
 * `helm package` of the chart, with `adaptor.image.registry` set to where the release pushed
 * the image when that is not the chart's default. Returns the tarball's path.
 */
export async function packageChart(
  root: string,
  work: string,
  options: { helm: string; imageRegistry?: string },
): Promise<string> {
  const source = join(root, "charts", "linkerd-smi");
  const copy = join(work, "chart", "linkerd-smi");
  cpSync(source, copy, { recursive: true, filter: (path) => !path.includes("node_modules") });
  if (options.imageRegistry !== undefined) {
    const valuesFile = join(copy, "values.yaml");
    const values = readFileSync(valuesFile, "utf8");
    if (!REGISTRY_LINE.test(values))
      throw new Error(
        `${valuesFile}: no adaptor.image.registry line to point at ${options.imageRegistry}`,
      );
    writeFileSync(valuesFile, values.replace(REGISTRY_LINE, `$1${options.imageRegistry}`));
  }
  const out = join(work, "packaged");
  mkdirSync(out, { recursive: true });
  const said = await exec(options.helm, ["package", copy, "--destination", out], {
    combined: true,
  });
  const path = /saved it to: (\S+)/.exec(said)?.[1];
  if (path === undefined) throw new Error(`helm package said ${JSON.stringify(said.trim())}`);
  return path;
}

/**
 * Adds a chart tarball to a classic chart repository kept in `repoDir` (a checkout of the
 * site it is served from, as the Go project's gh-pages branch): the tarball beside the
 * others, and `index.yaml` merged, so every earlier version stays listed.
 */
export async function addToChartRepository(
  tarball: string,
  repoDir: string,
  options: { helm: string; url: string; work: string },
): Promise<void> {
  const target = join(repoDir, basename(tarball));
  if (existsSync(target))
    throw new Error(
      `${target} already exists: this chart version was released before; bump it with a changeset`,
    );
  // Index only the new tarball, merged into the existing index, as helm repo index --merge does.
  const staging = join(options.work, "index");
  mkdirSync(staging, { recursive: true });
  copyFileSync(tarball, join(staging, basename(tarball)));
  const args = ["repo", "index", staging, "--url", options.url];
  const index = join(repoDir, "index.yaml");
  if (existsSync(index)) args.push("--merge", index);
  await exec(options.helm, args);
  mkdirSync(repoDir, { recursive: true });
  copyFileSync(tarball, target);
  copyFileSync(join(staging, "index.yaml"), index);
}

/** `helm push` of the tarball to an OCI repository (`oci://host/path`). */
export async function pushChart(
  tarball: string,
  ociRepository: string,
  options: { helm: string; plainHttp: boolean },
): Promise<string> {
  if (!ociRepository.startsWith("oci://"))
    throw new Error(`--chart-oci ${ociRepository}: an OCI repository starts with oci://`);
  const args = ["push", tarball, ociRepository];
  if (options.plainHttp) args.push("--plain-http");
  const said = await exec(options.helm, args, { echo: true, combined: true });
  // Helm prints "Pushed: …" and "Digest: sha256:…" (on stderr in Helm 4, stdout in Helm 3).
  return /Digest: (sha256:[0-9a-f]{64})/.exec(said)?.[1] ?? "";
}
