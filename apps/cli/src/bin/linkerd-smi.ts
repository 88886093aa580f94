#!/usr/bin/env node
import { processIO } from "../io.js";
import { run } from "../program.js";

process.exitCode = await run(process.argv.slice(2), processIO);
