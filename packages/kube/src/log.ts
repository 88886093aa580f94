/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The logger every component here takes. Any structured logger (pino,
 * winston, console wrappers) fits with a line of glue.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger that writes `level message {fields}` lines to stderr (no debug unless asked). */
export function consoleLogger(options: { debug?: boolean; prefix?: string } = {}): Logger {
  const write =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      const extra = fields === undefined ? "" : ` ${JSON.stringify(fields, errorReplacer)}`;
      process.stderr.write(`${options.prefix ?? ""}${level} ${message}${extra}\n`);
    };
  return {
    debug: options.debug === true ? write("debug") : () => undefined,
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}
