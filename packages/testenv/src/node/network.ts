import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The test node's addresses. All of them come from 198.18.0.0/15 (RFC 2544's benchmarking block,
 * neither private nor routed anywhere; `NetworkNamespace` uses 198.18.0-249.x of it), so nothing
 * the node does can be mistaken for traffic to a real network.
 */
export const NODE_NETWORK = {
  /**
   * The node's own address (kubelet, apiserver, CoreDNS): the pod bridge's, its pods' gateway
   * (this machine's kernel has no dummy links).
   */
  nodeIp: "198.18.250.1",
  /** Pods get their addresses here, on the bridge {@link BRIDGE}. */
  podCidr: "198.18.250.0/24",
  /** The Service CIDR of every test control plane (kube-apiserver's --service-cluster-ip-range). */
  serviceCidr: "198.19.0.0/16",
  /** Blackholed below the pod bridge's own route: pod addresses go nowhere while no bridge serves them. */
  podFallback: "198.18.250.0/23",
} as const;

/** The CNI bridge (not `cni0`, so no other setup's bridge is ever taken for ours). */
export const BRIDGE = "smi-cni0";
/** Our chain in the mangle table, jumped to first from FORWARD. */
export const GUARD_CHAIN = "SMI-NODE-GUARD";
/** The CNI network's name (host-local keeps its leases under it). */
export const CNI_NETWORK = "linkerd-smi-node";

const COMMENT = "linkerd-smi test node: pods reach nothing outside the pod network";

/**
 * The rules of {@link GUARD_CHAIN}, as `iptables -S` prints them. Either one drops a forwarded
 * packet from the pod network to anywhere outside it: by the interface it came in on (so a pod
 * that forges its source address is caught too) and by its source address.
 */
export function guardRules(): string[] {
  const pods = NODE_NETWORK.podCidr;
  return [
    `-A ${GUARD_CHAIN} ! -d ${pods} -i ${BRIDGE} -j DROP`,
    `-A ${GUARD_CHAIN} -s ${pods} ! -d ${pods} -j DROP`,
  ];
}

const JUMP = `-A FORWARD -m comment --comment "${COMMENT}" -j ${GUARD_CHAIN}`;

/**
 * The CNI configuration the node runs with: a bridge, host-local leases, no masquerading, and
 * no portmap (no test uses hostPort, and its chains would outlive the node).
 */
export function cniConfig(dataDir: string): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: CNI_NETWORK,
    plugins: [
      {
        type: "bridge",
        bridge: BRIDGE,
        isGateway: true,
        // Masquerading is what carried a pod's packet out of the machine in the trial (issue 25).
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          dataDir,
          ranges: [[{ subnet: NODE_NETWORK.podCidr }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
    ],
  };
}

/** What the guard is judged on: the output of the commands that show it, verbatim. */
export interface GuardSnapshot {
  /** `iptables -t mangle -S FORWARD` */
  forward: string;
  /** `iptables -t mangle -S SMI-NODE-GUARD` (empty if the chain is missing). */
  chain: string;
  /** `ip -4 route show type blackhole` */
  blackholes: string;
  /** Each file of the CNI configuration directory: name and text. */
  cniFiles: readonly { name: string; text: string }[];
  /** `sysctl -n net.ipv6.conf.all.forwarding` */
  ipv6Forwarding: string;
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/**
 * Every way in which `s` falls short of the guard, one sentence each (empty: it holds). Pure, so
 * the rules it enforces are tested on hand-written command output.
 */
export function guardProblems(s: GuardSnapshot): string[] {
  const problems: string[] = [];
  const forwardRules = lines(s.forward).filter((l) => l.startsWith("-A "));
  if (forwardRules[0] !== JUMP)
    problems.push(
      forwardRules.includes(JUMP)
        ? `the jump to ${GUARD_CHAIN} is not the first rule of the mangle table's FORWARD chain (first: ${forwardRules[0] ?? "none"})`
        : `the mangle table's FORWARD chain does not jump to ${GUARD_CHAIN}`,
    );
  const chain = lines(s.chain).filter((l) => l.startsWith("-A "));
  for (const rule of guardRules())
    if (!chain.includes(rule)) problems.push(`${GUARD_CHAIN} lacks the rule \`${rule}\``);
  const extra = chain.filter((l) => !guardRules().includes(l));
  if (extra.length > 0)
    problems.push(`${GUARD_CHAIN} has rules of someone else's: ${extra.join("; ")}`);
  const holes = lines(s.blackholes);
  for (const cidr of [NODE_NETWORK.serviceCidr, NODE_NETWORK.podFallback])
    if (!holes.some((l) => l.split(/\s+/)[1] === cidr || l.split(/\s+/)[0] === cidr))
      problems.push(`no blackhole route for ${cidr}`);
  if (s.ipv6Forwarding.trim() !== "0")
    problems.push(
      `net.ipv6.conf.all.forwarding is ${s.ipv6Forwarding.trim()}, not 0 (pods' IPv6 would be forwarded unguarded)`,
    );
  if (s.cniFiles.length === 0) problems.push("the CNI configuration directory is empty");
  for (const file of s.cniFiles) {
    let parsed: { name?: unknown; plugins?: { type?: unknown; ipMasq?: unknown }[] };
    try {
      parsed = JSON.parse(file.text) as typeof parsed;
    } catch {
      problems.push(`CNI configuration ${file.name} is not JSON`);
      continue;
    }
    if (parsed.name !== CNI_NETWORK)
      problems.push(`CNI configuration ${file.name} is not the node's (${CNI_NETWORK})`);
    for (const plugin of parsed.plugins ?? []) {
      if (plugin.type === "bridge" && plugin.ipMasq !== false)
        problems.push(`CNI configuration ${file.name}: the bridge plugin's ipMasq is not false`);
      if (plugin.type !== "bridge")
        problems.push(`CNI configuration ${file.name} runs the plugin ${String(plugin.type)}`);
    }
  }
  return problems;
}

function output(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

async function outputAsync(command: string, args: readonly string[]): Promise<string> {
  try {
    return (await run(command, args, { encoding: "utf8" })).stdout;
  } catch {
    return "";
  }
}

/** Reads the guard off the machine: rules, routes, the CNI files. Never sends a packet. */
export async function readGuard(
  cniFiles: () => { name: string; text: string }[],
): Promise<GuardSnapshot> {
  const [forward, chain, blackholes, ipv6Forwarding] = await Promise.all([
    outputAsync("iptables", ["-w", "-t", "mangle", "-S", "FORWARD"]),
    outputAsync("iptables", ["-w", "-t", "mangle", "-S", GUARD_CHAIN]),
    outputAsync("ip", ["-4", "route", "show", "type", "blackhole"]),
    outputAsync("sysctl", ["-n", "net.ipv6.conf.all.forwarding"]),
  ]);
  return { forward, chain, blackholes, ipv6Forwarding, cniFiles: cniFiles() };
}

function sh(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  } catch (error) {
    const e = error as { stderr?: string };
    throw new Error(`${command} ${args.join(" ")}: ${(e.stderr ?? String(error)).trim()}`, {
      cause: error,
    });
  }
}

/**
 * Puts the guard in place (idempotent): the chain and its rules, the jump first in FORWARD, the
 * blackhole routes. The bridge is made here too, with the node's address, so the apiserver can
 * bind to it before the CNI plugin first runs (the plugin then uses the bridge as it finds it).
 */
export function installGuard(): void {
  const ipt = (...args: string[]) => sh("iptables", ["-w", "-t", "mangle", ...args]);
  if (output("iptables", ["-w", "-t", "mangle", "-S", GUARD_CHAIN]) === "") ipt("-N", GUARD_CHAIN);
  ipt("-F", GUARD_CHAIN);
  for (const rule of guardRules()) ipt(...splitRule(rule));
  // One jump, and first: delete every copy, then insert at the top.
  while (output("iptables", ["-w", "-t", "mangle", "-S", "FORWARD"]).split("\n").includes(JUMP))
    ipt(...splitRule(JUMP.replace(/^-A/, "-D")));
  ipt(...splitRule(JUMP.replace(/^-A FORWARD/, "-I FORWARD 1")));
  for (const cidr of [NODE_NETWORK.serviceCidr, NODE_NETWORK.podFallback])
    sh("ip", ["route", "replace", "blackhole", cidr, "metric", "4242"]);
  if (output("ip", ["link", "show", BRIDGE]) === "")
    sh("ip", ["link", "add", BRIDGE, "type", "bridge"]);
  const prefix = NODE_NETWORK.podCidr.split("/")[1] ?? "24";
  sh("ip", ["addr", "replace", `${NODE_NETWORK.nodeIp}/${prefix}`, "dev", BRIDGE]);
  sh("ip", ["link", "set", BRIDGE, "up"]);
}

/** Takes the guard away: the last step of tearing a node down. */
export function removeGuard(): void {
  const quiet = (command: string, args: string[]) => {
    try {
      execFileSync(command, args, { stdio: "ignore" });
    } catch {
      // Not there.
    }
  };
  for (let i = 0; i < 10; i++)
    quiet("iptables", ["-w", "-t", "mangle", ...splitRule(JUMP.replace(/^-A/, "-D"))]);
  quiet("iptables", ["-w", "-t", "mangle", "-F", GUARD_CHAIN]);
  quiet("iptables", ["-w", "-t", "mangle", "-X", GUARD_CHAIN]);
  for (const cidr of [NODE_NETWORK.serviceCidr, NODE_NETWORK.podFallback])
    quiet("ip", ["route", "del", "blackhole", cidr, "metric", "4242"]);
}

/** `-A X -m comment --comment "a b" -j Y` as argv (the quoted comment is one argument). */
export function splitRule(rule: string): string[] {
  const args: string[] = [];
  for (const m of rule.matchAll(/"([^"]*)"|(\S+)/g)) args.push(m[1] ?? m[2] ?? "");
  return args;
}
