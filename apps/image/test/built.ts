/**
 * The image `pnpm image` built (dist/image.json and its archive), read when this module is
 * imported: only the tests of that archive import it, so pod.ts stays usable for an image
 * that came from elsewhere (a registry, in the release test).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { podmanOk } from "./pod.js";

const imageDir = fileURLToPath(new URL("..", import.meta.url));

/** dist/image.json, written by scripts/build-image.ts. */
export interface ImageSummary {
  reference: string;
  version: string;
  archive: string;
  archiveBytes: number;
  index: string;
  node: string;
  platforms: Record<"amd64" | "arm64", { manifest: string; compressedBytes: number }>;
}

export const image = JSON.parse(
  readFileSync(join(imageDir, "dist", "image.json"), "utf8"),
) as ImageSummary;
export const archivePath = join(imageDir, "dist", image.archive);

/** One platform's image of the archive in podman's storage: its image ID. */
export async function pullPlatform(arch: "amd64" | "arm64"): Promise<string> {
  const id = (await podmanOk(["pull", "-q", "--arch", arch, `oci-archive:${archivePath}`])).trim();
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`podman pull printed ${JSON.stringify(id)}`);
  return id;
}
