// Merges StrykerJS JSON reports (reports/mutation/*.json by default, one per group run) and
// prints the mutation score per file, for the adaptor's decision module and for all of core:
//   score = (killed + timeout) / (killed + timeout + survived + no coverage)
// Compile errors, runtime errors and ignored mutants are not counted (as in Stryker).
// When two reports hold the same file, the newer report (by modification time) wins.
//
//   tsx scripts/mutation-score.ts [report.json ...] [--survivors]
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

/** A mutant as a StrykerJS JSON report has it. */
interface Mutant {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}

const files = new Map<string, { report: string; mutants: Mutant[] }>();
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, "utf8")) as {
    files?: Record<string, { mutants: Mutant[] }>;
  };
  for (const [file, data] of Object.entries(json.files ?? {})) {
    const name = file.replace(/\\/g, "/").replace(/^.*?(src\/)/, "$1");
    files.set(name, { report, mutants: data.mutants });
  }
}

const COUNTED = ["Killed", "Timeout", "Survived", "NoCoverage"] as const;
type Tally = Record<(typeof COUNTED)[number] | "other", number>;
const isCounted = (status: string): status is (typeof COUNTED)[number] =>
  (COUNTED as readonly string[]).includes(status);
function tally(mutants: readonly Mutant[]): Tally {
  const t: Tally = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, other: 0 };
  for (const m of mutants) {
    if (isCounted(m.status)) t[m.status]++;
    else t.other++;
  }
  return t;
}
function add(a: Tally, b: Tally): Tally {
  for (const k of Object.keys(a) as (keyof Tally)[]) a[k] += b[k];
  return a;
}
function score(t: Tally): string {
  const detected = t.Killed + t.Timeout;
  const valid = detected + t.Survived + t.NoCoverage;
  return valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(2)} %`;
}
function row(name: string, t: Tally): string {
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
    .map((h, i) => (i === 0 ? h : h.padStart([8, 7, 7, 8, 7, 6][i - 1] ?? 0)))
    .join(" "),
);
const total = tally([]);
const decision = tally([]);
for (const [name, { mutants }] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const t = tally(mutants);
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
  for (const [name, { mutants }] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const m of mutants) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
      const { line, column } = m.location.start;
      const replacement = (m.replacement ?? "").replace(/\s+/g, " ").slice(0, 100);
      console.log(`${name}:${line}:${column} ${m.status} ${m.mutatorName} -> ${replacement}`);
    }
  }
}
