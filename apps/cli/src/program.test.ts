import { describe, expect, it } from "vitest";
import type { CliIO } from "./io.js";
import { buildProgram, run } from "./program.js";

function capture(): CliIO & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {},
    stdout: () => out,
    stderr: () => err,
  };
}

describe("the assembled program", () => {
  it("has every command, _extension-metadata hidden", () => {
    const program = buildProgram(capture());
    expect(program.commands.map((c) => c.name()).sort()).toEqual(
      [
        "_extension-metadata",
        "check",
        "completion",
        "convert",
        "install",
        "prune",
        "stat",
        "status",
        "uninstall",
        "validate",
        "version",
      ].sort(),
    );
    const help = program.helpInformation();
    expect(help).toContain("install");
    expect(help).not.toContain("_extension-metadata");
  });

  it("a subcommand's usage error exits 2 through the program's output, never the process", async () => {
    const io = capture();
    expect(await run(["status", "--no-such-flag"], io)).toBe(2);
    expect(io.stderr()).toBe(
      "Error: unknown option '--no-such-flag'\nRun 'linkerd smi status --help' for usage.\n",
    );
  });

  it("every usage error has one form, commander's and the commands' own alike", async () => {
    const usage = async (argv: string[]) => {
      const io = capture();
      const code = await run(argv, io);
      return { code, stderr: io.stderr(), stdout: io.stdout() };
    };
    expect(await usage(["instal"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: unknown command 'instal'\n(Did you mean install?)\nRun 'linkerd smi --help' for usage.\n",
    });
    expect(await usage(["check", "--wait"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: option '--wait <duration>' argument missing\nRun 'linkerd smi check --help' for usage.\n",
    });
    expect(await usage(["check", "--pre=maybe"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "Error: invalid boolean value \"maybe\": use true or false\nRun 'linkerd smi check --help' for usage.\n",
    });
  });

  it("words a bad -o alike in every command, from one function", async () => {
    const cases: [string[], string][] = [
      [["check"], "table, json, short"],
      [["status"], "table, wide, json, yaml"],
      [["stat"], "table, wide, json"],
      [["prune"], "yaml, json"],
      [["convert", "-f", "-"], "yaml, json"],
      [["version"], "text, json"],
      [["validate", "-f", "-"], "text, json"],
    ];
    for (const [argv, formats] of cases) {
      const io = capture();
      const code = await run([...argv, "-o", "x", "--kubeconfig", "/nonexistent"], io);
      expect({ code, stderr: io.stderr() }, argv[0]).toEqual({
        code: 2,
        stderr: `Error: --output must be one of: ${formats} (got "x")\nRun 'linkerd smi ${argv[0] ?? ""} --help' for usage.\n`,
      });
    }
  });

  it("help shows flags as pflag does, and says what -n means for each command", async () => {
    const help = async (command: string) => {
      const io = capture();
      expect(await run([command, "--help"], io)).toBe(0);
      // One line per flag, whatever the width commander wraps descriptions at.
      return io.stdout().replace(/\n {3,}(?=\S)/g, " ");
    };
    const check = await help("check");
    expect(check).not.toContain("[bool]");
    expect(check).toMatch(/\n {2}--pre {2,}only run pre-installation checks/);
    expect(check).toMatch(/\n {2}--proxy {2,}also check that the adaptor's pods/);
    const install = await help("install");
    expect(install).not.toContain("(default: [])");
    expect(install).not.toContain("(default: false)");
    expect(install).toMatch(
      /-f, --values <file> +values file to apply \(repeatable; later files win\)\n/,
    );
    expect(install).toContain('namespace to install the extension into (default: "linkerd-smi")');
    for (const command of ["uninstall", "prune"]) {
      const text = await help(command);
      expect(text, command).toContain(
        'namespace the extension is installed in (default: "linkerd-smi")',
      );
      expect(text, command).not.toContain("install the extension into");
    }
    expect(await help("convert")).toMatch(
      /\n {2}-n, --namespace <namespace> +namespace of objects/,
    );
  });

  it("a subcommand's --help exits 0 and prints to out", async () => {
    const io = capture();
    expect(await run(["install", "--help"], io)).toBe(0);
    expect(io.stdout()).toContain("--skip-checks");
  });
});
