import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { currentNamespace, KubeConfigError, loadKubeConfig } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "kube-config-test-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Ctx {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
}

function kubeconfig(
  file: string,
  options: {
    contexts: Ctx[];
    current?: string;
    clusters?: string[];
    users?: { name: string; token: string; as?: string }[];
  },
): string {
  const path = join(dir, file);
  const clusters = options.clusters ?? [...new Set(options.contexts.map((c) => c.cluster))];
  const users: { name: string; token: string; as?: string }[] =
    options.users ??
    [...new Set(options.contexts.map((c) => c.user))].map((name) => ({
      name,
      token: `token-${name}`,
    }));
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: clusters.map((name) => ({
        name,
        cluster: { server: `https://${name}.example:6443` },
      })),
      users: users.map((u) => ({
        name: u.name,
        user: { token: u.token, ...(u.as === undefined ? {} : { as: u.as }) },
      })),
      contexts: options.contexts.map((c) => ({
        name: c.name,
        context: {
          cluster: c.cluster,
          user: c.user,
          ...(c.namespace === undefined ? {} : { namespace: c.namespace }),
        },
      })),
      ...(options.current === undefined ? {} : { "current-context": options.current }),
    }),
  );
  return path;
}

// Every test starts with no $KUBECONFIG, a home without ~/.kube/config and outside a pod.
const noHome = join(dir, "no-home");
beforeEach(() => {
  vi.stubEnv("KUBECONFIG", "");
  vi.stubEnv("HOME", noHome);
  vi.stubEnv("KUBERNETES_SERVICE_HOST", "");
  vi.stubEnv("KUBERNETES_SERVICE_PORT", "");
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function headersOf(kc: ReturnType<typeof loadKubeConfig>): Promise<Record<string, unknown>> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts.headers as Record<string, unknown>;
}

describe("loadKubeConfig", () => {
  const two = kubeconfig("two.json", {
    contexts: [
      { name: "dev", cluster: "dev", user: "dev", namespace: "team" },
      { name: "prod", cluster: "prod", user: "prod" },
    ],
    current: "dev",
  });

  it("uses the current context of an explicit file", () => {
    const kc = loadKubeConfig({ kubeconfig: two });
    expect(kc.getCurrentContext()).toBe("dev");
    expect(kc.getCurrentCluster()?.server).toBe("https://dev.example:6443");
    expect(currentNamespace(kc)).toBe("team");
  });

  it("selects another context", async () => {
    const kc = loadKubeConfig({ kubeconfig: two, context: "prod" });
    expect(kc.getCurrentCluster()?.server).toBe("https://prod.example:6443");
    expect(currentNamespace(kc)).toBe("default");
    expect((await headersOf(kc)).Authorization).toBe("Bearer token-prod");
  });

  it("names the missing context and lists the ones that exist", () => {
    expect(() => loadKubeConfig({ kubeconfig: two, context: "staging" })).toThrow(
      new KubeConfigError(
        `context "staging" does not exist in kubeconfig ${two}; available contexts: dev, prod`,
      ),
    );
  });

  it("fails clearly on a missing file", () => {
    const missing = join(dir, "nope.yaml");
    expect(() => loadKubeConfig({ kubeconfig: missing })).toThrow(
      `kubeconfig file ${missing} (--kubeconfig) does not exist`,
    );
  });

  it("fails clearly on a file that is not a kubeconfig", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "clusters:\n  - name: x\n");
    expect(() => loadKubeConfig({ kubeconfig: bad })).toThrow(
      /cannot read kubeconfig file .*bad\.yaml.*cluster is missing/,
    );
  });

  it("names the file and the line of a YAML syntax error, on one line", () => {
    const bad = join(dir, "syntax.yaml");
    writeFileSync(bad, "clusters:\n- name: x\n  cluster: {server: https://x\n");
    let message = "";
    try {
      loadKubeConfig({ kubeconfig: bad });
    } catch (error) {
      expect(error).toBeInstanceOf(KubeConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(
      new RegExp(
        `^cannot read kubeconfig file ${bad} \\(--kubeconfig\\): .*\\(4:1\\); fix the file`,
      ),
    );
    expect(message).not.toContain("\n");
  });

  it("says an empty file is not a kubeconfig", () => {
    const blank = join(dir, "blank.yaml");
    writeFileSync(blank, "");
    expect(() => loadKubeConfig({ kubeconfig: blank })).toThrow(
      `cannot read kubeconfig file ${blank} (--kubeconfig): it is not a kubeconfig (expected a mapping with clusters, users and contexts); fix the file or point to another one`,
    );
  });

  it("asks for --context when there is no current-context", () => {
    const none = kubeconfig("none.json", { contexts: [{ name: "a", cluster: "a", user: "a" }] });
    expect(() => loadKubeConfig({ kubeconfig: none })).toThrow(
      /has no current-context; pass --context \(available contexts: a\)/,
    );
    expect(loadKubeConfig({ kubeconfig: none, context: "a" }).getCurrentContext()).toBe("a");
  });

  it("rejects a context whose user is not defined", () => {
    const broken = kubeconfig("broken.json", {
      contexts: [{ name: "a", cluster: "a", user: "ghost" }],
      users: [],
      current: "a",
    });
    expect(() => loadKubeConfig({ kubeconfig: broken })).toThrow(
      /refers to user "ghost", which is not defined/,
    );
  });

  it("merges $KUBECONFIG files, the first definition winning, and skips missing files", () => {
    const first = kubeconfig("first.json", {
      contexts: [{ name: "shared", cluster: "one", user: "one" }],
      current: "shared",
    });
    const second = kubeconfig("second.json", {
      contexts: [
        { name: "shared", cluster: "two", user: "two" },
        { name: "extra", cluster: "two", user: "two" },
      ],
      current: "extra",
    });
    vi.stubEnv("KUBECONFIG", [join(dir, "missing"), first, second].join(":"));
    const kc = loadKubeConfig();
    expect(kc.getCurrentContext()).toBe("shared");
    expect(kc.getCurrentCluster()?.server).toBe("https://one.example:6443");
    expect(kc.getContexts().map((c) => c.name)).toEqual(["shared", "extra"]);
    vi.stubEnv("KUBECONFIG", `${first}:${second}`);
    const extra = loadKubeConfig({ context: "extra" });
    expect(extra.getCurrentCluster()?.server).toBe("https://two.example:6443");
  });

  it("uses ~/.kube/config when nothing else is set", () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    writeFileSync(
      join(home, ".kube", "config"),
      JSON.stringify({
        clusters: [{ name: "h", cluster: { server: "https://home.example" } }],
        users: [{ name: "h", user: { token: "t" } }],
        contexts: [{ name: "h", context: { cluster: "h", user: "h" } }],
        "current-context": "h",
      }),
    );
    vi.stubEnv("HOME", home);
    expect(loadKubeConfig().getCurrentCluster()?.server).toBe("https://home.example");
  });

  it("says what to do when there is no configuration at all", () => {
    expect(() => loadKubeConfig()).toThrow(
      /no kubeconfig found: .*pass --kubeconfig, set \$KUBECONFIG, or run inside the cluster/,
    );
  });

  it("loads the pod's service account in the cluster", async () => {
    const root = join(dir, "pod");
    const sa = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), "pod-token");
    writeFileSync(join(sa, "ca.crt"), "not really a CA");
    writeFileSync(join(sa, "namespace"), "linkerd-smi\n");
    vi.stubEnv("KUBERNETES_SERVICE_HOST", "fd00::1");
    vi.stubEnv("KUBERNETES_SERVICE_PORT", "443");
    const kc = loadKubeConfig({ inCluster: true }, { serviceAccountRoot: root });
    expect(kc.getCurrentCluster()?.server).toBe("https://[fd00::1]:443");
    expect(currentNamespace(kc)).toBe("linkerd-smi");
    expect((await headersOf(kc)).Authorization).toBe("Bearer pod-token");
    // Without any kubeconfig, a pod falls back to its service account.
    expect(loadKubeConfig({}, { serviceAccountRoot: root }).getCurrentContext()).toBe(
      "inClusterContext",
    );
  });

  it("explains what in-cluster loading is missing", () => {
    expect(() => loadKubeConfig({ inCluster: true })).toThrow(/needs KUBERNETES_SERVICE_HOST/);
    vi.stubEnv("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    vi.stubEnv("KUBERNETES_SERVICE_PORT", "443");
    expect(() =>
      loadKubeConfig({ inCluster: true }, { serviceAccountRoot: join(dir, "no-pod") }),
    ).toThrow(/serviceaccount\/token, which does not exist: mount a service account token/);
  });
});

describe("impersonation", () => {
  const file = kubeconfig("imp.json", {
    contexts: [{ name: "c", cluster: "c", user: "u" }],
    users: [{ name: "u", token: "admin", as: "from-file" }],
    current: "c",
  });

  it("sends Impersonate-User and every Impersonate-Group on each request", async () => {
    const kc = loadKubeConfig({ kubeconfig: file, as: "jane", asGroups: ["devs", "ops"] });
    const headers = await headersOf(kc);
    expect(headers.Authorization).toBe("Bearer admin");
    expect(headers["Impersonate-User"]).toBe("jane");
    expect(headers["Impersonate-Group"]).toEqual(["devs", "ops"]);
    const fetchOptions = await kc.applyToFetchOptions({});
    const sent = fetchOptions.headers as unknown as { raw(): Record<string, string[]> };
    expect(sent.raw()["Impersonate-Group"]).toEqual(["devs", "ops"]);
  });

  it("keeps the kubeconfig's own `as` unless overridden", async () => {
    expect((await headersOf(loadKubeConfig({ kubeconfig: file })))["Impersonate-User"]).toBe(
      "from-file",
    );
  });

  it("refuses groups without a user", () => {
    expect(() => loadKubeConfig({ kubeconfig: file, asGroups: ["devs"] })).toThrow(/pass --as/);
  });
});

describe("credentials", () => {
  function single(file: string, cluster: object, user: object): string {
    const path = join(dir, file);
    writeFileSync(
      path,
      JSON.stringify({
        clusters: [{ name: "c", cluster: { server: "https://c.example:6443", ...cluster } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
        "current-context": "c",
      }),
    );
    return path;
  }

  it("applies client certificates, the CA and TLS settings from inline data", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const file = single(
      "certs.json",
      {
        "certificate-authority-data": b64("the CA"),
        "tls-server-name": "api.internal",
        "insecure-skip-tls-verify": true,
      },
      { "client-certificate-data": b64("the cert"), "client-key-data": b64("the key") },
    );
    const opts: RequestOptions = {};
    await loadKubeConfig({ kubeconfig: file }).applyToHTTPSOptions(opts);
    expect(String(opts.ca)).toBe("the CA");
    expect(String(opts.cert)).toBe("the cert");
    expect((opts.key as Buffer).toString()).toBe("the key");
    expect(opts.servername).toBe("api.internal");
    expect(opts.rejectUnauthorized).toBe(false);
  });

  it("reads certificate and token files relative to the kubeconfig's directory, in YAML", async () => {
    const sub = join(dir, "relative");
    mkdirSync(join(sub, "pki"), { recursive: true });
    writeFileSync(join(sub, "pki", "ca.crt"), "CA from a file");
    writeFileSync(join(sub, "pki", "client.crt"), "cert from a file");
    writeFileSync(join(sub, "pki", "client.key"), "key from a file");
    writeFileSync(join(sub, "pki", "token"), "token-from-a-file");
    const path = join(sub, "config");
    writeFileSync(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: c",
        "  cluster:",
        "    server: https://c.example:6443/",
        "    certificate-authority: pki/ca.crt",
        "users:",
        "- name: u",
        "  user:",
        "    client-certificate: pki/client.crt",
        "    client-key: pki/client.key",
        "    token-file: pki/token",
        "contexts:",
        "- name: c",
        "  context: {cluster: c, user: u}",
        "current-context: c",
        "",
      ].join("\n"),
    );
    const kc = loadKubeConfig({ kubeconfig: path });
    expect(kc.getCurrentCluster()?.server).toBe("https://c.example:6443");
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    expect(String(opts.ca)).toBe("CA from a file");
    expect(String(opts.cert)).toBe("cert from a file");
    expect((opts.key as Buffer).toString()).toBe("key from a file");
    expect((opts.headers as Record<string, unknown>).Authorization).toBe(
      "Bearer token-from-a-file",
    );
  });

  it("re-reads a token file rotated on disk once a minute, trimmed, as client-go does", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const token = join(dir, "rotating-token");
    writeFileSync(token, "first-token\n");
    const kc = loadKubeConfig({ kubeconfig: single("rotating.json", {}, { "token-file": token }) });
    expect((await headersOf(kc)).Authorization).toBe("Bearer first-token");
    writeFileSync(token, "second-token\n");
    vi.setSystemTime(new Date("2026-01-01T00:00:59Z"));
    expect((await headersOf(kc)).Authorization).toBe("Bearer first-token");
    vi.setSystemTime(new Date("2026-01-01T00:01:00Z"));
    expect((await headersOf(kc)).Authorization).toBe("Bearer second-token");
  });

  it("prefers a user's token over its token-file, as kubectl does", async () => {
    const file = single("both.json", {}, { token: "inline", "token-file": join(dir, "absent") });
    expect((await headersOf(loadKubeConfig({ kubeconfig: file }))).Authorization).toBe(
      "Bearer inline",
    );
  });

  it("applies the cluster's CA for a context without a user", async () => {
    const path = join(dir, "anonymous.json");
    writeFileSync(
      path,
      JSON.stringify({
        clusters: [
          {
            name: "c",
            cluster: {
              server: "https://c.example:6443",
              "certificate-authority-data": Buffer.from("the CA").toString("base64"),
            },
          },
        ],
        contexts: [{ name: "c", context: { cluster: "c" } }],
        "current-context": "c",
      }),
    );
    const opts: RequestOptions = {};
    await loadKubeConfig({ kubeconfig: path }).applyToHTTPSOptions(opts);
    expect(String(opts.ca)).toBe("the CA");
    expect((opts.headers as Record<string, unknown>).Authorization).toBeUndefined();
  });

  it("sends basic auth", async () => {
    const file = single("basic.json", {}, { username: "ann", password: "secret" });
    const opts: RequestOptions = {};
    await loadKubeConfig({ kubeconfig: file }).applyToHTTPSOptions(opts);
    expect(opts.auth).toBe("ann:secret");
  });

  it("runs an exec credential plugin (through client-node)", async () => {
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "from-the-plugin" },
    });
    const file = single(
      "exec.json",
      {},
      {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: process.execPath,
          args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
          interactiveMode: "Never",
        },
      },
    );
    const kc = loadKubeConfig({ kubeconfig: file, as: "jane" });
    const headers = await headersOf(kc);
    expect(headers.Authorization).toBe("Bearer from-the-plugin");
    expect(headers["Impersonate-User"]).toBe("jane");
  });
});
