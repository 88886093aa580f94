/**
 * The `linkerd smi stat` table, in the column layout `linkerd viz stat ts` printed (numbers
 * right-aligned under right-aligned headers), plus the configured and observed shares.
 */
import { formatPercent } from "@linkerd-smi/core";
import { renderTable } from "../output/table.js";
import { shareDrifts, type BackendStat, type SplitStat } from "./collect.js";

const DASH = "-";

/** `100.00%`: two decimals, as viz printed success rates. */
export function formatSuccess(rate: number | undefined): string {
  return rate === undefined ? DASH : `${(rate * 100).toFixed(2)}%`;
}

/** `0.5rps`: one decimal. */
export function formatRps(rps: number | undefined): string {
  return rps === undefined ? DASH : `${rps.toFixed(1)}rps`;
}

/** `12ms` (whole milliseconds), `<1ms` for a positive latency that rounds to 0, `1.5s` from 10s. */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return DASH;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const whole = Math.round(ms);
  return whole === 0 && ms > 0 ? "<1ms" : `${String(whole)}ms`;
}

export function formatShare(percent: number | undefined): string {
  return percent === undefined ? DASH : formatPercent(percent);
}

interface Column {
  header: string;
  right?: boolean;
  cell: (split: SplitStat, backend: BackendStat) => string;
}

function columns(options: { allNamespaces: boolean; wide: boolean }): Column[] {
  return [
    ...(options.allNamespaces
      ? [{ header: "NAMESPACE", cell: (s: SplitStat) => s.namespace }]
      : []),
    { header: "NAME", cell: (s) => s.name },
    { header: "APEX", cell: (s) => s.apex },
    { header: "LEAF", cell: (_s, b) => b.service },
    { header: "WEIGHT", right: true, cell: (_s, b) => b.weight },
    { header: "SHARE", right: true, cell: (_s, b) => formatShare(b.share) },
    { header: "OBSERVED", right: true, cell: (_s, b) => formatShare(b.observedShare) },
    { header: "SUCCESS", right: true, cell: (_s, b) => formatSuccess(b.successRate) },
    { header: "RPS", right: true, cell: (_s, b) => formatRps(b.rps) },
    { header: "LATENCY_P50", right: true, cell: (_s, b) => formatLatency(b.latencyMs.p50) },
    { header: "LATENCY_P95", right: true, cell: (_s, b) => formatLatency(b.latencyMs.p95) },
    { header: "LATENCY_P99", right: true, cell: (_s, b) => formatLatency(b.latencyMs.p99) },
    ...(options.wide
      ? [
          {
            header: "REQUESTS",
            right: true,
            cell: (_s: SplitStat, b: BackendStat) =>
              b.requests === undefined ? DASH : String(Math.round(b.requests)),
          },
          { header: "METRICS", cell: (s: SplitStat) => s.source ?? DASH },
        ]
      : []),
  ];
}

/** One row per backend of each split. */
export function renderStatTable(
  stats: readonly SplitStat[],
  options: { allNamespaces: boolean; wide: boolean },
): string {
  const cols = columns(options);
  const cells = stats.flatMap((s) => s.backends.map((b) => cols.map((c) => c.cell(s, b))));
  const widths = cols.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] ?? "").length)),
  );
  const pad = (text: string, i: number) =>
    cols[i]?.right === true ? text.padStart(widths[i] ?? 0) : text;
  return renderTable(
    cols.map((c, i) => pad(c.header, i)),
    cells.map((row) => row.map(pad)),
  );
}

/**
 * What the numbers do not say by themselves: splits without traffic in the window, and
 * backends whose observed share is far from the configured one. One line each.
 */
export function statFooter(stats: readonly SplitStat[], window: string): string[] {
  const lines: string[] = [];
  for (const s of stats) {
    const name = `${s.namespace}/${s.name}`;
    if (s.backends.length === 0) continue;
    if (s.source === undefined)
      lines.push(
        `${name}: Prometheus has no requests to ${s.apex} or its backends: no client proxy has sent traffic through the split, or its metrics are not scraped`,
      );
    else if ((s.rps ?? 0) === 0 && (s.elsewhere ?? []).length === 0)
      lines.push(`${name}: no requests in the last ${window}`);
    if (s.elsewhere !== undefined && s.elsewhere.length > 0)
      lines.push(
        `${name}: ${s.apex} also sent ${s.elsewhere.map((e) => `${formatRps(e.rps)} to ${e.service}`).join(", ")}, which the split does not name: the split is not (or not only) what routes ${s.apex}; see linkerd smi status`,
      );
  }
  for (const d of shareDrifts(stats))
    lines.push(
      `${d.namespace}/${d.split}: ${d.backend} served ${formatPercent(d.observedShare)} of ${String(Math.round(d.requests))} requests in the last ${window}, configured ${formatPercent(d.share)}`,
    );
  return lines;
}
