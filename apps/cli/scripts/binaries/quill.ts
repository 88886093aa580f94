/**
 * quill (github.com/anchore/quill): ad-hoc signing of Mach-O binaries on any OS, built once
 * per machine from the Go module proxy into the cache.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { cache, fail, log, run } from "./env.js";
import { withLock } from "./lock.js";

export const QUILL = { module: "github.com/anchore/quill", version: "v0.7.1" };

/** The quill binary, built first if the cache has none. */
export async function ensureQuill(): Promise<string> {
  const out = join(cache, "bin", `quill-${QUILL.version}`, "quill");
  if (!existsSync(out)) {
    mkdirSync(join(cache, "bin"), { recursive: true });
    await withLock(
      join(cache, "bin", `.lock-quill-${QUILL.version}`),
      () => existsSync(out),
      () => buildQuill(out),
    );
  }
  return out;
}

interface GoModDownload {
  Dir: string;
  Sum: string;
  GoModSum: string;
  Error?: string;
}

async function buildQuill(out: string): Promise<void> {
  await run("go", ["version"]).catch(() =>
    fail("Go is required to build quill, which signs the darwin binaries (https://go.dev/dl)"),
  );
  log(`quill ${QUILL.version}: building from ${QUILL.module} (once per machine, about a minute)`);
  const work = mkdtempSync(join(cache, ".quill-build-"));
  try {
    const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
    const { stdout } = await run(
      "go",
      ["mod", "download", "-json", `${QUILL.module}@${QUILL.version}`],
      { cwd: work, env: { ...env, GOFLAGS: "" } },
    );
    const mod = JSON.parse(stdout) as GoModDownload;
    if (mod.Error) throw new Error(mod.Error);
    // quill's own go.sum pins its dependencies (some are not in the checksum database).
    writeFileSync(
      join(work, "go.mod"),
      `module build/quill\n\ngo 1.24\n\nrequire ${QUILL.module} ${QUILL.version}\n`,
    );
    writeFileSync(
      join(work, "go.sum"),
      `${readFileSync(join(mod.Dir, "go.sum"), "utf8")}${QUILL.module} ${QUILL.version} ${mod.Sum}\n${QUILL.module} ${QUILL.version}/go.mod ${mod.GoModSum}\n`,
    );
    const ldflags = `-s -w -X main.version=${QUILL.version}`;
    await run(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        join(work, "quill"),
        `${QUILL.module}/cmd/quill`,
      ],
      { cwd: work, env, maxBuffer: 64 * 1024 * 1024 },
    );
    mkdirSync(dirname(out), { recursive: true });
    renameSync(join(work, "quill"), `${out}.tmp-${process.pid}`);
    renameSync(`${out}.tmp-${process.pid}`, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`quill ${QUILL.version} -> ${out}`);
}
