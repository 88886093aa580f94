import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "@linkerd-smi/build-support";

/** Writes `dir`/sha256sums over `files` (in `dir`), in `sha256sum -c` format, and returns it. */
export function writeSha256sums(dir: string, files: readonly string[]): string {
  const text = files.map((f) => `${sha256(readFileSync(join(dir, f)))}  ${f}\n`).join("");
  writeFileSync(join(dir, "sha256sums"), text);
  return text;
}
