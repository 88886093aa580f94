import { describe, expect, it } from "vitest";
import { describeMissing, installCommand, machineState, type Probe } from "../src/machine.js";

/** A machine with exactly these files and foreign architectures. */
function probe(files: string[], archs: string[] | undefined): Probe {
  return { exists: (p) => files.includes(p), foreignArchitectures: () => archs };
}

const everything = [
  "/usr/bin/podman",
  "/usr/sbin/runc",
  "/usr/bin/skopeo",
  "/usr/bin/ctr",
  "/usr/lib/cni/bridge",
  "/usr/sbin/iptables",
  "/usr/bin/qemu-aarch64-static",
  "/usr/bin/ip",
  "/usr/bin/openssl",
  "/usr/bin/time",
  "/usr/bin/curl",
  "/usr/bin/shellcheck",
];

describe("machineState", () => {
  it("finds nothing missing on a prepared machine", () => {
    expect(machineState(undefined, probe(everything, ["arm64"]))).toEqual({
      missing: [],
      arm64: true,
    });
  });

  it("names each package whose file is absent, and a missing arm64 architecture", () => {
    const files = everything.filter(
      (f) => f !== "/usr/bin/podman" && f !== "/usr/bin/time" && f !== "/usr/lib/cni/bridge",
    );
    expect(machineState(undefined, probe(files, ["i386"]))).toEqual({
      missing: ["podman", "containernetworking-plugins", "time"],
      arm64: false,
    });
  });

  it("looks only at the packages asked for", () => {
    expect(machineState(["iproute2"], probe([], ["arm64"]))).toEqual({
      missing: ["iproute2"],
      arm64: true,
    });
  });

  it("says when there is no dpkg at all", () => {
    expect(machineState(["openssl"], probe(["/usr/bin/openssl"], undefined))).toEqual({
      missing: [],
      arm64: undefined,
    });
  });
});

describe("the message and the command", () => {
  it("gives the whole apt line, with sudo for a user", () => {
    const state = { missing: ["podman", "skopeo"] as const, arm64: false };
    expect(installCommand({ ...state, missing: [...state.missing] }, false)).toBe(
      "sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install -y podman skopeo",
    );
    expect(describeMissing({ ...state, missing: [...state.missing] }, true)).toBe(
      "this machine lacks the Debian packages podman (the image tests (run the adaptor's image)), " +
        "skopeo (the image tests (copy the archive) and pnpm release (push it)) and apt's arm64 " +
        "architecture (building the " +
        "image downloads its libraries); install with: dpkg --add-architecture arm64 && " +
        "apt-get update && apt-get install -y podman skopeo",
    );
  });

  it("only updates apt when the architecture alone is missing", () => {
    expect(installCommand({ missing: [], arm64: false }, true)).toBe(
      "dpkg --add-architecture arm64 && apt-get update",
    );
  });

  it("has nothing to say when nothing is missing", () => {
    expect(describeMissing({ missing: [], arm64: true }, false)).toBeUndefined();
  });

  it("points elsewhere than apt on a machine without dpkg", () => {
    expect(describeMissing({ missing: ["iproute2"], arm64: undefined }, false)).toBe(
      "this machine lacks the Debian packages iproute2 (stat's tests (a network namespace)), " +
        "and has no dpkg: install them with its package manager",
    );
  });
});
