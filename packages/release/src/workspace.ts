import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { exec } from "./exec.js";

/** What a package's release is made of. */
export type ArtifactKind = "npm" | "image" | "chart" | "cli";

export interface Releasable {
  name: string;
  /** Its directory, relative to the repository's root. */
  dir: string;
  kind: ArtifactKind;
}

/**
 * The packages a release publishes, in the order they are published: the libraries first,
 * then the adaptor's image, then the chart that runs that image, then the CLI (whose
 * executables embed the chart).
 */
export const RELEASABLES: readonly Releasable[] = [
  { name: "@linkerd-smi/core", dir: "packages/core", kind: "npm" },
  { name: "@linkerd-smi/kube", dir: "packages/kube", kind: "npm" },
  { name: "@linkerd-smi/controller", dir: "apps/controller", kind: "image" },
  { name: "@linkerd-smi/chart", dir: "charts/linkerd-smi", kind: "chart" },
  { name: "@linkerd-smi/cli", dir: "apps/cli", kind: "cli" },
];

export interface PackageVersion extends Releasable {
  version: string;
  /** The git tag of this version, as `changeset publish` writes it: `<name>@<version>`. */
  tag: string;
}

export interface Plan {
  /** Versions without a tag yet, in publishing order. */
  pending: PackageVersion[];
  /** Versions already tagged (released before). */
  released: PackageVersion[];
}

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
}

function readManifest(root: string, dir: string): Manifest {
  return JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
}

/**
 * The workspace's publishable packages that `RELEASABLES` does not know: a new public package
 * must say how it is released before any release runs.
 */
export function unknownPublicPackages(root: string): string[] {
  const known = new Set(RELEASABLES.map((r) => r.name));
  const found: string[] = [];
  for (const group of ["packages", "apps"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      if (!existsSync(join(base, entry, "package.json"))) continue;
      const manifest = readManifest(root, join(group, entry));
      if (manifest.private !== true && manifest.name && !known.has(manifest.name))
        found.push(`${manifest.name} (${group}/${entry})`);
    }
  }
  return found;
}

/** Which versions are new, from the packages' versions and the repository's tags. */
export function planRelease(
  root: string,
  tags: ReadonlySet<string>,
  releasables: readonly Releasable[] = RELEASABLES,
): Plan {
  const plan: Plan = { pending: [], released: [] };
  for (const r of releasables) {
    const manifest = readManifest(root, r.dir);
    if (manifest.name !== r.name)
      throw new Error(
        `${r.dir}/package.json: name is ${String(manifest.name)}, expected ${r.name}`,
      );
    const version = manifest.version;
    if (typeof version !== "string" || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
      throw new Error(
        `${r.dir}/package.json: version ${String(version)} is not a semantic version; run \`pnpm version-packages\``,
      );
    const entry = { ...r, version, tag: `${r.name}@${version}` };
    (tags.has(entry.tag) ? plan.released : plan.pending).push(entry);
  }
  return plan;
}

export async function gitTags(root: string): Promise<Set<string>> {
  const out = await exec("git", ["tag", "--list"], { cwd: root });
  return new Set(out.split("\n").filter(Boolean));
}
