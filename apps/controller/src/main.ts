#!/usr/bin/env node
import { startAdaptor } from "./runtime.js";
import { FlagError, parseFlags, usage, type AdaptorFlags } from "./flags.js";
import { createLogger } from "./logger.js";
import { VERSION } from "./version.js";

async function main(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`${error.message}\n${usage()}`);
      return 2;
    }
    throw error;
  }
  if (flags.help) {
    // As Go's flag package does for -h and -help: the usage on stderr, exit status 0.
    process.stderr.write(usage());
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`smi-adaptor ${VERSION}\n`);
    return 0;
  }
  const log = createLogger({ level: flags.logLevel, format: flags.logFormat });
  try {
    return await serve(flags);
  } catch (error) {
    // A fatal error, in the log format asked for.
    log.error(`smi-adaptor failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function serve(flags: AdaptorFlags): Promise<number> {
  const adaptor = await startAdaptor(flags);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  // A second signal, or a stop that outlives its bound, ends the process at once.
  const force = setTimeout(() => process.exit(1), flags.shutdownTimeoutMs + 5_000);
  force.unref();
  process.once(signal, () => process.exit(1));
  await adaptor.stop();
  clearTimeout(force);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: `smi-adaptor failed: ${error instanceof Error ? error.message : String(error)}` })}\n`,
    );
    process.exit(1);
  },
);
