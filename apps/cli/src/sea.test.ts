import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cacheRoot, chartHash, extractChart, inSea, type SeaManifest } from "./sea.js";

const files: Record<string, string> = {
  "Chart.yaml": "apiVersion: v2\nname: linkerd-smi\n",
  "values.yaml": "adaptor: {}\n",
  "templates/adaptor.yaml": "kind: Deployment\n",
  ".helmignore": "*.md\n",
};
const encoded = Object.entries(files).map(([name, text]) => ({
  name,
  data: new TextEncoder().encode(text),
}));
const manifest: SeaManifest = {
  version: "1.2.3",
  chart: { hash: chartHash(encoded), files: Object.keys(files) },
};
const read = (file: string): Uint8Array => new TextEncoder().encode(files[file] ?? "");

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "sea-test-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("sea", () => {
  it("is not in a single executable under vitest", () => {
    expect(inSea()).toBe(false);
  });

  it("caches under $LINKERD_SMI_CACHE, else $XDG_CACHE_HOME/linkerd-smi, else ~/.cache/linkerd-smi", () => {
    expect(cacheRoot({ LINKERD_SMI_CACHE: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c");
    expect(cacheRoot({ XDG_CACHE_HOME: "/x" })).toBe(join("/x", "linkerd-smi"));
    expect(cacheRoot({ LINKERD_SMI_CACHE: "" })).toBe(join(homedir(), ".cache", "linkerd-smi"));
  });

  it("hashes chart files by name and content", () => {
    expect(chartHash(encoded)).toMatch(/^[0-9a-f]{64}$/);
    const renamed = encoded.map((f) => (f.name === "values.yaml" ? { ...f, name: "v.yaml" } : f));
    expect(chartHash(renamed)).not.toBe(chartHash(encoded));
    const changed = encoded.map((f) =>
      f.name === "values.yaml" ? { ...f, data: new TextEncoder().encode("x: 1\n") } : f,
    );
    expect(chartHash(changed)).not.toBe(chartHash(encoded));
  });

  it("extracts the chart once per version and content", () => {
    const root = temp();
    let reads = 0;
    const counting = (file: string): Uint8Array => {
      reads++;
      return read(file);
    };
    const dir = extractChart(manifest, counting, root);
    expect(dir).toBe(join(root, "cli", "1.2.3", `chart-${manifest.chart.hash.slice(0, 16)}`));
    for (const [name, text] of Object.entries(files)) {
      expect(readFileSync(join(dir, ...name.split("/")), "utf8")).toBe(text);
    }
    expect(reads).toBe(4);
    expect(extractChart(manifest, counting, root)).toBe(dir);
    expect(reads).toBe(4);
    expect(readdirSync(join(root, "cli", "1.2.3"))).toEqual([
      `chart-${manifest.chart.hash.slice(0, 16)}`,
    ]);
  });

  it("uses the copy of a process that got there first, and leaves no temporary directory", () => {
    const root = temp();
    let raced = false;
    const racing = (file: string): Uint8Array => {
      if (!raced) {
        raced = true;
        extractChart(manifest, read, root); // another process, finishing first
      }
      return read(file);
    };
    const dir = extractChart(manifest, racing, root);
    expect(readFileSync(join(dir, "Chart.yaml"), "utf8")).toBe(files["Chart.yaml"]);
    expect(readdirSync(join(root, "cli", "1.2.3"))).toEqual([
      `chart-${manifest.chart.hash.slice(0, 16)}`,
    ]);
  });

  it("falls back to a private temporary copy when the cache cannot be written", () => {
    const blocker = join(temp(), "a-file");
    writeFileSync(blocker, "");
    const dir = extractChart(manifest, read, join(blocker, "cache"));
    dirs.push(dir);
    expect(dir.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(join(dir, "templates", "adaptor.yaml"), "utf8")).toBe(
      files["templates/adaptor.yaml"],
    );
  });

  it("refuses file names that leave the chart directory", () => {
    const bad = { ...manifest, chart: { ...manifest.chart, files: ["../escape.yaml"] } };
    expect(() => extractChart(bad, read, temp())).toThrow(/bad chart file name/);
  });
});
