// Sums every package's vitest JSON report into one closing line, and lists skipped tests.
// On CI (CI=true) a skipped or todo test fails the run unless .ci/allowed-skips.txt names it
// with a reason: a skip there means a check that did not happen.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const onCi = process.env.CI === "true" || process.env.CI === "1";
const allowListFile = join(".ci", "allowed-skips.txt");

/** What this script reads of a vitest JSON report. */
interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
}

/** `dir :: full name :: reason` lines, keyed by `dir :: full name`. */
function readAllowList(): Map<string, string> {
  const allowed = new Map<string, string>();
  if (!existsSync(allowListFile)) return allowed;
  const lines = readFileSync(allowListFile, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const parts = line.split(" :: ").map((p) => p.trim());
    if (parts.length !== 3 || parts.some((p) => p === "")) {
      console.log(
        `${allowListFile}:${i + 1}: expected "<package dir> :: <full test name> :: <reason>", got: ${line}`,
      );
      process.exitCode = 1;
      return;
    }
    const [dir = "", name = "", reason = ""] = parts;
    allowed.set(`${dir} :: ${name}`, reason);
  });
  return allowed;
}

const allowed = readAllowList();
let passed = 0;
let failed = 0;
const missing: string[] = [];
const skips: { dir: string; name: string; status: string }[] = [];
const failures: { dir: string; file: string; name: string; messages: string[] }[] = [];
for (const group of ["packages", "apps"]) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    if (!existsSync(join(dir, "vitest.config.ts"))) continue;
    const report = join(dir, "test-results", "vitest.json");
    if (!existsSync(report)) {
      missing.push(dir);
      continue;
    }
    const result = JSON.parse(readFileSync(report, "utf8")) as VitestReport;
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    for (const file of result.testResults ?? []) {
      if (file.status === "failed" && typeof file.message === "string" && file.message !== "") {
        failures.push({
          dir,
          file: file.name,
          name: "(the file itself)",
          messages: [file.message],
        });
      }
      for (const test of file.assertionResults ?? []) {
        if (test.status === "failed") {
          failures.push({
            dir,
            file: file.name,
            name: test.fullName,
            messages: test.failureMessages ?? [],
          });
        }
        if (["pending", "skipped", "todo", "disabled"].includes(test.status)) {
          skips.push({ dir, name: test.fullName, status: test.status });
        }
      }
    }
    const skipped = result.numPendingTests + result.numTodoTests;
    console.log(
      `${dir}: ${result.numPassedTests} passed, ${result.numFailedTests} failed` +
        (skipped > 0 ? `, ${skipped} skipped` : ""),
    );
  }
}
// CI shows the end of its log: name each failure here, with the first lines of its message.
for (const { dir, file, name, messages } of failures) {
  console.log(`FAILED: ${dir} :: ${name}\n  in ${file}`);
  const lines = messages.join("\n").split("\n").slice(0, 12);
  for (const line of lines) console.log(`  | ${line}`);
}
for (const dir of missing) console.log(`${dir}: no test report (its tests did not run)`);

let unexplained = 0;
for (const { dir, name, status } of skips) {
  const reason = allowed.get(`${dir} :: ${name}`);
  if (reason !== undefined) {
    console.log(`skipped (allowed: ${reason}): ${dir} :: ${name}`);
  } else {
    unexplained += 1;
    console.log(
      `${onCi ? "FAIL " : ""}${status === "todo" ? "todo" : "skipped"}, not in ${allowListFile}: ${dir} :: ${name}`,
    );
  }
}
if (unexplained > 0 && onCi) {
  console.log(
    `${unexplained} skipped test(s) on CI: each is a check that did not run. Make it run, or add it to ${allowListFile} with the reason CI cannot run it.`,
  );
}
console.log(`${passed} passed, ${failed + missing.length} failed, ${skips.length} skipped`);
const bad = failed > 0 || missing.length > 0 || passed === 0 || (onCi && unexplained > 0);
process.exit(bad || process.exitCode === 1 ? 1 : 0);
