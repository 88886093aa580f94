import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addToChartRepository, packageChart, pushChart } from "./chart.js";
import { buildCliFiles, filesWithSizes, renderInstallScript } from "./cli-files.js";
import { exec } from "./exec.js";
import { buildImage, pushImage } from "./image.js";
import { releaseNotes } from "./notes.js";
import { checkTarball, pack, publishTarball } from "./npm.js";
import {
  gitTags,
  planRelease,
  unknownPublicPackages,
  type ArtifactKind,
  type PackageVersion,
} from "./workspace.js";

/** Where a release goes. No host is written in the code: each comes from a flag or the environment. */
export interface Destinations {
  npmRegistry?: string;
  npmToken?: string;
  provenance: boolean;
  imageRegistry?: string;
  chartRepo?: string;
  chartRepoUrl?: string;
  chartOci?: string;
  files?: string;
  downloadUrl?: string;
}

export interface ReleaseOptions extends Destinations {
  root: string;
  helm: string;
  plainHttp: boolean;
  dryRun: boolean;
  log: (line: string) => void;
}

export interface Artifact {
  tag: string;
  kind: ArtifactKind;
  /** What was published, one line each: a reference, a URL or a file, with its size. */
  published: string[];
}

/** The destinations each kind of artifact needs, as `[option, value]`. */
function needs(kind: ArtifactKind, o: Destinations): [string, string | undefined][] {
  switch (kind) {
    case "npm":
      return [["--npm-registry", o.npmRegistry]];
    case "image":
      return [["--image-registry", o.imageRegistry]];
    case "chart":
      return [
        ["--chart-repo", o.chartRepo],
        ["--chart-repo-url", o.chartRepoUrl],
        ["--chart-oci", o.chartOci],
      ];
    case "cli":
      return [
        ["--download-url", o.downloadUrl],
        ["--chart-repo", o.chartRepo],
      ];
  }
}

/** The options the pending versions need but were not given: none, or one line naming them. */
export function missingDestinations(
  pending: readonly PackageVersion[],
  o: Destinations,
): string | undefined {
  const missing = new Map<string, string[]>();
  const add = (option: string, tag: string) =>
    missing.set(option, [...(missing.get(option) ?? []), tag]);
  for (const p of pending) {
    if (o.files === undefined) add("--files", p.tag);
    for (const [option, value] of needs(p.kind, o))
      if (value === undefined || value === "") add(option, p.tag);
  }
  if (missing.size === 0) return undefined;
  return `pnpm release: give ${[...missing].map(([option, tags]) => `${option} (for ${tags.join(", ")})`).join(", ")}, or the environment variable each one's help names`;
}

const sizeOf = (path: string): number => statSync(path).size;

/** A size as people read it: bytes, KiB or MiB. */
export const size = (bytes: number): string =>
  bytes < 1024
    ? `${String(bytes)} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Releases every package whose version has no tag yet. Returns what it published. */
export async function release(o: ReleaseOptions): Promise<Artifact[]> {
  const unknown = unknownPublicPackages(o.root);
  if (unknown.length > 0)
    throw new Error(
      `pnpm release: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} public but not in packages/release/src/workspace.ts RELEASABLES; add how it is released, or mark it "private": true`,
    );
  const plan = planRelease(o.root, await gitTags(o.root));
  for (const p of plan.released) o.log(`${p.tag}: tagged already, not released again`);
  if (plan.pending.length === 0) {
    o.log("nothing to release: every package's version has its tag");
    return [];
  }
  const missing = missingDestinations(plan.pending, o);
  if (missing !== undefined) throw new Error(missing);
  if (!o.dryRun) {
    const dirty = await exec("git", ["status", "--porcelain"], { cwd: o.root });
    if (dirty.trim() !== "")
      throw new Error(
        `pnpm release: the work tree has changes (${dirty.trim().split("\n").length} paths, e.g. ${dirty.trim().split("\n")[0]?.slice(3) ?? ""}); a release is made of a commit: commit or remove them`,
      );
  }
  o.log(
    `releasing ${plan.pending.map((p) => p.tag).join(", ")}${o.dryRun ? " (dry run: nothing is published or tagged)" : ""}`,
  );

  await exec(
    "pnpm",
    [
      "turbo",
      "run",
      "build",
      "--output-logs=errors-only",
      ...plan.pending.map((p) => `--filter=${p.name}...`),
    ],
    { cwd: o.root, echo: true },
  );

  const work = mkdtempSync(join(tmpdir(), "linkerd-smi-release-"));
  const artifacts: Artifact[] = [];
  try {
    for (const p of plan.pending) {
      const dir = join(o.files as string, p.tag);
      mkdirSync(dir, { recursive: true });
      const changelog = readFileSync(join(o.root, p.dir, "CHANGELOG.md"), "utf8");
      writeFileSync(join(dir, "notes.md"), `${releaseNotes(changelog, p.name, p.version)}\n`);
      const step = join(work, p.tag.replace(/[@/]/g, "_"));
      mkdirSync(step, { recursive: true });
      const published = await releaseOne(p, o, dir, step);
      if (!o.dryRun) {
        await exec("git", ["tag", p.tag], { cwd: o.root });
        // The line changesets/action reads to know what was published.
        o.log(`New tag: ${p.tag}`);
      }
      artifacts.push({ tag: p.tag, kind: p.kind, published });
      writeFileSync(
        join(dir, "artifacts.json"),
        `${JSON.stringify({ tag: p.tag, published }, null, 2)}\n`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  o.log("released:");
  for (const a of artifacts) for (const line of a.published) o.log(`  ${a.tag}  ${line}`);
  return artifacts;
}

async function releaseOne(
  p: PackageVersion,
  o: ReleaseOptions,
  dir: string,
  work: string,
): Promise<string[]> {
  switch (p.kind) {
    case "npm": {
      const tarball = await pack(join(o.root, p.dir), work);
      await checkTarball(p.name, tarball, work);
      const registry = o.npmRegistry as string;
      if (!o.dryRun)
        await publishTarball(join(o.root, p.dir), tarball, {
          registry,
          provenance: o.provenance,
          work,
          ...(o.npmToken === undefined ? {} : { token: o.npmToken }),
        });
      return [`${p.name}@${p.version} on ${registry} (${size(sizeOf(tarball))} packed)`];
    }
    case "image": {
      const archive = await buildImage(o.root, p.version);
      if (o.dryRun)
        return [`smi-adaptor-${p.version}.oci.tar (${size(sizeOf(archive))}, not pushed)`];
      const pushed = await pushImage(o.root, archive, o.imageRegistry as string, p.version, {
        plainHttp: o.plainHttp,
        digestFile: join(work, "digest"),
      });
      writeFileSync(join(dir, "smi-adaptor.digest"), `${pushed.reference}@${pushed.digest}\n`);
      o.log(`pushed ${pushed.reference} (linux/amd64, linux/arm64) with digest ${pushed.digest}`);
      return [`${pushed.reference}@${pushed.digest} (${size(pushed.bytes)} archive)`];
    }
    case "chart": {
      const tarball = await packageChart(o.root, work, {
        helm: o.helm,
        ...(o.imageRegistry === undefined ? {} : { imageRegistry: o.imageRegistry }),
      });
      const packed = size(sizeOf(tarball));
      if (o.dryRun) return [`${tarball} (${packed}, not published)`];
      await addToChartRepository(tarball, o.chartRepo as string, {
        helm: o.helm,
        url: o.chartRepoUrl as string,
        work,
      });
      const digest = await pushChart(tarball, o.chartOci as string, {
        helm: o.helm,
        plainHttp: o.plainHttp,
      });
      return [
        `${o.chartRepoUrl as string} index.yaml + linkerd-smi-${p.version}.tgz (${packed})`,
        `${o.chartOci as string}/linkerd-smi:${p.version}${digest ? `@${digest}` : ""}`,
      ];
    }
    case "cli": {
      await buildCliFiles(o.root, p.version, dir);
      const script = renderInstallScript(
        readFileSync(join(o.root, "install.sh"), "utf8"),
        p.version,
        o.downloadUrl as string,
      );
      writeFileSync(join(dir, "install.sh"), script, { mode: 0o755 });
      if (!o.dryRun) {
        mkdirSync(o.chartRepo as string, { recursive: true });
        writeFileSync(join(o.chartRepo as string, "install"), script, { mode: 0o755 });
      }
      return filesWithSizes(dir)
        .filter((f) => f.name !== "artifacts.json")
        .map((f) => `${dir}/${f.name} (${size(f.bytes)})`)
        .concat(
          o.dryRun ? [] : [`${o.chartRepo as string}/install (installs ${p.version} by default)`],
        );
    }
  }
}
