export {
  binaryPaths,
  cacheDir,
  ensureBinaries,
  readVersions,
  type Binaries,
  type Target as BinaryTarget,
  type Versions,
} from "./binaries.js";
export {
  helmTemplateArgs,
  mintServiceAccountKubeconfig,
  parseManifest,
  renderChart,
  type RenderChartOptions,
  type RenderedObject,
} from "./chart.js";
export { ControlPlane, type ControlPlaneOptions, type ServiceAccountRef } from "./controlplane.js";
export {
  chartDir,
  establishCrds,
  installCrds,
  renderChartCrds,
  renderTrafficSplitCrd,
  serviceProfileCrd,
  type Crd,
  type InstallCrdsOptions,
} from "./crds.js";
export {
  gatewayApiCrds,
  gatewayApiModuleDir,
  type CrdDocument,
  type GatewayApiChannel,
} from "./gateway-api.js";
export { startEnvironment, type TestEnvironment } from "./environment.js";
export { expectOk, KubeHttp, type Credentials, type KubeResponse } from "./http.js";
export {
  readKubeconfig,
  writeKubeconfig,
  type KubeconfigUser,
  type ResolvedKubeconfig,
} from "./kubeconfig.js";
export { ManagedProcess } from "./process.js";
export { applyManifest, deleteManifest, ResourcePaths, type ManifestObject } from "./manifests.js";
export { eventually } from "./eventually.js";
export { NetworkNamespace } from "./netns.js";
export { Prometheus, type PrometheusOptions, type PromSample } from "./prometheus.js";
export { OciRegistry, StaticServer } from "./registries.js";
export { freePort } from "./ports.js";
export {
  readmeLibraryExample,
  SNIPPET_OUTPUT,
  SNIPPET_TSC_FLAGS,
  type ReadmeExample,
} from "./readme.js";
export { NODE_TARGETS } from "./binaries.js";
export {
  BRIDGE,
  GUARD_CHAIN,
  guardProblems,
  guardRules,
  NODE_NETWORK,
  type GuardSnapshot,
} from "./node/network.js";
export { clearNode, leftovers, NODE_DIRS, type Leftovers } from "./node/cleanup.js";
export {
  assertGuard,
  containerProcess,
  type ContainerProcess,
  memoryCgroup,
  type MemoryCgroup,
  guardSnapshot,
  importImage,
  NODE_NAME,
  TestNode,
  type NodeFigures,
} from "./node/node.js";
