import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderInstallScript } from "./cli-files.js";
import { releaseNotes } from "./notes.js";
import { danglingSourceMaps } from "./npm.js";
import { missingDestinations, size } from "./release.js";
import { planRelease, RELEASABLES, unknownPublicPackages } from "./workspace.js";

const CHANGELOG = `# @linkerd-smi/core

## 0.2.0

### Minor Changes

- abc1234: Splits with one backend are kept.

### Patch Changes

- Updated dependencies

## 0.1.1

### Patch Changes

- def5678: A fix.
`;

describe("releaseNotes", () => {
  it("is the version's section, without its heading, up to the next version", () => {
    expect(releaseNotes(CHANGELOG, "@linkerd-smi/core", "0.2.0")).toBe(
      "### Minor Changes\n\n- abc1234: Splits with one backend are kept.\n\n### Patch Changes\n\n- Updated dependencies",
    );
    expect(releaseNotes(CHANGELOG, "@linkerd-smi/core", "0.1.1")).toBe(
      "### Patch Changes\n\n- def5678: A fix.",
    );
  });

  it("says which package and what to run when the version has no section", () => {
    expect(() => releaseNotes(CHANGELOG, "@linkerd-smi/core", "0.1.0")).toThrow(
      '@linkerd-smi/core: its CHANGELOG.md has no "## 0.1.0" section; run `pnpm version-packages` to write it',
    );
  });
});

/** A repository with the five releasable packages at the given versions. */
function repoWith(versions: Record<string, string>, extra: Record<string, object> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "release-plan-"));
  for (const r of RELEASABLES) {
    mkdirSync(join(root, r.dir), { recursive: true });
    writeFileSync(
      join(root, r.dir, "package.json"),
      JSON.stringify({ name: r.name, version: versions[r.name] }),
    );
  }
  for (const [dir, manifest] of Object.entries(extra)) {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, "package.json"), JSON.stringify(manifest));
  }
  return root;
}

const versions = {
  "@linkerd-smi/core": "0.1.1",
  "@linkerd-smi/kube": "0.1.0",
  "@linkerd-smi/controller": "0.3.0",
  "@linkerd-smi/chart": "1.0.4",
  "@linkerd-smi/cli": "0.3.0",
};

describe("planRelease", () => {
  it("releases the versions without a tag, in publishing order, and only those", () => {
    const root = repoWith(versions);
    const plan = planRelease(
      root,
      new Set(["@linkerd-smi/core@0.1.0", "@linkerd-smi/kube@0.1.0", "@linkerd-smi/cli@0.3.0"]),
    );
    expect(plan.pending.map((p) => p.tag)).toEqual([
      "@linkerd-smi/core@0.1.1",
      "@linkerd-smi/controller@0.3.0",
      "@linkerd-smi/chart@1.0.4",
    ]);
    expect(plan.released.map((p) => p.tag)).toEqual([
      "@linkerd-smi/kube@0.1.0",
      "@linkerd-smi/cli@0.3.0",
    ]);
  });

  it("refuses a version that is not semantic, naming the file and what to run", () => {
    const root = repoWith({ ...versions, "@linkerd-smi/kube": "next" });
    expect(() => planRelease(root, new Set())).toThrow(
      "packages/kube/package.json: version next is not a semantic version; run `pnpm version-packages`",
    );
  });

  it("finds a public package nobody said how to release", () => {
    const root = repoWith(versions, {
      "packages/extra": { name: "@linkerd-smi/extra", version: "0.0.1" },
      "apps/tool": { name: "@linkerd-smi/tool", version: "0.0.1", private: true },
    });
    expect(unknownPublicPackages(root)).toEqual(["@linkerd-smi/extra (packages/extra)"]);
  });
});

describe("missingDestinations", () => {
  const pending = planRelease(repoWith(versions), new Set()).pending;

  it("names every option a pending version needs, with the tags that need it", () => {
    expect(
      missingDestinations(pending, { provenance: false, npmRegistry: "http://127.0.0.1:1/" }),
    ).toBe(
      "pnpm release: give --files (for @linkerd-smi/core@0.1.1, @linkerd-smi/kube@0.1.0, @linkerd-smi/controller@0.3.0, @linkerd-smi/chart@1.0.4, @linkerd-smi/cli@0.3.0), " +
        "--image-registry (for @linkerd-smi/controller@0.3.0), --chart-repo (for @linkerd-smi/chart@1.0.4, @linkerd-smi/cli@0.3.0), " +
        "--chart-repo-url (for @linkerd-smi/chart@1.0.4), --chart-oci (for @linkerd-smi/chart@1.0.4), --download-url (for @linkerd-smi/cli@0.3.0), " +
        "or the environment variable each one's help names",
    );
  });

  it("asks nothing of a core-only release but the npm registry and the files", () => {
    const core = pending.filter((p) => p.name === "@linkerd-smi/core");
    expect(missingDestinations(core, { provenance: false, files: "/r" })).toBe(
      "pnpm release: give --npm-registry (for @linkerd-smi/core@0.1.1), or the environment variable each one's help names",
    );
    expect(
      missingDestinations(core, { provenance: false, files: "/r", npmRegistry: "http://x/" }),
    ).toBeUndefined();
  });
});

describe("renderInstallScript", () => {
  const script = readFileSync(new URL("../../../install.sh", import.meta.url), "utf8");

  it("fills in the version and the download address, and nothing else", () => {
    const out = renderInstallScript(script, "0.3.1", "https://example.test/releases/download/");
    expect(out).toContain("\ndefault_version=0.3.1\n");
    expect(out).toContain("\ndownload=https://example.test/releases/download\n");
    expect(out.split("\n").length).toBe(script.split("\n").length);
    const changed = out.split("\n").filter((line, i) => line !== script.split("\n")[i]);
    expect(changed).toEqual([
      "default_version=0.3.1",
      "download=https://example.test/releases/download",
    ]);
  });

  it("refuses a script without the lines to fill in", () => {
    expect(() => renderInstallScript("#!/bin/sh\n", "0.3.1", "http://x")).toThrow(
      "install.sh: no /^default_version=.*$/m line to fill in",
    );
  });
});

describe("danglingSourceMaps", () => {
  it("lists maps whose sources are not in the package, and only those", () => {
    const root = mkdtempSync(join(tmpdir(), "release-maps-"));
    mkdirSync(join(root, "dist"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\n");
    writeFileSync(join(root, "dist", "a.js.map"), JSON.stringify({ sources: ["../src/a.ts"] }));
    writeFileSync(join(root, "dist", "b.js.map"), JSON.stringify({ sources: ["../src/b.ts"] }));
    writeFileSync(
      join(root, "dist", "c.js.map"),
      JSON.stringify({ sources: ["../../outside.ts"] }),
    );
    expect(danglingSourceMaps(root).sort()).toEqual([
      "dist/b.js.map: ../src/b.ts",
      "dist/c.js.map: ../../outside.ts",
    ]);
  });
});

describe("size", () => {
  it("reads as bytes, KiB or MiB", () => {
    expect(size(488)).toBe("488 B");
    expect(size(40_960)).toBe("40.0 KiB");
    expect(size(107_716_096)).toBe("102.7 MiB");
  });
});
