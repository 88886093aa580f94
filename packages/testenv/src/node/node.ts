import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { ensureBinaries, NODE_TARGETS, packageRoot, type Binaries } from "../binaries.js";
import type { KubeHttp } from "../http.js";
import { ManagedProcess } from "../process.js";
import { clearNode, NODE_DIRS, NODE_LOCK } from "./cleanup.js";
import { packPauseImage, pauseImageName } from "./images.js";
import { machineLock } from "./lock.js";
import {
  cniConfig,
  guardProblems,
  installGuard,
  NODE_NETWORK,
  readGuard,
  type GuardSnapshot,
} from "./network.js";

const run = promisify(execFile);

/** The name the kubelet registers its Node under. */
export const NODE_NAME = "linkerd-smi-node";

const paths = {
  containerdState: join(NODE_DIRS.run, "containerd"),
  socket: join(NODE_DIRS.run, "containerd", "containerd.sock"),
  runc: join(NODE_DIRS.run, "runc"),
  containerdRoot: join(NODE_DIRS.lib, "containerd"),
  kubeletRoot: join(NODE_DIRS.lib, "kubelet"),
  podLogs: join(NODE_DIRS.lib, "pod-logs"),
  cniConf: join(NODE_DIRS.lib, "cni", "net.d"),
  cniLeases: join(NODE_DIRS.lib, "cni", "leases"),
  config: join(NODE_DIRS.lib, "config"),
  logs: join(NODE_DIRS.lib, "logs"),
};

/** The CNI configuration directory's files, as the guard reads them. */
function cniFiles(): { name: string; text: string }[] {
  if (!existsSync(paths.cniConf)) return [];
  return readdirSync(paths.cniConf).map((name) => ({
    name,
    text: readFileSync(join(paths.cniConf, name), "utf8"),
  }));
}

/** The guard as it stands on the machine now, read from its rules (never by sending). */
export async function guardSnapshot(): Promise<GuardSnapshot> {
  return readGuard(cniFiles);
}

/** Throws, naming each missing part, unless the guard holds. */
export async function assertGuard(what: string): Promise<void> {
  const problems = guardProblems(await guardSnapshot());
  if (problems.length > 0)
    throw new Error(`test node: refusing to ${what}: ${problems.join("; ")}`);
}

function toml(value: string): string {
  return JSON.stringify(value);
}

function containerdConfig(pauseImage: string): string {
  const cri = `plugins."io.containerd.cri.v1.runtime"`;
  return `version = 3
root = ${toml(paths.containerdRoot)}
state = ${toml(paths.containerdState)}
# The opt plugin would create /opt/containerd; nothing here uses it.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.grpc.v1.tasks-service-legacy"]

[grpc]
  address = ${toml(paths.socket)}

[metrics]
  address = ""

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = ${toml(pauseImage)}

[${cri}]
  # The machine's capability bounding set lacks CAP_SYS_RESOURCE: without this every sandbox
  # fails with "can't get final child's PID from pipe: EOF" (issue 25).
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [${cri}.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = ${toml(paths.cniConf)}
    max_conf_num = 1
  [${cri}.containerd]
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = ${toml(paths.runc)}
        SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

function kubeletConfig(): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // This machine has cgroup v1, which the kubelet refuses unless told (issue 25).
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    containerRuntimeEndpoint: `unix://${paths.socket}`,
    address: NODE_NETWORK.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzPort: 0,
    // The apiserver calls the kubelet (logs, exec, port-forward) without a client certificate.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    clusterDomain: "cluster.local",
    clusterDNS: [NODE_NETWORK.nodeIp],
    // Pods with dnsPolicy Default get no nameserver: nothing is resolved outside the cluster.
    resolvConf: "",
    podLogsDir: paths.podLogs,
    failSwapOn: false,
    // Images are imported, never pulled: nothing may collect them, nothing may evict for disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      "memory.available": "1Mi",
      "nodefs.available": "1%",
      "nodefs.inodesFree": "1%",
      "imagefs.available": "1%",
      "imagefs.inodesFree": "1%",
    },
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    shutdownGracePeriod: "0s",
    nodeStatusReportFrequency: "10s",
  };
}

function kubeProxyConfig(kubeconfig: string): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    clusterCIDR: NODE_NETWORK.podCidr,
    bindAddress: NODE_NETWORK.nodeIp,
    healthzBindAddress: "",
    metricsBindAddress: "127.0.0.1:10249",
    nodePortAddresses: [`${NODE_NETWORK.nodeIp}/32`],
    // Machine-wide sysctls stay as they are: no conntrack sizes, no route_localnet.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    iptables: { localhostNodePorts: false, masqueradeAll: false },
  };
}

function corefile(kubeconfig: string): string {
  return `cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${NODE_NETWORK.nodeIp}
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} testenv
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
    loadbalance
}
.:53 {
    bind ${NODE_NETWORK.nodeIp}
    errors
}
`;
}

/**
 * A detached process that clears the node once this process is gone, whatever ended it (a
 * SIGKILL leaves no exit hook to run). Built code only: without dist/ there is none, and the next
 * reservation clears instead.
 */
function startReaper(log: (message: string) => void): number | undefined {
  const script = join(packageRoot, "dist", "node", "reaper.js");
  if (!existsSync(script)) {
    log(`no ${script} (testenv unbuilt): a killed run's node is cleared by the next start`);
    return undefined;
  }
  const child = spawn(process.execPath, [script, String(process.pid)], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child.pid;
}

/**
 * Imports this machine's platform of an OCI archive into the node's containerd (`socket`), in
 * the namespace the kubelet uses, under the name its index gives: Pods then use it with
 * `imagePullPolicy: IfNotPresent` and a tag other than `latest`, since nothing can be pulled.
 */
export async function importImage(socket: string, archive: string): Promise<void> {
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  try {
    await run(
      "ctr",
      [
        "--address",
        socket,
        "-n",
        "k8s.io",
        "images",
        "import",
        "--platform",
        `linux/${arch}`,
        archive,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const e = error as { stderr?: string };
    throw new Error(`test node: importing ${archive}: ${(e.stderr ?? String(error)).trim()}`, {
      cause: error,
    });
  }
}

/** What the kernel says of a container's main process: its ids and effective capabilities. */
export interface ContainerProcess {
  pid: number;
  /** Real, effective, saved and filesystem uid (`/proc/<pid>/status` Uid:). */
  uids: number[];
  gids: number[];
  /** The effective capability set, as a bit mask (`CapEff:`). */
  capEff: bigint;
  /** The bounding set (`CapBnd:`): what it could ever gain. */
  capBnd: bigint;
  /** `NoNewPrivs:`, set by `allowPrivilegeEscalation: false`. */
  noNewPrivs: boolean;
  /** Whether its root filesystem is mounted read-only (`/proc/<pid>/mounts`). */
  readOnlyRoot: boolean;
  /** Its memory cgroup's limit in bytes (cgroup v1 `memory.limit_in_bytes`, v2 `memory.max`). */
  memoryLimit: number | "max";
}

/**
 * The main process of a running container (a Pod status's `containerID`, `containerd://<id>`),
 * found through containerd (`ctr task ls`) and read from `/proc`, as root on the node's machine.
 */
export async function containerProcess(
  socket: string,
  containerId: string,
): Promise<ContainerProcess> {
  const id = containerId.replace(/^containerd:\/\//, "");
  const { stdout } = await run("ctr", ["--address", socket, "-n", "k8s.io", "task", "ls"]);
  const line = stdout.split("\n").find((l) => l.split(/\s+/)[0] === id);
  const pid = Number(line?.split(/\s+/)[1]);
  if (line === undefined || !Number.isInteger(pid) || pid <= 0)
    throw new Error(`test node: container ${id} has no running task in containerd`);
  const status = readFileSync(`/proc/${String(pid)}/status`, "utf8");
  const field = (name: string) => {
    const value = new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1];
    if (value === undefined)
      throw new Error(`test node: /proc/${String(pid)}/status has no ${name}`);
    return value.trim();
  };
  const ids = (name: string) => field(name).split(/\s+/).map(Number);
  return {
    pid,
    uids: ids("Uid"),
    gids: ids("Gid"),
    capEff: BigInt(`0x${field("CapEff")}`),
    capBnd: BigInt(`0x${field("CapBnd")}`),
    noNewPrivs: field("NoNewPrivs") === "1",
    readOnlyRoot: rootMountOptions(pid).includes("ro"),
    memoryLimit: memoryLimit(pid),
  };
}

function rootMountOptions(pid: number): string[] {
  const root = readFileSync(`/proc/${String(pid)}/mounts`, "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .findLast((fields) => fields[1] === "/");
  return root?.[3]?.split(",") ?? [];
}

/** A process's memory cgroup: its directory and the cgroup version that lays it out. */
export interface MemoryCgroup {
  version: 1 | 2;
  dir: string;
  /** Reads one of its files, trimmed. */
  read(file: string): string;
}

/** The memory cgroup of process `pid`, from `/proc/<pid>/cgroup` (v1 `N:memory:/…`, v2 `0::/…`). */
export function memoryCgroup(pid: number): MemoryCgroup {
  const lines = readFileSync(`/proc/${String(pid)}/cgroup`, "utf8")
    .trim()
    .split("\n");
  const v1 = lines.map((l) => /^\d+:memory:(.*)$/.exec(l)?.[1]).find((p) => p !== undefined);
  const v2 = lines.find((l) => l.startsWith("0::"))?.slice(3);
  if (v1 === undefined && v2 === undefined)
    throw new Error(`no memory cgroup in /proc/${String(pid)}/cgroup`);
  const dir =
    v1 !== undefined ? join("/sys/fs/cgroup/memory", v1) : join("/sys/fs/cgroup", v2 ?? "");
  return {
    version: v1 !== undefined ? 1 : 2,
    dir,
    read: (file) => readFileSync(join(dir, file), "utf8").trim(),
  };
}

function memoryLimit(pid: number): number | "max" {
  const cgroup = memoryCgroup(pid);
  const text = cgroup.read(cgroup.version === 1 ? "memory.limit_in_bytes" : "memory.max");
  return text === "max" ? "max" : Number(text);
}

export interface NodeFigures {
  /** From starting containerd to the Node's Ready condition. */
  readyMs: number;
}

/**
 * The test control plane's one node: containerd v2 with runc and the CNI bridge, the kubelet,
 * kube-proxy (iptables), kube-scheduler and CoreDNS, all built into the cache like the control
 * plane's binaries. One per machine: {@link TestNode.reserve} takes the machine's node lock,
 * clears whatever a killed run left, and puts the guard in place before any pod can run.
 */
export class TestNode {
  private readonly processes: ManagedProcess[] = [];
  private watch: NodeJS.Timeout | undefined;
  private failure: string | undefined;
  private stopped = false;
  figures: NodeFigures | undefined;

  private constructor(
    private readonly release: () => void,
    private readonly log: (message: string) => void,
    private readonly reaper: number | undefined,
  ) {}

  /**
   * Takes the node lock (waiting for another run's node), clears leftovers, then installs the
   * guard, the node's address and the CNI configuration, and checks the guard holds.
   */
  static async reserve(log: (message: string) => void): Promise<TestNode> {
    const release = await machineLock(NODE_LOCK, log, 30 * 60_000);
    try {
      await clearNode(log);
      installGuard();
      mkdirSync(paths.cniConf, { recursive: true });
      writeFileSync(
        join(paths.cniConf, "10-linkerd-smi-node.conflist"),
        `${JSON.stringify(cniConfig(paths.cniLeases), null, 2)}\n`,
      );
      await assertGuard("reserve the node");
      return new TestNode(release, log, startReaper(log));
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The containerd socket (for `ctr --address`). */
  readonly socket = paths.socket;

  /** Where the node's programs write their logs. */
  readonly logDir = paths.logs;

  private spawn(name: string, binary: string, args: readonly string[], env?: NodeJS.ProcessEnv) {
    const p = new ManagedProcess(name, binary, args, join(paths.logs, `${name}.log`), env);
    this.processes.push(p);
    return p;
  }

  /** Starts the node's programs against `plane` and waits for the Node to be Ready. */
  async start(
    plane: { kubeconfigPath: string; admin(): KubeHttp; dir: string },
    binaries?: Binaries,
  ): Promise<void> {
    const bins = binaries ?? (await ensureBinaries(NODE_TARGETS));
    for (const dir of [paths.logs, paths.config, paths.containerdState, paths.kubeletRoot])
      mkdirSync(dir, { recursive: true });
    const started = Date.now();
    const pause = pauseImageName(bins.versions.buildRevision);
    const containerdToml = join(paths.config, "containerd.toml");
    writeFileSync(containerdToml, containerdConfig(pause));
    // containerd finds its shim next to itself or on PATH.
    const shimDir = join(bins.containerdShim, "..");
    const containerd = this.spawn("containerd", bins.containerd, ["--config", containerdToml], {
      ...process.env,
      PATH: `${shimDir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`,
    });
    await this.waitFor("containerd", 30_000, containerd, () =>
      Promise.resolve(existsSync(paths.socket)),
    );
    await this.importImage(await packPauseImage(bins.pause, pause, paths.config));

    const kubeletConfigPath = join(paths.config, "kubelet.json");
    writeFileSync(kubeletConfigPath, JSON.stringify(kubeletConfig(), null, 2));
    await assertGuard("start the kubelet");
    const kubelet = this.spawn("kubelet", bins.kubelet, [
      `--config=${kubeletConfigPath}`,
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--cert-dir=${join(paths.kubeletRoot, "pki")}`,
      `--node-ip=${NODE_NETWORK.nodeIp}`,
      `--hostname-override=${NODE_NAME}`,
      "--v=1",
    ]);
    this.watchGuard();
    const proxyConfig = join(paths.config, "kube-proxy.json");
    writeFileSync(proxyConfig, JSON.stringify(kubeProxyConfig(plane.kubeconfigPath), null, 2));
    this.spawn("kube-proxy", bins.kubeProxy, [`--config=${proxyConfig}`, "--v=1"]);
    this.spawn("kube-scheduler", bins.kubeScheduler, [
      `--kubeconfig=${plane.kubeconfigPath}`,
      "--secure-port=0",
      "--leader-elect=false",
      "--v=1",
    ]);
    const corefilePath = join(paths.config, "Corefile");
    writeFileSync(corefilePath, corefile(plane.kubeconfigPath));
    this.spawn("coredns", bins.coredns, ["-conf", corefilePath]);

    const admin = plane.admin();
    await this.waitFor("the kubelet's Node to be Ready", 120_000, kubelet, async () => {
      const res = await admin.get(`/api/v1/nodes/${NODE_NAME}`);
      if (res.status !== 200) return false;
      const conditions = (
        res.body as { status?: { conditions?: { type: string; status: string }[] } }
      ).status?.conditions;
      return conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    });
    this.figures = { readyMs: Date.now() - started };
    this.log(
      `node ${NODE_NAME} Ready in ${(this.figures.readyMs / 1000).toFixed(1)}s (kubelet, containerd ${bins.versions.containerd}, kube-proxy, kube-scheduler, CoreDNS ${bins.versions.coredns})`,
    );
  }

  private async waitFor(
    what: string,
    timeoutMs: number,
    process: ManagedProcess,
    check: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure !== undefined) throw new Error(this.failure);
      for (const p of this.processes)
        if (p.hasExited) throw new Error(`test node: ${p.name} exited:\n${p.tail()}`);
      try {
        if (await check()) return;
      } catch {
        // Not yet.
      }
      if (Date.now() > deadline)
        throw new Error(
          `test node: waited ${String(timeoutMs / 1000)}s for ${what}:\n${process.tail()}`,
        );
      await sleep(200);
    }
  }

  /** Re-reads the guard every two seconds while the node runs; a breach takes the node down. */
  private watchGuard(): void {
    this.watch = setInterval(() => {
      void guardSnapshot().then(async (snapshot) => {
        const problems = guardProblems(snapshot);
        if (problems.length === 0 || this.failure !== undefined || this.stopped) return;
        this.failure = `test node: the guard broke while the node ran, so it was taken down: ${problems.join("; ")}`;
        this.log(this.failure);
        await this.halt();
      });
    }, 2_000);
    this.watch.unref();
  }

  /** Why the node was taken down while it ran, if it was. */
  get guardFailure(): string | undefined {
    return this.failure;
  }

  /** `ctr -n k8s.io images import` of an OCI archive into the node's containerd. */
  importImage(archive: string): Promise<void> {
    return importImage(paths.socket, archive);
  }

  /** The resident memory of each of the node's programs, in KiB (from /proc). */
  memory(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.processes) {
      if (p.pid === undefined || p.hasExited) continue;
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(p.pid)}/status`, "utf8"));
        if (m?.[1] !== undefined) out[p.name] = Number(m[1]);
      } catch {
        // Gone.
      }
    }
    return out;
  }

  private async halt(): Promise<void> {
    if (this.watch !== undefined) clearInterval(this.watch);
    for (const p of [...this.processes].reverse()) await p.stop(3_000);
    await clearNode(this.log);
  }

  /** Stops everything, clears the machine of the node (guard last) and releases the lock. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reaper !== undefined) {
      try {
        process.kill(this.reaper, "SIGKILL");
      } catch {
        // Gone.
      }
    }
    try {
      await this.halt();
    } finally {
      this.release();
    }
  }
}
