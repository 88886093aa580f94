#!/usr/bin/env node
// Merges StrykerJS JSON reports (reports/mutation/*.json by default, one per group run) and
// prints the mutation score per file, for the adaptor's decision module and for all of core:
//   score = (killed + timeout) / (killed + timeout + survived + no coverage)
// Compile errors, runtime errors and ignored mutants are not counted (as in Stryker).
// When two reports hold the same file, the newer report (by modification time) wins.
//
//   node scripts/mutation-score.mjs [report.json ...] [--survivors]
// --survivors also lists each surviving / uncovered mutant as file:line:column mutator -> replacement.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** The adaptor's decision module (design.md): what it writes, when, and over whose objects. */
const DECISION_MODULE = [
  "src/decide.ts",
  "src/outputs/service-profile.ts",
  "src/outputs/targeted.ts",
  "src/ownership.ts",
  "src/sync.ts",
];

const args = process.argv.slice(2);
const listSurvivors = args.includes("--survivors");
let reports = args.filter((a) => !a.startsWith("--"));
if (reports.length === 0) {
  const dir = resolve("reports/mutation");
  reports = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => join(dir, f));
}
if (reports.length === 0) {
  console.error("no JSON reports: run `pnpm mutate` first (see README.md, Mutation testing)");
  process.exit(1);
}
reports.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);

/** @type {Map<string, {report: string, mutants: {status: string}[]}>} */
const files = new Map();
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, "utf8"));
  for (const [file, data] of Object.entries(json.files ?? {})) {
    const name = file.replace(/\\/g, "/").replace(/^.*?(src\/)/, "$1");
    files.set(name, { report, mutants: data.mutants });
  }
}

const COUNTED = ["Killed", "Timeout", "Survived", "NoCoverage"];
function tally(mutants) {
  const t = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, other: 0 };
  for (const m of mutants) {
    if (COUNTED.includes(m.status)) t[m.status]++;
    else t.other++;
  }
  return t;
}
function add(a, b) {
  for (const k of Object.keys(a)) a[k] += b[k];
  return a;
}
function score(t) {
  const detected = t.Killed + t.Timeout;
  const valid = detected + t.Survived + t.NoCoverage;
  return valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(2)} %`;
}
function row(name, t) {
  return [
    name.padEnd(34),
    score(t).padStart(8),
    String(t.Killed).padStart(7),
    String(t.Timeout).padStart(7),
    String(t.Survived).padStart(8),
    String(t.NoCoverage).padStart(7),
    String(t.other).padStart(6),
  ].join(" ");
}

console.log(
  ["file".padEnd(34), "score".padStart(8), "killed", "timeout", "survived", "no-cov", "other"]
    .map((h, i) => (i === 0 ? h : h.padStart([8, 7, 7, 8, 7, 6][i - 1])))
    .join(" "),
);
const total = tally([]);
const decision = tally([]);
for (const name of [...files.keys()].sort()) {
  const t = tally(files.get(name).mutants);
  add(total, t);
  if (DECISION_MODULE.includes(name)) add(decision, t);
  console.log(row(name, t));
}
console.log("-".repeat(84));
const missing = DECISION_MODULE.filter((f) => !files.has(f));
console.log(row(`decision module${missing.length > 0 ? " (incomplete)" : ""}`, decision));
console.log(row("core (all files above)", total));
if (missing.length > 0) console.log(`not in any report: ${missing.join(", ")}`);

if (listSurvivors) {
  console.log("\nsurvived / no coverage:");
  for (const name of [...files.keys()].sort()) {
    for (const m of files.get(name).mutants) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
      const { line, column } = m.location.start;
      const replacement = String(m.replacement ?? "")
        .replace(/\s+/g, " ")
        .slice(0, 100);
      console.log(`${name}:${line}:${column} ${m.status} ${m.mutatorName} -> ${replacement}`);
    }
  }
}
