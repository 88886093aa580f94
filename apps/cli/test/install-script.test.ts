/**
 * install.sh (the repository root's) against releases served on loopback: the
 * linux-amd64 executable built by scripts/build-binaries.ts and its
 * sha256sums, then broken copies of them. HOME is a new directory each time.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildLinuxRelease,
  canBuildBinaries,
  CLI_PACKAGE_VERSION,
  runFile,
  type Release,
} from "./binary.js";
import type { Result } from "./cli.js";

const sha256 = (path: string): string =>
  createHash("sha256").update(readFileSync(path)).digest("hex");
/** Whether this machine has `tool` (the tests that need a particular one skip without it). */
const has = (tool: string): boolean =>
  spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
const script = fileURLToPath(new URL("../../../install.sh", import.meta.url));
const version = CLI_PACKAGE_VERSION;

/** Serves the files of `root` (flat) on 127.0.0.1; remembers the paths asked for. */
async function serve(root: string): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.slice(1));
    requests.push(name);
    const path = join(root, name);
    if (name.includes("/") || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-length": statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}`, requests, server };
}

describe.skipIf(!canBuildBinaries)("install.sh", () => {
  let release: Release;
  const scratch: string[] = [];
  const servers: Server[] = [];

  const temp = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(d);
    return d;
  };

  /** A release directory: the executable (possibly altered) and a sha256sums. */
  function releaseDir(binary: Buffer | undefined, sums: string): string {
    const dir = temp("linkerd-smi-served-");
    if (binary !== undefined) writeFileSync(join(dir, release.name), binary);
    writeFileSync(join(dir, "sha256sums"), sums);
    return dir;
  }

  async function serveDir(dir: string): Promise<{ url: string; requests: string[] }> {
    const s = await serve(dir);
    servers.push(s.server);
    return s;
  }

  /** install.sh with a new HOME, `env` added, and PATH as given (default: this process's). */
  async function installSh(env: NodeJS.ProcessEnv): Promise<Result & { home: string }> {
    const home = temp("linkerd-smi-home-");
    const res = await runFile("/bin/sh", [script], {
      cwd: home,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env },
    });
    return { ...res, home };
  }

  /** A directory of links to the given commands (a PATH without the others). */
  function toolDir(tools: string[], fakes: Record<string, string> = {}): string {
    const dir = temp("linkerd-smi-path-");
    for (const tool of tools.filter((t) => !(t in fakes))) {
      const path = execFileSync("/bin/sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
      symlinkSync(path.trim(), join(dir, tool));
    }
    for (const [name, body] of Object.entries(fakes)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
    return dir;
  }
  /** What install.sh runs besides a downloader and a checksum tool. */
  const BASE_TOOLS = "sh uname mktemp rm awk cut chmod mkdir cp mv ln cat".split(" ");

  beforeAll(async () => {
    release = await buildLinuxRelease();
    scratch.push(release.dir);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(
      servers.map((s) => new Promise((resolve) => s.close(resolve).closeAllConnections())),
    );
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it("installs the version asked for into ~/.linkerd2/bin, and it runs", async () => {
    const { url, requests } = await serveDir(release.dir);
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url, LINKERD_SMI_VERSION: version });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(requests).toEqual(["sha256sums", release.name]);

    const bin = join(res.home, ".linkerd2", "bin");
    expect(lstatSync(join(bin, "linkerd-smi")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(bin, "linkerd-smi"))).toBe(`linkerd-smi-${version}`);
    expect(sha256(join(bin, `linkerd-smi-${version}`))).toBe(sha256(release.path));
    expect(res.stdout).toContain("Checksum valid");
    expect(res.stdout).toContain(`linkerd-smi ${version} was installed to ${bin}/linkerd-smi`);
    expect(res.stdout).toContain(`export PATH=$PATH:${bin}\n`);
    expect(res.stdout).toContain("`linkerd smi` finds it");

    const run = await runFile(join(bin, "linkerd-smi"), ["version", "--client"], {
      cwd: res.home,
      env: { PATH: "/usr/bin:/bin", HOME: res.home },
    });
    expect(run).toEqual({ code: 0, stdout: `Client version: ${version}\n`, stderr: "" });
  });

  it.skipIf(!has("wget"))(
    "finds the version in sha256sums when none is asked for, with wget and no curl",
    async () => {
      const { url } = await serveDir(release.dir);
      const path = toolDir([...BASE_TOOLS, "wget", "sha256sum"]);
      const res = await installSh({ LINKERD_SMI_RELEASE_URL: `${url}/`, PATH: path });
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`linkerd-smi ${version} was installed`);
      expect(existsSync(join(res.home, ".linkerd2", "bin", `linkerd-smi-${version}`))).toBe(true);
    },
  );

  it("fails on a checksum mismatch and installs nothing", async () => {
    const binary = readFileSync(release.path);
    binary[binary.length - 100] = (binary[binary.length - 100] ?? 0) ^ 0xff;
    const sums = readFileSync(join(release.dir, "sha256sums"), "utf8");
    const { url } = await serveDir(releaseDir(binary, sums));
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url, LINKERD_SMI_VERSION: version });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`checksum mismatch for ${release.name}`);
    expect(res.stderr).toContain("nothing was installed");
    expect(existsSync(join(res.home, ".linkerd2"))).toBe(false);
  });

  it("fails when the executable cannot be downloaded", async () => {
    const sums = readFileSync(join(release.dir, "sha256sums"), "utf8");
    const { url } = await serveDir(releaseDir(undefined, sums));
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`could not download ${url}/${release.name}`);
    expect(existsSync(join(res.home, ".linkerd2"))).toBe(false);
  });

  it("fails when the release has no sha256sums (a wrong version)", async () => {
    const empty = temp("linkerd-smi-served-");
    const { url } = await serveDir(empty);
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url, LINKERD_SMI_VERSION: "v9.9.9" });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`could not download ${url}/sha256sums`);
  });

  it.skipIf(!has("curl"))("maps aarch64 to arm64, and says when the release lacks it", async () => {
    const { url, requests } = await serveDir(release.dir);
    const uname = 'case "$1" in -s) echo Linux ;; -m) echo aarch64 ;; esac';
    const path = toolDir([...BASE_TOOLS, "curl", "sha256sum"], { uname });
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url, PATH: path });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("the release has no linkerd-smi for linux-arm64");
    expect(requests).toEqual(["sha256sums"]);
  });

  it.each([
    ["FreeBSD", "amd64", "there is no linkerd-smi for FreeBSD"],
    ["Linux", "s390x", "there is no linkerd-smi for linux on s390x"],
    ["MINGW64_NT-10.0", "x86_64", "on Windows download linkerd-smi-<version>-windows-amd64.exe"],
  ])("refuses %s on %s", async (os, arch, message) => {
    const uname = `case "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; esac`;
    const path = toolDir(BASE_TOOLS, { uname });
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: "http://127.0.0.1:9", PATH: path });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(message);
  });

  it("needs curl or wget", async () => {
    const path = toolDir([...BASE_TOOLS, "sha256sum"]);
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: "http://127.0.0.1:9", PATH: path });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("curl or wget is needed");
  });

  it.skipIf(!has("curl"))("checks with shasum -a 256 where there is no sha256sum", async () => {
    const { url } = await serveDir(release.dir);
    const shasum = toolDir(["sha256sum"]);
    const path = toolDir([...BASE_TOOLS, "curl"], {
      // shasum as macOS has it, for this test: `shasum -a 256 FILE`.
      shasum: `[ "$1" = -a ] && [ "$2" = 256 ] && exec ${join(shasum, "sha256sum")} "$3"; exit 2`,
    });
    const res = await installSh({ LINKERD_SMI_RELEASE_URL: url, PATH: path });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });

  it("keeps the installed version when a new install fails", async () => {
    const { url } = await serveDir(release.dir);
    const first = await installSh({ LINKERD_SMI_RELEASE_URL: url });
    expect(first.code).toBe(0);
    const bin = join(first.home, ".linkerd2", "bin");

    const binary = readFileSync(release.path);
    binary[4096] = (binary[4096] ?? 0) ^ 0xff;
    const corrupt = releaseDir(binary, readFileSync(join(release.dir, "sha256sums"), "utf8"));
    const served = await serveDir(corrupt);
    const res = await runFile("/bin/sh", [script], {
      cwd: first.home,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: first.home,
        LINKERD_SMI_RELEASE_URL: served.url,
      },
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("checksum mismatch");
    expect(sha256(join(bin, "linkerd-smi"))).toBe(sha256(release.path));
  });
});
