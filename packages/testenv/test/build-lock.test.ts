import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot, readVersions } from "../src/binaries.js";

const script = join(packageRoot, "scripts", "build-binaries.sh");

function collect(stream: NodeJS.ReadableStream): { text: () => string } {
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => (text += d));
  return { text: () => text };
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("build-binaries.sh builds each cache entry once", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("waits for a build under way, says so, and takes its binary instead of building", async () => {
    const cache = mkdtempSync(join(tmpdir(), "linkerd-smi-lock-test-"));
    dirs.push(cache);
    const v = readVersions();
    const entry = join(cache, "bin", `etcd-${v.etcd}-b${String(v.buildRevision)}`);
    // Another build holds the entry's lock (as the script takes it), until told to finish:
    // then it puts a binary in place and lets go.
    const holder = spawn(
      "bash",
      [
        "-c",
        'mkdir -p "$(dirname "$1")"; exec 9>>"$1.lock"; flock 9; printf "pid %s, started test" $$ >"$1.lock"; echo locked; read -r _; mkdir -p "$1"; printf "#!/bin/sh\\n" >"$1/etcd"; chmod +x "$1/etcd"',
        "holder",
        entry,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    const held = collect(holder.stdout);
    await until("the holder's lock", () => held.text().includes("locked"));

    const build = spawn("bash", [script, "etcd"], {
      env: { ...process.env, LINKERD_SMI_CACHE: cache },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const log = collect(build.stderr);
    // "close", not "exit": only then has all of its stderr been read.
    const exited = new Promise<number | null>((r) => build.on("close", r));
    await until("the wait message", () => log.text().includes("waiting for that build"));
    expect(log.text()).toContain(
      `etcd ${v.etcd}: another process (pid ${String(holder.pid)}, started test) is building it`,
    );

    holder.stdin.end("\n");
    expect(await exited).toBe(0);
    expect(log.text()).toContain(
      `etcd ${v.etcd}: built by the other process -> ${join(entry, "etcd")}`,
    );
    expect(log.text()).not.toContain("building from");
    expect(readFileSync(join(entry, "etcd"), "utf8")).toBe("#!/bin/sh\n");
  });

  it("does not wait at all for an entry already built", async () => {
    const cache = mkdtempSync(join(tmpdir(), "linkerd-smi-lock-test-"));
    dirs.push(cache);
    const v = readVersions();
    const entry = join(cache, "bin", `etcd-${v.etcd}-b${String(v.buildRevision)}`);
    const make = spawn("bash", [
      "-c",
      'mkdir -p "$1" && printf "#!/bin/sh\\n" >"$1/etcd" && chmod +x "$1/etcd"',
      "x",
      entry,
    ]);
    await new Promise((r) => make.on("exit", r));
    const build = spawn("bash", [script, "etcd"], {
      env: { ...process.env, LINKERD_SMI_CACHE: cache },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const log = collect(build.stderr);
    expect(await new Promise((r) => build.on("close", r))).toBe(0);
    expect(log.text()).toContain(`etcd ${v.etcd}: cached at ${join(entry, "etcd")}`);
    expect(existsSync(`${entry}.lock`)).toBe(false);
  });
});
