import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../binaries.js";
import { BRIDGE, CNI_NETWORK, removeGuard } from "./network.js";

/**
 * Where the node keeps its state: one fixed place per machine (there is one node per machine,
 * under {@link NODE_LOCK}), so that whatever a killed run left is found by the next one.
 */
export const NODE_DIRS = {
  /** containerd's state, its socket, runc's state, the pods' network namespaces. */
  run: "/run/linkerd-smi-node",
  /** containerd's root, the kubelet's root, pod logs, the CNI configuration and leases. */
  lib: "/var/lib/linkerd-smi-node",
} as const;

/** Held (flock) by the process that runs the node. */
export const NODE_LOCK = "/run/lock/linkerd-smi-node.lock";

/** The node's programs: a process running one of these from our cache is the node's. */
const NODE_PROGRAMS = [
  "kubelet",
  "kube-proxy",
  "kube-scheduler",
  "coredns",
  "containerd",
  "containerd-shim-runc-v2",
] as const;

function quiet(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

function pids(): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** The node's own processes (by executable), and every process in the kubelet's pod cgroups. */
function nodeProcesses(): number[] {
  const bin = join(cacheDir(), "bin");
  const ours = new Set<number>();
  for (const pid of pids()) {
    let exe: string;
    try {
      exe = readlinkSync(`/proc/${String(pid)}/exe`);
    } catch {
      continue;
    }
    if (NODE_PROGRAMS.some((p) => exe.startsWith(join(bin, `${p}-`)) && exe.endsWith(`/${p}`)))
      ours.add(pid);
  }
  for (const pid of podCgroupProcesses()) ours.add(pid);
  ours.delete(process.pid);
  return [...ours];
}

/** cgroup v1 hierarchies (one per controller) or the v2 root. */
function cgroupRoots(): string[] {
  const base = "/sys/fs/cgroup";
  if (existsSync(join(base, "cgroup.controllers"))) return [base];
  return readdirSync(base)
    .map((d) => join(base, d))
    .filter((d) => existsSync(join(d, "cgroup.procs")));
}

/** Every cgroup the kubelet made (`kubepods` with cgroupDriver cgroupfs), deepest first. */
function podCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) walk(join(dir, e));
    found.push(dir);
  };
  for (const root of cgroupRoots()) {
    const pods = join(root, "kubepods");
    if (existsSync(pods)) walk(pods);
  }
  return found;
}

function podCgroupProcesses(): number[] {
  const found = new Set<number>();
  for (const cg of podCgroups()) {
    try {
      for (const line of readFileSync(join(cg, "cgroup.procs"), "utf8").split("\n"))
        if (line.trim() !== "") found.add(Number(line));
    } catch {
      // Gone meanwhile.
    }
  }
  return [...found];
}

/** Mount points under the node's directories, deepest first. */
function nodeMounts(): string[] {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => Object.values(NODE_DIRS).some((d) => p === d || p.startsWith(`${d}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Chains whose names a node's programs use: kube-proxy's and the kubelet's. */
function isNodeChain(name: string): boolean {
  return name.startsWith("KUBE-");
}

/** Deletes every KUBE- chain (and the rules that jump to them) in every table, IPv4 and IPv6. */
function removeKubeChains(): void {
  for (const tool of ["iptables", "ip6tables"]) {
    for (const table of ["filter", "nat", "mangle"]) {
      const rules = quiet(tool, ["-w", "-t", table, "-S"]).split("\n");
      const chains = rules
        .filter((l) => l.startsWith("-N "))
        .map((l) => l.slice(3).trim())
        .filter(isNodeChain);
      if (chains.length === 0) continue;
      for (const rule of rules) {
        const m = /^-A (\S+) (.*)$/.exec(rule);
        if (m === null || isNodeChain(m[1] ?? "")) continue;
        if (chains.some((c) => rule.includes(`-j ${c}`)))
          quiet("sh", ["-c", `${tool} -w -t ${table} -D ${m[1] ?? ""} ${m[2] ?? ""}`]);
      }
      for (const c of chains) quiet(tool, ["-w", "-t", table, "-F", c]);
      for (const c of chains) quiet(tool, ["-w", "-t", table, "-X", c]);
    }
  }
}

/**
 * What the node's programs write to fixed places whatever their configuration: the kubelet's
 * device-plugin socket, and libcni's cache of results (one file per pod interface, named after the
 * network, with the loopback's beside it under the same sandbox id). Directories go only if that
 * leaves them empty.
 */
function clearFixedPaths(): void {
  const results = "/var/lib/cni/results";
  const entries = existsSync(results) ? readdirSync(results) : [];
  const sandboxes = entries
    .filter((f) => f.startsWith(`${CNI_NETWORK}-`))
    .map((f) => f.slice(CNI_NETWORK.length + 1).split("-")[0] ?? "");
  for (const f of entries)
    if (f.startsWith(`${CNI_NETWORK}-`) || sandboxes.some((id) => f === `cni-loopback-${id}-lo`))
      rmSync(join(results, f), { force: true });
  rmSync("/var/lib/kubelet/device-plugins/kubelet.sock", { force: true });
  for (const dir of [
    results,
    "/var/lib/cni",
    "/var/lib/kubelet/device-plugins",
    "/var/lib/kubelet",
  ])
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (someone else's too), or not there.
    }
}

export interface Leftovers {
  processes: number;
  mounts: number;
  links: string[];
  chains: string[];
}

/** What of a node is on this machine now (for tests and for the report of a clean-up). */
export function leftovers(): Leftovers {
  const links = [BRIDGE].filter((l) => quiet("ip", ["link", "show", l]) !== "");
  const vethToBridge = quiet("ip", ["-o", "link", "show", "master", BRIDGE])
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (l.split(":")[1] ?? "").trim().split("@")[0] ?? "");
  const chains: string[] = [];
  for (const tool of ["iptables", "ip6tables"])
    for (const table of ["filter", "nat", "mangle"])
      for (const l of quiet(tool, ["-w", "-t", table, "-S"]).split("\n"))
        if (l.startsWith("-N ") && (isNodeChain(l.slice(3)) || l.slice(3) === "SMI-NODE-GUARD"))
          chains.push(`${tool}/${table}/${l.slice(3)}`);
  return {
    processes: nodeProcesses().length,
    mounts: nodeMounts().length,
    links: [...links, ...vethToBridge],
    chains,
  };
}

/**
 * Takes away everything a node puts on the machine, whether it stopped or was killed: its
 * processes and every container's, the mounts under its directories (network namespaces, root
 * filesystems, volumes), the bridge (and the node's address on it), the KUBE- chains, the pod cgroups,
 * its directories, and last the guard (so no pod ever runs unguarded). Safe to run when there is
 * nothing to clear.
 */
export async function clearNode(log: (message: string) => void = () => undefined): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const victims = nodeProcesses();
    if (victims.length === 0) break;
    if (round === 0) log(`killing ${String(victims.length)} node and container processes`);
    for (const pid of victims) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const mounts = nodeMounts();
  if (mounts.length > 0) log(`unmounting ${String(mounts.length)} mounts`);
  for (const point of mounts) quiet("umount", ["-l", point]);
  for (const link of [BRIDGE]) quiet("ip", ["link", "delete", link]);
  removeKubeChains();
  for (const cg of podCgroups()) {
    try {
      rmdirSync(cg);
    } catch {
      // Busy or gone; the next clean-up tries again.
    }
  }
  const stillMounted = nodeMounts();
  if (stillMounted.length > 0)
    throw new Error(
      `test node: cannot clear ${stillMounted.join(", ")} (still mounted); unmount them and try again`,
    );
  // --one-file-system: never follow a mount out of the node's directories.
  for (const dir of Object.values(NODE_DIRS))
    if (existsSync(dir)) execFileSync("rm", ["-rf", "--one-file-system", dir]);
  clearFixedPaths();
  removeGuard();
}
