#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ALL_TARGETS, ensureBinaries } from "./binaries.js";
import { startEnvironment } from "./environment.js";
import { prepareSystem } from "./machine.js";
import { NODE_NAME } from "./node/node.js";

const usage = `Usage: linkerd-smi-testenv up [--node] [--exit-after-start]
       linkerd-smi-testenv prepare

up: starts a real local control plane (etcd + kube-apiserver with RBAC, built
from the Go module proxy on first use), installs the TrafficSplit and
ServiceProfile CRDs, prints the kubeconfig path, and runs until Ctrl-C.

  --node               also start the machine's test node (kubelet, containerd,
                       kube-proxy, kube-scheduler, CoreDNS; needs root): pods run
                       for real, and no packet of theirs leaves the machine
  --exit-after-start   stop and clean up as soon as everything is up (for scripts)

prepare: puts in place what the tests need, once per machine, before any test
starts (\`pnpm test\` runs it first): the Debian packages and apt's arm64
architecture (as root, or with password-less sudo; otherwise it stops and
prints the command to run), and every binary built from the Go module proxy
into the cache.
`;

function log(line: string): void {
  process.stderr.write(`[testenv prepare] ${line}\n`);
}

async function prepare(): Promise<number> {
  const started = Date.now();
  prepareSystem(log);
  await ensureBinaries(ALL_TARGETS);
  log(`binaries: ${ALL_TARGETS.join(", ")} in the cache`);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    // `pnpm demo -- --flag` passes the `--` through; it is not an argument.
    args: process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === "--")),
    allowPositionals: true,
    options: {
      "exit-after-start": { type: "boolean", default: false },
      node: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (positionals[0] === "prepare" && positionals.length === 1) return prepare();
  if (positionals[0] !== "up" || positionals.length !== 1) {
    process.stderr.write(usage);
    return 2;
  }
  const env = await startEnvironment({ node: values.node });
  const node = env.plane.node;
  process.stdout.write(
    `kube-apiserver ${env.version} is up at ${env.plane.server} with RBAC on\n` +
      (node === undefined
        ? ""
        : `node ${NODE_NAME} Ready in ${((node.figures?.readyMs ?? 0) / 1000).toFixed(1)}s (logs in ${node.logDir})\n`) +
      `CRDs installed: ${env.crds.join(", ")}\n` +
      `kubeconfig: ${env.kubeconfig}\n\n` +
      `Try: KUBECONFIG=${env.kubeconfig} kubectl get crds\n`,
  );
  if (values["exit-after-start"]) {
    await env.plane.stop();
    return 0;
  }
  process.stdout.write("Press Ctrl-C to stop and remove the control plane.\n");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await env.plane.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `linkerd-smi-testenv: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
