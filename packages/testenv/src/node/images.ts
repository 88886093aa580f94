import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The sandbox image every Pod of the test node starts with (no image can be pulled here). */
export function pauseImageName(revision: number): string {
  return `localhost/linkerd-smi/pause:r${String(revision)}`;
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const TAR_FLAGS = ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0"];

/**
 * Packs the static pause binary into an OCI image layout archive (one uncompressed layer holding
 * `/pause`), named `name` for `ctr images import`. Returns the archive's path, in `dir`.
 */
export async function packPauseImage(
  pauseBinary: string,
  name: string,
  dir: string,
): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), "linkerd-smi-pause-"));
  try {
    const root = join(work, "root");
    mkdirSync(root);
    writeFileSync(join(root, "pause"), readFileSync(pauseBinary), { mode: 0o755 });
    const layerPath = join(work, "layer.tar");
    await run("tar", [...TAR_FLAGS, "-cf", layerPath, "-C", root, "pause"]);
    const layer = readFileSync(layerPath);
    const config = JSON.stringify({
      architecture: process.arch === "arm64" ? "arm64" : "amd64",
      os: "linux",
      config: { Entrypoint: ["/pause"], User: "65535:65535" },
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(config),
        size: Buffer.byteLength(config),
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar",
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    });
    const layout = join(work, "layout");
    const blobs = join(layout, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    for (const blob of [layer, config, manifest])
      writeFileSync(join(blobs, sha256(blob).slice("sha256:".length)), blob);
    writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: sha256(manifest),
            size: Buffer.byteLength(manifest),
            annotations: {
              "io.containerd.image.name": name,
              "org.opencontainers.image.ref.name": name.slice(name.lastIndexOf(":") + 1),
            },
          },
        ],
      }),
    );
    const archive = join(dir, "pause.oci.tar");
    await run("tar", [...TAR_FLAGS, "-cf", archive, "-C", layout, "."]);
    return archive;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
