// Wall time and max RSS of the linkerd-smi single executable
// (scripts/build-binaries.ts), run as a user runs it: copied into an empty
// temporary directory (no node_modules anywhere above it) with a fresh HOME.
//
//   tsx scripts/bench-binary.ts [--binary PATH] [--runs N] [--compare] [--json]
//   tsx scripts/bench-binary.ts --targets [--reference-cli PATH] [--binary PATH] [--runs N] [--compare] [--json]
//
// Without --binary it builds this machine's executable first (into a
// temporary directory; build-binaries.ts caches it).
//
// Default: `version --client` and `install --skip-checks`, once with an empty
// cache (the first `install` extracts the chart into
// ~/.cache/linkerd-smi/cli/<version>/), then N times more (default 5), of
// which the median is reported.
//
// --targets (what `pnpm --filter @linkerd-smi/cli bench:binary` runs): every
// command of the CLI's startup targets, N times each (default 3), after one
// warm-up run; the median wall time and the highest max RSS, each against its
// target. The commands that talk to a cluster run against a real
// kube-apiserver (testenv) that this script starts, with one TrafficSplit in
// it. --reference-cli PATH runs the same commands with another executable
// (linkerd-smi v0.2.7's Go CLI, built from its public source) where it has
// them, and prints its figures beside ours.
//
// --compare also times the npm package (`node dist/bin/linkerd-smi.js`) on
// the Node running this script.
//
// Max RSS comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`);
// without it the RSS columns are empty (and --targets refuses to run).
//
// The copy of each executable is written in 64 KiB chunks, as a download
// (install.sh's curl) writes it. Linux keeps a file written with one large
// write (fs.copyFileSync, postject's writeFileSync) in large page-cache
// folios, and every page of a folio counts in the RSS of a process that maps
// it: the same bytes measure about 20 MiB more (a bare Node binary measured
// 42 MiB written by `cat`, 61-76 MiB written by postject or `--build-sea`).
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readPackageJson } from "@linkerd-smi/build-support";
import { stringify } from "yaml";
import { executableName, hostPlatform } from "../src/executables.js";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = readPackageJson(cliDir);
const host = hostPlatform();
const exeName = `linkerd-smi${process.platform === "win32" ? ".exe" : ""}`;
const GNU_TIME = "/usr/bin/time";

const { values } = parseArgs({
  options: {
    binary: { type: "string" },
    runs: { type: "string" },
    compare: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    targets: { type: "boolean", default: false },
    "reference-cli": { type: "string" },
  },
});
const runs = Number(values.runs ?? (values.targets ? "3" : "5"));
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(
    `bench-binary: --runs ${values.runs ?? ""}: use a whole number of at least 1\n`,
  );
  process.exit(2);
}
if (values["reference-cli"] !== undefined && !values.targets) {
  process.stderr.write("bench-binary: --reference-cli needs --targets\n");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "linkerd-smi-bench-"));

const MiB = 1024 * 1024;

/** What a command is held to: median wall seconds and max RSS MiB. */
interface Target {
  seconds: number;
  mib: number;
}
interface Command {
  args: string[];
  target?: Target;
  /** The same command for the reference CLI, or null where it has none. */
  reference?: string[] | null;
}
interface TargetCommand extends Command {
  target: Target;
  reference: string[] | null;
}
interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
}
interface Sample {
  ms: number;
  rssKiB: number | null;
  cpuS: number | null;
  code: number | null;
}
interface Timing {
  args: string[];
  exitCode: number | null;
  firstMs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  maxRssMiB: number | null;
  medianCpuS: number | null;
}
type Timings = Record<string, Timing>;
interface Report {
  binary: string;
  platform: string;
  version: string;
  sizeBytes: number;
  runs: number;
  mode: "targets" | "cold-start";
  kubeApiserver?: string;
  executable: Timings;
  targets?: Record<string, Target & { wallMet: boolean; rssMet: boolean }>;
  /** The reference CLI's timings, and its `path`. */
  reference?: { path: string } & Record<string, Timing | string>;
  /** The npm package's timings, and the `node` that ran it. */
  npmPackage?: { node: string } & Record<string, Timing | string>;
}

/** The timings of `name` in a report's section, if it has any. */
const timingOf = (section: Record<string, Timing | string>, name: string): Timing | undefined => {
  const t = section[name];
  return typeof t === "object" ? t : undefined;
};

/** The default (cold-start) commands. */
const COLD_START: Record<string, Command> = {
  "version --client": { args: ["version", "--client"] },
  "install --skip-checks": { args: ["install", "--skip-checks"] },
};

/**
 * The startup targets of the executable (issue 14): wall seconds and max RSS
 * MiB. `reference` is the same command for linkerd-smi v0.2.7's Go CLI, or
 * null where it has none.
 */
function targetCommands(splitFile: string): Record<string, TargetCommand> {
  const fast = { seconds: 0.15, mib: 64 };
  return {
    "--help": { args: ["--help"], target: fast, reference: ["--help"] },
    // The Go CLI's version has no --client: it also asks the cluster.
    "version --client": { args: ["version", "--client"], target: fast, reference: ["version"] },
    validate: { args: ["validate", "-f", splitFile], target: fast, reference: null },
    "status -A": { args: ["status", "-A"], target: fast, reference: null },
    // The extension is not installed: the first check fails, nothing is retried.
    check: { args: ["check", "--wait", "1s"], target: fast, reference: ["check", "--wait", "1s"] },
    // The render alone: both CLIs would otherwise check Linkerd's control plane first.
    "install --skip-checks": {
      args: ["install", "--skip-checks"],
      target: { seconds: 0.5, mib: 160 },
      reference: ["install", "--skip-checks"],
    },
  };
}

const hasGnuTime = (() => {
  try {
    return execFileSync(GNU_TIME, ["--version"], { encoding: "utf8", stdio: "pipe" }).includes(
      "GNU",
    );
  } catch {
    return false;
  }
})();

/**
 * One run: milliseconds from spawn to exit, max RSS (KiB) and CPU seconds
 * (user + system; null without GNU time), exit code.
 */
function runOnce(file: string, args: string[], { env, cwd }: RunOptions): Promise<Sample> {
  return new Promise((resolvePromise, reject) => {
    const rssFile = join(work, "rss");
    const [cmd, argv]: [string, string[]] = hasGnuTime
      ? [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, file, ...args]]
      : [file, args];
    const start = performance.now();
    const child = spawn(cmd, argv, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - start;
      let rssKiB: number | null = null;
      let cpuS: number | null = null;
      if (hasGnuTime) {
        const text = readFileSync(rssFile, "utf8").trim().split("\n").at(-1) ?? "";
        const [rss = NaN, user = NaN, sys = NaN] = text.split(" ").map(Number);
        rssKiB = rss;
        cpuS = user + sys;
        if (!Number.isFinite(rssKiB) || !Number.isFinite(cpuS)) {
          reject(new Error(`${file} ${args.join(" ")}: GNU time printed ${JSON.stringify(text)}`));
          return;
        }
      }
      if (code !== 0 && code !== 1) {
        reject(
          new Error(`${file} ${args.join(" ")} exited ${String(code)}:\n${stderr.slice(0, 2000)}`),
        );
        return;
      }
      resolvePromise({ ms, rssKiB, cpuS, code });
    });
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const at = (i: number): number => s[i] ?? NaN;
  return s.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
};

/** A first run (empty cache, or warm-up), then `runs` more. */
async function measure(
  file: string,
  prefixArgs: string[],
  commands: Record<string, Command>,
  options: RunOptions,
  pick: (c: Command) => string[] | null | undefined = (c) => c.args,
): Promise<Timings> {
  const result: Timings = {};
  for (const [name, command] of Object.entries(commands)) {
    const args = pick(command);
    if (args === null || args === undefined) continue;
    const first = await runOnce(file, [...prefixArgs, ...args], options);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++)
      samples.push(await runOnce(file, [...prefixArgs, ...args], options));
    const ms = samples.map((s) => s.ms);
    const rss = samples.map((s) => s.rssKiB).filter((r) => r !== null);
    const cpu = samples.map((s) => s.cpuS).filter((c) => c !== null);
    result[name] = {
      args,
      exitCode: samples.at(-1)?.code ?? first.code,
      firstMs: Math.round(first.ms),
      medianMs: Math.round(median(ms)),
      minMs: Math.round(Math.min(...ms)),
      maxMs: Math.round(Math.max(...ms)),
      maxRssMiB: rss.length === 0 ? null : Math.round((Math.max(...rss) / 1024) * 10) / 10,
      medianCpuS: cpu.length === 0 ? null : Math.round(median(cpu) * 100) / 100,
    };
  }
  return result;
}

/** Copies `from` to `to` in 64 KiB writes, as a download writes it (see the top of this file). */
function downloadCopy(from: string, to: string): void {
  const input = openSync(from, "r");
  const output = openSync(to, "w", 0o755);
  const buf = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const n = readSync(input, buf, 0, buf.length, null);
      if (n === 0) break;
      writeSync(output, buf, 0, n);
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
  chmodSync(to, 0o755);
}

/** The TrafficSplit that `validate` reads from a file and the cluster commands find. */
const SPLIT = {
  apiVersion: "split.smi-spec.io/v1alpha2",
  kind: "TrafficSplit",
  metadata: { name: "web-split", namespace: "bench" },
  spec: {
    service: "web",
    backends: [
      { service: "web-v1", weight: 900 },
      { service: "web-v2", weight: 100 },
    ],
  },
};

/** A control plane with one TrafficSplit; returns its kubeconfig and a stop function. */
async function startCluster(): Promise<{
  kubeconfig: string;
  server: string;
  stop: () => Promise<void>;
}> {
  const { startEnvironment, applyManifest } = await import("@linkerd-smi/testenv");
  const env = await startEnvironment({ log: () => undefined });
  try {
    const admin = env.plane.admin();
    await applyManifest(admin, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } },
    ]);
    await applyManifest(admin, [SPLIT]);
  } catch (error) {
    await env.plane.stop();
    throw error;
  }
  return { kubeconfig: env.kubeconfig, server: env.version, stop: () => env.plane.stop() };
}

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
try {
  if (values.targets && !hasGnuTime) {
    throw new Error(
      `--targets needs GNU time at ${GNU_TIME} for max RSS (Debian/Ubuntu: apt-get install time)`,
    );
  }
  let binary = values.binary;
  if (binary === undefined) {
    if (host === undefined)
      throw new Error(
        `bench-binary: no executable is built for ${process.platform}-${process.arch}`,
      );
    const out = join(work, "release");
    const script = join(cliDir, "scripts", "build-binaries.ts");
    execFileSync(process.execPath, ["--import", "tsx", script, "--platform", host, "--out", out], {
      cwd: cliDir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    binary = join(out, executableName(version, host));
  }
  if (!existsSync(binary)) throw new Error(`bench-binary: no ${binary}`);
  const dir = mkdtempSync(join(work, "bin-"));
  const exe = join(dir, exeName);
  downloadCopy(binary, exe);
  const home = mkdtempSync(join(work, "home-"));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: home, USERPROFILE: home };

  let commands: Record<string, Command> = COLD_START;
  let targets: Record<string, TargetCommand> | undefined;
  if (values.targets) {
    const splitFile = join(work, "split.yaml");
    writeFileSync(splitFile, stringify(SPLIT));
    commands = targets = targetCommands(splitFile);
    cluster = await startCluster();
    env.KUBECONFIG = cluster.kubeconfig;
  }
  const report: Report = {
    binary,
    platform: host ?? `${process.platform}-${process.arch}`,
    version,
    sizeBytes: statSync(exe).size,
    runs,
    mode: values.targets ? "targets" : "cold-start",
    ...(cluster === undefined ? {} : { kubeApiserver: cluster.server }),
    executable: await measure(exe, [], commands, { env, cwd: work }),
  };
  if (targets !== undefined) {
    const { executable } = report;
    report.targets = Object.fromEntries(
      Object.entries(targets).map(([name, c]) => {
        const r = executable[name];
        return [
          name,
          {
            seconds: c.target.seconds,
            mib: c.target.mib,
            wallMet: r !== undefined && r.medianMs / 1000 <= c.target.seconds,
            rssMet: r !== undefined && r.maxRssMiB !== null && r.maxRssMiB <= c.target.mib,
          },
        ];
      }),
    );
  }
  const reference = values["reference-cli"];
  if (reference !== undefined) {
    if (!existsSync(reference)) throw new Error(`--reference-cli ${reference} does not exist`);
    const refExe = join(mkdtempSync(join(work, "ref-")), "linkerd-smi");
    downloadCopy(reference, refExe);
    report.reference = {
      path: reference,
      ...(await measure(
        refExe,
        [],
        commands,
        { env: { ...env, HOME: mkdtempSync(join(work, "home-")) }, cwd: work },
        (c) => c.reference,
      )),
    };
  }
  if (values.compare) {
    const bin = join(cliDir, "dist", "bin", "linkerd-smi.js");
    report.npmPackage = {
      node: process.version,
      ...(await measure(process.execPath, [bin], commands, {
        env: { ...env, HOME: mkdtempSync(join(work, "home-")) },
        cwd: work,
      })),
    };
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(values.targets ? formatTargets(report) : format(report));
  }
} finally {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function rssText(t: Timing): string {
  return t.maxRssMiB === null ? "-" : t.maxRssMiB.toFixed(1);
}

function format(report: Report): string {
  const rows = (timings: Record<string, Timing | string>): string =>
    Object.keys(timings)
      .flatMap((name) => {
        const t = timingOf(timings, name);
        return t === undefined ? [] : [[name, t] as const];
      })
      .map(
        ([name, t]) =>
          `  ${name.padEnd(24)}${`${t.firstMs} ms`.padStart(10)}${`${t.medianMs} ms`.padStart(14)}   (${t.minMs}-${t.maxMs})${`${rssText(t)} MiB`.padStart(12)}\n`,
      )
      .join("");
  const header = `  ${"".padEnd(24)}${"first run".padStart(10)}${`median of ${report.runs}`.padStart(14)}   (min-max)${"max RSS".padStart(12)}\n`;
  let text =
    `linkerd-smi ${report.version} single executable for ${report.platform}: ` +
    `${(report.sizeBytes / MiB).toFixed(1)} MiB\n` +
    header +
    rows(report.executable) +
    "  (the first install also extracts the chart into the cache)\n";
  if (report.npmPackage !== undefined) {
    text += `\nnpm package, node ${report.npmPackage.node} dist/bin/linkerd-smi.js:\n${header}${rows(report.npmPackage)}`;
  }
  return text;
}

function formatTargets(report: Report): string {
  const ref = report.reference;
  const npm = report.npmPackage;
  const targets = report.targets ?? {};
  const cpuText = (t: Timing): string => (t.medianCpuS === null ? "-" : t.medianCpuS.toFixed(2));
  const cols: [string, number][] = [
    ["command", 23],
    ["wall s", 8],
    ["target", 8],
    ["", 5],
    ["RSS MiB", 9],
    ["target", 7],
    ["", 5],
    ["CPU s", 7],
  ];
  if (ref !== undefined) cols.push(["Go wall", 9], ["Go RSS", 8], ["Go CPU", 8]);
  if (npm !== undefined) cols.push(["npm wall", 10], ["npm RSS", 9]);
  const line = (cells: string[]): string =>
    `${cells.map((c, i) => (i === 0 ? c.padEnd(cols[i]?.[1] ?? 0) : c.padStart(cols[i]?.[1] ?? 0))).join("")}\n`;
  let text =
    `linkerd-smi ${report.version} single executable for ${report.platform} ` +
    `(${(report.sizeBytes / MiB).toFixed(1)} MiB): wall and CPU (user + system) seconds are the median ` +
    `of ${report.runs} runs after a warm-up, RSS the highest max RSS; cluster commands ` +
    `against kube-apiserver ${report.kubeApiserver ?? ""}\n` +
    line(cols.map(([h]) => h));
  for (const [name, t] of Object.entries(report.executable)) {
    const target = targets[name];
    if (target === undefined) continue;
    const cells = [
      name,
      seconds(t.medianMs),
      `<=${target.seconds.toFixed(2)}`,
      target.wallMet ? "ok" : "MISS",
      rssText(t),
      `<=${String(target.mib)}`,
      target.rssMet ? "ok" : "MISS",
      cpuText(t),
    ];
    if (ref !== undefined) {
      const r = timingOf(ref, name);
      cells.push(
        ...(r === undefined
          ? ["n/a", "n/a", "n/a"]
          : [seconds(r.medianMs), rssText(r), cpuText(r)]),
      );
    }
    if (npm !== undefined) {
      const n = timingOf(npm, name);
      cells.push(...(n === undefined ? ["n/a", "n/a"] : [seconds(n.medianMs), rssText(n)]));
    }
    text += line(cells);
  }
  const met = Object.values(targets).filter((t) => t.wallMet && t.rssMet).length;
  text += `${String(met)} of ${String(Object.keys(targets).length)} commands meet both targets\n`;
  if (ref !== undefined) {
    text += `Go: ${ref.path}; n/a = no such command; its \`version\` has no --client (it also asks the cluster)\n`;
  }
  return text;
}
