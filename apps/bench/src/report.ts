import { cpus, totalmem } from "node:os";
import { IDLE_SETTLE_MS, type ScenarioResult } from "./scenario.js";
import type { TargetCheck } from "./targets.js";

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

/** What else a report shows beside our results. */
export interface ReportExtras {
  /** The reference adaptor's runs, by N (any N missing was not run). */
  reference?: readonly ScenarioResult[];
  /** How the reference is named in the table (default "reference"). */
  referenceName?: string;
  /** Issue 29's targets, each met or not. */
  targets?: readonly TargetCheck[];
  /** A sentence under the table (why there is no reference column, ...). */
  note?: string;
}

const NOT_MEASURED = "n/m";

/**
 * The results as Markdown: one row per figure, per N our column, and when a reference
 * adaptor ran at that N its column and the ratio ours / reference; then the targets.
 */
export function markdown(
  results: readonly ScenarioResult[],
  host: Machine,
  extras: ReportExtras = {},
): string {
  const refName = extras.referenceName ?? "reference";
  const refOf = (r: ScenarioResult) => extras.reference?.find((x) => x.n === r.n);
  const withRef = results.some((r) => refOf(r) !== undefined);
  const header = results.flatMap((r) => {
    const n = `N = ${r.n.toLocaleString("en-US")}`;
    return withRef ? [`${n} ours`, `${n} ${refName}`, "ratio"] : [n];
  });
  const row = (
    label: string,
    cell: (r: ScenarioResult) => string,
    value?: (r: ScenarioResult) => number | null,
  ) => {
    const cells = results.flatMap((r) => {
      if (!withRef) return [cell(r)];
      const ref = refOf(r);
      if (ref === undefined) return [cell(r), "not run", ""];
      const a = value?.(r);
      const b = value?.(ref);
      const ratio =
        a === undefined || a === null || b === undefined || b === null || b === 0
          ? ""
          : (a / b).toFixed(2);
      return [cell(r), cell(ref), ratio];
    });
    return `| ${label} | ${cells.join(" | ")} |`;
  };
  const orNm = (v: number | null) => (v === null ? NOT_MEASURED : String(v));
  const lines = [
    `Measured ${host.date} on ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, kube-apiserver ${host.kubernetes} (etcd on the same machine).`,
    "",
    `| | ${header.join(" | ")} |`,
    `|---|${header.map(() => "---:").join("|")}|`,
    row(
      "Convergence: create N splits → every profile right (s)",
      (r) => String(r.convergenceSeconds),
      (r) => r.convergenceSeconds,
    ),
    row(
      "Physical limit: the same N creates, each profile applied once its split exists, 2 at a time (s)",
      (r) => String(r.physicalLimitSeconds),
    ),
    row("N server-side applies alone, 2 at a time (s)", (r) =>
      r.appliesAloneSeconds === undefined ? "n/m" : String(r.appliesAloneSeconds),
    ),
    row(
      "Ratio adaptor / physical limit",
      (r) => (r.convergenceSeconds / r.physicalLimitSeconds).toFixed(2),
      (r) => r.convergenceSeconds / r.physicalLimitSeconds,
    ),
    row(
      "Apply-to-profile latency p50 / p95 / p99 (ms)",
      (r) => `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`,
      (r) => r.latencyMs.p99,
    ),
    row(
      "API requests per split created",
      (r) => String(r.requests.perSplitCreated),
      (r) => r.requests.perSplitCreated,
    ),
    row(
      "API requests per weight update",
      (r) => String(r.requests.perUpdate),
      (r) => r.requests.perUpdate,
    ),
    row("API requests during an idle resync (writes)", (r) =>
      r.requests.idleResync === null
        ? NOT_MEASURED
        : `${r.requests.idleResync} (${orNm(r.requests.idleResyncWrites)})`,
    ),
    row(
      `Idle RSS: ready, no TrafficSplits, ${String(IDLE_SETTLE_MS / 1000)} s on (MiB)`,
      (r) =>
        r.idleRssMiB === undefined || r.idleRssMiB === null ? NOT_MEASURED : String(r.idleRssMiB),
      (r) => r.idleRssMiB ?? null,
    ),
    row(
      "Peak RSS (MiB) / heap used (MiB)",
      (r) => `${r.peakRssMiB} / ${orNm(r.heapUsedMiB)}`,
      (r) => r.peakRssMiB,
    ),
    row("Resident after the idle phase: anonymous / file-backed (MiB)", (r) =>
      r.rssAnonMiB === undefined ||
      r.rssAnonMiB === null ||
      r.rssFileMiB === undefined ||
      r.rssFileMiB === null
        ? NOT_MEASURED
        : `${String(r.rssAnonMiB)} / ${String(r.rssFileMiB)}`,
    ),
    row(
      "CPU time of the adaptor (s)",
      (r) => String(r.cpuSeconds),
      (r) => r.cpuSeconds,
    ),
    row("Start-up with N splits: process start → all verified (s)", (r) => orNm(r.startupSeconds)),
    "",
  ];
  if (withRef)
    lines.push(
      `Ratios are ours / ${refName} (latency: p99). ${NOT_MEASURED}: not measured, the figure needs the adaptor's own metrics.`,
      "",
    );
  if (extras.note !== undefined) lines.push(extras.note, "");
  if (extras.targets !== undefined && extras.targets.length > 0) {
    lines.push("| Target | Measured | Met |", "|---|---|---|");
    for (const t of extras.targets)
      lines.push(
        `| ${t.target} | ${t.measured} | ${t.met === undefined ? "not measured" : t.met ? "yes" : "**no**"} |`,
      );
    lines.push("");
  }
  return lines.join("\n");
}

interface Series {
  name: string;
  color: string;
  dash?: string;
  points: { n: number; value: number }[];
}

/** One panel of the chart: `series` against N, log-scaled value axis. */
function panel(
  title: string,
  unit: string,
  series: readonly Series[],
  xs: readonly number[],
  origin: { x: number; y: number },
  size: { width: number; height: number },
): string {
  const pad = { left: 56, right: 12, top: 28, bottom: 40 };
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(1e-3, Math.min(...values, 1))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...values)));
  const maxX = Math.max(1, ...xs);
  const w = size.width - pad.left - pad.right;
  const h = size.height - pad.top - pad.bottom;
  const x = (n: number) => origin.x + pad.left + (n / maxX) * w;
  const y = (v: number) =>
    origin.y +
    pad.top +
    h -
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  const parts: string[] = [
    `<text x="${origin.x + pad.left}" y="${origin.y + 18}" font-size="13">${title}</text>`,
    `<line x1="${origin.x + pad.left}" y1="${origin.y + pad.top + h}" x2="${origin.x + pad.left + w}" y2="${origin.y + pad.top + h}" stroke="black"/>`,
    `<line x1="${origin.x + pad.left}" y1="${origin.y + pad.top}" x2="${origin.x + pad.left}" y2="${origin.y + pad.top + h}" stroke="black"/>`,
  ];
  for (let v = lo; v <= hi * 1.0001; v *= 10)
    parts.push(
      `<line x1="${origin.x + pad.left}" y1="${y(v).toFixed(1)}" x2="${origin.x + pad.left + w}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${origin.x + pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${String(Number(v.toPrecision(3)))}${unit}</text>`,
    );
  for (const n of xs)
    parts.push(
      `<text x="${x(n).toFixed(1)}" y="${origin.y + pad.top + h + 16}" font-size="11" text-anchor="middle">${n.toLocaleString("en-US")}</text>`,
    );
  parts.push(
    `<text x="${origin.x + pad.left + w / 2}" y="${origin.y + size.height - 6}" font-size="12" text-anchor="middle">N TrafficSplits</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const pts = s.points.map((p) => `${x(p.n).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? "" : ` stroke-dasharray="${s.dash}"`} points="${pts}"/>`,
      ...s.points.map(
        (p) =>
          `<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${s.color}"/>`,
      ),
    );
  }
  return parts.join("");
}

/**
 * An SVG of convergence time and peak RSS against N (log scale) for ours, the reference
 * adaptor (when one ran) and the physical limit (convergence) or a bare Node process (memory).
 */
export function svgChart(
  results: readonly ScenarioResult[],
  extras: {
    reference?: readonly ScenarioResult[];
    referenceName?: string;
    bareNodeMiB?: number;
  } = {},
): string {
  const width = 900;
  const height = 380;
  const panelSize = { width: 340, height: 330 };
  const xs = [...new Set([...results, ...(extras.reference ?? [])].map((r) => r.n))].sort(
    (a, b) => a - b,
  );
  const ref = extras.reference ?? [];
  const refName = extras.referenceName ?? "reference";
  const pts = (rs: readonly ScenarioResult[], f: (r: ScenarioResult) => number) =>
    rs.map((r) => ({ n: r.n, value: f(r) }));
  const ours = { name: "smi-adaptor (TypeScript)", color: "#2563eb" };
  const theirs = { name: refName, color: "#dc2626" };
  const convergence: Series[] = [
    { ...ours, points: pts(results, (r) => r.convergenceSeconds) },
    { ...theirs, points: pts(ref, (r) => r.convergenceSeconds) },
    {
      name: "physical limit (SSA loop)",
      color: "#6b7280",
      dash: "4 3",
      points: pts(results, (r) => r.physicalLimitSeconds),
    },
  ];
  const memory: Series[] = [
    { ...ours, points: pts(results, (r) => r.peakRssMiB) },
    { ...theirs, points: pts(ref, (r) => r.peakRssMiB) },
    ...(extras.bareNodeMiB === undefined
      ? []
      : [
          {
            name: "bare Node process",
            color: "#6b7280",
            dash: "4 3",
            points: xs.map((n) => ({ n, value: extras.bareNodeMiB ?? 0 })),
          },
        ]),
  ];
  const legend = [...convergence, ...memory.slice(2)]
    .filter((s) => s.points.length > 0)
    .map(
      (s, i) =>
        `<line x1="712" y1="${String(60 + 22 * i)}" x2="736" y2="${String(60 + 22 * i)}" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? "" : ` stroke-dasharray="${s.dash}"`}/><text x="742" y="${String(64 + 22 * i)}" font-size="12">${s.name}</text>`,
    );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel("Convergence time (s), log scale", " s", convergence, xs, { x: 0, y: 10 }, panelSize),
    panel("Peak RSS (MiB), log scale", "", memory, xs, { x: 350, y: 10 }, panelSize),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}
