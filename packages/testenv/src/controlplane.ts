import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureBinaries, type Binaries } from "./binaries.js";
import { expectOk, KubeHttp } from "./http.js";
import { writeKubeconfig, type KubeconfigUser } from "./kubeconfig.js";
import { freePort } from "./ports.js";
import { NODE_NETWORK } from "./node/network.js";
import { TestNode } from "./node/node.js";
import { ManagedProcess } from "./process.js";

export interface ControlPlaneOptions {
  /** Progress messages (defaults to stderr). */
  log?: (message: string) => void;
  /** Keep the data directory on stop (for debugging a failed run). */
  keepData?: boolean;
  /**
   * Extra kube-apiserver flags. `--watch-cache=false`, for example, sends
   * watches straight to etcd, so an etcd compaction surfaces as 410 Gone.
   */
  apiServerArgs?: readonly string[];
  /**
   * Run kube-controller-manager too: ownerReference garbage collection, namespace deletion and
   * EndpointSlices are then real, not assumed. Default false here; `startEnvironment` starts it
   * once the CRDs are installed (its garbage collector discovers resources when it starts, and
   * picks up later CRDs only on its periodic rediscovery).
   */
  controllerManager?: boolean;
  /**
   * Give the control plane a real node (see {@link TestNode}): the machine's node lock is taken
   * and the network guard put in place first, the apiserver serves on the node's address
   * (`NODE_NETWORK.nodeIp`, so pods reach it through the `kubernetes` Service), and
   * kube-controller-manager runs every controller. `startEnvironment` starts the node once
   * the CRDs are in. Needs root.
   */
  node?: boolean;
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

const ADMIN_USER = "testenv-admin";
const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
const READY_TIMEOUT_MS = 120_000;

async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  failFast?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const fatal = failFast?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
  throw new Error(`${what}: not ready after ${timeoutMs / 1000}s${detail}`);
}

/**
 * A real Kubernetes control plane on loopback: etcd and kube-apiserver with
 * RBAC authorization, a static admin token in `system:masters`, and the
 * service-account token issuer, so tests can mint real identities.
 *
 * Every instance has its own ports and its own temporary directory, so two
 * runs on one machine never share state.
 */
export class ControlPlane {
  readonly binaries: Binaries;
  readonly dir: string;
  readonly adminToken: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  private etcd: ManagedProcess | undefined;
  private apiserver: ManagedProcess | undefined;
  private controllerManager: ManagedProcess | undefined;
  private caPemCache: string | undefined;
  private adminClient: KubeHttp | undefined;
  private stopped = false;
  /** The node, when started with `node: true` (reserved at start, running after {@link startNode}). */
  node: TestNode | undefined;

  private constructor(
    binaries: Binaries,
    dir: string,
    private readonly ports: { etcdClient: number; etcdPeer: number; apiserver: number },
    private readonly options: ControlPlaneOptions,
  ) {
    this.binaries = binaries;
    this.dir = dir;
    this.adminToken = randomBytes(24).toString("hex");
    this.server = `https://${this.address}:${ports.apiserver}`;
    this.kubeconfigPath = join(dir, "kubeconfig");
  }

  /** Builds the binaries if needed, then starts etcd and kube-apiserver. */
  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const binaries = await ensureBinaries();
    const log = options.log ?? ((m: string) => process.stderr.write(`[testenv] ${m}\n`));
    // Before the apiserver: it binds to the node's address, which the reservation puts in place.
    const node = options.node === true ? await TestNode.reserve(log) : undefined;
    let lastError: unknown;
    // A free port can be taken between probing and binding; try again with new ones.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-testenv-"));
      const ports = {
        etcdClient: await freePort(),
        etcdPeer: await freePort(),
        apiserver: await freePort(),
      };
      const plane = new ControlPlane(binaries, dir, ports, options);
      try {
        await plane.boot();
        plane.node = node;
        return plane;
      } catch (error) {
        lastError = error;
        await plane.stop();
        if (!(error instanceof Error && /address already in use/i.test(error.message))) break;
      }
    }
    await node?.stop();
    throw lastError;
  }

  /** Where the apiserver serves: loopback, or the node's address when there is a node. */
  private get address(): string {
    return this.options.node === true ? NODE_NETWORK.nodeIp : "127.0.0.1";
  }

  /** Starts the node reserved by `start({ node: true })` and waits for it to be Ready. */
  async startNode(): Promise<TestNode> {
    if (this.node === undefined)
      throw new Error("startNode: this control plane was started without `node: true`");
    await this.node.start(this);
    return this.node;
  }

  private log(message: string): void {
    (this.options.log ?? ((m: string) => process.stderr.write(`[testenv] ${m}\n`)))(message);
  }

  private async boot(): Promise<void> {
    mkdirSync(join(this.dir, "logs"));
    mkdirSync(join(this.dir, "certs"));
    writeFileSync(
      join(this.dir, "tokens.csv"),
      `${this.adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`,
      { mode: 0o600 },
    );
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(join(this.dir, "sa.key"), privateKey, { mode: 0o600 });
    writeFileSync(join(this.dir, "sa.pub"), publicKey);

    await this.startEtcd();
    await this.startApiServer();
    writeKubeconfig(
      this.kubeconfigPath,
      { server: this.server, caPem: this.caPem },
      { token: this.adminToken },
    );
    if (this.options.controllerManager === true) await this.startControllerManager();
  }

  /**
   * Starts kube-controller-manager (again, after {@link stopControllerManager}), from the same
   * Kubernetes release as the apiserver, with the admin identity and the service-account signing
   * key. It serves nothing (`--secure-port=0`) and elects no leader.
   */
  async startControllerManager(): Promise<void> {
    if (this.controllerManager !== undefined && !this.controllerManager.hasExited) return;
    const log = join(this.dir, "logs", "kube-controller-manager.log");
    this.controllerManager = new ManagedProcess(
      "kube-controller-manager",
      this.binaries.kubeControllerManager,
      [
        `--kubeconfig=${this.kubeconfigPath}`,
        "--secure-port=0",
        "--leader-elect=false",
        `--service-account-private-key-file=${join(this.dir, "sa.key")}`,
        `--root-ca-file=${join(this.dir, "certs", "apiserver.crt")}`,
        "--use-service-account-credentials=false",
        // With a node, every controller. Without one, node and cloud controllers have nothing
        // to do; token signing is the apiserver's (TokenRequest); and without a scheduler or
        // kubelet, workload controllers would only leave Pending pods beside the ones tests
        // create to stand for a kubelet's.
        this.options.node === true
          ? "--controllers=*"
          : "--controllers=*,-bootstrapsigner,-tokencleaner,-nodeipam,-nodelifecycle,-persistentvolume-binder,-attachdetach,-csrsigning,-deployment,-replicaset,-statefulset,-daemonset,-job,-cronjob",
        "--profiling=false",
        "--v=1",
      ],
      log,
    );
    const kcm = this.controllerManager;
    // Ready when its garbage collector has synced its monitors and starts collecting.
    await waitUntil(
      "kube-controller-manager",
      READY_TIMEOUT_MS,
      () =>
        Promise.resolve(
          existsSync(log) && readFileSync(log, "utf8").includes("Proceeding to collect garbage"),
        ),
      () => (kcm.hasExited ? `exited early:\n${kcm.tail()}` : undefined),
    );
    this.log(`kube-controller-manager ${this.binaries.versions.kubernetes}`);
  }

  /** Stops kube-controller-manager (garbage collection pauses), keeping everything else. */
  async stopControllerManager(): Promise<void> {
    await this.controllerManager?.stop();
  }

  private async startEtcd(): Promise<void> {
    const client = `http://127.0.0.1:${this.ports.etcdClient}`;
    const peer = `http://127.0.0.1:${this.ports.etcdPeer}`;
    this.etcd = new ManagedProcess(
      "etcd",
      this.binaries.etcd,
      [
        "--name=testenv",
        `--data-dir=${join(this.dir, "etcd")}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=testenv=${peer}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      join(this.dir, "logs", "etcd.log"),
    );
    const etcd = this.etcd;
    await waitUntil(
      "etcd",
      30_000,
      async () => {
        const res = await fetch(`${client}/health`);
        const body = (await res.json()) as { health?: string };
        return body.health === "true";
      },
      () => (etcd.hasExited ? `exited early:\n${etcd.tail()}` : undefined),
    );
    this.log(`etcd ${this.binaries.versions.etcd} on ${client}`);
  }

  /** Starts kube-apiserver (again, after {@link stopApiServer}) on the same port and data. */
  async startApiServer(): Promise<void> {
    if (this.apiserver !== undefined && !this.apiserver.hasExited) return;
    this.apiserver = new ManagedProcess(
      "kube-apiserver",
      this.binaries.kubeApiserver,
      [
        `--etcd-servers=http://127.0.0.1:${this.ports.etcdClient}`,
        `--bind-address=${this.address}`,
        // With a node, pods reach the apiserver through the `kubernetes` Service, whose endpoint
        // is this address; 127.0.0.1 would leave the Service without endpoints.
        `--advertise-address=${this.address}`,
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        `--secure-port=${this.ports.apiserver}`,
        `--cert-dir=${join(this.dir, "certs")}`,
        `--token-auth-file=${join(this.dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${join(this.dir, "sa.pub")}`,
        `--service-account-signing-key-file=${join(this.dir, "sa.key")}`,
        `--service-cluster-ip-range=${NODE_NETWORK.serviceCidr}`,
        "--allow-privileged=true",
        "--profiling=false",
        "--v=1",
        ...(this.options.apiServerArgs ?? []),
      ],
      join(this.dir, "logs", "kube-apiserver.log"),
    );
    const apiserver = this.apiserver;
    await waitUntil(
      "kube-apiserver",
      READY_TIMEOUT_MS,
      async () => {
        if (!existsSync(join(this.dir, "certs", "apiserver.crt"))) return false;
        try {
          const res = await this.admin().get("/readyz");
          return res.status === 200;
        } catch (error) {
          // kube-apiserver writes its serving certificate and then its self-signed CA into
          // apiserver.crt; a read in between holds the leaf alone, and every later probe failed
          // with "self-signed certificate in certificate chain" (seen once on CI). Read the file
          // again on the next try.
          this.caPemCache = undefined;
          this.resetClient();
          throw error;
        }
      },
      () => (apiserver.hasExited ? `exited early:\n${apiserver.tail()}` : undefined),
    );
    this.log(`kube-apiserver ${this.binaries.versions.kubernetes} on ${this.server}`);
  }

  /** etcd's client URL (plain HTTP on loopback). */
  get etcdUrl(): string {
    return `http://127.0.0.1:${this.ports.etcdClient}`;
  }

  /**
   * Compacts etcd's history up to its current revision, as the apiserver's
   * periodic compaction would: every watch that resumes from an older
   * resourceVersion then gets 410 Gone and must relist.
   */
  async compactEtcd(): Promise<number> {
    const call = async (path: string, body: unknown): Promise<unknown> => {
      const res = await fetch(`${this.etcdUrl}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${await res.text()}`);
      return res.json();
    };
    const range = (await call("/v3/kv/range", { key: Buffer.from("\0").toString("base64") })) as {
      header: { revision: string };
    };
    const revision = Number(range.header.revision);
    await call("/v3/kv/compaction", { revision, physical: true });
    return revision;
  }

  /** Stops kube-apiserver gracefully, keeping etcd and all data. */
  async stopApiServer(): Promise<void> {
    await this.apiserver?.stop();
    this.resetClient();
  }

  /** Kills kube-apiserver with SIGKILL, keeping etcd and all data. */
  async killApiServer(): Promise<void> {
    await this.apiserver?.kill();
    this.resetClient();
  }

  async restartApiServer(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  /** PEM bundle that verifies the apiserver's self-generated serving certificate. */
  get caPem(): string {
    this.caPemCache ??= readFileSync(join(this.dir, "certs", "apiserver.crt"), "utf8");
    return this.caPemCache;
  }

  /** A client with the admin identity (`system:masters`). */
  admin(): KubeHttp {
    this.adminClient ??= new KubeHttp(this.server, this.caPem, { token: this.adminToken });
    return this.adminClient;
  }

  /** A client that sends no credentials at all. */
  anonymous(): KubeHttp {
    return new KubeHttp(this.server, this.caPem);
  }

  client(credentials: { token: string }): KubeHttp {
    return new KubeHttp(this.server, this.caPem, credentials);
  }

  private resetClient(): void {
    this.adminClient?.close();
    this.adminClient = undefined;
  }

  /** What `/version` reports, e.g. `v1.36.3`. */
  async version(): Promise<string> {
    const res = expectOk(await this.admin().get("/version"), "GET /version");
    return (res.body as { gitVersion: string }).gitVersion;
  }

  /**
   * Creates the namespace and service account if needed and returns a token
   * minted for it by the apiserver (TokenRequest), as a pod would get.
   */
  async serviceAccountToken(sa: ServiceAccountRef, expirationSeconds = 3600): Promise<string> {
    const admin = this.admin();
    expectOk(
      await admin.apply(`/api/v1/namespaces/${sa.namespace}`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: sa.namespace },
      }),
      `create namespace ${sa.namespace}`,
    );
    expectOk(
      await admin.apply(`/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.name}`, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: sa.name, namespace: sa.namespace },
      }),
      `create serviceaccount ${sa.namespace}/${sa.name}`,
    );
    const res = expectOk(
      await admin.post(`/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.name}/token`, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { audiences: [SERVICE_ACCOUNT_ISSUER], expirationSeconds },
      }),
      `mint a token for ${sa.namespace}/${sa.name}`,
    );
    return (res.body as { status: { token: string } }).status.token;
  }

  /** Writes a kubeconfig for a service account and returns its path. */
  async serviceAccountKubeconfig(sa: ServiceAccountRef): Promise<string> {
    const token = await this.serviceAccountToken(sa);
    return this.writeKubeconfig(`sa-${sa.namespace}-${sa.name}`, { token });
  }

  /** Writes a kubeconfig in the control plane's directory for any identity. */
  writeKubeconfig(name: string, user: KubeconfigUser): string {
    return writeKubeconfig(
      join(this.dir, `kubeconfig-${name}`),
      { server: this.server, caPem: this.caPem },
      user,
    );
  }

  /** Stops both processes and removes the data directory (unless `keepData`). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.resetClient();
    // The node first (its pods, then the guard), while the apiserver still answers.
    await this.node?.stop();
    await this.controllerManager?.stop();
    await this.apiserver?.stop();
    await this.etcd?.stop();
    if (this.options.keepData === true) this.log(`kept ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
