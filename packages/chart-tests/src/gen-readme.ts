#!/usr/bin/env node
/**
 * Regenerates the values table of charts/linkerd-smi/README.md from the
 * `# --` comments of values.yaml (`pnpm chart:readme`), or with `--check`
 * exits 1 when the README is out of date.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { chartDir, readmeStatus } from "./values-doc.js";

const check = process.argv.includes("--check");
const dirArg = process.argv.slice(2).find((a) => !a.startsWith("--"));
const { path, current, expected } = await readmeStatus(dirArg ?? chartDir);
const shown = relative(process.cwd(), path);
if (current === expected) {
  process.stdout.write(`${shown} is up to date\n`);
} else if (check) {
  process.stderr.write(
    `${shown} does not match values.yaml: run \`pnpm chart:readme\` to regenerate its values table\n`,
  );
  process.exitCode = 1;
} else {
  writeFileSync(path, expected);
  process.stdout.write(`wrote ${shown}\n`);
}
