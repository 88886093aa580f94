import { describe, expect, it } from "vitest";
import {
  EXECUTABLE_PLATFORMS,
  executableName,
  hostPlatform,
  isExecutableName,
} from "./executables.js";

describe("the release's executables", () => {
  it("are one per platform that install.sh knows", () => {
    expect(EXECUTABLE_PLATFORMS).toEqual([
      "linux-amd64",
      "linux-arm64",
      "darwin-amd64",
      "darwin-arm64",
      "windows-amd64",
    ]);
  });

  it("are named linkerd-smi-<version>-<platform>, .exe on Windows", () => {
    expect(executableName("0.3.1", "linux-arm64")).toBe("linkerd-smi-0.3.1-linux-arm64");
    expect(executableName("0.3.1", "darwin-amd64")).toBe("linkerd-smi-0.3.1-darwin-amd64");
    expect(executableName("0.3.1", "windows-amd64")).toBe("linkerd-smi-0.3.1-windows-amd64.exe");
  });

  it("are told apart from other files in a release directory", () => {
    for (const name of [
      "linkerd-smi-0.3.1-linux-amd64",
      "linkerd-smi-1.0.0-rc.1-darwin-arm64",
      "linkerd-smi-0.2.0-windows-amd64.exe",
    ])
      expect(isExecutableName(name), name).toBe(true);
    for (const name of [
      "sha256sums",
      "install.sh",
      "linkerd-smi--linux-amd64",
      "linkerd-smi-0.3.1-linux-amd64.tmp",
      "linkerd-smi-0.3.1-windows-amd64",
      "linkerd-smi-0.3.1-linux-amd64.exe",
      "linkerd-smi-0.3.1-freebsd-amd64",
      "linkerd-smi-0.3.0.tgz",
    ])
      expect(isExecutableName(name), name).toBe(false);
  });

  it("include the machine's own platform where one is built for it", () => {
    expect(hostPlatform("linux", "x64")).toBe("linux-amd64");
    expect(hostPlatform("darwin", "arm64")).toBe("darwin-arm64");
    expect(hostPlatform("win32", "x64")).toBe("windows-amd64");
    expect(hostPlatform("win32", "arm64")).toBeUndefined();
    expect(hostPlatform("freebsd", "x64")).toBeUndefined();
  });
});
