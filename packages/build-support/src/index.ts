export {
  buildCache,
  mib,
  readPackageJson,
  scriptOutput,
  sha256,
  type PackageJson,
  type ScriptOutput,
} from "./script.js";
export { compareVersions, newestCommonVersion, npmVersions } from "./node-versions.js";
