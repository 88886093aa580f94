// The test node's network guard: no packet from a pod, or to a Service address nobody serves,
// may leave the machine. Checked by reading the rules (iptables -S, ip route), never by sending.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  assertGuard,
  guardProblems,
  guardSnapshot,
  leftovers,
  TestNode,
  type GuardSnapshot,
} from "../src/index.js";

// Command output as this machine's iptables 1.8.9 (nf_tables) and iproute2 print it, written by
// hand: the oracle for what the guard must see.
const holds: GuardSnapshot = {
  forward: [
    "-P FORWARD ACCEPT",
    '-A FORWARD -m comment --comment "linkerd-smi test node: pods reach nothing outside the pod network" -j SMI-NODE-GUARD',
    "-A FORWARD -j SOMEONE-ELSES",
  ].join("\n"),
  chain: [
    "-N SMI-NODE-GUARD",
    "-A SMI-NODE-GUARD ! -d 198.18.250.0/24 -i smi-cni0 -j DROP",
    "-A SMI-NODE-GUARD -s 198.18.250.0/24 ! -d 198.18.250.0/24 -j DROP",
  ].join("\n"),
  blackholes: "blackhole 198.18.250.0/23 metric 4242 \nblackhole 198.19.0.0/16 metric 4242 \n",
  ipv6Forwarding: "0\n",
  cniFiles: [
    {
      name: "10-linkerd-smi-node.conflist",
      text: JSON.stringify({
        name: "linkerd-smi-node",
        plugins: [{ type: "bridge", ipMasq: false, isGateway: true }],
      }),
    },
  ],
};

describe("the guard, judged on the rules as the commands print them", () => {
  it("holds with the jump first, both drop rules, both blackholes, no IPv6 forwarding and ipMasq off", () => {
    expect(guardProblems(holds)).toEqual([]);
  });

  it("names the jump when another rule comes before it, or when it is gone", () => {
    const lines = holds.forward.split("\n");
    const second = { ...holds, forward: [lines[0], lines[2], lines[1]].join("\n") };
    expect(guardProblems(second)).toEqual([
      "the jump to SMI-NODE-GUARD is not the first rule of the mangle table's FORWARD chain (first: -A FORWARD -j SOMEONE-ELSES)",
    ]);
    const gone = { ...holds, forward: "-P FORWARD ACCEPT\n" };
    expect(guardProblems(gone)).toEqual([
      "the mangle table's FORWARD chain does not jump to SMI-NODE-GUARD",
    ]);
  });

  it("names a missing drop rule, and a rule added to the chain that would ACCEPT first", () => {
    const missing = {
      ...holds,
      chain:
        "-N SMI-NODE-GUARD\n-A SMI-NODE-GUARD -s 198.18.250.0/24 ! -d 198.18.250.0/24 -j DROP\n",
    };
    expect(guardProblems(missing)).toEqual([
      "SMI-NODE-GUARD lacks the rule `-A SMI-NODE-GUARD ! -d 198.18.250.0/24 -i smi-cni0 -j DROP`",
    ]);
    const accept = {
      ...holds,
      chain: `-N SMI-NODE-GUARD\n-A SMI-NODE-GUARD -j ACCEPT\n${holds.chain}`,
    };
    expect(guardProblems(accept)).toEqual([
      "SMI-NODE-GUARD has rules of someone else's: -A SMI-NODE-GUARD -j ACCEPT",
    ]);
  });

  it("names a missing blackhole route (a unicast route for the CIDR is not one)", () => {
    const noServices = { ...holds, blackholes: "blackhole 198.18.250.0/23 metric 4242\n" };
    expect(guardProblems(noServices)).toEqual(["no blackhole route for 198.19.0.0/16"]);
    const none = { ...holds, blackholes: "" };
    expect(guardProblems(none)).toEqual([
      "no blackhole route for 198.19.0.0/16",
      "no blackhole route for 198.18.250.0/23",
    ]);
  });

  it("refuses ipMasq on or unset, a plugin other than bridge, someone else's network, and IPv6 forwarding", () => {
    const conf = (plugins: unknown[], name = "linkerd-smi-node") => ({
      ...holds,
      cniFiles: [{ name: "10-x.conflist", text: JSON.stringify({ name, plugins }) }],
    });
    expect(guardProblems(conf([{ type: "bridge", ipMasq: true }]))).toEqual([
      "CNI configuration 10-x.conflist: the bridge plugin's ipMasq is not false",
    ]);
    expect(guardProblems(conf([{ type: "bridge" }]))).toEqual([
      "CNI configuration 10-x.conflist: the bridge plugin's ipMasq is not false",
    ]);
    expect(guardProblems(conf([{ type: "bridge", ipMasq: false }, { type: "portmap" }]))).toEqual([
      "CNI configuration 10-x.conflist runs the plugin portmap",
    ]);
    expect(guardProblems(conf([{ type: "bridge", ipMasq: false }], "podman"))).toEqual([
      "CNI configuration 10-x.conflist is not the node's (linkerd-smi-node)",
    ]);
    expect(guardProblems({ ...holds, cniFiles: [] })).toEqual([
      "the CNI configuration directory is empty",
    ]);
    expect(guardProblems({ ...holds, ipv6Forwarding: "1" })).toEqual([
      "net.ipv6.conf.all.forwarding is 1, not 0 (pods' IPv6 would be forwarded unguarded)",
    ]);
  });
});

const sh = (...argv: string[]) => execFileSync(argv[0] ?? "", argv.slice(1), { encoding: "utf8" });

describe("the guard on this machine (root; holds the node lock)", () => {
  it("is in place after the reservation, a removed part is refused by name, and nothing is left after stop", async () => {
    const node = await TestNode.reserve(() => undefined);
    try {
      const snapshot = await guardSnapshot();
      console.log(
        `guard as read from the machine:\n$ iptables -t mangle -S FORWARD\n${snapshot.forward}$ iptables -t mangle -S SMI-NODE-GUARD\n${snapshot.chain}$ ip -4 route show type blackhole\n${snapshot.blackholes}`,
      );
      expect(guardProblems(snapshot)).toEqual([]);
      await assertGuard("start the kubelet");

      sh(
        "iptables",
        "-w",
        "-t",
        "mangle",
        "-D",
        "SMI-NODE-GUARD",
        "-s",
        "198.18.250.0/24",
        "!",
        "-d",
        "198.18.250.0/24",
        "-j",
        "DROP",
      );
      await expect(assertGuard("start the kubelet")).rejects.toThrow(
        "test node: refusing to start the kubelet: SMI-NODE-GUARD lacks the rule `-A SMI-NODE-GUARD -s 198.18.250.0/24 ! -d 198.18.250.0/24 -j DROP`",
      );
      sh(
        "iptables",
        "-w",
        "-t",
        "mangle",
        "-A",
        "SMI-NODE-GUARD",
        "-s",
        "198.18.250.0/24",
        "!",
        "-d",
        "198.18.250.0/24",
        "-j",
        "DROP",
      );
      await assertGuard("start the kubelet");

      sh("ip", "route", "del", "blackhole", "198.19.0.0/16", "metric", "4242");
      await expect(assertGuard("start the kubelet")).rejects.toThrow(
        "test node: refusing to start the kubelet: no blackhole route for 198.19.0.0/16",
      );
      sh("ip", "route", "add", "blackhole", "198.19.0.0/16", "metric", "4242");

      const conf = "/var/lib/linkerd-smi-node/cni/net.d/10-linkerd-smi-node.conflist";
      const good = readFileSync(conf, "utf8");
      writeFileSync(conf, good.replace('"ipMasq": false', '"ipMasq": true'));
      await expect(assertGuard("start the kubelet")).rejects.toThrow(
        "the bridge plugin's ipMasq is not false",
      );
      writeFileSync(conf, good);
      await assertGuard("start the kubelet");
    } finally {
      await node.stop();
    }
    expect(leftovers()).toEqual({ processes: 0, mounts: 0, links: [], chains: [] });
    expect(sh("ip", "-4", "route", "show", "type", "blackhole")).not.toContain("198.19.0.0/16");
  });
});
