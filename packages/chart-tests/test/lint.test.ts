import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { chartDir, chartYaml, helm, helms, scenarios } from "./helpers.js";

const run = promisify(execFile);

it("finds the four ci scenarios", () => {
  expect(scenarios.map((s) => s.name)).toEqual(["cli", "custom-domain", "default", "ha"]);
});

describe.each(helms)("$name lint --strict", ({ binary }) => {
  it("passes with the default values", async () => {
    const result = await helm(
      ["lint", "--strict", chartDir, "--namespace", "linkerd-smi"],
      {},
      binary,
    );
    expect(result.stderr + result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it.each(scenarios)("passes with ci/$name-values.yaml", async ({ file }) => {
    const result = await helm(
      ["lint", "--strict", chartDir, "--namespace", "linkerd-smi", "--values", file],
      {},
      binary,
    );
    expect(result.stderr + result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(result.code).toBe(0);
  });

  it("packages the chart alone, without the workspace package, scripts or ci values", async () => {
    const out = mkdtempSync(join(tmpdir(), "chart-package-"));
    const packaged = await helm(["package", chartDir, "--destination", out], {}, binary);
    expect(packaged.code).toBe(0);
    const archive = join(out, `linkerd-smi-${chartYaml.version}.tgz`);
    const { stdout } = await run("tar", ["-tzf", archive]);
    expect(stdout.trim().split("\n").sort()).toEqual(
      [
        ".helmignore",
        "Chart.yaml",
        "README.md",
        "templates/NOTES.txt",
        "templates/_helpers.tpl",
        "templates/adaptor.yaml",
        "templates/httproutegroup-crd.yaml",
        "templates/namespace.yaml",
        "templates/rbac.yaml",
        "templates/serviceaccount.yaml",
        "templates/trafficsplit-crd.yaml",
        "values.schema.json",
        "values.yaml",
      ]
        .map((f) => `linkerd-smi/${f}`)
        .sort(),
    );
  });
});
