import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../io.js";
import { run } from "../program.js";

async function script(shell: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), env: {} };
  const code = await run(["completion", shell], io);
  return { code, out, err };
}

/** What bash completes for `words` (the last one being completed), with the script loaded. */
function complete(bashScript: string, words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "smi-completion-"));
  const file = join(dir, "completion.bash");
  writeFileSync(file, bashScript);
  const line = [
    `source ${file}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    "_linkerd_smi",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const res = spawnSync("bash", ["-c", line], { encoding: "utf8" });
  expect(res.stderr).toBe("");
  return res.stdout.split("\n").filter((l) => l !== "");
}

describe("completion", () => {
  it("bash completes commands, then each command's own flags", async () => {
    const { code, out } = await script("bash");
    expect(code).toBe(0);
    expect(complete(out, ["linkerd-smi", "st"])).toEqual(["status", "stat"]);
    expect(complete(out, ["linkerd-smi", "pr"])).toEqual(["prune"]);
    expect(complete(out, ["linkerd-smi", "status", "--all"])).toEqual(["--all-namespaces"]);
    expect(complete(out, ["linkerd-smi", "install", "--skip"])).toEqual(["--skip-checks"]);
    expect(complete(out, ["linkerd-smi", "check", "--pro"])).toEqual(["--proxy"]);
    expect(complete(out, ["linkerd-smi", "completion", "f"])).toEqual(["fish"]);
    // Hidden commands are not offered.
    expect(complete(out, ["linkerd-smi", "_"])).toEqual([]);
  });

  it("zsh, fish and powershell scripts name every command", async () => {
    for (const shell of ["zsh", "fish", "powershell"]) {
      const { code, out } = await script(shell);
      expect(code, shell).toBe(0);
      for (const command of ["install", "uninstall", "check", "status", "validate", "prune"])
        expect(out, `${shell}: ${command}`).toContain(command);
      expect(out).not.toContain("_extension-metadata");
    }
    const fish = (await script("fish")).out;
    expect(fish).toContain(
      'complete -c linkerd-smi -n "__fish_seen_subcommand_from install" -l skip-checks',
    );
    const zsh = (await script("zsh")).out;
    expect(zsh.startsWith("#compdef linkerd-smi\n")).toBe(true);
  });

  it("rejects another shell as a usage error", async () => {
    const { code, err } = await script("tcsh");
    expect(code).toBe(2);
    expect(err).toBe('Error: unsupported shell "tcsh": use one of bash, zsh, fish, powershell\n');
  });
});
