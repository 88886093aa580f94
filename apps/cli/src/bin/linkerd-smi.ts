#!/usr/bin/env node
import { answerMetadata } from "../metadata.js";

const args = process.argv.slice(2);
// `linkerd check` asks every extension for its metadata on each run: answer before loading the CLI.
if (!answerMetadata(args, (text) => process.stdout.write(text))) {
  const [{ processIO }, { run }] = await Promise.all([import("../io.js"), import("../program.js")]);
  process.exitCode = await run(args, processIO);
}
