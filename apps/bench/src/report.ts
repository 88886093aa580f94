import { cpus, totalmem } from "node:os";
import type { ScenarioResult } from "./scenario.js";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kubernetes: string;
  date: string;
}

export function machine(kubernetes: string): Machine {
  const cpu = cpus()[0]?.model.trim() ?? "unknown";
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kubernetes,
    date: new Date().toISOString().slice(0, 10),
  };
}

const REFERENCE_UNAVAILABLE =
  "linkerd-smi v0.2.7 (Go) could not be measured: its adaptor needs the github.com/linkerd/linkerd2 Go module, which the module proxy available here refuses (HTTP 403).";

/** The results as a Markdown table, one column per size. */
export function markdown(results: readonly ScenarioResult[], host: Machine): string {
  const cols = results.map((r) => `N = ${r.n.toLocaleString("en-US")}`);
  const row = (label: string, cell: (r: ScenarioResult) => string) =>
    `| ${label} | ${results.map(cell).join(" | ")} |`;
  return [
    `Measured ${host.date} on ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, kube-apiserver ${host.kubernetes} (etcd on the same machine).`,
    "",
    `| | ${cols.join(" | ")} |`,
    `|---|${cols.map(() => "---:").join("|")}|`,
    row("Convergence: create N splits → every profile right (s)", (r) =>
      String(r.convergenceSeconds),
    ),
    row("Physical limit: N server-side applies, 2 at a time (s)", (r) =>
      String(r.physicalLimitSeconds),
    ),
    row("Ratio adaptor / physical limit", (r) =>
      (r.convergenceSeconds / r.physicalLimitSeconds).toFixed(2),
    ),
    row(
      "Apply-to-profile latency p50 / p95 / p99 (ms)",
      (r) => `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`,
    ),
    row("API requests per split created", (r) => String(r.requests.perSplitCreated)),
    row("API requests per weight update", (r) => String(r.requests.perUpdate)),
    row(
      "API requests during an idle resync (writes)",
      (r) => `${r.requests.idleResync} (${r.requests.idleResyncWrites})`,
    ),
    row("Peak RSS (MiB) / heap used (MiB)", (r) => `${r.peakRssMiB} / ${r.heapUsedMiB}`),
    row("CPU time of the adaptor (s)", (r) => String(r.cpuSeconds)),
    row("Start-up with N splits: process start → all verified (s)", (r) =>
      String(r.startupSeconds),
    ),
    "",
    REFERENCE_UNAVAILABLE,
    "",
  ].join("\n");
}

/** A small SVG line chart of convergence time against N, for the adaptor and the physical limit. */
export function svgChart(results: readonly ScenarioResult[]): string {
  const width = 640;
  const height = 360;
  const pad = { left: 60, right: 160, top: 30, bottom: 50 };
  const xs = results.map((r) => r.n);
  const maxY = Math.max(
    1e-3,
    ...results.flatMap((r) => [r.convergenceSeconds, r.physicalLimitSeconds]),
  );
  const maxX = Math.max(1, ...xs);
  const x = (n: number) => pad.left + (n / maxX) * (width - pad.left - pad.right);
  const y = (s: number) => height - pad.bottom - (s / maxY) * (height - pad.top - pad.bottom);
  const series = [
    {
      name: "smi-adaptor (TypeScript)",
      color: "#2563eb",
      value: (r: ScenarioResult) => r.convergenceSeconds,
    },
    {
      name: "physical limit (SSA loop)",
      color: "#9ca3af",
      value: (r: ScenarioResult) => r.physicalLimitSeconds,
    },
  ];
  const lines = series.map((s, i) => {
    const points = results.map((r) => `${x(r.n).toFixed(1)},${y(s.value(r)).toFixed(1)}`).join(" ");
    const dots = results
      .map(
        (r) =>
          `<circle cx="${x(r.n).toFixed(1)}" cy="${y(s.value(r)).toFixed(1)}" r="3" fill="${s.color}"/>`,
      )
      .join("");
    return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>${dots}<text x="${width - pad.right + 10}" y="${pad.top + 20 * i + 10}" fill="${s.color}" font-size="12">${s.name}</text>`;
  });
  const ticks = xs
    .map(
      (n) =>
        `<text x="${x(n).toFixed(1)}" y="${height - pad.bottom + 18}" font-size="11" text-anchor="middle">${n}</text>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">Convergence time (s) against N TrafficSplits</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<text x="${pad.left - 8}" y="${pad.top + 4}" font-size="11" text-anchor="end">${maxY.toFixed(1)}</text>`,
    `<text x="${pad.left - 8}" y="${height - pad.bottom}" font-size="11" text-anchor="end">0</text>`,
    ticks,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">N</text>`,
    ...lines,
    "</svg>",
    "",
  ].join("\n");
}
