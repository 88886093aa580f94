/**
 * The GitHub workflows: actionlint (built from its Go module, with Debian's shellcheck for the
 * scripts) passes them, and would fail a broken one; the release workflow gives `pnpm release`
 * every destination its options read from the environment.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureBinaries } from "@linkerd-smi/testenv";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
let actionlint: string;

beforeAll(async () => {
  actionlint = (await ensureBinaries(["actionlint"])).actionlint;
});

const lint = (cwd: string) =>
  run(actionlint, ["-no-color", "-oneline", "-shellcheck", "shellcheck"], { cwd }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (error: unknown) => {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, out: (e.stdout ?? "") + (e.stderr ?? "") };
    },
  );

describe("the workflows", () => {
  it("pass actionlint, shellcheck included", async () => {
    expect(await lint(repo)).toEqual({ code: 0, out: "" });
  });

  it("would not pass with a mistake in them (the lint is live)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "actionlint-"));
    // actionlint looks for the workflows of the git repository it runs in.
    await run("git", ["init", "-q"], { cwd: dir });
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(
      join(dir, ".github", "workflows", "broken.yml"),
      [
        "on: push",
        "jobs:",
        "  ci:",
        "    runs-on: ubuntu-24.04",
        "    steps:",
        "      - run: echo ${{ github.no_such_property }}",
        "      - run: cd $UNQUOTED && ls",
        "",
      ].join("\n"),
    );
    const { code, out } = await lint(dir);
    expect(code).toBe(1);
    expect(out).toContain('property "no_such_property" is not defined');
    // shellcheck's SC2086 (an unquoted variable), through actionlint.
    expect(out).toContain("SC2086");
  });

  it("give pnpm release every destination it reads from the environment", async () => {
    await run(
      "pnpm",
      ["turbo", "run", "build", "--filter=@linkerd-smi/release", "--output-logs=errors-only"],
      {
        cwd: repo,
      },
    );
    const { stdout: help } = await run(
      process.execPath,
      [join(repo, "packages", "release", "dist", "main.js"), "--help"],
      {
        env: { ...process.env, COLUMNS: "1000" },
      },
    );
    const read = [...help.matchAll(/env:\s+(RELEASE_\w+)/g)].map((m) => m[1]).sort();
    expect(read).toEqual([
      "RELEASE_CHART_OCI",
      "RELEASE_CHART_REPO",
      "RELEASE_CHART_REPO_URL",
      "RELEASE_DOWNLOAD_URL",
      "RELEASE_FILES",
      "RELEASE_IMAGE_REGISTRY",
      "RELEASE_NPM_REGISTRY",
    ]);
    const workflow = parse(
      readFileSync(join(repo, ".github", "workflows", "release.yml"), "utf8"),
    ) as {
      jobs: {
        release: {
          steps: { uses?: string; with?: Record<string, string>; env?: Record<string, string> }[];
        };
      };
    };
    const changesets = workflow.jobs.release.steps.find((s) =>
      s.uses?.startsWith("changesets/action@"),
    );
    expect(changesets?.with?.publish).toBe("pnpm release");
    expect(changesets?.with?.version).toBe("pnpm version-packages");
    expect(
      Object.keys(changesets?.env ?? {})
        .filter((k) => k.startsWith("RELEASE_"))
        .sort(),
    ).toEqual(read);
    expect(changesets?.env?.NODE_AUTH_TOKEN).toBe("${{ secrets.NPM_TOKEN }}");
  });
});
