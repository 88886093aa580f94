export { buildProgram, run } from "./program.js";
export {
  renderExtension,
  manifestObjects,
  chartDir,
  RELEASE_NAME,
  DEFAULT_NAMESPACE,
  type ValueFlags,
} from "./chart.js";
export { CLI_VERSION } from "./version.js";
export type { CliIO } from "./io.js";
