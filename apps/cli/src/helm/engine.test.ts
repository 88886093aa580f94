/**
 * The wasm engine against the real helm binary (packages/testenv builds it,
 * same version, same link flags): for each case, `renderChart` must return
 * exactly what `helm template` prints on stdout, or fail with exactly the
 * message helm prints after `Error: `; what helm logs on stderr must be the
 * warnings we report.
 *
 * Two charts: charts/linkerd-smi as it is (cases derived from its values.yaml
 * and ci/ files, so they follow the chart), and a fixture chart written here
 * that exercises the engine itself (values syntax, hooks, CRDs, NOTES,
 * subcharts, .helmignore, symlinks, kubeVersion, errors).
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryPaths } from "@linkerd-smi/testenv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  engineFiles,
  HelmError,
  helmEngineInfo,
  loadChartFiles,
  renderChart,
  type RenderOptions,
} from "./engine.js";

const cliDir = fileURLToPath(new URL("../..", import.meta.url));
const repoRoot = join(cliDir, "..", "..");
const smiChart = join(repoRoot, "charts", "linkerd-smi");

type Case = Omit<RenderOptions, "onWarning">;

interface HelmResult {
  ok: boolean;
  stdout: string;
  /** The `Error: ` message, without helm's `--debug` hint. */
  error: string;
  /** stderr lines other than the error. */
  warnings: string[];
}

const work = mkdtempSync(join(tmpdir(), "linkerd-smi-helm-"));
let helm = "";

function helmArgs(c: Case): string[] {
  const args = ["template", c.releaseName, c.chartDir, "--namespace", c.namespace];
  const flag = (name: string, values: readonly string[] | undefined) => {
    for (const v of values ?? []) args.push(name, v);
  };
  flag("--values", c.valueFiles);
  flag("--set", c.set);
  flag("--set-string", c.setString);
  flag("--set-file", c.setFile);
  flag("--set-json", c.setJson);
  flag("--set-literal", c.setLiteral);
  flag("--show-only", c.showOnly);
  flag("--api-versions", c.apiVersions);
  if (c.includeCrds) args.push("--include-crds");
  if (c.skipTests) args.push("--skip-tests");
  if (c.isUpgrade) args.push("--is-upgrade");
  if (c.kubeVersion !== undefined) args.push("--kube-version", c.kubeVersion);
  return args;
}

function runHelm(c: Case): HelmResult {
  const home = join(work, "home");
  const res = spawnSync(helm, helmArgs(c), {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
    },
  });
  if (res.error) throw res.error;
  const stderr = res.stderr;
  const at = stderr.startsWith("Error: ") ? 0 : stderr.lastIndexOf("\nError: ") + 1;
  const hasError = res.status !== 0;
  const error = hasError
    ? stderr
        .slice(at + "Error: ".length)
        .replace(/\n$/, "")
        .replace(/\n\nUse --debug flag to render out invalid YAML$/, "")
    : "";
  const rest = hasError ? stderr.slice(0, at) : stderr;
  return {
    ok: !hasError,
    stdout: res.stdout,
    error,
    warnings: rest.split("\n").filter((l) => l !== ""),
  };
}

async function runWasm(c: Case): Promise<HelmResult> {
  const warnings: string[] = [];
  try {
    const stdout = await renderChart({ ...c, onWarning: (w) => warnings.push(w) });
    return { ok: true, stdout, error: "", warnings };
  } catch (err) {
    if (!(err instanceof HelmError)) throw err;
    return { ok: false, stdout: "", error: err.message, warnings };
  }
}

const outcomes: string[] = [];

/** Asserts the engine and helm agree on `c`; returns helm's result. */
async function expectSameAsHelm(name: string, c: Case): Promise<HelmResult> {
  const expected = runHelm(c);
  const actual = await runWasm(c);
  outcomes.push(
    `${expected.ok ? "ok   " : "error"} ${name}${expected.ok ? "" : `: ${expected.error.split("\n")[0] ?? ""}`}`,
  );
  expect(actual).toEqual(expected);
  return expected;
}

beforeAll(async () => {
  helm = binaryPaths().helm;
  if (!existsSync(helm)) {
    const script = join(repoRoot, "packages", "testenv", "scripts", "build-binaries.sh");
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", [script, "helm"], { stdio: ["ignore", "inherit", "inherit"] });
      child.on("error", reject);
      child.on("exit", (code) => {
        if (code === 0) resolve();
        else reject(new Error(`${script} helm failed (exit ${String(code)})`));
      });
    });
  }

  // Cold start: build-or-reuse (not timed), then load + first render.
  const start = performance.now();
  const info = await helmEngineInfo();
  const loaded = performance.now();
  await renderChart({ chartDir: smiChart, releaseName: "linkerd-smi", namespace: "linkerd-smi" });
  const firstRender = performance.now() - loaded;
  const t = performance.now();
  await renderChart({ chartDir: smiChart, releaseName: "linkerd-smi", namespace: "linkerd-smi" });
  const warmRender = performance.now() - t;
  const meta = JSON.parse(readFileSync(join(info.dir, engineFiles.metadata), "utf8")) as {
    wasmBytes: number;
    brotliBytes: number;
    brotliQuality: number;
  };
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(
    [
      `helm engine ${info.helmVersion} (default kube ${info.kubeVersion}) from ${info.dir}`,
      `  wasm ${mb(meta.wasmBytes)}, shipped brotli -q${String(meta.brotliQuality)} ${mb(meta.brotliBytes)}`,
      `  cold start: load ${ms(info.loadMs)} (read ${ms(info.timings.readMs)}, brotli ${ms(info.timings.inflateMs)}, ` +
        `compile ${ms(info.timings.compileMs)}, Go start ${ms(info.timings.startMs)}), then first render ${ms(firstRender)}`,
      `  warm render ${ms(warmRender)}; first call incl. build check ${ms(loaded - start)}`,
    ].join("\n"),
  );
}, 900_000);

afterAll(() => {
  console.log(`helm template cases (helm outcome):\n  ${outcomes.join("\n  ")}`);
  if (process.env.LINKERD_SMI_KEEP_TEST_DIR) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------

describe("charts/linkerd-smi", () => {
  const base: Case = { chartDir: smiChart, releaseName: "linkerd-smi", namespace: "linkerd-smi" };
  const ciDir = join(smiChart, "ci");
  const ciFiles = existsSync(ciDir)
    ? readdirSync(ciDir)
        .filter((f) => f.endsWith("-values.yaml"))
        .sort()
        .map((f) => join(ciDir, f))
    : [];
  const defaults = (parse(readFileSync(join(smiChart, "values.yaml"), "utf8")) ?? {}) as Record<
    string,
    unknown
  >;
  const leaves = valueLeaves(defaults);

  it("renders the default values", async () => {
    const res = await expectSameAsHelm("smi: default", base);
    expect(res.ok).toBe(true);
  });

  it.each(ciFiles.map((f) => [f.slice(ciDir.length + 1), f]))("renders ci/%s", async (_, f) => {
    const res = await expectSameAsHelm(`smi: -f ci/${_}`, { ...base, valueFiles: [f] });
    expect(res.ok).toBe(true);
  });

  it("renders another release name and namespace", async () => {
    const res = await expectSameAsHelm("smi: release other, namespace other", {
      ...base,
      releaseName: "other-smi",
      namespace: "other",
    });
    expect(res.ok).toBe(true);
  });

  it("merges several -f files in order", async () => {
    const a = join(work, "smi-a.yaml");
    const b = join(work, "smi-b.yaml");
    // Every leaf of values.yaml, as-is in a, then booleans flipped in b.
    writeFileSync(a, toYamlLines(leaves.map((l) => [l.path, l.value])));
    const flipped = leaves.filter((l) => typeof l.value === "boolean");
    writeFileSync(b, toYamlLines(flipped.map((l) => [l.path, !(l.value as boolean)])));
    await expectSameAsHelm("smi: -f a -f b", { ...base, valueFiles: [a, b] });
    await expectSameAsHelm("smi: -f b -f a", { ...base, valueFiles: [b, a] });
    const files = [...ciFiles, a].slice(-3);
    await expectSameAsHelm("smi: -f ci files + a", { ...base, valueFiles: files });
    await expectSameAsHelm("smi: -f reversed", { ...base, valueFiles: [...files].reverse() });
  });

  it("applies --set, --set-string, --set-json and --set-literal on the chart's values", async () => {
    const key = (path: string[]) => path.map((p) => p.replace(/[.,=\\]/g, "\\$&")).join(".");
    for (const l of leaves) {
      const k = key(l.path);
      if (typeof l.value === "boolean") {
        await expectSameAsHelm(`smi: --set ${k}=${String(!l.value)}`, {
          ...base,
          set: [`${k}=${String(!l.value)}`],
        });
      } else if (typeof l.value === "number") {
        await expectSameAsHelm(`smi: --set ${k}=${String(l.value + 1)}`, {
          ...base,
          set: [`${k}=${String(l.value + 1)}`],
        });
      } else if (typeof l.value === "string") {
        await expectSameAsHelm(`smi: --set-string ${k}`, {
          ...base,
          setString: [`${k}=${l.value}`],
        });
        await expectSameAsHelm(`smi: --set-literal ${k}`, {
          ...base,
          setLiteral: [`${k}=${l.value}`],
        });
      } else {
        await expectSameAsHelm(`smi: --set-json ${k}`, {
          ...base,
          setJson: [`${k}=${JSON.stringify(l.value)}`],
        });
      }
    }
    // Maps that are empty by default take free-form keys (annotations, labels...).
    for (const l of leaves.filter((l) => isEmptyMap(l.value))) {
      const k = key(l.path);
      const file = join(work, "set-file.txt");
      writeFileSync(file, "line one\n  \"quoted\", 'single'\nlast: line\n");
      await expectSameAsHelm(`smi: --set ${k} with escaped keys and commas`, {
        ...base,
        set: [`${k}.example\\.com/a=x\\,y`],
      });
      await expectSameAsHelm(`smi: --set-file ${k}`, {
        ...base,
        setFile: [`${k}.note=${file}`],
      });
    }
  });

  it("shows only each template with --show-only", async () => {
    const all = runHelm(base);
    const sources = [
      ...new Set([...all.stdout.matchAll(/^# Source: [^/]+\/(.+)$/gm)].map((m) => m[1])),
    ];
    expect(sources.length).toBeGreaterThan(0);
    if (existsSync(join(smiChart, "templates", "trafficsplit-crd.yaml"))) {
      await expectSameAsHelm("smi: --show-only templates/trafficsplit-crd.yaml", {
        ...base,
        showOnly: ["templates/trafficsplit-crd.yaml"],
      });
    }
    for (const s of sources) {
      await expectSameAsHelm(`smi: --show-only ${String(s)}`, { ...base, showOnly: [String(s)] });
    }
    await expectSameAsHelm("smi: --show-only two, reversed", {
      ...base,
      showOnly: sources.slice(0, 2).reverse().map(String),
    });
    await expectSameAsHelm("smi: --show-only glob", { ...base, showOnly: ["templates/*"] });
    const res = await expectSameAsHelm("smi: --show-only missing", {
      ...base,
      showOnly: ["templates/missing.yaml"],
    });
    expect(res.ok).toBe(false);
  });

  it("fails as helm does", async () => {
    const firstBool = leaves.find((l) => typeof l.value === "boolean");
    if (firstBool) {
      await expectSameAsHelm("smi: --set <bool>=notabool", {
        ...base,
        set: [`${firstBool.path.join(".")}=notabool`],
      });
    }
    const bad = join(work, "bad.yaml");
    writeFileSync(bad, "adaptor: [unclosed\n");
    expect(
      (await expectSameAsHelm("smi: -f invalid yaml", { ...base, valueFiles: [bad] })).ok,
    ).toBe(false);
    const res = await expectSameAsHelm("smi: -f missing", {
      ...base,
      valueFiles: [join(work, "missing.yaml")],
    });
    expect(res.ok).toBe(false);
    await expectSameAsHelm("smi: unknown value", { ...base, set: ["noSuchValue=1"] });
    await expectSameAsHelm("smi: old kube", { ...base, kubeVersion: "1.20.0" });
    await expectSameAsHelm("smi: bad release name", { ...base, releaseName: "Not_Valid" });
    await expectSameAsHelm("smi: bad --set", { ...base, set: ["a.=b"] });
  });

  it("ships the chart files Helm loads (scripts/copy-chart.ts)", async () => {
    const dest = join(work, "dist-chart");
    const script = join(cliDir, "scripts", "copy-chart.ts");
    const res = spawnSync(process.execPath, ["--import", "tsx", script, dest], {
      cwd: cliDir,
      encoding: "utf8",
    });
    expect(res.status, res.stderr).toBe(0);
    expect(await loadChartFiles(dest)).toEqual(await loadChartFiles(smiChart));
    expect(await renderChart({ ...base, chartDir: dest, valueFiles: ciFiles.slice(0, 1) })).toEqual(
      runHelm({ ...base, valueFiles: ciFiles.slice(0, 1) }).stdout,
    );
  });
});

// ---------------------------------------------------------------------------

describe("fixture chart", () => {
  const chart = join(work, "fixture");
  const base: Case = { chartDir: chart, releaseName: "fixture", namespace: "ns" };

  beforeAll(() => writeFixtureChart(chart));

  it("renders values, release, capabilities, files, subcharts, hooks, in install order", async () => {
    const res = await expectSameAsHelm("fixture: default", base);
    expect(res.ok).toBe(true);
    expect(res.stdout).toContain("kubeVersion: v1.");
    await expectSameAsHelm("fixture: --is-upgrade --skip-tests", {
      ...base,
      isUpgrade: true,
      skipTests: true,
    });
    await expectSameAsHelm("fixture: --include-crds", { ...base, includeCrds: true });
    await expectSameAsHelm("fixture: --kube-version 1.31.2", { ...base, kubeVersion: "1.31.2" });
    await expectSameAsHelm("fixture: --api-versions", {
      ...base,
      apiVersions: ["example.com/v1", "example.com/v1/Widget"],
    });
  });

  it("loads the files Helm loads", async () => {
    const warnings: string[] = [];
    const names = (await loadChartFiles(chart, (w) => warnings.push(w))).map((f) => f.name);
    expect(warnings.join("\n")).toContain("found symbolic link in path");
    expect(names).toContain("templates/cm.yaml");
    expect(names).not.toContain("ignored.txt");
    expect(names).not.toContain("templates/.hidden.yaml");
    expect(names).not.toContain("ignored-dir/file.txt");
  });

  it("parses --set like helm", async () => {
    const sets = [
      "num=42",
      "float=1.5",
      "big=12345678901234567890",
      "bool=true",
      "str=hello",
      "null=null",
      "list={a,b,c}",
      "nested.a.b=c",
      "nested.list[1]=x",
      "escaped=a\\,b",
      "dotted\\.key=v",
      "a=1,b=2",
      "empty=",
      "zero=0",
      "octal=0777",
      "exp=1e3",
      // Helm 4 ignores an unclosed index (Helm 3 failed: "error parsing index: EOF").
      "unclosed[=x",
    ];
    for (const s of sets) await expectSameAsHelm(`fixture: --set ${s}`, { ...base, set: [s] });
    await expectSameAsHelm("fixture: --set all", { ...base, set: sets });
    await expectSameAsHelm("fixture: --set-string", {
      ...base,
      setString: ["str2=42", "bool=true", "list={a,b}", "nested.a=1"],
    });
    await expectSameAsHelm("fixture: --set-json", {
      ...base,
      setJson: ['obj={"a":[1,2,{"b":null}],"c":"d"}', "n=1.25", 'list=["x"]'],
    });
    await expectSameAsHelm("fixture: --set-literal", {
      ...base,
      setLiteral: ["lit={a,b},c=d\\e", "nested.x=1"],
    });
    const file = join(work, "content.txt");
    writeFileSync(file, "first line\n  \"double\" and 'single' quotes\n{{ not a template }}\n");
    await expectSameAsHelm("fixture: --set-file", {
      ...base,
      setFile: [`fromFile=${file}`, `nested.fromFile=${file}`],
    });
    await expectSameAsHelm("fixture: precedence -f < json < set < string < file < literal", {
      ...base,
      valueFiles: [writeValues("prec.yaml", "str: from-file\n")],
      setJson: ['str="from-json"'],
      set: ["str=from-set"],
      setString: ["str=from-string"],
      setFile: [`str=${file}`],
      setLiteral: ["str=from-literal"],
    });
  });

  it("merges -f files in order, with coalescing warnings", async () => {
    const a = writeValues("a.yaml", "nested:\n  a: {b: 1, c: 2}\nlist: [1, 2]\nstr: a\n");
    const b = writeValues("b.yaml", "nested:\n  a: {c: 3, d: 4}\nlist: [3]\nnum: null\n");
    await expectSameAsHelm("fixture: -f a -f b", { ...base, valueFiles: [a, b] });
    await expectSameAsHelm("fixture: -f b -f a", { ...base, valueFiles: [b, a] });
    const table = writeValues("table.yaml", "str: {a: 1}\n");
    const res = await expectSameAsHelm("fixture: table over a scalar (warning)", {
      ...base,
      valueFiles: [table],
    });
    expect(res.warnings.join("\n")).toContain("warning");
  });

  it("shows only the selected templates", async () => {
    for (const showOnly of [
      ["templates/cm.yaml"],
      ["templates/multi.yaml"],
      ["templates/hooks.yaml"],
      ["charts/sub/templates/sub.yaml"],
      ["templates/*.yaml"],
      ["templates/multi.yaml", "templates/cm.yaml"],
    ]) {
      await expectSameAsHelm(`fixture: --show-only ${showOnly.join(" ")}`, { ...base, showOnly });
    }
  });

  it("fails as helm does", async () => {
    const cases: [string, Partial<Case>][] = [
      ["fail", { set: ["doFail=true"] }],
      ["required", { set: ["requireIt=true"] }],
      ["invalid yaml output", { set: ["badYaml=true"] }],
      ["schema", { set: ["num=notanumber"] }],
      ["kubeVersion", { kubeVersion: "1.20.0" }],
      ["bad --kube-version", { kubeVersion: "not-a-version" }],
      ["bad --set", { set: ["a[x]=b"] }],
      ["bad --set index", { set: ["a[-1]=b"] }],
      ["bad --set-json", { setJson: ["a={"] }],
      ["bad --set-string", { setString: ["a.=x"] }],
      ["bad --set-literal", { setLiteral: ["nokey"] }],
      ["missing --set-file", { setFile: [`x=${join(work, "missing.txt")}`] }],
      ["missing -f", { valueFiles: ["relative/missing.yaml"] }],
      ["-f directory", { valueFiles: [work] }],
      ["release name too long", { releaseName: "x".repeat(54) }],
    ];
    for (const [name, c] of cases) {
      const res = await expectSameAsHelm(`fixture: error: ${name}`, { ...base, ...c });
      expect(res.ok, name).toBe(false);
    }
    await expectSameAsHelm("fixture: error: missing chart", {
      ...base,
      chartDir: join(work, "no-chart"),
    });
  });

  function writeValues(name: string, content: string): string {
    const f = join(work, name);
    writeFileSync(f, content);
    return f;
  }
});

// ---------------------------------------------------------------------------

interface Leaf {
  path: string[];
  value: unknown;
}

/** The leaves of a values tree: scalars, lists and empty maps. */
function valueLeaves(v: Record<string, unknown>, path: string[] = []): Leaf[] {
  return Object.entries(v).flatMap(([k, child]) =>
    child !== null && typeof child === "object" && !Array.isArray(child) && !isEmptyMap(child)
      ? valueLeaves(child as Record<string, unknown>, [...path, k])
      : [{ path: [...path, k], value: child }],
  );
}

function isEmptyMap(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** A YAML document setting each path (as nested maps) to its value. */
function toYamlLines(entries: [string[], unknown][]): string {
  const root: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    let node = root;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1] ?? ""] = value;
  }
  return JSON.stringify(root, null, 2) + "\n"; // JSON is YAML
}

function write(root: string, name: string, content: string | Buffer): void {
  mkdirSync(dirname(join(root, name)), { recursive: true });
  writeFileSync(join(root, name), content);
}

/** A chart that exercises the parts of Helm `helm template` goes through. */
function writeFixtureChart(root: string): void {
  rmSync(root, { recursive: true, force: true });
  write(
    root,
    "Chart.yaml",
    [
      "apiVersion: v2",
      "name: fixture",
      "version: 1.2.3+build.4",
      "appVersion: '9.9'",
      'kubeVersion: ">=1.29.0-0"',
      "dependencies:",
      "  - name: sub",
      "    version: 0.1.0",
      "",
    ].join("\n"),
  );
  write(
    root,
    "values.yaml",
    [
      "num: 1",
      "str: default",
      "bool: false",
      "list: [x]",
      "nested:",
      "  a: {b: 0}",
      "  list: [p, q]",
      "global:",
      "  g: from-parent",
      "sub:",
      "  fromParent: yes",
      "doFail: false",
      "requireIt: false",
      "badYaml: false",
      "",
    ].join("\n"),
  );
  write(
    root,
    "values.schema.json",
    JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { num: { type: ["number", "null"] } },
    }),
  );
  write(root, ".helmignore", "ignored.txt\nignored-dir/\n# comment\n*.bak\n");
  write(root, "ignored.txt", "should not be loaded");
  write(root, "ignored-dir/file.txt", "should not be loaded");
  write(root, "kept.bak", "ignored by pattern");
  write(root, "files/data.txt", "data file\nwith two lines\n");
  write(
    root,
    "files/bom.txt",
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("bom")]),
  );
  write(
    root,
    "crds/widget.yaml",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
  );
  write(root, "templates/NOTES.txt", "Thanks for installing {{ .Release.Name }}.\n");
  write(root, "templates/.hidden.yaml", "this: is ignored by default\n");
  write(
    root,
    "templates/_helpers.tpl",
    '{{- define "fixture.labels" -}}\napp: {{ .Chart.Name }}\nrelease: {{ .Release.Name | quote }}\n{{- end -}}\n',
  );
  write(
    root,
    "templates/cm.yaml",
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: {{ .Release.Name }}-values",
      "  namespace: {{ .Release.Namespace }}",
      '  labels: {{- include "fixture.labels" . | nindent 4 }}',
      "data:",
      "  values: |-",
      "    {{- toYaml .Values | nindent 4 }}",
      "  release: {{ toJson .Release | quote }}",
      '  chart: {{ printf "%s %s %s" .Chart.Name .Chart.Version .Chart.AppVersion | quote }}',
      "  kubeVersion: {{ .Capabilities.KubeVersion.Version }}",
      "  kubeMinor: {{ .Capabilities.KubeVersion.Minor | quote }}",
      "  helmVersion: {{ .Capabilities.HelmVersion.Version }}",
      "  treeState: {{ .Capabilities.HelmVersion.GitTreeState | quote }}",
      '  hasApps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}',
      '  hasWidget: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}',
      '  semver: {{ semverCompare ">=1.30.0" .Capabilities.KubeVersion.Version | quote }}',
      '  file: {{ .Files.Get "files/data.txt" | quote }}',
      '  bom: {{ .Files.Get "files/bom.txt" | quote }}',
      '  ignored: {{ .Files.Get "ignored.txt" | quote }}',
      '  glob: {{ (.Files.Glob "files/*").AsConfig | quote }}',
      '  lookup: {{ lookup "v1" "Namespace" "" "default" | toJson | quote }}',
      '  tpl: {{ tpl "{{ .Values.str }}-{{ .Release.Namespace }}" . | quote }}',
      "  isInstall: {{ .Release.IsInstall | quote }}",
      "  template: {{ .Template.Name | quote }}",
      '{{- if .Values.doFail }}{{ fail "asked to fail" }}{{ end }}',
      '{{- if .Values.requireIt }}{{ required "missing.value is required" .Values.missing }}{{ end }}',
      "",
    ].join("\n"),
  );
  write(
    root,
    "templates/multi.yaml",
    [
      "# a comment before the first document",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: d}",
      "---",
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: {name: {{ .Release.Namespace }}}",
      "---",
      "",
      "---",
      "apiVersion: v1",
      "kind: ServiceAccount",
      "metadata: {name: sa}",
      "{{- if .Values.badYaml }}",
      "---",
      "kind: [unclosed",
      "{{- end }}",
      "",
    ].join("\n"),
  );
  write(root, "templates/empty.yaml", "{{- /* renders nothing */ -}}\n\n");
  write(
    root,
    "templates/hooks.yaml",
    [
      "apiVersion: batch/v1",
      "kind: Job",
      "metadata:",
      "  name: pre",
      "  annotations: {helm.sh/hook: pre-install, helm.sh/hook-weight: '5'}",
      "---",
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  name: test",
      "  annotations: {helm.sh/hook: test}",
      "",
    ].join("\n"),
  );
  write(root, "real/linked.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: linked}\n");
  symlinkSync(join(root, "real", "linked.yaml"), join(root, "templates", "linked.yaml"));
  write(root, "charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
  write(root, "charts/sub/values.yaml", "fromParent: no\nown: sub-default\n");
  write(
    root,
    "charts/sub/templates/sub.yaml",
    "apiVersion: v1\nkind: Secret\nmetadata: {name: sub}\nstringData:\n  values: {{ toJson .Values | quote }}\n",
  );
}
