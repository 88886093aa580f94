/**
 * A port-forward to the policy controller's gRPC port (8090 of the `linkerd-destination` pod, as
 * `linkerd diagnostics policy` opens one), for `check --served` without `--policy-addr`. It runs
 * `kubectl port-forward` with the CLI's kubeconfig, context and impersonation, on a free local
 * loopback port, and stops it when done.
 */
import { spawn } from "node:child_process";

/** The policy controller's gRPC port in its pod (`policy-grpc`). */
export const POLICY_PORT = 8090;
const DEPLOYMENT = "linkerd-destination";

export interface PortForward {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  close(): void;
}

/** `kubectl`'s flags for the root options (the same cluster and identity as the CLI's client). */
export function kubectlFlags(root: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  as?: string | undefined;
  asGroup?: readonly string[] | undefined;
}): string[] {
  return [
    ...(root.kubeconfig ? ["--kubeconfig", root.kubeconfig] : []),
    ...(root.context ? ["--context", root.context] : []),
    ...(root.as ? ["--as", root.as] : []),
    ...(root.asGroup ?? []).flatMap((g) => ["--as-group", g]),
  ];
}

/**
 * Starts `kubectl port-forward deploy/linkerd-destination :8090` in `namespace`; resolves once
 * kubectl says where it listens, rejects with kubectl's own words when it stops before.
 */
export function portForwardPolicy(options: {
  namespace: string;
  kubectl?: string;
  flags: readonly string[];
  timeoutMs?: number;
}): Promise<PortForward> {
  const kubectl = options.kubectl ?? "kubectl";
  const args = [
    ...options.flags,
    "-n",
    options.namespace,
    "port-forward",
    `deploy/${DEPLOYMENT}`,
    `:${POLICY_PORT}`,
    "--address",
    "127.0.0.1",
  ];
  const where = `deploy/${DEPLOYMENT} port ${POLICY_PORT} in namespace ${options.namespace}`;
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      reject(new Error(`could not port-forward to ${where}: ${why}`));
    };
    const timer = setTimeout(
      () => fail(`kubectl said nothing in ${options.timeoutMs ?? 20_000} ms`),
      options.timeoutMs ?? 20_000,
    );
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const port = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(chunk)?.[1];
      if (port === undefined || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ address: `127.0.0.1:${port}`, close: () => child.kill() });
    });
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error: NodeJS.ErrnoException) =>
      fail(error.code === "ENOENT" ? `${kubectl} not found` : error.message),
    );
    child.on("exit", (code) =>
      fail(`kubectl exited (${String(code)}): ${stderr.trim().split("\n")[0] ?? ""}`),
    );
  });
}
