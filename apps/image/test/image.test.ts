/**
 * The OCI archive itself (dist/smi-adaptor-<version>.oci.tar, `pnpm image`):
 * its layout, what is inside and what is not, that a second build of the same
 * commit is the same bytes, that podman and skopeo take it, and that its
 * arm64 image runs under qemu-user.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ADAPTOR_NODE_FLAGS } from "@linkerd-smi/controller";
import { eventually } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archivePath, image, pullPlatform } from "./built.js";
import { podman, podmanOk, renderForTest, securityFlags } from "./pod.js";

const run = promisify(execFile);
const imageDir = fileURLToPath(new URL("..", import.meta.url));
const controllerVersion = (
  JSON.parse(readFileSync(join(imageDir, "..", "controller", "package.json"), "utf8")) as {
    version: string;
  }
).version;
/** The project's image repository (the lead's decision; the chart's default). */
const REFERENCE = `ghcr.io/linkerd-smi-ts/smi-adaptor:${controllerVersion}`;
const QEMU = "/usr/bin/qemu-aarch64-static";

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}
interface Index {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}
interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}
interface Config {
  architecture: string;
  os: string;
  config: {
    User: string;
    Entrypoint: string[];
    Env: string[];
    ExposedPorts: Record<string, unknown>;
  };
  rootfs: { diff_ids: string[] };
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

let layout: string;
const blob = (digest: string): Buffer =>
  readFileSync(join(layout, "blobs", "sha256", digest.replace(/^sha256:/, "")));
// T is the blob's known shape (index, manifest or config): a checked-by-eye cast, as for parsed JSON.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
const jsonBlob = <T>(digest: string): T => JSON.parse(blob(digest).toString("utf8")) as T;

beforeAll(async () => {
  // Unpacked by the system's tar, not by the code that wrote it.
  layout = mkdtempSync(join(tmpdir(), "smi-image-layout-"));
  scratch.push(layout);
  await run("tar", ["-xf", archivePath, "-C", layout]);
});

describe("the OCI archive", () => {
  it("is named after the adaptor's version and holds one image index, named for the chart", () => {
    expect(archivePath.endsWith(`/smi-adaptor-${controllerVersion}.oci.tar`)).toBe(true);
    expect(JSON.parse(readFileSync(join(layout, "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    const top = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as Index;
    expect(top.manifests).toHaveLength(1);
    const [entry] = top.manifests;
    expect(entry?.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(entry?.annotations).toEqual({
      "io.containerd.image.name": REFERENCE,
      "org.opencontainers.image.ref.name": REFERENCE,
    });
    expect(entry?.digest).toBe(image.index);
  });

  it("has every blob, each matching its digest and size", () => {
    const seen: string[] = [];
    const check = (d: Descriptor) => {
      const data = blob(d.digest);
      expect(`sha256:${createHash("sha256").update(data).digest("hex")}`).toBe(d.digest);
      expect(data.length).toBe(d.size);
      seen.push(d.digest);
    };
    const index = jsonBlob<Index>(image.index);
    for (const m of index.manifests) {
      check(m);
      const manifest = jsonBlob<Manifest>(m.digest);
      check(manifest.config);
      for (const l of manifest.layers) check(l);
    }
    expect(seen.length).toBe(2 * (1 + 1 + 3));
  });

  it("indexes linux/amd64 and linux/arm64, each running node as 65534:65534", () => {
    const index = jsonBlob<Index>(image.index);
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    for (const m of index.manifests) {
      const config = jsonBlob<Config>(jsonBlob<Manifest>(m.digest).config.digest);
      expect(config.architecture).toBe(m.platform?.architecture);
      expect(config.os).toBe("linux");
      expect(config.config.User).toBe("65534:65534");
      expect(config.config.Entrypoint).toEqual([
        "/usr/local/bin/node",
        ...ADAPTOR_NODE_FLAGS,
        "/app/smi-adaptor.mjs",
      ]);
      expect(config.config.ExposedPorts).toEqual({ "9995/tcp": {} });
    }
  });

  it("contains node, the bundle, the runtime libraries and nobody, and no shell or package manager", async () => {
    const index = jsonBlob<Index>(image.index);
    for (const m of index.manifests) {
      const manifest = jsonBlob<Manifest>(m.digest);
      const files: string[] = [];
      for (const l of manifest.layers) {
        const { stdout } = await run(
          "tar",
          ["-tzf", join(layout, "blobs", "sha256", l.digest.slice(7))],
          {
            maxBuffer: 16 * 1024 * 1024,
          },
        );
        files.push(...stdout.split("\n").filter((f) => f !== ""));
      }
      const triplet =
        m.platform?.architecture === "amd64" ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
      const loader =
        m.platform?.architecture === "amd64"
          ? "lib64/ld-linux-x86-64.so.2"
          : "lib/ld-linux-aarch64.so.1";
      expect(files).toEqual(
        expect.arrayContaining([
          "usr/local/bin/node",
          "app/smi-adaptor.mjs",
          "etc/passwd",
          "etc/group",
          "etc/ssl/certs/ca-certificates.crt",
          loader,
          `lib/${triplet}/libc.so.6`,
          `lib/${triplet}/libm.so.6`,
          `lib/${triplet}/libgcc_s.so.1`,
          `usr/lib/${triplet}/libstdc++.so.6`,
          `usr/lib/${triplet}/libatomic.so.1`,
          "usr/share/doc/libc6/copyright",
          "usr/share/doc/nodejs/LICENSE",
        ]),
      );
      const forbidden = files.filter((f) =>
        /^(bin|sbin|usr\/bin|usr\/sbin)\/.|^var\/lib\/(dpkg|apt)\/|(^|\/)(sh|bash|dash|busybox|apt|apt-get|dpkg|npm|corepack)$/.test(
          f,
        ),
      );
      expect(forbidden).toEqual([]);
    }
    expect(await layerFile("etc/passwd")).toContain("nobody:x:65534:65534:");
    expect(await layerFile("etc/group")).toContain("nogroup:x:65534:");
  });

  it("ships one script with the part of client-node that KubeConfig reaches, not its generated API", async () => {
    const index = jsonBlob<Index>(image.index);
    const amd64 = index.manifests.find((m) => m.platform?.architecture === "amd64");
    const layers = jsonBlob<Manifest>(amd64?.digest ?? "").layers;
    const adaptorLayer = join(layout, "blobs", "sha256", layers.at(-1)?.digest.slice(7) ?? "");
    const listed = (await run("tar", ["-tzf", adaptorLayer])).stdout.split("\n");
    expect(listed.filter((f) => f.endsWith(".mjs")).sort()).toEqual(["app/smi-adaptor.mjs"]);
    const entry = (
      await run("tar", ["-xzOf", adaptorLayer, "app/smi-adaptor.mjs"], {
        maxBuffer: 32 * 1024 * 1024,
      })
    ).stdout;
    // Minified, client-node keeps its method names and string literals: KubeConfig's methods
    // are there, the generated models' type map (what its index reaches besides, with
    // "V1PodSpec" among thousands of names) is not.
    expect(entry).toContain("applyToHTTPSOptions");
    expect(entry).not.toContain('"V1PodSpec"');
    // The adaptor's own code, fastify, prom-client, the yaml parser and KubeConfig's part of
    // client-node are 1.1 MiB minified; with client-node's index whole, 1.9.
    expect(Buffer.byteLength(entry)).toBeLessThan(1.3 * 1024 * 1024);
  });

  it("is the same, byte for byte, when built again from the same commit", async () => {
    // dist/ is what `pnpm image` built just before the tests (turbo runs it first);
    // this build compresses every layer afresh instead of reusing the layer cache.
    const out = mkdtempSync(join(tmpdir(), "smi-image-rebuild-"));
    scratch.push(out);
    await run(
      process.execPath,
      ["--import", "tsx", join(imageDir, "scripts", "build-image.ts"), "--out", out, "--no-cache"],
      {
        cwd: imageDir,
        timeout: 900_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const again = JSON.parse(readFileSync(join(out, "image.json"), "utf8")) as typeof image & {
      created: string;
    };
    expect(again.created, "dist/ was built from another commit: run `pnpm image`").toBe(
      (image as typeof image & { created: string }).created,
    );
    expect(again.index).toBe(image.index);
    const first = createHash("sha256").update(readFileSync(archivePath)).digest("hex");
    expect(
      createHash("sha256")
        .update(readFileSync(join(out, image.archive)))
        .digest("hex"),
    ).toBe(first);
  });
});

/** A file of the amd64 image's runtime layer (the first layer). */
async function layerFile(path: string): Promise<string> {
  const index = jsonBlob<Index>(image.index);
  const amd64 = index.manifests.find((m) => m.platform?.architecture === "amd64");
  const first = jsonBlob<Manifest>(amd64?.digest ?? "").layers[0];
  const { stdout } = await run("tar", [
    "-xzOf",
    join(layout, "blobs", "sha256", first?.digest.slice(7) ?? ""),
    path,
  ]);
  return stdout;
}

describe("container tools take it", () => {
  it("podman load names it as the chart's default image, so a node that has it never pulls", async () => {
    const loaded = await podmanOk(["load", "-i", archivePath]);
    expect(loaded).toContain(`Loaded image: ${REFERENCE}\n`);
    const chart = await renderForTest("linkerd-smi");
    expect(chart.container.image).toBe(REFERENCE);
    const digest = (
      await podmanOk(["image", "inspect", "--format", "{{.Digest}}", REFERENCE])
    ).trim();
    expect(digest).toBe(image.index);
  });

  it("containerd imports it as kind and k3d do (ctr import --all-platforms), named for the chart", async () => {
    // A containerd of the test's own (root, state and socket in a temporary directory).
    const dir = mkdtempSync(join(tmpdir(), "smi-image-containerd-"));
    scratch.push(dir);
    const socket = join(dir, "containerd.sock");
    writeFileSync(
      join(dir, "config.toml"),
      [
        "version = 2",
        `root = "${join(dir, "root")}"`,
        `state = "${join(dir, "state")}"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = "${socket}"`,
        "",
      ].join("\n"),
    );
    const containerd = spawn("containerd", ["--config", join(dir, "config.toml")], {
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => containerd.once("exit", resolve));
    try {
      const ctr = (args: string[]) =>
        run("ctr", ["--address", socket, "--namespace", "k8s.io", ...args], {
          maxBuffer: 16 * 1024 * 1024,
        });
      await eventually(
        "containerd to answer",
        () => ctr(["version"]).then(() => true),
        30_000,
        100,
      );
      // What `kind load image-archive` runs on each node (there with the overlayfs snapshotter).
      await ctr([
        "images",
        "import",
        "--all-platforms",
        "--digests",
        "--snapshotter",
        "native",
        archivePath,
      ]);
      const { stdout } = await ctr(["images", "ls"]);
      const row = stdout.split("\n").find((l) => l.startsWith(`${REFERENCE} `));
      expect(row, stdout).toBeDefined();
      expect(row?.split(/\s+/)).toEqual(
        expect.arrayContaining([
          "application/vnd.oci.image.index.v1+json",
          image.index,
          "linux/amd64,linux/arm64/v8",
        ]),
      );
    } finally {
      containerd.kill("SIGTERM");
      await exited;
    }
  });

  it("skopeo copies both platforms with their digests, as it would to a registry", async () => {
    const dest = mkdtempSync(join(tmpdir(), "smi-image-skopeo-"));
    scratch.push(dest);
    await run("skopeo", [
      "copy",
      "--multi-arch",
      "all",
      `oci-archive:${archivePath}`,
      `oci:${join(dest, "layout")}:${controllerVersion}`,
    ]);
    const top = JSON.parse(readFileSync(join(dest, "layout", "index.json"), "utf8")) as Index;
    expect(top.manifests.map((m) => m.digest)).toEqual([image.index]);
    const copied = JSON.parse(
      readFileSync(join(dest, "layout", "blobs", "sha256", image.index.slice(7)), "utf8"),
    ) as Index;
    expect(copied.manifests.map((m) => m.digest)).toEqual([
      image.platforms.amd64.manifest,
      image.platforms.arm64.manifest,
    ]);
  });
});

describe("each platform's image starts", () => {
  it("linux/amd64 prints its version, run with the chart's security context and memory limit", async () => {
    const id = await pullPlatform("amd64");
    const chart = await renderForTest("linkerd-smi");
    const res = await podman(["run", "--rm", ...securityFlags(chart), id, "-version"]);
    expect(res).toMatchObject({ code: 0, stdout: `smi-adaptor ${controllerVersion}\n` });
  });

  it("linux/arm64 prints its version under qemu-user, and is not an amd64 program", async () => {
    expect(existsSync(QEMU), `${QEMU} is missing: apt-get install qemu-user-static`).toBe(true);
    const id = await pullPlatform("arm64");
    const arch = (await podmanOk(["image", "inspect", "--format", "{{.Architecture}}", id])).trim();
    expect(arch).toBe("arm64");
    const chart = await renderForTest("linkerd-smi");
    // qemu-user is mounted in and put in front of the image's own entrypoint;
    // no binfmt_misc registration is needed on the host.
    const res = await podman([
      "run",
      "--rm",
      ...securityFlags(chart),
      "-v",
      `${QEMU}:/qemu-aarch64:ro`,
      "--entrypoint",
      JSON.stringify(["/qemu-aarch64", "/usr/local/bin/node", "/app/smi-adaptor.mjs"]),
      id,
      "-version",
    ]);
    expect(res).toMatchObject({ code: 0, stdout: `smi-adaptor ${controllerVersion}\n` });

    const native = await podman(["run", "--rm", ...securityFlags(chart), id, "-version"]);
    expect(native.code).not.toBe(0);
    expect(native.stdout + native.stderr).toMatch(/exec format error/);
  });
});
