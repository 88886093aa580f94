#!/usr/bin/env node
// `pnpm release`: what the release workflow runs once changesets' version commit has landed.
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { release } from "./release.js";

const env = (name: string) => process.env[name] || undefined;

const program = new Command("pnpm release")
  .description(
    "Build, check, publish and tag every package whose version has no git tag yet " +
      "(<name>@<version>, as changesets tags): @linkerd-smi/core and kube to an npm registry, " +
      "the adaptor's image to an OCI registry, the chart to a chart repository and an OCI " +
      "repository, the CLI's executables as release files with the install script beside the " +
      "chart repository's index.yaml.",
  )
  .addOption(
    new Option("--npm-registry <url>", "npm registry for the libraries").env(
      "RELEASE_NPM_REGISTRY",
    ),
  )
  .addOption(
    new Option("--image-registry <name>", "push the image as <name>/smi-adaptor:<version>").env(
      "RELEASE_IMAGE_REGISTRY",
    ),
  )
  .addOption(
    new Option(
      "--chart-repo <dir>",
      "the classic chart repository's directory (index.yaml, charts, install)",
    ).env("RELEASE_CHART_REPO"),
  )
  .addOption(
    new Option("--chart-repo-url <url>", "the URL --chart-repo is served at").env(
      "RELEASE_CHART_REPO_URL",
    ),
  )
  .addOption(
    new Option("--chart-oci <oci://…>", "OCI repository the chart is pushed to").env(
      "RELEASE_CHART_OCI",
    ),
  )
  .addOption(
    new Option(
      "--files <dir>",
      "release files, one directory per tag (notes.md, executables, digests)",
    ).env("RELEASE_FILES"),
  )
  .addOption(
    new Option(
      "--download-url <url>",
      "where --files is served (<url>/<tag>/<file>): the install script's",
    ).env("RELEASE_DOWNLOAD_URL"),
  )
  .addOption(
    new Option("--helm <path>", "the helm to package and push with").env("HELM").default("helm"),
  )
  .option("--plain-http", "speak plain HTTP to the OCI registries (a registry on loopback)", false)
  .option(
    "--provenance",
    "publish npm provenance (default: when GitHub Actions' OIDC token is there)",
  )
  .option("--no-provenance", "never publish npm provenance")
  .option("--dry-run", "build and check everything; publish and tag nothing", false)
  .option("--root <dir>", "the repository", process.cwd())
  .showHelpAfterError();

program.parse();
const o = program.opts<{
  npmRegistry?: string;
  imageRegistry?: string;
  chartRepo?: string;
  chartRepoUrl?: string;
  chartOci?: string;
  files?: string;
  downloadUrl?: string;
  helm: string;
  plainHttp: boolean;
  provenance?: boolean;
  dryRun: boolean;
  root: string;
}>();

const token = env("NODE_AUTH_TOKEN") ?? env("NPM_TOKEN");
release({
  root: resolve(o.root),
  helm: o.helm,
  plainHttp: o.plainHttp,
  dryRun: o.dryRun,
  provenance: o.provenance ?? env("ACTIONS_ID_TOKEN_REQUEST_URL") !== undefined,
  log: (line) => process.stdout.write(`${line}\n`),
  ...(o.npmRegistry === undefined ? {} : { npmRegistry: o.npmRegistry }),
  ...(token === undefined ? {} : { npmToken: token }),
  ...(o.imageRegistry === undefined ? {} : { imageRegistry: o.imageRegistry }),
  ...(o.chartRepo === undefined ? {} : { chartRepo: resolve(o.chartRepo) }),
  ...(o.chartRepoUrl === undefined ? {} : { chartRepoUrl: o.chartRepoUrl }),
  ...(o.chartOci === undefined ? {} : { chartOci: o.chartOci }),
  ...(o.files === undefined ? {} : { files: resolve(o.files) }),
  ...(o.downloadUrl === undefined ? {} : { downloadUrl: o.downloadUrl }),
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
