import type { LogFields, Logger as KubeLogger } from "@linkerd-smi/kube";

type LogLevel = "debug" | "info" | "warn" | "error";

/** kube's logger (what the informers, queue and client take), and `with`. */
export interface Logger extends KubeLogger {
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  write?: (line: string) => void;
  now?: () => Date;
}

function logfmtValue(value: unknown): string {
  const text =
    typeof value === "string" ? value : ((JSON.stringify(value) as string | undefined) ?? "null");
  return /^[\w./:@-]+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * One line per event: JSON objects (`{"time","level","msg",...fields}`) for
 * log pipelines, or logfmt (`time="..." level=info msg="..."`), the shape the
 * Go adaptor printed.
 */
export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    const time = now().toISOString();
    const all: LogFields = { ...base, ...fields };
    for (const [k, v] of Object.entries(all)) if (v instanceof Error) all[k] = v.message;
    if (options.format === "json") {
      write(`${JSON.stringify({ time, level, msg, ...all })}\n`);
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => ` ${k}=${logfmtValue(v)}`)
        .join("");
      write(`time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra}\n`);
    }
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    with: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
