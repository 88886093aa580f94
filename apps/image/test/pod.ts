/**
 * Runs the built image the way the chart's Deployment runs it, read from the
 * chart rendered by the real helm (`helm template`), never restated here:
 * the container's args, env, ports, probes, memory limit and security
 * context, the pod's terminationGracePeriodSeconds, and the ServiceAccount
 * and RBAC it runs with. What the kubelet adds is added as the kubelet adds
 * it: a token of the chart's ServiceAccount minted by the apiserver
 * (TokenRequest), `ca.crt` and `namespace` mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST and
 * _PORT, and the pod's name as hostname.
 *
 * One thing differs from a cluster: the containers share the host's network
 * (they must reach the test apiserver on loopback), so each gets a free port
 * in place of the chart's admin port 9995, in the `-metrics-addr` argument
 * and for its probes alike; the test asserts that the chart's probes name the
 * port its `-metrics-addr` listens on.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyManifest,
  chartDir,
  expectOk,
  KubeHttp,
  memoryCgroup,
  readKubeconfig,
  renderChart,
  type RenderedObject,
} from "@linkerd-smi/testenv";

// ---------------------------------------------------------------------------
// podman, as probed on this machine: as root, runc, cgroupfs, no default ulimits

const podmanConfigDir = mkdtempSync(join(tmpdir(), "smi-image-podman-"));
const containersConf = join(podmanConfigDir, "containers.conf");
writeFileSync(containersConf, "[containers]\ndefault_ulimits = []\n");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs podman; never throws for a non-zero exit (the caller asserts on it). */
export function podman(args: readonly string[], timeoutMs = 300_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      "podman",
      ["--runtime", "runc", "--cgroup-manager", "cgroupfs", ...args],
      {
        env: { ...process.env, CONTAINERS_CONF: containersConf },
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(new Error(`podman ${args.join(" ")}: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

/** podman, failing with its own message on a non-zero exit. */
export async function podmanOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const res = await podman(args, timeoutMs);
  if (res.code !== 0)
    throw new Error(`podman ${args.join(" ")} exited ${String(res.code)}:\n${res.stderr}`);
  return res.stdout;
}

// ---------------------------------------------------------------------------
// The chart

export interface ChartContainer {
  name: string;
  image: string;
  command?: unknown;
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number; protocol?: string }[];
  readinessProbe: { httpGet: { path: string; port: string | number } };
  livenessProbe: { httpGet: { path: string; port: string | number } };
  resources?: { limits?: { memory?: string } };
  securityContext?: SecurityContext;
  volumeMounts?: unknown;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface ChartDeployment {
  metadata: { name: string; namespace: string };
  spec: {
    replicas: number;
    template: {
      spec: {
        serviceAccountName: string;
        terminationGracePeriodSeconds?: number;
        securityContext?: SecurityContext;
        containers: ChartContainer[];
        volumes?: unknown;
      };
    };
  };
}

export interface Chart {
  namespace: string;
  objects: RenderedObject[];
  deployment: ChartDeployment;
  container: ChartContainer;
  /** The pod's terminationGracePeriodSeconds (Kubernetes' default, 30, when the chart sets none). */
  graceSeconds: number;
  /** resources.limits.memory in bytes. */
  memoryLimitBytes: number;
}

/** A Kubernetes memory quantity (`256Mi`, `1Gi`, `500M`, `1000`) in bytes. */
export function quantityBytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (m === null) throw new Error(`unsupported memory quantity ${JSON.stringify(quantity)}`);
  const unit = {
    "": 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  }[m[2] ?? ""];
  return Number(m[1]) * (unit ?? NaN);
}

/** The chart rendered by the real helm into `namespace`, with `set` values. */
export async function renderForTest(
  namespace: string,
  set: Record<string, string | number | boolean> = {},
): Promise<Chart> {
  const objects = await renderChart({ chart: chartDir, namespace, set });
  const deployments = objects.filter((o) => o.kind === "Deployment");
  if (deployments.length !== 1)
    throw new Error(`the chart renders ${String(deployments.length)} Deployments`);
  const deployment = deployments[0] as unknown as ChartDeployment;
  const [container, ...others] = deployment.spec.template.spec.containers;
  if (container === undefined || others.length > 0)
    throw new Error("the chart's pod has not exactly one container: update test/pod.ts");
  const limit = container.resources?.limits?.memory;
  if (limit === undefined) throw new Error("the chart sets no memory limit");
  return {
    namespace,
    objects,
    deployment,
    container,
    graceSeconds: deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30,
    memoryLimitBytes: quantityBytes(limit),
  };
}

/** The chart's ServiceAccount and RBAC, applied as `helm install` would (namespace first). */
export async function applyIdentity(admin: KubeHttp, chart: Chart): Promise<void> {
  expectOk(
    await admin.apply(`/api/v1/namespaces/${chart.namespace}`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: chart.namespace },
    }),
    `namespace ${chart.namespace}`,
  );
  const kinds = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
  const identity = chart.objects.filter((o) => kinds.includes(o.kind));
  if (!identity.some((o) => o.kind === "ServiceAccount"))
    throw new Error("the chart renders no ServiceAccount");
  await applyManifest(admin, identity);
}

/** The container port a probe's `port` (a name or a number) means. */
export function probePort(container: ChartContainer, port: string | number): number {
  if (typeof port === "number") return port;
  const found = container.ports.find((p) => p.name === port);
  if (found === undefined)
    throw new Error(`the probe names port ${port}, which the container does not declare`);
  return found.containerPort;
}

/** The port of the chart's `-metrics-addr=:<port>` argument. */
export function metricsAddrPort(container: ChartContainer): number {
  const arg = container.args.find((a) => a.startsWith("-metrics-addr="));
  const port = /^-metrics-addr=[^:]*:(\d+)$/.exec(arg ?? "")?.[1];
  if (port === undefined)
    throw new Error(`the chart's args have no -metrics-addr=:<port>: ${container.args.join(" ")}`);
  return Number(port);
}

// ---------------------------------------------------------------------------
// The cluster the container talks to

export interface Cluster {
  admin: KubeHttp;
  /** https://127.0.0.1:<port> */
  server: string;
  caPem: string;
}

export function clusterFromKubeconfig(kubeconfig: string): Cluster {
  const { server, caPem } = readKubeconfig(kubeconfig);
  return { admin: KubeHttp.fromKubeconfig(kubeconfig), server, caPem };
}

/** A token for the pod's ServiceAccount, as the kubelet asks for one (TokenRequest, default audience). */
async function podToken(cluster: Cluster, chart: Chart): Promise<string> {
  const sa = chart.deployment.spec.template.spec.serviceAccountName;
  const res = expectOk(
    await cluster.admin.post(`/api/v1/namespaces/${chart.namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    }),
    `token for ${chart.namespace}/${sa}`,
  );
  return (res.body as { status: { token: string } }).status.token;
}

// ---------------------------------------------------------------------------
// A pod of the chart, as a container

const free = async (): Promise<number> => {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
  });
};

export interface PodOptions {
  /** The image to run (an ID from {@link pullPlatform}). */
  imageId: string;
  /** Pod name: the container's hostname, as in a cluster. */
  podName?: string;
  /** Prefixes the entrypoint (qemu-user for another architecture), with files to mount for it. */
  wrap?: { entrypoint: string[]; mounts: string[] };
}

/** The `podman run` flags of the chart's container; fails on anything it does not know how to carry over. */
export function securityFlags(chart: Chart): string[] {
  const pod = chart.deployment.spec.template.spec.securityContext ?? {};
  const own = chart.container.securityContext ?? {};
  const ctx: SecurityContext = { ...pod, ...own };
  const flags: string[] = [];
  if (ctx.runAsUser === undefined || ctx.runAsGroup === undefined)
    throw new Error("the chart does not set runAsUser and runAsGroup");
  if (ctx.runAsNonRoot === true && ctx.runAsUser === 0)
    throw new Error("runAsNonRoot with runAsUser 0");
  flags.push("--user", `${String(ctx.runAsUser)}:${String(ctx.runAsGroup)}`);
  if (ctx.readOnlyRootFilesystem === true) flags.push("--read-only", "--read-only-tmpfs=false");
  if (ctx.allowPrivilegeEscalation === false) flags.push("--security-opt", "no-new-privileges");
  for (const cap of ctx.capabilities?.drop ?? []) flags.push("--cap-drop", cap);
  for (const cap of ctx.capabilities?.add ?? []) flags.push("--cap-add", cap);
  // RuntimeDefault is the runtime's default seccomp profile: podman's, with no flag.
  if (ctx.seccompProfile !== undefined && ctx.seccompProfile.type !== "RuntimeDefault")
    throw new Error(`seccompProfile ${ctx.seccompProfile.type} is not carried over by test/pod.ts`);
  flags.push(
    "--memory",
    String(chart.memoryLimitBytes),
    "--memory-swap",
    String(chart.memoryLimitBytes),
  );
  return flags;
}

/** The chart's env, with the downward API's fields filled in as the kubelet does. */
function envFlags(chart: Chart, podName: string): string[] {
  const flags: string[] = [];
  for (const e of chart.container.env ?? []) {
    let value = e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === "metadata.namespace") value = chart.namespace;
    else if (field === "metadata.name") value = podName;
    if (value === undefined)
      throw new Error(`env ${e.name}: its source is not carried over by test/pod.ts`);
    flags.push("--env", `${e.name}=${value}`);
  }
  return flags;
}

export class AdaptorPod {
  readonly startedAt = performance.now();
  private pid = 0;
  /** {@link memory} sampled just before {@link stop} (the cgroup goes with the container). */
  finalMemory: { limitBytes: number; peakBytes: number; oomKills: number } | undefined;

  private constructor(
    readonly name: string,
    readonly podName: string,
    /** The host port of the admin server (the chart's 9995, see the module comment). */
    readonly adminPort: number,
    readonly chart: Chart,
    private readonly secretsDir: string,
  ) {}

  /** `podman run -d` of the chart's container in the chart's pod, in-cluster config as a kubelet gives it. */
  static async start(cluster: Cluster, chart: Chart, options: PodOptions): Promise<AdaptorPod> {
    const { container } = chart;
    if (container.command !== undefined)
      throw new Error("the chart overrides the entrypoint: update test/pod.ts");
    if (
      container.volumeMounts !== undefined ||
      chart.deployment.spec.template.spec.volumes !== undefined
    )
      throw new Error("the chart mounts volumes: update test/pod.ts");
    const podName = options.podName ?? `smi-adaptor-${randomBytes(4).toString("hex")}`;
    const name = `smi-image-test-${podName}-${randomBytes(3).toString("hex")}`;

    const secretsDir = mkdtempSync(join(tmpdir(), "smi-image-sa-"));
    writeFileSync(join(secretsDir, "token"), await podToken(cluster, chart), { mode: 0o644 });
    writeFileSync(join(secretsDir, "ca.crt"), cluster.caPem, { mode: 0o644 });
    writeFileSync(join(secretsDir, "namespace"), chart.namespace, { mode: 0o644 });
    // mkdtemp makes it 0700; the kubelet's volume is readable by the pod's user.
    chmodSync(secretsDir, 0o755);

    const server = new URL(cluster.server);
    const chartPort = metricsAddrPort(container);
    const adminPort = await free();
    const args = container.args.map((a) =>
      a.startsWith("-metrics-addr=")
        ? a.replace(new RegExp(`:${String(chartPort)}$`), `:${String(adminPort)}`)
        : a,
    );
    const wrap = options.wrap;
    const runArgs = [
      "run",
      "-d",
      "--name",
      name,
      "--hostname",
      podName,
      "--network",
      "host",
      ...securityFlags(chart),
      ...envFlags(chart, podName),
      "--env",
      `KUBERNETES_SERVICE_HOST=${server.hostname}`,
      "--env",
      `KUBERNETES_SERVICE_PORT=${server.port}`,
      "-v",
      `${secretsDir}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
      ...(wrap === undefined
        ? []
        : [
            ...wrap.mounts.flatMap((m) => ["-v", m]),
            "--entrypoint",
            JSON.stringify(wrap.entrypoint),
          ]),
      options.imageId,
      ...args,
    ];
    await podmanOk(runArgs);
    const pod = new AdaptorPod(name, podName, adminPort, chart, secretsDir);
    const state = await pod.inspect();
    pod.pid = state.Pid;
    return pod;
  }

  async inspect(): Promise<{
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Pid: number;
  }> {
    const out = await podmanOk(["inspect", "--format", "{{json .State}}", this.name]);
    return JSON.parse(out) as {
      Status: string;
      Running: boolean;
      ExitCode: number;
      OOMKilled: boolean;
      Pid: number;
    };
  }

  async logs(): Promise<string> {
    const res = await podman(["logs", this.name]);
    return res.stdout + res.stderr;
  }

  /** GET of one of the chart's probes: its status code, or undefined when nothing answers. */
  async probe(which: "readinessProbe" | "livenessProbe"): Promise<number | undefined> {
    const { path, port } = this.chart.container[which].httpGet;
    const chartPort = probePort(this.chart.container, port);
    if (chartPort !== metricsAddrPort(this.chart.container))
      throw new Error(
        `the chart's ${which} uses port ${String(chartPort)}, not the admin server's`,
      );
    const res = await fetch(`http://127.0.0.1:${String(this.adminPort)}${path}`).catch(
      () => undefined,
    );
    return res?.status;
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${String(this.adminPort)}/metrics`)).text();
  }

  /** One series (exact name and labels) from /metrics; 0 when absent. */
  async metric(series: string): Promise<number> {
    const line = (await this.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  }

  /**
   * Polls the chart's readiness probe until it answers 200: the milliseconds
   * from `podman run` to ready. Fails at once, with the logs, if the container exits.
   */
  async waitReady(timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.probe("readinessProbe")) === 200) return performance.now() - this.startedAt;
      const state = await this.inspect();
      if (!state.Running)
        throw new Error(
          `${this.name} exited (${String(state.ExitCode)}) before it was ready:\n${await this.logs()}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `${this.name} not ready after ${String(timeoutMs)} ms:\n${await this.logs()}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `podman stop` with the chart's grace period: SIGTERM, then SIGKILL after terminationGracePeriodSeconds. */
  async stop(): Promise<void> {
    this.finalMemory = this.memory();
    await podmanOk(
      ["stop", "-t", String(this.chart.graceSeconds), this.name],
      (this.chart.graceSeconds + 60) * 1000,
    );
  }

  async kill(): Promise<void> {
    await podmanOk(["kill", "--signal", "KILL", this.name]);
  }

  /**
   * The container's memory cgroup: its limit and the most it has used
   * (cgroup v1 `memory.limit_in_bytes` / `max_usage_in_bytes`, or v2
   * `memory.max` / `memory.peak`), and the OOM kills counted there.
   */
  memory(): { limitBytes: number; peakBytes: number; oomKills: number } {
    const cgroup = memoryCgroup(this.pid);
    if (cgroup.version === 1) {
      const oom = /^oom_kill (\d+)$/m.exec(cgroup.read("memory.oom_control"))?.[1];
      if (oom === undefined) throw new Error(`${cgroup.dir}/memory.oom_control counts no oom_kill`);
      return {
        limitBytes: Number(cgroup.read("memory.limit_in_bytes")),
        peakBytes: Number(cgroup.read("memory.max_usage_in_bytes")),
        oomKills: Number(oom),
      };
    }
    return {
      limitBytes: Number(cgroup.read("memory.max")),
      peakBytes: Number(cgroup.read("memory.peak")),
      oomKills: Number(/^oom_kill (\d+)$/m.exec(cgroup.read("memory.events"))?.[1] ?? NaN),
    };
  }

  /** The node process's peak and current RSS and CPU seconds, from the host's /proc (as apps/bench measures). */
  usage(): { peakRssBytes: number; rssBytes: number; cpuSeconds: number } {
    const status = readFileSync(`/proc/${String(this.pid)}/status`, "utf8");
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${String(this.pid)}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      peakRssBytes: kb("VmHWM"),
      rssBytes: kb("VmRSS"),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100,
    };
  }

  /** Removes the container (force) and the mounted secrets. */
  async remove(): Promise<void> {
    await podman(["rm", "-f", "-t", "0", this.name]);
    rmSync(this.secretsDir, { recursive: true, force: true });
  }
}
