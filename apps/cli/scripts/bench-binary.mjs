// Wall time and max RSS of the linkerd-smi single executable
// (scripts/build-binaries.mjs), run as a user runs it: copied into an empty
// temporary directory (no node_modules anywhere above it) with a fresh HOME.
//
//   node scripts/bench-binary.mjs [--binary PATH] [--runs N] [--compare] [--json]
//   node scripts/bench-binary.mjs --targets [--reference-cli PATH] [--binary PATH] [--runs N] [--compare] [--json]
//
// Without --binary it builds this machine's executable first (into a
// temporary directory; build-binaries.mjs caches it).
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

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));
const os = process.platform === "win32" ? "windows" : process.platform;
const host = `${os}-${process.arch === "x64" ? "amd64" : process.arch}`;
const exeName = `linkerd-smi${os === "windows" ? ".exe" : ""}`;
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
  process.stderr.write(`bench-binary: --runs ${values.runs}: use a whole number of at least 1\n`);
  process.exit(2);
}
if (values["reference-cli"] !== undefined && !values.targets) {
  process.stderr.write("bench-binary: --reference-cli needs --targets\n");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "linkerd-smi-bench-"));

const MiB = 1024 * 1024;

/** The default (cold-start) commands. */
const COLD_START = {
  "version --client": { args: ["version", "--client"] },
  "install --skip-checks": { args: ["install", "--skip-checks"] },
};

/**
 * The startup targets of the executable (issue 14): wall seconds and max RSS
 * MiB. `reference` is the same command for linkerd-smi v0.2.7's Go CLI, or
 * null where it has none.
 */
function targetCommands(splitFile) {
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
function runOnce(file, args, { env, cwd }) {
  return new Promise((resolvePromise, reject) => {
    const rssFile = join(work, "rss");
    const [cmd, argv] = hasGnuTime
      ? [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, file, ...args]]
      : [file, args];
    const start = performance.now();
    const child = spawn(cmd, argv, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - start;
      let rssKiB = null;
      let cpuS = null;
      if (hasGnuTime) {
        const text = readFileSync(rssFile, "utf8").trim().split("\n").at(-1) ?? "";
        const [rss, user, sys] = text.split(" ").map(Number);
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** A first run (empty cache, or warm-up), then `runs` more. */
async function measure(file, prefixArgs, commands, options, pick = (c) => c.args) {
  const result = {};
  for (const [name, command] of Object.entries(commands)) {
    const args = pick(command);
    if (args === null) continue;
    const first = await runOnce(file, [...prefixArgs, ...args], options);
    const samples = [];
    for (let i = 0; i < runs; i++)
      samples.push(await runOnce(file, [...prefixArgs, ...args], options));
    const ms = samples.map((s) => s.ms);
    const rss = samples.map((s) => s.rssKiB).filter((r) => r !== null);
    const cpu = samples.map((s) => s.cpuS).filter((c) => c !== null);
    result[name] = {
      args,
      exitCode: samples.at(-1).code,
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
function downloadCopy(from, to) {
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

const SPLIT = `apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata:
  name: web-split
  namespace: bench
spec:
  service: web
  backends:
    - service: web-v1
      weight: 900
    - service: web-v2
      weight: 100
`;

/** A control plane with one TrafficSplit; returns its kubeconfig and a stop function. */
async function startCluster() {
  const { startEnvironment, applyManifest } = await import("@linkerd-smi/testenv");
  const env = await startEnvironment({ log: () => undefined });
  try {
    const admin = env.plane.admin();
    await applyManifest(admin, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } },
    ]);
    const split = {
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
    await applyManifest(admin, [split]);
  } catch (error) {
    await env.plane.stop();
    throw error;
  }
  return { kubeconfig: env.kubeconfig, server: env.version, stop: () => env.plane.stop() };
}

let cluster;
try {
  if (values.targets && !hasGnuTime) {
    throw new Error(
      `--targets needs GNU time at ${GNU_TIME} for max RSS (Debian/Ubuntu: apt-get install time)`,
    );
  }
  let binary = values.binary;
  if (binary === undefined) {
    const out = join(work, "release");
    const script = join(cliDir, "scripts", "build-binaries.mjs");
    execFileSync(process.execPath, [script, "--platform", host, "--out", out], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    binary = join(out, `linkerd-smi-${version}-${host}${os === "windows" ? ".exe" : ""}`);
  }
  if (!existsSync(binary)) throw new Error(`bench-binary: no ${binary}`);
  const dir = mkdtempSync(join(work, "bin-"));
  const exe = join(dir, exeName);
  downloadCopy(binary, exe);
  const home = mkdtempSync(join(work, "home-"));
  const env = { PATH: process.env.PATH ?? "", HOME: home, USERPROFILE: home };

  let commands = COLD_START;
  if (values.targets) {
    const splitFile = join(work, "split.yaml");
    writeFileSync(splitFile, SPLIT);
    commands = targetCommands(splitFile);
    cluster = await startCluster();
    env.KUBECONFIG = cluster.kubeconfig;
  }
  const report = {
    binary,
    platform: host,
    version,
    sizeBytes: statSync(exe).size,
    runs,
    mode: values.targets ? "targets" : "cold-start",
    ...(cluster === undefined ? {} : { kubeApiserver: cluster.server }),
    executable: await measure(exe, [], commands, { env, cwd: work }),
  };
  if (values.targets) {
    report.targets = Object.fromEntries(
      Object.entries(commands).map(([name, c]) => {
        const r = report.executable[name];
        return [
          name,
          {
            seconds: c.target.seconds,
            mib: c.target.mib,
            wallMet: r.medianMs / 1000 <= c.target.seconds,
            rssMet: r.maxRssMiB <= c.target.mib,
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

function seconds(ms) {
  return (ms / 1000).toFixed(2);
}

function rssText(t) {
  return t.maxRssMiB === null ? "-" : t.maxRssMiB.toFixed(1);
}

function format(report) {
  const rows = (timings) =>
    Object.entries(timings)
      .filter(([, t]) => typeof t === "object")
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

function formatTargets(report) {
  const ref = report.reference;
  const npm = report.npmPackage;
  const cpuText = (t) => (t.medianCpuS === null ? "-" : t.medianCpuS.toFixed(2));
  const cols = [
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
  const line = (cells) =>
    `${cells.map((c, i) => (i === 0 ? c.padEnd(cols[i][1]) : c.padStart(cols[i][1]))).join("")}\n`;
  let text =
    `linkerd-smi ${report.version} single executable for ${report.platform} ` +
    `(${(report.sizeBytes / MiB).toFixed(1)} MiB): wall and CPU (user + system) seconds are the median ` +
    `of ${report.runs} runs after a warm-up, RSS the highest max RSS; cluster commands ` +
    `against kube-apiserver ${report.kubeApiserver}\n` +
    line(cols.map(([h]) => h));
  for (const [name, t] of Object.entries(report.executable)) {
    const target = report.targets[name];
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
      const r = ref[name];
      cells.push(
        ...(r === undefined
          ? ["n/a", "n/a", "n/a"]
          : [seconds(r.medianMs), rssText(r), cpuText(r)]),
      );
    }
    if (npm !== undefined) {
      const n = npm[name];
      cells.push(seconds(n.medianMs), rssText(n));
    }
    text += line(cells);
  }
  const met = Object.values(report.targets).filter((t) => t.wallMet && t.rssMet).length;
  text += `${String(met)} of ${String(Object.keys(report.targets).length)} commands meet both targets\n`;
  if (ref !== undefined) {
    text += `Go: ${ref.path}; n/a = no such command; its \`version\` has no --client (it also asks the cluster)\n`;
  }
  return text;
}
