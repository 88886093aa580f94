import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import {
  formatDiagnostic,
  formatPercent,
  TRAFFIC_SPLIT_GROUP,
  type DiagnosticCode,
} from "@linkerd-smi/core";
import {
  currentNamespace,
  defineResource,
  KubeError,
  type KubeClient,
  type KubeObject,
  ResourceClient,
} from "@linkerd-smi/kube";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { CliError } from "../errors.js";
import { trafficSplitCrd } from "../crd.js";
import {
  checkOutputFormat,
  clientFactory,
  collect,
  exitWith,
  type CommandContext,
} from "../flags.js";
import type { CliIO } from "../io.js";
import {
  fieldPosition,
  lintSources,
  looksLikeTrafficSplit,
  objectRef,
  pathSegments,
  type LintReport,
  type Problem,
  type Source,
} from "../validate/lint.js";

export interface ValidateOptions {
  /** Files, directories, or `-` for standard input. */
  filenames: readonly string[];
  output: string;
  /** Also a server-side dry run of each TrafficSplit against this cluster (`--server`). */
  server?: () => KubeClient;
}

interface SplitObject {
  file: string;
  document: number;
  item?: number;
  object: Record<string, unknown>;
  /** Where a field path of the object is in its file (the document's start when it is not there). */
  locate: (path: string) => { line?: number; column?: number };
}

/** Every TrafficSplit object of the sources, where it is (document, List item). */
function splitObjects(sources: readonly Source[]): SplitObject[] {
  const found: SplitObject[] = [];
  for (const source of sources) {
    const lines = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(source.text, { lineCounter: lines }) as Document.Parsed[];
    } catch {
      continue;
    }
    if (!Array.isArray(docs)) continue;
    docs.forEach((doc, i) => {
      if (doc.errors.length > 0) return;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch {
        return;
      }
      const isObj = (v: unknown): v is Record<string, unknown> =>
        typeof v === "object" && v !== null && !Array.isArray(v);
      if (!isObj(value)) return;
      const items =
        typeof value.kind === "string" && /List$/.test(value.kind) && Array.isArray(value.items)
          ? (value.items as unknown[])
          : undefined;
      const objects =
        items === undefined ? [{ object: value }] : items.map((object, item) => ({ object, item }));
      for (const { object, item } of objects as { object: unknown; item?: number }[])
        if (isObj(object) && looksLikeTrafficSplit(object)) {
          const prefix = item === undefined ? [] : ["items", item];
          found.push({
            file: source.name,
            document: i + 1,
            ...(item === undefined ? {} : { item }),
            object,
            locate: (path) =>
              fieldPosition(doc.contents, lines, [...prefix, ...pathSegments(path)]),
          });
        }
    });
  }
  return found;
}

/** What the apiserver said of one TrafficSplit, as problems: one per field it names. */
export function serverProblems(
  error: KubeError,
  object: Record<string, unknown>,
  namespace: string,
): { path: string; message: string }[] {
  const detail = error.serverMessage.trim();
  const apiVersion = String(object.apiVersion);
  if (error.kind === "not-found")
    return [
      {
        path: "",
        message: /namespaces? "/.test(detail)
          ? `namespace ${namespace} does not exist in the cluster (server-side dry run): ${detail}`
          : `the cluster does not serve ${apiVersion} TrafficSplits (server-side dry run): ${detail}`,
      },
    ];
  if (error.kind === "forbidden")
    return [
      {
        path: "",
        message: `the apiserver does not let you apply it (server-side dry run): ${detail}`,
      },
    ];
  // Schema validation (422 Invalid) names each field in its causes.
  const causes = (error.details?.details?.causes ?? []).filter(
    (c) => c.field !== undefined && c.field !== "" && c.field !== "<nil>",
  );
  if (causes.length > 0)
    return causes.map((c) => {
      const field = (c.field ?? "").replace(/^\./, "");
      const said = (c.message ?? c.reason ?? "").trim();
      return {
        path: field,
        message: `the apiserver rejects ${field}: ${said.startsWith(field) ? said.slice(field.length).replace(/^:\s*/, "") : said} (server-side dry run)`,
      };
    });
  // Server-side apply builds a typed object from the schema first, and answers what does not fit
  // with HTTP 500, a field a line: `failed to create typed patch object (...): .spec.trafficRouting:
  // field not declared in schema`, `... to smd typed: errors:\n  .spec.backends[0].weight: expected
  // numeric (int or float), got string`.
  const typed = [
    ...detail.matchAll(/(?:^|[\s:])\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+|\[\d+\])*): ([^\n]+)/g),
  ];
  if (typed.length > 0)
    return typed.map((m) => {
      const path = m[1] ?? "";
      const said = (m[2] ?? "").trim();
      return {
        path,
        message: `the apiserver rejects ${path}: ${said}${said === "field not declared in schema" ? "; remove it" : ""} (server-side dry run)`,
      };
    });
  return [
    {
      path: "",
      message: `the apiserver rejects it${error.status === undefined ? "" : ` (HTTP ${String(error.status)})`} (server-side dry run): ${detail}`,
    },
  ];
}

/**
 * A server-side dry run (apply, dryRun=All) of every TrafficSplit: what the cluster itself says,
 * its CRD and admission included, beside the offline diagnostics. Nothing is stored. Every
 * document is sent, whatever the others got; `unreachable` says why the cluster could not be
 * asked (no answer at all), in which case the rest are not sent.
 */
async function serverDryRun(
  report: LintReport,
  sources: readonly Source[],
  client: () => KubeClient,
): Promise<{ report: LintReport; unreachable?: string }> {
  const kube = client();
  const problems = [...report.problems];
  const invalid = new Set<string>();
  let unreachable: string | undefined;
  try {
    const fallback = currentNamespace(kube.kubeConfig);
    for (const { file, document, item, object, locate } of splitObjects(sources)) {
      const [group, version] = String(object.apiVersion).split("/");
      const resource = defineResource<KubeObject>({
        group: group ?? TRAFFIC_SPLIT_GROUP,
        version: version ?? "",
        plural: "trafficsplits",
        kind: "TrafficSplit",
        namespaced: true,
      });
      // An export (`kubectl get -o yaml`) carries what only the apiserver writes: server-side
      // apply refuses managedFields, and takes resourceVersion and uid as preconditions (of
      // another cluster's or an older object's); the manifest is what is checked, so they go.
      const SERVER_WRITTEN = new Set(["managedFields", "resourceVersion", "uid"]);
      const metadata = Object.fromEntries(
        Object.entries((object.metadata ?? {}) as Record<string, unknown>).filter(
          ([key]) => !SERVER_WRITTEN.has(key),
        ),
      ) as { name?: string; namespace?: string };
      const namespace = metadata.namespace ?? fallback;
      const ref = objectRef(object);
      try {
        await new ResourceClient(kube, resource).apply(
          { ...object, metadata: { ...metadata, namespace } },
          {
            fieldManager: "linkerd-smi-validate",
            force: true,
            dryRun: true,
          },
        );
      } catch (error) {
        // No HTTP answer at all: the cluster was not reached, and the next ones would not be.
        if (!(error instanceof KubeError) || error.status === undefined) {
          unreachable = error instanceof Error ? error.message : String(error);
          break;
        }
        invalid.add(`${file}#${document}#${item ?? -1}`);
        for (const { path, message } of serverProblems(error, object, namespace))
          problems.push({
            file,
            document,
            ...(item === undefined ? {} : { item }),
            ...locate(path),
            object: ref,
            severity: "error",
            code: "server-rejected",
            path,
            message,
          });
      }
    }
  } finally {
    kube.close();
  }
  return {
    report: {
      ...report,
      problems,
      trafficSplits: report.trafficSplits.map((t) =>
        invalid.has(`${t.file}#${t.document}#${t.item ?? -1}`) ? { ...t, valid: false } : t,
      ),
      errors: problems.filter((p) => p.severity === "error").length,
    },
    ...(unreachable === undefined ? {} : { unreachable }),
  };
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every *.yaml, *.yml and *.json file under `dir`, recursively, in a stable order (dot entries skipped). */
function walk(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walk(path);
    return e.isFile() && MANIFEST.test(e.name) ? [path] : [];
  });
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "ENOENT") return "no such file or directory";
  if (e.code === "EACCES") return "permission denied";
  return e.message;
}

/** Reads every source the `-f` flags name; a path that cannot be read is a usage error (exit 2). */
export async function readSources(filenames: readonly string[], io: CliIO): Promise<Source[]> {
  const sources: Source[] = [];
  for (const filename of filenames) {
    if (filename === "-") {
      if (io.readStdin === undefined)
        throw new CliError("-f -: there is no standard input to read", 2);
      sources.push({ name: "<stdin>", text: await io.readStdin() });
      continue;
    }
    try {
      if (statSync(filename).isDirectory()) {
        const files = walk(filename);
        if (files.length === 0)
          io.err(`${filename}: no *.yaml, *.yml or *.json files in this directory\n`);
        for (const file of files) sources.push({ name: file, text: readFileSync(file, "utf8") });
      } else {
        sources.push({ name: filename, text: readFileSync(filename, "utf8") });
      }
    } catch (error) {
      throw new CliError(`cannot read ${filename}: ${describe(error)}`, 2);
    }
  }
  return sources;
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

function location(p: Problem): string {
  const at = p.line === undefined ? "" : `:${p.line}:${p.column ?? 1}`;
  return `${p.file}${at}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The human report: problems compiler style (`file:line:col:` first) in file order, then a summary. */
export function renderValidateReport(report: LintReport): string {
  const entries: { file: string; document: number; item: number; text: string }[] = [];
  for (const split of report.trafficSplits) {
    const problems = report.problems.filter(
      (p) =>
        p.file === split.file &&
        p.document === split.document &&
        p.item === split.item &&
        p.code !== "yaml-syntax",
    );
    const where = `document ${split.document}${split.item === undefined ? "" : `, items[${split.item}]`}`;
    let text = "";
    for (const p of problems) {
      const diagnostic = formatDiagnostic(p as Problem & { code: DiagnosticCode });
      text += `${location(p)}: ${where}, TrafficSplit ${split.object}\n${indent(diagnostic, "  ")}\n`;
    }
    if (split.valid) {
      const backends = (split.backends ?? [])
        .map((b) => `${b.service} ${b.weight} (${formatPercent(b.percent)})`)
        .join(", ");
      text += `${split.file}: ${where}, TrafficSplit ${split.object}: valid, ${split.apex ?? ""} -> ${backends === "" ? "no backends" : backends}\n`;
    }
    entries.push({ file: split.file, document: split.document, item: split.item ?? -1, text });
  }
  for (const p of report.problems.filter((x) => x.code === "yaml-syntax")) {
    entries.push({
      file: p.file,
      document: p.document,
      item: -1,
      text: `${location(p)}: document ${p.document}\n  ${p.severity}[${p.code}] ${p.message}\n`,
    });
  }
  const order = new Map(report.fileNames.map((name, i) => [name, i]));
  entries.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
      a.document - b.document ||
      a.item - b.item,
  );
  let out = entries.map((e) => e.text).join("");
  const invalid = report.trafficSplits.filter((s) => !s.valid).length;
  const valid = report.trafficSplits.length - invalid;
  const syntax = report.problems.filter((p) => p.code === "yaml-syntax").length;
  out +=
    `${out === "" ? "" : "\n"}${plural(report.trafficSplits.length, "TrafficSplit")} in ${plural(report.files, "file")}: ${valid} valid, ${invalid} invalid` +
    `${syntax > 0 ? `, ${plural(syntax, "YAML syntax error")}` : ""} (${plural(report.errors, "error")}, ${plural(report.warnings, "warning")})\n`;
  return out;
}

/** The `-o json` report: stable keys, for CI pipelines. */
export function validateJson(report: LintReport): unknown {
  const invalid = report.trafficSplits.filter((s) => !s.valid).length;
  return {
    valid: report.errors === 0,
    summary: {
      files: report.files,
      documents: report.documents,
      trafficSplits: report.trafficSplits.length,
      valid: report.trafficSplits.length - invalid,
      invalid,
      skipped: report.skipped.length,
      errors: report.errors,
      warnings: report.warnings,
    },
    problems: report.problems,
    trafficSplits: report.trafficSplits,
    skipped: report.skipped,
  };
}

export async function validate(options: ValidateOptions, io: CliIO): Promise<number> {
  checkOutputFormat(options.output, ["text", "json"], ["table"]);
  if (options.filenames.length === 0)
    throw new CliError(
      "no manifests given: pass -f FILE, -f DIR or -f - (standard input), as often as needed",
      2,
    );
  const sources = await readSources(options.filenames, io);
  let report = lintSources(sources, { crd: trafficSplitCrd() });
  let unreachable: string | undefined;
  if (options.server !== undefined)
    ({ report, unreachable } = await serverDryRun(report, sources, options.server));

  if (report.skipped.length > 0) {
    const names = report.skipped
      .slice(0, 5)
      .map((s) => `${s.kind}${s.name === undefined ? "" : ` ${s.name}`}`);
    const more =
      report.skipped.length > names.length
        ? `, and ${report.skipped.length - names.length} more`
        : "";
    io.err(
      `Skipped ${plural(report.skipped.length, "document")} that ${report.skipped.length === 1 ? "is not a TrafficSplit" : "are not TrafficSplits"}: ${names.join(", ")}${more}\n`,
    );
  }
  if (report.trafficSplits.length === 0 && report.problems.length === 0)
    io.err("No TrafficSplits found.\n");

  if (options.output === "json") io.out(`${JSON.stringify(validateJson(report), null, 2)}\n`);
  else io.out(renderValidateReport(report));
  // The offline report stands; what the cluster would have said is missing.
  if (unreachable !== undefined)
    throw new CliError(
      `--server: could not reach the cluster, so the report above lacks its answers: ${unreachable}`,
    );
  return report.errors > 0 ? 1 : 0;
}

export function newCmdValidate(ctx: CommandContext): Command {
  return new Command("validate")
    .description(
      "Check TrafficSplit manifests offline, as the adaptor would read them (no cluster needed)",
    )
    .option(
      "-f, --filename <path>",
      "a file, a directory (*.yaml, *.yml, *.json, recursively) or - for standard input (repeatable)",
      collect,
      [],
    )
    .option("-o, --output <format>", "output format: text or json (default: text)")
    .option(
      "--server",
      "also send each TrafficSplit to the cluster as a server-side dry run (nothing is stored)",
      false,
    )
    .addHelpText(
      "after",
      `
Each TrafficSplit is checked as the adaptor reads it, and against the schema
and served versions of the TrafficSplit CRD the extension installs (what the
apiserver would reject); --server also asks the cluster itself (a server-side
dry run). Documents of other kinds are skipped. Exits 1 when any TrafficSplit
has an error (warnings alone exit 0), 2 when a file cannot be read.

Examples:
  linkerd smi validate -f split.yaml
  linkerd smi validate -f manifests/ -o json
  kustomize build overlays/prod | linkerd smi validate -f -`,
    )
    .action(async (_opts: unknown, command: Command) => {
      const o = command.opts<{ filename: string[]; output?: string; server: boolean }>();
      exitWith(
        await validate(
          {
            filenames: o.filename,
            output: o.output ?? "",
            ...(o.server ? { server: clientFactory(command) } : {}),
          },
          ctx.io,
        ),
      );
    });
}
