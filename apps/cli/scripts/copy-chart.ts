// Copies the linkerd-smi chart (charts/linkerd-smi) into dist/chart/, the
// chart `linkerd smi install` renders, leaving out what only the repository
// uses: the package that versions it, its scripts and test values, the README
// template and node_modules. All of these are in the chart's .helmignore, so
// Helm loads the same files from the copy as from the repository (a test in
// src/helm checks it).
//
//   tsx scripts/copy-chart.ts [destination]   (default: dist/chart)
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const chartDir = resolve(cliDir, "..", "..", "charts", "linkerd-smi");
const dest = resolve(process.argv[2] ?? join(cliDir, "dist", "chart"));

/** Top-level entries of the chart directory that are not shipped. */
const excludedTopLevel = new Set(["ci", "scripts", "node_modules", "package.json", "CHANGELOG.md"]);
/** Names not shipped wherever they are. */
const excludedAnywhere = [/\.md\.gotmpl$/];

if (!existsSync(join(chartDir, "Chart.yaml"))) {
  console.error(`copy-chart: no chart at ${chartDir}`);
  process.exit(1);
}

const tmp = `${dest}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(dirname(dest), { recursive: true });
cpSync(chartDir, tmp, {
  recursive: true,
  dereference: true,
  filter: (src) => {
    const rel = relative(chartDir, src);
    if (rel === "") return true;
    const name = basename(src);
    if (!rel.includes(sep) && excludedTopLevel.has(name)) return false;
    return !excludedAnywhere.some((re) => re.test(name));
  },
});
rmSync(dest, { recursive: true, force: true });
renameSync(tmp, dest);
console.error(`copy-chart: ${relative(process.cwd(), chartDir) || "."} -> ${dest}`);
