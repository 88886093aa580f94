/**
 * The release, end to end, on real registries on loopback: `pnpm release` publishes a copy of
 * this repository (its work tree, committed in a new git repository, so none of our tags
 * exist) to Verdaccio (npm), the CNCF Distribution registry (the image and the OCI chart) and
 * a static HTTP server standing in for GitHub Pages (the chart repository and the install
 * script) and GitHub Releases (the CLI's files). Then only what was published is installed,
 * as the README and the seeds say, with only the URL changed: `npm install`, `podman pull`,
 * `curl -sL <site>/install | sh`, `helm repo add` + `helm install --generate-name`, and
 * `helm install oci://…`. Two more releases follow: one with a changeset on core alone, which
 * publishes core alone, and one on the adaptor, which publishes its image and a chart whose
 * appVersion is its version; the chart repository then lists both chart versions.
 */
import type {} from "@linkerd-smi/testenv/global-setup";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ensureBinaries,
  KubeHttp,
  OciRegistry,
  readmeLibraryExample,
  SNIPPET_OUTPUT,
  SNIPPET_TSC_FLAGS,
  StaticServer,
} from "@linkerd-smi/testenv";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AdaptorPod,
  applyIdentity,
  clusterFromKubeconfig,
  podmanOk,
  renderForTest,
} from "../../../apps/image/test/pod.js";
import { exec } from "../src/exec.js";
import { Verdaccio } from "./verdaccio.js";

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const kubeconfig = inject("kubeconfig");

/** Runs a command (its stderr shown as it comes); fails with the last line it printed. */
async function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<{ stdout: string }> {
  const stdout = await exec(file, args, {
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { stdout };
}

const versionOf = (root: string, dir: string) =>
  (JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { version: string })
    .version;
const bumpPatch = (v: string) =>
  v.replace(/\.(\d+)$/, (_, p: string) => `.${String(Number(p) + 1)}`);
const newTags = (out: string) => [...out.matchAll(/^New tag: (\S+)$/gm)].map((m) => m[1]);

let registry: OciRegistry;
let site: StaticServer;
let npm: Verdaccio;
/** What beforeAll started, in order, for afterAll to stop even when start-up failed half-way. */
const started: { stop: () => Promise<void> }[] = [];
let work: string;
let clone: string;
let helmBin: string;
const timings: string[] = [];

/** The release's destinations: everything on loopback, nothing in the code. */
const releaseArgs = () => [
  "release",
  "--npm-registry",
  npm.url,
  "--image-registry",
  `${registry.host}/linkerd-smi-ts`,
  "--chart-repo",
  site.root,
  "--chart-repo-url",
  site.url,
  "--chart-oci",
  `oci://${registry.host}/charts`,
  "--files",
  join(site.root, "releases", "download"),
  "--download-url",
  `${site.url}/releases/download`,
  "--plain-http",
];

async function pnpmRelease(): Promise<string> {
  const started = Date.now();
  const { stdout } = await run("pnpm", releaseArgs(), {
    cwd: clone,
    env: { HELM: helmBin, NODE_AUTH_TOKEN: npm.token },
  });
  timings.push(`pnpm release: ${String(Math.round((Date.now() - started) / 1000))} s`);
  // What it published, with sizes and digests, into the test's log.
  if (stdout.includes("released:")) console.log(stdout.slice(stdout.lastIndexOf("released:")));
  return stdout;
}

/** A changeset, `pnpm version-packages` and the version commit, as the version pull request makes them. */
async function versionCommit(changeset?: { name: string; bump: "patch" | "minor" }): Promise<void> {
  if (changeset !== undefined)
    writeFileSync(
      join(clone, ".changeset", `e2e-${changeset.name.replace(/\W/g, "-")}.md`),
      `---\n"${changeset.name}": ${changeset.bump}\n---\n\nAn end-to-end test's change of ${changeset.name}.\n`,
    );
  await run("pnpm", ["version-packages"], { cwd: clone });
  await run("git", ["add", "-A"], { cwd: clone });
  await run("git", ["commit", "-qm", "Version Packages"], { cwd: clone });
}

const helmHome = mkdtempSync(join(tmpdir(), "release-e2e-helm-"));
const helm = (args: readonly string[]) =>
  run(helmBin, args, {
    env: {
      KUBECONFIG: kubeconfig,
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_DATA_HOME: join(helmHome, "data"),
    },
  });

beforeAll(async () => {
  helmBin = (await ensureBinaries(["helm", "registry"])).helm;
  [registry, npm] = await Promise.all([OciRegistry.start(), Verdaccio.start()]);
  started.push(registry, npm);
  work = mkdtempSync(join(tmpdir(), "release-e2e-"));
  site = await StaticServer.start(join(work, "site"));
  started.push(site);

  // The repository as it is (work tree, tracked and untracked but not ignored files),
  // committed in a new git repository: releases tag that, not this checkout.
  clone = join(work, "repo");
  mkdirSync(clone);
  const { stdout: files } = await run("git", ["ls-files", "-z", "-co", "--exclude-standard"], {
    cwd: repo,
  });
  await run("tar", ["-cf", join(work, "repo.tar"), "--null", "-T", "-"], {
    cwd: repo,
    input: files,
  });
  await run("tar", ["-xf", join(work, "repo.tar"), "-C", clone]);
  const git = (...args: string[]) => run("git", args, { cwd: clone });
  await git("init", "-q", "-b", "main");
  await git("config", "user.email", "release-e2e@example.test");
  await git("config", "user.name", "release e2e");
  await git("add", "-A");
  await git("commit", "-qm", "the repository under test");
  await run("pnpm", ["install", "--frozen-lockfile", "--offline"], { cwd: clone });
}, 900_000);

afterAll(async () => {
  console.log(`release e2e timings:\n  ${timings.join("\n  ")}`);
  await Promise.allSettled(started.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
  rmSync(helmHome, { recursive: true, force: true });
});

describe("pnpm release, then installing only what it published", () => {
  /** Each step needs the one before it: after a failure, the rest say so instead of failing anew. */
  let failed: string | undefined;
  const step = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      if (failed !== undefined) throw new Error(`not run: "${failed}" failed before it`);
      try {
        await body();
      } catch (error) {
        failed = name;
        throw error;
      }
    });

  let first: {
    core: string;
    kube: string;
    controller: string;
    chart: string;
    cli: string;
  };

  step(
    "publishes every package on the first release and tags each as changesets does",
    async () => {
      await versionCommit();
      first = {
        core: versionOf(clone, "packages/core"),
        kube: versionOf(clone, "packages/kube"),
        controller: versionOf(clone, "apps/controller"),
        chart: versionOf(clone, "charts/linkerd-smi"),
        cli: versionOf(clone, "apps/cli"),
      };
      const out = await pnpmRelease();
      const tags = [
        `@linkerd-smi/core@${first.core}`,
        `@linkerd-smi/kube@${first.kube}`,
        `@linkerd-smi/controller@${first.controller}`,
        `@linkerd-smi/chart@${first.chart}`,
        `@linkerd-smi/cli@${first.cli}`,
      ];
      expect(newTags(out)).toEqual(tags);
      const { stdout } = await run("git", ["tag", "--list"], { cwd: clone });
      expect(stdout.trim().split("\n").sort()).toEqual([...tags].sort());

      expect(await npm.versions("@linkerd-smi/core")).toEqual([first.core]);
      expect(await npm.versions("@linkerd-smi/kube")).toEqual([first.kube]);
      expect(await registry.tags("linkerd-smi-ts/smi-adaptor")).toEqual([first.controller]);
      expect(await registry.tags("charts/linkerd-smi")).toEqual([first.chart]);
      const index = parse(readFileSync(join(site.root, "index.yaml"), "utf8")) as {
        entries: Record<string, { version: string; appVersion: string; urls: string[] }[]>;
      };
      expect(index.entries["linkerd-smi"]?.map((e) => [e.version, e.appVersion])).toEqual([
        [first.chart, first.controller],
      ]);
      expect(index.entries["linkerd-smi"]?.[0]?.urls).toEqual([
        `${site.url}/linkerd-smi-${first.chart}.tgz`,
      ]);
      // Release notes for each tag, from its CHANGELOG.
      for (const tag of tags) {
        const notes = readFileSync(
          join(site.root, "releases", "download", tag, "notes.md"),
          "utf8",
        );
        expect(notes.length, tag).toBeGreaterThan(10);
        expect(notes, tag).not.toMatch(/^## /m);
      }
    },
  );

  step(
    "npm install of the README's packages, from the registry, runs the README's snippet under tsc --strict",
    async () => {
      // What the snippet needs that we do not publish (yaml, and typescript to compile it)
      // goes into the registry too, packed from this workspace: Verdaccio has no uplink.
      const packs = join(work, "packs");
      mkdirSync(packs, { recursive: true });
      for (const name of ["yaml", "typescript"]) {
        const dir = dirname(require.resolve(`${name}/package.json`));
        const { stdout } = await run("npm", [
          "pack",
          dir,
          "--pack-destination",
          packs,
          "--ignore-scripts",
          "--json",
        ]);
        const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
        await run("npm", [
          "publish",
          join(packs, filename),
          "--ignore-scripts",
          "--userconfig",
          npm.npmrc,
          "--tag",
          "latest",
        ]);
      }

      const { install, packages, snippet } = readmeLibraryExample(
        readFileSync(join(repo, "README.md"), "utf8"),
      );
      expect(packages).toContain("@linkerd-smi/core");

      const project = join(work, "user-project");
      mkdirSync(project);
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "user-project", private: true, type: "module" }),
      );
      const env = {
        npm_config_registry: npm.url,
        npm_config_cache: join(work, "npm-cache"),
        npm_config_userconfig: join(work, "empty-npmrc"),
        npm_config_audit: "false",
        npm_config_fund: "false",
      };
      writeFileSync(join(work, "empty-npmrc"), "");
      // The README's line, as written; then the compiler.
      await run("sh", ["-c", install], { cwd: project, env });
      await run("npm", ["install", "typescript"], { cwd: project, env });
      const installed = JSON.parse(
        readFileSync(join(project, "node_modules", "@linkerd-smi", "core", "package.json"), "utf8"),
      ) as { version: string };
      expect(installed.version).toBe(first.core);

      writeFileSync(join(project, "snippet.mts"), snippet);
      await run(
        process.execPath,
        [
          join(project, "node_modules", "typescript", "bin", "tsc"),
          ...SNIPPET_TSC_FLAGS,
          "snippet.mts",
        ],
        { cwd: project },
      );
      const { stdout } = await run(process.execPath, ["snippet.mjs"], { cwd: project });
      expect(stdout).toBe(SNIPPET_OUTPUT);
    },
  );

  step("curl -sL <site>/install | sh installs the released CLI", async () => {
    const home = join(work, "cli-home");
    mkdirSync(home);
    const { stdout } = await run("sh", ["-c", `curl -sL ${site.url}/install | sh`], {
      env: { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin" },
    });
    expect(stdout).toContain(
      `linkerd-smi ${first.cli} was installed to ${home}/.linkerd2/bin/linkerd-smi`,
    );
    // What `linkerd smi version --client` runs: the linkerd-smi on the linkerd bin folder.
    const { stdout: version } = await run(join(home, ".linkerd2", "bin", "linkerd-smi"), [
      "version",
      "--client",
    ]);
    expect(version).toBe(`Client version: ${first.cli}\n`);
    // It came from the release files, by the tag changesets gave the CLI.
    expect(site.requests).toContain(
      `GET /releases/download/%40linkerd-smi%2Fcli%40${first.cli}/linkerd-smi-${first.cli}-linux-amd64`,
    );
  });

  step(
    "helm repo add + helm install --generate-name, as the seed writes them, install the chart",
    async () => {
      await helm(["repo", "add", "l5d-smi", site.url]);
      await helm(["install", "l5d-smi/linkerd-smi", "--generate-name"]);
      const { stdout } = await helm(["list", "-o", "json"]);
      const releases = JSON.parse(stdout) as {
        name: string;
        chart: string;
        app_version: string;
        status: string;
      }[];
      const installed = releases.find((r) => r.chart === `linkerd-smi-${first.chart}`);
      expect(installed?.status).toBe("deployed");
      expect(installed?.app_version).toBe(first.controller);
      // The chart runs the image this release pushed.
      const admin = KubeHttp.fromKubeconfig(kubeconfig);
      try {
        const res = await admin.get("/apis/apps/v1/namespaces/default/deployments/smi-adaptor");
        const image = (
          res.body as { spec: { template: { spec: { containers: { image: string }[] } } } }
        ).spec.template.spec.containers[0]?.image;
        expect(image).toBe(`${registry.host}/linkerd-smi-ts/smi-adaptor:${first.controller}`);
      } finally {
        admin.close();
      }
      await helm(["uninstall", installed?.name as string, "--wait"]);
    },
  );

  step("helm install oci://… installs the same chart", async () => {
    await helm([
      "install",
      "smi-oci",
      `oci://${registry.host}/charts/linkerd-smi`,
      "--version",
      first.chart,
      "--plain-http",
      "--namespace",
      "release-e2e-oci",
      "--create-namespace",
    ]);
    const { stdout } = await helm(["list", "--namespace", "release-e2e-oci", "-o", "json"]);
    const releases = JSON.parse(stdout) as { name: string; chart: string; status: string }[];
    expect(releases.map((r) => [r.name, r.chart, r.status])).toEqual([
      ["smi-oci", `linkerd-smi-${first.chart}`, "deployed"],
    ]);
    await helm(["uninstall", "smi-oci", "--namespace", "release-e2e-oci", "--wait"]);
  });

  step(
    "podman pulls the image by tag and by digest, both platforms, and it runs as the chart runs it",
    async () => {
      const reference = `${registry.host}/linkerd-smi-ts/smi-adaptor`;
      const kept = readFileSync(
        join(
          site.root,
          "releases",
          "download",
          `@linkerd-smi/controller@${first.controller}`,
          "smi-adaptor.digest",
        ),
        "utf8",
      ).trim();
      const { digest, body } = await registry.manifest(
        "linkerd-smi-ts/smi-adaptor",
        first.controller,
      );
      expect(kept).toBe(`${reference}:${first.controller}@${digest}`);
      const index = body as {
        mediaType: string;
        manifests: { platform: { os: string; architecture: string } }[];
      };
      expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect(
        index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort(),
      ).toEqual(["linux/amd64", "linux/arm64"]);

      const ids: Record<string, string> = {};
      for (const arch of ["amd64", "arm64"])
        for (const ref of [`${reference}:${first.controller}`, `${reference}@${digest}`]) {
          const id = (
            await podmanOk(["pull", "-q", "--tls-verify=false", "--arch", arch, ref])
          ).trim();
          expect(id, `${ref} ${arch}`).toMatch(/^[0-9a-f]{64}$/);
          // By tag and by digest: the same image.
          if (ids[arch] !== undefined) expect(id, arch).toBe(ids[arch]);
          ids[arch] = id;
          const inspected = JSON.parse(await podmanOk(["image", "inspect", id])) as {
            Architecture: string;
          }[];
          expect(inspected[0]?.Architecture, ref).toBe(arch);
        }
      expect(ids.amd64).not.toBe(ids.arm64);

      const cluster = clusterFromKubeconfig(kubeconfig);
      const chart = await renderForTest("release-e2e-pod");
      await applyIdentity(cluster.admin, chart);
      const pod = await AdaptorPod.start(cluster, chart, { imageId: ids.amd64 as string });
      try {
        await pod.waitReady();
        expect(await pod.probe("livenessProbe")).toBe(200);
      } finally {
        await pod.remove();
        // What applyIdentity applied for the pod goes, so no chart install finds it.
        for (const o of chart.objects) {
          const kind = { ClusterRole: "clusterroles", ClusterRoleBinding: "clusterrolebindings" }[
            o.kind
          ];
          if (kind !== undefined)
            await cluster.admin.delete(
              `/apis/rbac.authorization.k8s.io/v1/${kind}/${o.metadata.name}`,
            );
        }
        cluster.admin.close();
      }
    },
  );

  step("a changeset on core alone releases core alone", async () => {
    await versionCommit({ name: "@linkerd-smi/core", bump: "patch" });
    const core = bumpPatch(first.core);
    expect(versionOf(clone, "packages/core")).toBe(core);
    const out = await pnpmRelease();
    expect(newTags(out)).toEqual([`@linkerd-smi/core@${core}`]);
    expect(await npm.versions("@linkerd-smi/core")).toEqual([first.core, core].sort());
    expect(await npm.versions("@linkerd-smi/kube")).toEqual([first.kube]);
    expect(await registry.tags("linkerd-smi-ts/smi-adaptor")).toEqual([first.controller]);
    expect(await registry.tags("charts/linkerd-smi")).toEqual([first.chart]);

    // Nothing new: nothing released.
    const again = await pnpmRelease();
    expect(newTags(again)).toEqual([]);
    expect(again).toContain("nothing to release: every package's version has its tag");
  });

  step(
    "a changeset on the adaptor releases its image and a chart of that appVersion; the repository lists both charts",
    async () => {
      await versionCommit({ name: "@linkerd-smi/controller", bump: "patch" });
      const controller = bumpPatch(first.controller);
      const chart = bumpPatch(first.chart);
      const out = await pnpmRelease();
      expect(newTags(out)).toEqual([
        `@linkerd-smi/controller@${controller}`,
        `@linkerd-smi/chart@${chart}`,
      ]);
      expect(await registry.tags("linkerd-smi-ts/smi-adaptor")).toEqual(
        [first.controller, controller].sort(),
      );
      expect(await registry.tags("charts/linkerd-smi")).toEqual([first.chart, chart].sort());

      await helm(["repo", "update"]);
      const { stdout } = await helm(["search", "repo", "l5d-smi", "--versions", "-o", "json"]);
      const found = JSON.parse(stdout) as { name: string; version: string; app_version: string }[];
      expect(found.map((f) => [f.name, f.version, f.app_version])).toEqual([
        ["l5d-smi/linkerd-smi", chart, controller],
        ["l5d-smi/linkerd-smi", first.chart, first.controller],
      ]);
    },
  );
});
