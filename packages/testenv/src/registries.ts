/**
 * Registries on loopback for the release tests: the CNCF Distribution registry (OCI images and
 * Helm's OCI charts) and a static HTTP server (a chart repository and release files, as GitHub
 * Pages and GitHub Releases serve them). Nothing here listens beyond 127.0.0.1.
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize, sep } from "node:path";
import { ensureBinaries } from "./binaries.js";
import { eventually } from "./eventually.js";
import { freePort } from "./ports.js";
import { ManagedProcess } from "./process.js";

/** The Distribution registry (`registry serve`), storing in a temporary directory. */
export class OciRegistry {
  private constructor(
    /** `127.0.0.1:<port>`, as image references and `oci://` URLs name it. */
    readonly host: string,
    private readonly process: ManagedProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OciRegistry> {
    const { registry } = await ensureBinaries(["registry"]);
    const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-registry-"));
    const port = await freePort();
    const host = `127.0.0.1:${String(port)}`;
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: warn",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${join(dir, "data")}`,
        "http:",
        `  addr: ${host}`,
        "",
      ].join("\n"),
    );
    const proc = new ManagedProcess(
      "registry",
      registry,
      ["serve", config],
      join(dir, "registry.log"),
    );
    const started = new OciRegistry(host, proc, dir);
    try {
      await eventually(
        `the registry on ${host} to answer /v2/`,
        async () => {
          if (proc.hasExited) throw new Error(`registry exited:\n${proc.tail()}`);
          const res = await fetch(`http://${host}/v2/`);
          return res.status === 200 ? true : undefined;
        },
        30_000,
      );
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }

  /** The tags of a repository, as the registry's API lists them. */
  async tags(repository: string): Promise<string[]> {
    const res = await fetch(`http://${this.host}/v2/${repository}/tags/list`);
    if (res.status === 404) return [];
    const body = (await res.json()) as { tags?: string[] | null };
    return (body.tags ?? []).sort();
  }

  /** A manifest (or index) by tag or digest, with the digest the registry gives it. */
  async manifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; body: unknown }> {
    const res = await fetch(`http://${this.host}/v2/${repository}/manifests/${reference}`, {
      headers: {
        accept: [
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v2+json",
        ].join(", "),
      },
    });
    if (!res.ok) throw new Error(`GET manifest ${repository}:${reference}: ${String(res.status)}`);
    return { digest: res.headers.get("docker-content-digest") ?? "", body: await res.json() };
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A static file server for `root`, on loopback: GET and HEAD of files, percent-encoded paths
 * decoded (a GitHub release's tag `@scope/name@1.0.0` is `%40scope%2Fname%401.0.0` in its
 * download URLs), 404 for anything else. Every request is recorded.
 */
export class StaticServer {
  private constructor(
    readonly url: string,
    readonly root: string,
    private readonly server: Server,
    /** `METHOD path` of every request, in order. */
    readonly requests: readonly string[],
  ) {}

  static async start(root: string): Promise<StaticServer> {
    mkdirSync(root, { recursive: true });
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method ?? ""} ${req.url ?? ""}`);
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const file = normalize(join(root, path));
      const stat = file.startsWith(root + sep)
        ? statSync(file, { throwIfNoEntry: false })
        : undefined;
      if ((req.method !== "GET" && req.method !== "HEAD") || !stat?.isFile()) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
        return;
      }
      res.writeHead(200, {
        "content-length": stat.size,
        "content-type": file.endsWith(".yaml") ? "application/x-yaml" : "application/octet-stream",
      });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string")
      throw new Error("no port for the static server");
    return new StaticServer(`http://127.0.0.1:${String(address.port)}`, root, server, requests);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
