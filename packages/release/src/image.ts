import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { exec } from "./exec.js";

export interface PushedImage {
  /** `<registry>/smi-adaptor:<version>` */
  reference: string;
  /** The digest of the image index (both platforms), `sha256:…`. */
  digest: string;
  archive: string;
  bytes: number;
}

/** The OCI archive `pnpm image` wrote for `version` (it builds it when absent or stale). */
export async function buildImage(root: string, version: string): Promise<string> {
  await exec("pnpm", ["image"], { cwd: root, echo: true });
  const archive = join(root, "apps", "image", "dist", `smi-adaptor-${version}.oci.tar`);
  if (!existsSync(archive))
    throw new Error(
      `pnpm image did not write ${archive}: is apps/controller at version ${version}?`,
    );
  return archive;
}

/** The index digest `pnpm image` recorded for the archive. */
function builtDigest(root: string): string | undefined {
  const summary = join(root, "apps", "image", "dist", "image.json");
  if (!existsSync(summary)) return undefined;
  const { index } = JSON.parse(readFileSync(summary, "utf8")) as { index?: unknown };
  return typeof index === "string" ? index : undefined;
}

/**
 * Pushes both platforms of the archive, under one index, as `<registry>/smi-adaptor:<version>`,
 * keeping the built digests (so the digest printed is the one `pnpm image` computed).
 */
export async function pushImage(
  root: string,
  archive: string,
  registry: string,
  version: string,
  options: { plainHttp: boolean; digestFile: string },
): Promise<PushedImage> {
  const reference = `${registry.replace(/\/$/, "")}/smi-adaptor:${version}`;
  const args = ["copy", "--all", "--preserve-digests", "--digestfile", options.digestFile];
  if (options.plainHttp) args.push("--dest-tls-verify=false");
  args.push(`oci-archive:${archive}`, `docker://${reference}`);
  await exec("skopeo", args, { echo: true });
  const digest = readFileSync(options.digestFile, "utf8").trim();
  const built = builtDigest(root);
  if (built !== undefined && built !== digest)
    throw new Error(
      `${reference}: the registry has ${digest}, but pnpm image built ${built}; the push changed the image`,
    );
  return { reference, digest, archive, bytes: statSync(archive).size };
}
