export {
  buildAdminServer,
  parseListenAddress,
  type AdminServerDeps,
  type Readiness,
} from "./admin.js";
export { startAdaptor, type AdaptorHandle, type AdaptorOptions } from "./runtime.js";
export { FlagError, parseFlags, usage, type AdaptorFlags } from "./flags.js";
export { VERSION } from "./version.js";
export { ADAPTOR_NODE_FLAGS } from "./node-flags.js";
