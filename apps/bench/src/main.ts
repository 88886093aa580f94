#!/usr/bin/env node
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readVersions } from "@linkerd-smi/testenv";
import { machine, markdown, svgChart } from "./report.js";
import { runScenario, type ScenarioResult } from "./scenario.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
  options: {
    sizes: { type: "string", default: "100,1000,5000" },
    "churn-updates": { type: "string", default: "200" },
    "churn-rate": { type: "string", default: "20" },
    "resync-seconds": { type: "string", default: "20" },
    concurrency: { type: "string", default: "16" },
    out: { type: "string", default: "bench-results" },
  },
});

const sizes = values.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  process.stderr.write(
    `--sizes wants whole numbers such as 100,1000,5000, not "${values.sizes}"\n`,
  );
  process.exit(2);
}
const results: ScenarioResult[] = [];
for (const n of sizes) {
  results.push(
    await runScenario({
      n,
      churnUpdates: Number(values["churn-updates"]),
      churnRatePerSecond: Number(values["churn-rate"]),
      resyncSeconds: Number(values["resync-seconds"]),
      concurrency: Number(values.concurrency),
      log: (m) => process.stderr.write(`[bench] ${m}\n`),
    }),
  );
}
const host = machine(readVersions().kubernetes);
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, "results.json"),
  `${JSON.stringify({ machine: host, results }, null, 2)}\n`,
);
const table = markdown(results, host);
writeFileSync(join(values.out, "results.md"), table);
writeFileSync(join(values.out, "convergence.svg"), svgChart(results));
process.stdout.write(table);
process.stderr.write(`[bench] wrote ${values.out}/results.json, results.md and convergence.svg\n`);
