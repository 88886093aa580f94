import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient, loadKubeConfig } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { CliError } from "../errors.js";
import type { CliIO } from "../io.js";
import { check, EXTENSION_METADATA, flagBool, forwardedGroups } from "./check.js";

describe("flags as linkerd check forwards them", () => {
  it("reads pflag's booleans", () => {
    expect(flagBool(undefined)).toBe(false);
    expect(flagBool(true)).toBe(true);
    expect(flagBool("true")).toBe(true);
    expect(flagBool("false")).toBe(false);
    expect(flagBool("1")).toBe(true);
    expect(() => flagBool("maybe")).toThrow(CliError);
  });

  it("reads pflag's string arrays", () => {
    expect(forwardedGroups(["[]"])).toEqual([]);
    expect(forwardedGroups(["[a,b]"])).toEqual(["a", "b"]);
    expect(forwardedGroups(["plain", "[c]"])).toEqual(["plain", "c"]);
    expect(forwardedGroups([])).toEqual([]);
  });

  it("announces itself to linkerd check by name, checked where installed", () => {
    expect(EXTENSION_METADATA).toEqual({ name: "linkerd-smi", checks: "cluster" });
  });
});

/** A client for an apiserver that is not there (connections are refused at once). */
function unreachable(): KubeClient {
  const dir = mkdtempSync(join(tmpdir(), "smi-check-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]",
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n"),
  );
  return new KubeClient(loadKubeConfig({ kubeconfig: path }));
}

function capture(errIsTTY: boolean): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {},
    errIsTTY,
    outIsTTY: false,
    stdout: () => out,
    stderr: () => err,
  };
}

describe("check", () => {
  it("shows progress on a terminal's stderr, never with -o json", async () => {
    const tty = capture(true);
    expect(
      await check({ output: "table", wait: "0s", pre: false, verbose: false }, unreachable, tty),
    ).toBe(1);
    expect(tty.stderr()).toContain("⠋ linkerd-smi extension Namespace exists");
    expect(tty.stdout()).toMatch(
      /^linkerd-smi\n-----------\n× linkerd-smi extension Namespace exists\n/,
    );

    const json = capture(true);
    expect(
      await check({ output: "json", wait: "0s", pre: false, verbose: false }, unreachable, json),
    ).toBe(1);
    expect(json.stderr()).toBe("");
    expect(JSON.parse(json.stdout())).toMatchObject({ success: false });

    const pipe = capture(false);
    await check({ output: "table", wait: "0s", pre: false, verbose: false }, unreachable, pipe);
    expect(pipe.stderr()).toBe("");
  });

  it("reports a kubeconfig it cannot load as linkerd-smi did", async () => {
    const io = capture(false);
    await expect(
      check(
        { output: "table", wait: "0s", pre: false, verbose: false },
        () => {
          throw new Error("no such file");
        },
        io,
      ),
    ).rejects.toThrow("Error initializing k8s API client: no such file");
  });

  it("rejects unknown output formats and durations", async () => {
    const io = capture(false);
    await expect(
      check({ output: "yaml", wait: "1s", pre: false, verbose: false }, unreachable, io),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--output must be one of: table, json, short (got "yaml")',
    });
    await expect(
      check({ output: "json", wait: "1 minute", pre: false, verbose: false }, unreachable, io),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
});
