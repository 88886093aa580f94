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
    expect(io.stderr()).toContain("unknown option '--no-such-flag'");
    expect(io.stderr()).toContain("(add --help for usage)");
  });

  it("a subcommand's --help exits 0 and prints to out", async () => {
    const io = capture();
    expect(await run(["install", "--help"], io)).toBe(0);
    expect(io.stdout()).toContain("--skip-checks");
  });
});
