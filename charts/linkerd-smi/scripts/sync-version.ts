// Syncs charts/linkerd-smi/Chart.yaml with the versions changesets manages:
// `version` from the chart's package.json (@linkerd-smi/chart) and
// `appVersion` from the adaptor's (apps/controller/package.json). Run by
// `pnpm version-packages` right after `changeset version`.
//
//   tsx charts/linkerd-smi/scripts/sync-version.ts [--check] [--root <repo>]
//
// --check changes nothing and exits 1 when Chart.yaml is out of step.
// Only the two lines change; comments and everything else are kept.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const check = args.includes("--check");
const rootAt = args.indexOf("--root");
const root =
  (rootAt >= 0 ? args[rootAt + 1] : undefined) ??
  fileURLToPath(new URL("../../..", import.meta.url));

const chartFile = join(root, "charts", "linkerd-smi", "Chart.yaml");
const versionOf = (path: string): string => {
  const { name, version } = JSON.parse(readFileSync(join(root, path), "utf8")) as {
    name?: string;
    version?: unknown;
  };
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
    throw new Error(`${path}: ${String(name)} has no semantic version (${String(version)})`);
  return version;
};
const want = {
  version: versionOf(join("charts", "linkerd-smi", "package.json")),
  appVersion: versionOf(join("apps", "controller", "package.json")),
};

const text = readFileSync(chartFile, "utf8");
let next = text;
for (const [field, version] of Object.entries(want)) {
  const line = new RegExp(`^${field}:.*$`, "m");
  if (!line.test(next)) throw new Error(`${chartFile}: no top-level ${field} line`);
  // appVersion is quoted, as Helm recommends (it need not be semver).
  next = next.replace(line, `${field}: ${field === "appVersion" ? `"${version}"` : version}`);
}

const shown = relative(process.cwd(), chartFile) || chartFile;
if (next === text) {
  console.log(`${shown}: version ${want.version}, appVersion ${want.appVersion} (in step)`);
} else if (check) {
  console.error(
    `${shown} is out of step: want version ${want.version} and appVersion ${want.appVersion}; run \`pnpm version-packages\` or \`pnpm exec tsx charts/linkerd-smi/scripts/sync-version.ts\``,
  );
  process.exitCode = 1;
} else {
  writeFileSync(chartFile, next);
  console.log(`${shown}: version ${want.version}, appVersion ${want.appVersion}`);
}
