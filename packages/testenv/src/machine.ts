import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What the tests need from the machine beyond Node and Go, as Debian packages. `pnpm test`
 * puts them in place once (`linkerd-smi-testenv prepare`) before any test starts its
 * clock, or stops with one line naming what is missing and the command that installs it.
 */
export interface SystemPackage {
  /** The Debian package. */
  name: string;
  /** A file the package installs, to tell whether it is there without asking dpkg. */
  file: string;
  /** Who needs it, for the message. */
  neededBy: string;
}

export const SYSTEM_PACKAGES = [
  {
    name: "podman",
    file: "/usr/bin/podman",
    neededBy: "the image tests (run the adaptor's image)",
  },
  {
    name: "runc",
    file: "/usr/sbin/runc",
    neededBy: "the image tests and the test node (podman's and containerd's runtime)",
  },
  {
    name: "skopeo",
    file: "/usr/bin/skopeo",
    neededBy: "the image tests (copy the archive) and pnpm release (push it)",
  },
  {
    name: "containerd",
    file: "/usr/bin/ctr",
    neededBy: "the image tests and the test node (ctr imports the archives)",
  },
  {
    name: "containernetworking-plugins",
    file: "/usr/lib/cni/bridge",
    neededBy: "the test node (its pods' bridge and addresses)",
  },
  {
    name: "iptables",
    file: "/usr/sbin/iptables",
    neededBy: "the test node (its network guard and kube-proxy)",
  },
  {
    name: "qemu-user-static",
    file: "/usr/bin/qemu-aarch64-static",
    neededBy: "the image tests (run its linux/arm64 half)",
  },
  { name: "iproute2", file: "/usr/bin/ip", neededBy: "stat's tests (a network namespace)" },
  { name: "openssl", file: "/usr/bin/openssl", neededBy: "the write-conflicts test's webhook" },
  { name: "time", file: "/usr/bin/time", neededBy: "bench:binary (GNU time's max RSS)" },
  {
    name: "curl",
    file: "/usr/bin/curl",
    neededBy: "the release test (the seed's curl -sL <site>/install | sh)",
  },
  {
    name: "shellcheck",
    file: "/usr/bin/shellcheck",
    neededBy: "the workflows' lint (actionlint checks their scripts with it)",
  },
] as const satisfies readonly SystemPackage[];

export type SystemPackageName = (typeof SYSTEM_PACKAGES)[number]["name"];

/** Building the image downloads Debian's arm64 runtime libraries: apt needs that architecture. */
export const FOREIGN_ARCHITECTURE = "arm64";

export interface MachineState {
  missing: SystemPackageName[];
  /** Whether dpkg lists the arm64 architecture (undefined: not a Debian machine). */
  arm64: boolean | undefined;
}

export interface Probe {
  exists(path: string): boolean;
  /** `dpkg --print-foreign-architectures`, or undefined without dpkg. */
  foreignArchitectures(): string[] | undefined;
}

const realProbe: Probe = {
  exists: existsSync,
  foreignArchitectures() {
    const r = spawnSync("dpkg", ["--print-foreign-architectures"], { encoding: "utf8" });
    if (r.error !== undefined || r.status !== 0) return undefined;
    const archs = r.stdout.split(/\s+/).filter((a) => a !== "");
    // An architecture apt has no package lists for yet (no `apt-get update` since it was
    // added) cannot be downloaded from: count it as missing.
    const lists = readdirSafe("/var/lib/apt/lists");
    return archs.filter((a) =>
      lists.some(
        (f) => f.endsWith(`_binary-${a}_Packages`) || f.includes(`_binary-${a}_Packages.`),
      ),
    );
  },
};

export function machineState(
  names: readonly SystemPackageName[] = SYSTEM_PACKAGES.map((p) => p.name),
  probe: Probe = realProbe,
): MachineState {
  const missing = SYSTEM_PACKAGES.filter(
    (p) => names.includes(p.name) && !probe.exists(p.file),
  ).map((p) => p.name);
  const archs = probe.foreignArchitectures();
  return { missing, arm64: archs === undefined ? undefined : archs.includes(FOREIGN_ARCHITECTURE) };
}

/** The commands, as argument lists, that put `state` right (run as root). */
function installSteps(state: MachineState): string[][] {
  const steps: string[][] = [];
  if (state.arm64 === false) steps.push(["dpkg", "--add-architecture", FOREIGN_ARCHITECTURE]);
  if (state.arm64 === false || state.missing.length > 0) steps.push(["apt-get", "update"]);
  if (state.missing.length > 0) steps.push(["apt-get", "install", "-y", ...state.missing]);
  return steps;
}

/** The commands that put `state` right, as a user would type them (`sudo` unless root). */
export function installCommand(state: MachineState, root: boolean): string {
  return installSteps(state)
    .map((argv) => (root ? argv : ["sudo", ...argv]).join(" "))
    .join(" && ");
}

/** One line: what is missing, who needs it, and what installs it. */
export function describeMissing(state: MachineState, root: boolean): string | undefined {
  const parts: string[] = [];
  if (state.missing.length > 0) {
    const needs = SYSTEM_PACKAGES.filter((p) =>
      (state.missing as readonly string[]).includes(p.name),
    ).map((p) => `${p.name} (${p.neededBy})`);
    parts.push(`the Debian packages ${needs.join(", ")}`);
  }
  if (state.arm64 === false)
    parts.push(
      `apt's ${FOREIGN_ARCHITECTURE} architecture (building the image downloads its libraries)`,
    );
  if (parts.length === 0) return undefined;
  if (state.arm64 === undefined)
    return `this machine lacks ${parts.join(" and ")}, and has no dpkg: install them with its package manager`;
  return `this machine lacks ${parts.join(" and ")}; install with: ${installCommand(state, root)}`;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Installs what the tests need from Debian (`SYSTEM_PACKAGES` and the arm64 architecture) and
 * prints what it does; does nothing when all is there. The tests run as root (stat's make
 * network namespaces, the image tests run podman as root): as another user it stops with one
 * line saying so, with the apt command for whatever is missing.
 */
export function prepareSystem(log: (line: string) => void): void {
  const state = machineState();
  const root = isRoot();
  const message = describeMissing(state, root);
  if (!root)
    throw new Error(
      "the integration tests run as root (stat's tests make network namespaces, the image tests " +
        "run podman as root): run `pnpm test` as root" +
        (message === undefined ? "" : `; also, ${message}`),
    );
  if (message === undefined) {
    log("system packages: all there");
    return;
  }
  if (state.arm64 === undefined) throw new Error(message);
  // The very commands the message names.
  for (const [command = "", ...args] of installSteps(state)) {
    log(`$ ${[command, ...args].join(" ")}`);
    execFileSync(command, args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  const addArm64 = !state.arm64;
  const after = describeMissing(machineState(), root);
  if (after !== undefined) throw new Error(`after apt-get install, ${after}`);
  log(
    `system packages: installed ${[...state.missing, ...(addArm64 ? ["the arm64 architecture"] : [])].join(", ")}`,
  );
}
