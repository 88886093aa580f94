/**
 * Verdaccio, the npm registry, on loopback with no uplink: it holds only what the test
 * publishes to it, so an `npm install` from it proves the package was published, and nothing
 * is fetched from beyond the machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { eventually, freePort, ManagedProcess } from "@linkerd-smi/testenv";

const require = createRequire(import.meta.url);

export class Verdaccio {
  private constructor(
    /** `http://127.0.0.1:<port>/` */
    readonly url: string,
    /** A token of the user the test registered (Verdaccio lets only users publish). */
    readonly token: string,
    /** An npmrc with the registry and the token, for `npm --userconfig`. */
    readonly npmrc: string,
    private readonly process: ManagedProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<Verdaccio> {
    const dir = mkdtempSync(join(tmpdir(), "linkerd-smi-verdaccio-"));
    const port = await freePort();
    const url = `http://127.0.0.1:${String(port)}/`;
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      [
        `storage: ${join(dir, "storage")}`,
        "auth:",
        "  htpasswd:",
        `    file: ${join(dir, "htpasswd")}`,
        "uplinks: {}",
        "packages:",
        "  '**':",
        "    access: $all",
        "    publish: $authenticated",
        "log: { type: stdout, format: pretty, level: warn }",
        "",
      ].join("\n"),
    );
    const bin = join(dirname(require.resolve("verdaccio/package.json")), "bin", "verdaccio");
    const proc = new ManagedProcess(
      "verdaccio",
      process.execPath,
      [bin, "--config", config, "--listen", `127.0.0.1:${String(port)}`],
      join(dir, "verdaccio.log"),
    );
    try {
      await eventually(
        `Verdaccio on ${url} to answer /-/ping`,
        async () => {
          if (proc.hasExited) throw new Error(`verdaccio exited:\n${proc.tail()}`);
          return (await fetch(`${url}-/ping`)).ok ? true : undefined;
        },
        60_000,
        200,
      );
      const res = await fetch(`${url}-/user/org.couchdb.user:release`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "release", password: "release-test-password" }),
      });
      const body = (await res.json()) as { token?: string; error?: string };
      if (res.status !== 201 || body.token === undefined)
        throw new Error(
          `registering a Verdaccio user: ${String(res.status)} ${JSON.stringify(body)}`,
        );
      const npmrc = join(dir, "npmrc");
      writeFileSync(
        npmrc,
        `registry=${url}\n//127.0.0.1:${String(port)}/:_authToken=${body.token}\n`,
      );
      return new Verdaccio(url, body.token, npmrc, proc, dir);
    } catch (error) {
      await proc.stop();
      throw error;
    }
  }

  /** The versions the registry has of `name` (none: []). */
  async versions(name: string): Promise<string[]> {
    const res = await fetch(`${this.url}${name.replace("/", "%2f")}`);
    if (res.status === 404) return [];
    const doc = (await res.json()) as { versions?: Record<string, unknown> };
    return Object.keys(doc.versions ?? {}).sort();
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
