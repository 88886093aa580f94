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
function complete(bashScript: string, words: string[], before = ""): string[] {
  const dir = mkdtempSync(join(tmpdir(), "smi-completion-"));
  const file = join(dir, "completion.bash");
  writeFileSync(file, bashScript);
  const line = [
    before,
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
    expect(complete(out, ["linkerd-smi", "check", "--pro"])).toEqual([
      "--proxy",
      "--prometheus-url",
    ]);
    expect(complete(out, ["linkerd-smi", "check", "--prox"])).toEqual(["--proxy"]);
    expect(complete(out, ["linkerd-smi", "completion", "f"])).toEqual(["fish"]);
    // Hidden commands are not offered.
    expect(complete(out, ["linkerd-smi", "_"])).toEqual([]);
  });

  it("bash completes `linkerd smi ...` too, and leaves the rest of `linkerd ...` to linkerd's completion", async () => {
    const { out } = await script("bash");
    // linkerd's own completion, loaded first (as cobra's script registers it).
    const linkerds =
      "_linkerd_own() { COMPREPLY=(linkerd-own); }\ncomplete -F _linkerd_own linkerd";
    expect(complete(out, ["linkerd", "smi", "st"], linkerds)).toEqual(["status", "stat"]);
    expect(complete(out, ["linkerd", "smi", "status", "--all"], linkerds)).toEqual([
      "--all-namespaces",
    ]);
    expect(complete(out, ["linkerd", "smi", "--verbose", "che"], linkerds)).toEqual(["check"]);
    expect(complete(out, ["linkerd", "smi", "completion", "b"], linkerds)).toEqual(["bash"]);
    expect(complete(out, ["linkerd", "ch"], linkerds)).toEqual(["linkerd-own"]);
    expect(complete(out, ["linkerd", "viz", "--"], linkerds)).toEqual(["linkerd-own"]);
    // Without a completion of linkerd's, nothing for the rest (bash's default: files).
    expect(complete(out, ["linkerd", "ch"])).toEqual([]);
    // Both names are registered.
    const registered = spawnSync(
      "bash",
      ["-c", `source <(cat <<'EOF'\n${out}EOF\n)\ncomplete -p linkerd linkerd-smi`],
      { encoding: "utf8" },
    );
    expect(registered.stdout).toBe(
      "complete -o default -F _linkerd_smi linkerd\ncomplete -o default -F _linkerd_smi linkerd-smi\n",
    );
  });

  it("zsh and fish complete `linkerd smi ...` beside linkerd's own completion", async () => {
    const zsh = (await script("zsh")).out;
    expect(zsh).toContain("compdef _linkerd_smi_zsh linkerd\n");
    expect(zsh).toContain(
      'if [[ "${words[2]}" == smi ]]; then\n    _bash_complete -o default -F _linkerd_smi\n',
    );
    const fish = (await script("fish")).out;
    expect(fish).toContain(
      'complete -c linkerd -n "__fish_seen_subcommand_from smi; and __fish_seen_subcommand_from install" -l skip-checks',
    );
    expect(fish).toContain(
      "complete -c linkerd -n \"not __fish_seen_subcommand_from smi\" -a smi -d 'The Linkerd SMI extension'",
    );
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
    expect(err).toBe(
      'Error: unsupported shell "tcsh": use one of bash, zsh, fish, powershell\n' +
        "Run 'linkerd smi completion --help' for usage.\n",
    );
  });
});
