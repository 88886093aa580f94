import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const name of live) {
      try {
        execFileSync("ip", ["netns", "delete", name], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
    }
  });
}

let created = 0;

/**
 * A network namespace of our own, joined to this one by a veth pair: a "test host" with a
 * non-loopback address. The kube-apiserver's service proxy dials a Service's endpoint
 * addresses, and Endpoints validation refuses loopback ones, so a server the apiserver must
 * reach through `.../services/NAME:PORT/proxy/` runs in here (`wrap()` its command).
 *
 * Addresses come from 198.18.0.0/15, the block RFC 2544 sets aside for benchmark tests: it is
 * neither a private range nor routed anywhere, and only these two interfaces use it. Needs root
 * (CI runs as root) and iproute2's `ip`.
 */
export class NetworkNamespace {
  private constructor(
    readonly name: string,
    /** Our side of the veth pair. */
    readonly hostAddress: string,
    /** The namespace's side: where its servers listen. */
    readonly address: string,
    private readonly hostLink: string,
  ) {}

  static async create(): Promise<NetworkNamespace> {
    installExitHook();
    created += 1;
    const id = `${String(process.pid % 10_000)}x${String(created)}`;
    const subnet = (process.pid * 7 + created) % 250;
    const name = `smi-test-${id}`;
    const hostLink = `smih${id}`.slice(0, 15);
    const nsLink = `smin${id}`.slice(0, 15);
    const hostAddress = `198.18.${String(subnet)}.1`;
    const address = `198.18.${String(subnet)}.2`;
    const ip = (...args: string[]) => run("ip", args);
    const inNs = (...args: string[]) => run("ip", ["netns", "exec", name, "ip", ...args]);
    try {
      await ip("netns", "add", name);
      live.add(name);
      await ip("link", "add", hostLink, "type", "veth", "peer", "name", nsLink);
      await ip("link", "set", nsLink, "netns", name);
      await ip("addr", "add", `${hostAddress}/30`, "dev", hostLink);
      await ip("link", "set", hostLink, "up");
      await inNs("addr", "add", `${address}/30`, "dev", nsLink);
      await inNs("link", "set", nsLink, "up");
      await inNs("link", "set", "lo", "up");
    } catch (error) {
      await new NetworkNamespace(name, hostAddress, address, hostLink).delete();
      const e = error as { stderr?: string; message?: string };
      throw new Error(
        `cannot create network namespace ${name} with a veth pair (needs root and iproute2): ${(e.stderr ?? e.message ?? String(error)).trim()}`,
        { cause: error },
      );
    }
    return new NetworkNamespace(name, hostAddress, address, hostLink);
  }

  /** `command args...` run inside the namespace. */
  wrap(command: string, args: readonly string[]): [string, string[]] {
    return ["ip", ["netns", "exec", this.name, command, ...args]];
  }

  /** Removes the namespace and the veth pair (deleting one end deletes both). */
  async delete(): Promise<void> {
    await run("ip", ["link", "delete", this.hostLink]).catch(() => undefined);
    await run("ip", ["netns", "delete", this.name]).catch(() => undefined);
    live.delete(this.name);
  }
}
