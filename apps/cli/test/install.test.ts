import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  applyManifest,
  ControlPlane,
  deleteManifest,
  expectOk,
  KubeHttp,
  ResourcePaths,
} from "@linkerd-smi/testenv";
import { parseAllDocuments } from "yaml";
import { describe, expect, inject, it } from "vitest";
import { chart, helmTemplate, linkerdSmi } from "./cli.js";

const kubeconfig = inject("kubeconfig");
const ciValues = readdirSync(`${chart}/ci`).filter((f) => f.endsWith("-values.yaml"));
const objects = (manifest: string) =>
  parseAllDocuments(manifest)
    .map((d) => d.toJS() as unknown)
    .filter(
      (
        o,
      ): o is {
        apiVersion: string;
        kind: string;
        metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      } => typeof o === "object" && o !== null && "kind" in o,
    );

describe("linkerd-smi install", () => {
  it.each([
    ["defaults", [] as string[]],
    ...ciValues.map((file) => [file, ["-f", `${chart}/ci/${file}`]] as [string, string[]]),
    [
      "--set, --set-string, --set-file",
      [
        "--set",
        "adaptor.replicas=2,adaptor.logFormat=text",
        "--set-string",
        "adaptor.image.tag=1.2.3",
        "--set-file",
        `adaptor.podAnnotations.note=${fileURLToPath(new URL("./testdata/note.txt", import.meta.url))}`,
      ],
    ],
    ["another namespace", ["--namespace", "smi-elsewhere"]],
  ])("prints exactly what helm template prints: %s", async (_name, args) => {
    const ours = await linkerdSmi(["install", "--skip-checks", ...args]);
    expect(ours.stderr).toBe("");
    expect(ours.code).toBe(0);
    const namespace = args.includes("--namespace") ? [] : ["--namespace", "linkerd-smi"];
    expect(ours.stdout).toBe(
      await helmTemplate([...namespace, "--set", "installNamespace=true", ...args]),
    );
  });

  it("matches the golden files", async () => {
    for (const [golden, args] of [
      ["install_default.golden", []],
      [
        "install_overrides.golden",
        ["--set", "adaptor.replicas=3", "--set", "clusterDomain=example.org", "-n", "smi"],
      ],
    ] as const) {
      const path = fileURLToPath(new URL(`./testdata/${golden}`, import.meta.url));
      const { stdout, code } = await linkerdSmi(["install", "--skip-checks", ...args]);
      expect(code).toBe(0);
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(path, stdout);
      expect(stdout, `${golden} is stale: run with UPDATE_GOLDEN=1 and review the diff`).toBe(
        readFileSync(path, "utf8"),
      );
    }
  });

  it("checks the cluster for Linkerd's ServiceProfile CRD first, and says what to do when it is missing", async () => {
    const ok = await linkerdSmi(["install", "--kubeconfig", kubeconfig]);
    expect(ok.code).toBe(0);
    const bare = await ControlPlane.start({ log: () => undefined });
    try {
      const res = await linkerdSmi(["install", "--kubeconfig", bare.kubeconfigPath]);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe("");
      expect(res.stderr).toContain(
        "Linkerd's ServiceProfile CRD (serviceprofiles.linkerd.io) is not installed",
      );
      expect(res.stderr).toContain("--skip-checks");

      // A ServiceProfile CRD the apiserver does not establish (its kind is taken by another
      // CRD of the group): --wait waits for it, up to the duration given.
      const admin = KubeHttp.fromKubeconfig(bare.kubeconfigPath);
      const crd = (plural: string) => ({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.linkerd.io` },
        spec: {
          group: "linkerd.io",
          scope: "Namespaced",
          names: { kind: "ServiceProfile", plural, listKind: "ServiceProfileList" },
          versions: [
            {
              name: "v1alpha2",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          ],
        },
      });
      for (const plural of ["otherprofiles", "serviceprofiles"]) {
        expectOk(
          await admin.apply(
            `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.linkerd.io`,
            crd(plural),
          ),
          plural,
        );
        // The first takes the kind; the second then never becomes Established.
        await new Promise((r) => setTimeout(r, 1000));
      }
      const started = Date.now();
      const waited = await linkerdSmi([
        "install",
        "--kubeconfig",
        bare.kubeconfigPath,
        "--wait",
        "2s",
      ]);
      expect(waited.code).toBe(1);
      expect(waited.stdout).toBe("");
      expect(waited.stderr).toContain(
        "Linkerd's ServiceProfile CRD (serviceprofiles.linkerd.io) is not Established yet; gave up after --wait 2s.",
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      const skipped = await linkerdSmi([
        "install",
        "--kubeconfig",
        bare.kubeconfigPath,
        "--skip-checks",
      ]);
      expect(skipped.code).toBe(0);
      const bad = await linkerdSmi(["install", "--skip-checks", "--wait", "5 minutes"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('invalid --wait "5 minutes"');
    } finally {
      await bare.stop();
    }
  }, 120_000);

  it("reports an unreachable cluster with advice", async () => {
    const res = await linkerdSmi([
      "install",
      "--kubeconfig",
      kubeconfig,
      "--api-addr",
      "https://127.0.0.1:1",
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("could not check the cluster");
    expect(res.stderr).toContain("--skip-checks");
  });

  it("rejects a misspelt value with helm's schema message and exit 1", async () => {
    const res = await linkerdSmi(["install", "--skip-checks", "--set", "adaptor.replica=2"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Error: .*schema/m);
  });
});

describe("install, version and uninstall against the real apiserver", () => {
  it("installs objects that apply cleanly, reports the server version, and uninstalls all but the CRD", async () => {
    const admin = KubeHttp.fromKubeconfig(kubeconfig);
    const namespace = "smi-roundtrip";
    const installed = await linkerdSmi(["install", "--kubeconfig", kubeconfig, "-n", namespace]);
    expect(installed.code).toBe(0);
    const manifest = objects(installed.stdout);
    await applyManifest(admin, manifest, "kubectl");
    const ns = expectOk(await admin.get(`/api/v1/namespaces/${namespace}`), "namespace").body as {
      metadata: { labels: Record<string, string> };
    };
    // The adaptor is meshed by default: without Linkerd's CNI, proxy-init needs privileges.
    expect(ns.metadata.labels).toMatchObject({
      "linkerd.io/extension": "smi",
      "pod-security.kubernetes.io/enforce": "privileged",
    });

    const version = await linkerdSmi(["version", "--kubeconfig", kubeconfig, "-o", "json"]);
    expect(version.code).toBe(0);
    const appVersion = /^appVersion: (.+)$/m
      .exec(readFileSync(`${chart}/Chart.yaml`, "utf8"))?.[1]
      ?.replace(/"/g, "");
    const versions = JSON.parse(version.stdout) as Record<string, string>;
    expect(Object.keys(versions)).toEqual(["clientVersion", "serverVersion"]);
    expect(versions.clientVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(versions.serverVersion).toBe(appVersion);

    const removed = await linkerdSmi(["uninstall", "-n", namespace]);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(
      "Keeping httproutegroups.specs.smi-spec.io, trafficsplits.split.smi-spec.io",
    );
    const doomed = objects(removed.stdout);
    expect(doomed.map((o) => o.kind)).not.toContain("CustomResourceDefinition");
    expect(doomed.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      manifest
        .filter((o) => o.kind !== "CustomResourceDefinition")
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    );
    expect(doomed.at(-1)?.kind).toBe("Namespace");
    await deleteManifest(admin, doomed);
    const paths = new ResourcePaths(admin);
    for (const o of doomed) {
      const res = await admin.get(await paths.pathOf(o));
      // No namespace controller runs here, so a deleted Namespace stays Terminating.
      if (o.kind === "Namespace")
        expect((res.body as { status?: { phase?: string } }).status?.phase).toBe("Terminating");
      else expect(res.status, `${o.kind}/${o.metadata.name} should be gone`).toBe(404);
    }
    expect(
      (
        await admin.get(
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trafficsplits.split.smi-spec.io",
        )
      ).status,
    ).toBe(200);
    const withCrds = await linkerdSmi(["uninstall", "-n", namespace, "--include-crds"]);
    expect(objects(withCrds.stdout).map((o) => o.kind)).toContain("CustomResourceDefinition");
    admin.close();
  });
});

describe("linkerd-smi version", () => {
  it("prints the client version alone with --client, in three shapes", async () => {
    const plain = await linkerdSmi(["version", "--client"]);
    expect(plain.stdout).toMatch(/^Client version: \d+\.\d+\.\d+\S*\n$/);
    const short = await linkerdSmi(["version", "--client", "--short"]);
    expect(short.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    const json = await linkerdSmi(["version", "--client", "-o", "json"]);
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual(["clientVersion"]);
  });

  it("says unavailable when no adaptor runs in the cluster", async () => {
    const res = await linkerdSmi(["version", "--kubeconfig", kubeconfig, "-n", "nowhere"]);
    expect(res.stdout).toContain("Server version: unavailable");
  });
});

describe("usage", () => {
  it("exits 2 on unknown commands and flags, 0 on --help with examples", async () => {
    expect((await linkerdSmi(["instal"])).code).toBe(2);
    expect((await linkerdSmi(["install", "--sett", "x=1"])).code).toBe(2);
    expect((await linkerdSmi(["version", "-o", "yaml"])).code).toBe(2);
    const help = await linkerdSmi(["install", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--set-file <key=path>");
    const rootHelp = await linkerdSmi(["--help"]);
    for (const flag of [
      "--kubeconfig",
      "--context",
      "--as ",
      "--as-group",
      "--api-addr",
      "-L, --linkerd-namespace",
      "--verbose",
    ]) {
      expect(rootHelp.stdout).toContain(flag);
    }
  });
});
