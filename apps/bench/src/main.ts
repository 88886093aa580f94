#!/usr/bin/env node
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readVersions } from "@linkerd-smi/testenv";
import { parse } from "yaml";
import { AdaptorProcess, bareNodePeakRss, freePort } from "./adaptor-process.js";
import { machine, markdown, svgChart, type Machine } from "./report.js";
import { runScenario, type ScenarioOptions, type ScenarioResult } from "./scenario.js";
import { chartLimitExceeded, checkTargets, quantityMiB } from "./targets.js";
import { round } from "./stats.js";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
  options: {
    sizes: { type: "string", default: "100,1000,5000" },
    "churn-updates": { type: "string", default: "200" },
    "churn-rate": { type: "string", default: "20" },
    "resync-seconds": { type: "string", default: "20" },
    concurrency: { type: "string", default: "16" },
    out: { type: "string", default: "bench-results" },
    "reference-adaptor": { type: "string" },
    "reference-name": { type: "string", default: "linkerd-smi v0.2.7" },
    "reference-sizes": { type: "string", default: "100,1000" },
    note: { type: "string" },
    profile: { type: "string" },
    from: { type: "string" },
  },
});

function sizesOf(flag: string, text: string): number[] {
  const sizes = text === "" ? [] : text.split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write(`--${flag} wants whole numbers such as 100,1000,5000, not "${text}"\n`);
    process.exit(2);
  }
  return sizes;
}
const sizes = sizesOf("sizes", values.sizes);
const referenceSizes = sizesOf("reference-sizes", values["reference-sizes"]);
const reference = values["reference-adaptor"];
if (reference !== undefined) {
  try {
    accessSync(reference, constants.X_OK);
  } catch {
    process.stderr.write(
      `--reference-adaptor ${reference}: not an executable file; give the path of an adaptor that takes linkerd-smi's flags (-kubeconfig, -metrics-addr)\n`,
    );
    process.exit(2);
  }
}

const chartValues = new URL("../../../charts/linkerd-smi/values.yaml", import.meta.url);
const chart = parse(readFileSync(chartValues, "utf8")) as {
  adaptor?: { resources?: { limits?: { memory?: string } } };
};
const chartLimit = chart.adaptor?.resources?.limits?.memory;
if (chartLimit === undefined) {
  process.stderr.write(`${chartValues.pathname} has no adaptor.resources.limits.memory\n`);
  process.exit(2);
}
const chartLimitMiB = quantityMiB(chartLimit);

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const results: ScenarioResult[] = [];
const referenceResults: ScenarioResult[] = [];
let referenceName = values["reference-name"];
let bareNodeMiB: number;
let host: Machine;
if (values.from !== undefined) {
  // Report again from a results.json (after a change to the chart's limit, say), without running.
  const saved = JSON.parse(readFileSync(values.from, "utf8")) as {
    machine: Machine;
    bareNodeMiB: number;
    results: ScenarioResult[];
    reference?: { name: string; results: ScenarioResult[] };
  };
  results.push(...saved.results);
  referenceResults.push(...(saved.reference?.results ?? []));
  referenceName = saved.reference?.name ?? referenceName;
  bareNodeMiB = saved.bareNodeMiB;
  host = saved.machine;
} else {
  bareNodeMiB = round((await bareNodePeakRss()) / 2 ** 20);
  log(`a bare Node ${process.version} process peaks at ${String(bareNodeMiB)} MiB RSS`);
  await runAll();
  host = machine(readVersions().kubernetes);
}

async function runAll(): Promise<void> {
  const common = (n: number): ScenarioOptions => ({
    n,
    churnUpdates: Number(values["churn-updates"]),
    churnRatePerSecond: Number(values["churn-rate"]),
    resyncSeconds: Number(values["resync-seconds"]),
    concurrency: Number(values.concurrency),
    log,
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  });
  for (const n of sizes) {
    const t0 = performance.now();
    results.push(await runScenario(common(n)));
    log(`n=${String(n)}: ours done in ${String(round((performance.now() - t0) / 1000))} s`);
    if (reference !== undefined && referenceSizes.includes(n)) {
      const t1 = performance.now();
      referenceResults.push(
        await runScenario({
          ...common(n),
          log: (m) => {
            log(`reference ${m}`);
          },
          startAdaptor: async (env) =>
            new AdaptorProcess(env.kubeconfig, [], {
              executable: reference,
              port: await freePort(),
            }),
        }),
      );
      log(`n=${String(n)}: reference done in ${String(round((performance.now() - t1) / 1000))} s`);
    }
  }
}

const targets = checkTargets({
  ours: results,
  reference: referenceResults,
  chartLimitMiB,
});
const note =
  values.note ??
  (reference === undefined && referenceResults.length === 0
    ? "No reference adaptor was given (--reference-adaptor PATH): the reference columns are not shown."
    : undefined);
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, "results.json"),
  `${JSON.stringify(
    {
      machine: host,
      bareNodeMiB,
      chartLimitMiB,
      results,
      // A report from a saved run keeps the saved reference's runs.
      reference:
        reference === undefined && referenceResults.length === 0
          ? undefined
          : { name: referenceName, results: referenceResults },
      targets,
    },
    null,
    2,
  )}\n`,
);
const table = markdown(results, host, {
  reference: referenceResults,
  referenceName,
  targets,
  ...(note === undefined ? {} : { note }),
});
writeFileSync(join(values.out, "results.md"), table);
writeFileSync(
  join(values.out, "convergence.svg"),
  svgChart(results, { reference: referenceResults, referenceName, bareNodeMiB }),
);
process.stdout.write(table);
for (const t of targets)
  log(
    `target ${t.met === undefined ? "NOT MEASURED" : t.met ? "met" : "MISSED"}: ${t.target}: ${t.measured}`,
  );
process.stderr.write(`[bench] wrote ${values.out}/results.json, results.md and convergence.svg\n`);
const exceeded = chartLimitExceeded(results, chartLimitMiB);
if (exceeded !== undefined) {
  process.stderr.write(`\n[bench] FAILED: ${exceeded}\n`);
  process.exit(1);
}
