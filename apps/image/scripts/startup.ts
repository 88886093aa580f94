// Time to ready of the image just built, as the last line of `pnpm image`:
// the image for this machine's architecture is loaded into podman and run
// with the chart's container security settings (user 65534, read-only root,
// no capabilities, no privilege escalation) and host networking against a
// local control plane (etcd and kube-apiserver from packages/testenv, our CRDs
// installed), and the figure is the wall time from `podman run` to the first
// 200 from /ready, the chart's readiness probe. /ready answers 200 once the
// informers have synced, so the figure includes Node's start, loading the
// bundle, the first LIST of each watched resource and the admin server.
//
// Measuring needs podman and the control-plane binaries; without them the
// build says so and prints no figure. `pnpm image -- --no-startup` skips it.
// The tests (test/in-cluster.test.ts) run the image with the chart's exact
// pod (ServiceAccount token, RBAC, memory limit); this is the quick figure.
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** This machine's architecture in OCI's words, or undefined when the image has none for it. */
export function ociArch(nodeArch: string = process.arch): "amd64" | "arm64" | undefined {
  const arches: Record<string, "amd64" | "arm64"> = { x64: "amd64", arm64: "arm64" };
  return arches[nodeArch];
}

/** Why the figure cannot be measured here, or undefined when it can. */
export async function startupPrerequisites({
  binaries,
}: {
  binaries: object | undefined;
}): Promise<string | undefined> {
  try {
    await run("podman", ["--version"]);
  } catch {
    return "podman is not installed (apt-get install podman runc)";
  }
  if (binaries === undefined)
    return "the control-plane binaries are not built (pnpm controlplane:build)";
  if (ociArch() === undefined) return `the image has no platform for ${process.arch}`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function podman(configFile: string, args: string[]): Promise<string> {
  const { stdout } = await run(
    "podman",
    ["--runtime", "runc", "--cgroup-manager", "cgroupfs", ...args],
    {
      env: { ...process.env, CONTAINERS_CONF: configFile },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

/**
 * Starts a control plane, runs the image and returns the milliseconds from `podman run` to
 * the first 200 from /ready. Everything it started is stopped before it returns.
 */
export async function measureTimeToReady({
  archivePath,
  timeoutMs = 120_000,
}: {
  archivePath: string;
  timeoutMs?: number;
}): Promise<number> {
  const { startEnvironment } = await import("@linkerd-smi/testenv");
  const dir = mkdtempSync(join(tmpdir(), "smi-image-startup-"));
  const containersConf = join(dir, "containers.conf");
  // As probed on this machine: podman's default ulimits are refused by the kernel.
  writeFileSync(containersConf, "[containers]\ndefault_ulimits = []\n");
  const env = await startEnvironment({ controllerManager: false });
  const name = `smi-adaptor-startup-${String(process.pid)}`;
  let image: string | undefined;
  try {
    const arch = ociArch();
    if (arch === undefined) throw new Error(`the image has no platform for ${process.arch}`);
    image = (
      await podman(containersConf, ["pull", "-q", "--arch", arch, `oci-archive:${archivePath}`])
    ).trim();
    // The admin kubeconfig (CA and token inline), readable by the container's user 65534.
    const kube = join(dir, "kube");
    mkdirSync(kube);
    copyFileSync(env.kubeconfig, join(kube, "config"));
    chmodSync(dir, 0o755);
    chmodSync(kube, 0o755);
    chmodSync(join(kube, "config"), 0o644);
    const port = await freePort();
    const started = performance.now();
    await podman(containersConf, [
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "host",
      "--read-only",
      "--user",
      "65534:65534",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges",
      "-v",
      `${kube}:/kube:ro`,
      image,
      "-kubeconfig=/kube/config",
      `-metrics-addr=127.0.0.1:${String(port)}`,
    ]);
    const deadline = started + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${String(port)}/ready`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) {
        const logs = await podman(containersConf, ["logs", name]).catch(() => "");
        throw new Error(
          `the image was not ready within ${String(timeoutMs)} ms; its log:\n${logs}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await podman(containersConf, ["rm", "-f", "-t", "0", name]).catch(() => undefined);
    if (image !== undefined)
      await podman(containersConf, ["rmi", "-f", image]).catch(() => undefined);
    await env.plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
