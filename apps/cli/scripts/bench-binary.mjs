// Cold-start time and size of the linkerd-smi single executable
// (scripts/build-binaries.mjs), run as a user runs it: copied into an empty
// temporary directory (no node_modules anywhere above it) with a fresh HOME.
//
//   node scripts/bench-binary.mjs [--binary PATH] [--runs N] [--compare] [--json]
//
// Without --binary it builds this machine's executable first (into a
// temporary directory; build-binaries.mjs caches it). Each command runs once
// with an empty cache (the first `install` extracts the chart into
// ~/.cache/linkerd-smi/cli/<version>/), then N times more, of which the median
// is reported. --compare also times the npm package
// (`node dist/bin/linkerd-smi.js`) on the Node running this script.
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));
const os = process.platform === "win32" ? "windows" : process.platform;
const host = `${os}-${process.arch === "x64" ? "amd64" : process.arch}`;
const exeName = `linkerd-smi${os === "windows" ? ".exe" : ""}`;

const { values } = parseArgs({
  options: {
    binary: { type: "string" },
    runs: { type: "string", default: "5" },
    compare: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), "linkerd-smi-bench-"));

const COMMANDS = {
  "version --client": ["version", "--client"],
  "install --skip-checks": ["install", "--skip-checks"],
};

/** Milliseconds from spawn to exit. */
function time(file, args, options) {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error) => {
      if (error) reject(error);
      else resolvePromise(performance.now() - start);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** First run with an empty cache, then `runs` more. */
async function measure(file, prefixArgs, env, cwd) {
  const result = {};
  for (const [name, args] of Object.entries(COMMANDS)) {
    const first = await time(file, [...prefixArgs, ...args], { env, cwd });
    const samples = [];
    for (let i = 0; i < runs; i++)
      samples.push(await time(file, [...prefixArgs, ...args], { env, cwd }));
    result[name] = {
      firstMs: Math.round(first),
      medianMs: Math.round(median(samples)),
      minMs: Math.round(Math.min(...samples)),
      maxMs: Math.round(Math.max(...samples)),
    };
  }
  return result;
}

try {
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
  copyFileSync(binary, exe);
  const home = mkdtempSync(join(work, "home-"));
  const env = { PATH: process.env.PATH ?? "", HOME: home, USERPROFILE: home };
  const report = {
    binary,
    platform: host,
    version,
    sizeBytes: statSync(exe).size,
    runs,
    executable: await measure(exe, [], env, work),
  };
  if (values.compare) {
    const bin = join(cliDir, "dist", "bin", "linkerd-smi.js");
    report.npmPackage = {
      node: process.version,
      ...(await measure(
        process.execPath,
        [bin],
        { ...env, HOME: mkdtempSync(join(work, "home-")) },
        work,
      )),
    };
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(format(report));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function format(report) {
  const rows = (timings) =>
    Object.entries(timings)
      .filter(([, t]) => typeof t === "object")
      .map(
        ([name, t]) =>
          `  ${name.padEnd(24)}${`${t.firstMs} ms`.padStart(10)}${`${t.medianMs} ms`.padStart(14)}   (${t.minMs}-${t.maxMs})\n`,
      )
      .join("");
  const header = `  ${"".padEnd(24)}${"first run".padStart(10)}${`median of ${report.runs}`.padStart(14)}   (min-max)\n`;
  let text =
    `linkerd-smi ${report.version} single executable for ${report.platform}: ` +
    `${(report.sizeBytes / 1024 / 1024).toFixed(1)} MiB\n` +
    header +
    rows(report.executable) +
    "  (the first install also extracts the chart into the cache)\n";
  if (report.npmPackage !== undefined) {
    text += `\nnpm package, node ${report.npmPackage.node} dist/bin/linkerd-smi.js:\n${header}${rows(report.npmPackage)}`;
  }
  return text;
}
