/**
 * A reader that stops reading (`linkerd smi validate -f - | head -1`) ends the command as it ends
 * kubectl: quietly, killed by SIGPIPE, no `Unhandled 'error' event` and no stack trace.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bin } from "./cli.js";

/** Runs the built CLI with its stdout read up to the first line, then closed, as `| head -1` does. */
function headOne(
  args: readonly string[],
  stdin: string,
): Promise<{ first: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      // head exits after its first line: the pipe's read end closes.
      if (out.includes("\n")) child.stdout.destroy();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ first: out.slice(0, out.indexOf("\n") + 1), stderr, code, signal });
    });
    child.stdin.end(stdin);
  });
}

describe("a closed standard output", () => {
  it.skipIf(!existsSync(bin))(
    "ends the command quietly, as SIGPIPE ends kubectl (the report is far larger than a pipe holds)",
    async () => {
      // 3,000 valid TrafficSplits: about 400 KB of report, written while the reader has gone.
      const manifests = Array.from(
        { length: 3000 },
        (_, i) =>
          `apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: split-${String(i)}, namespace: shop}\nspec: {service: web, backends: [{service: web-v1, weight: 900}, {service: web-v2, weight: 100}]}\n`,
      ).join("---\n");
      const res = await headOne(["validate", "-f", "-"], manifests);
      expect(res.first).toBe(
        "<stdin>: document 1, TrafficSplit shop/split-0: valid, web -> web-v1 900 (90.0%), web-v2 100 (10.0%)\n",
      );
      expect(res.stderr).toBe("");
      // What the shell shows as exit status 141 (128 + SIGPIPE), as for kubectl.
      expect(process.platform === "win32" ? res.code : res.signal).toBe(
        process.platform === "win32" ? 141 : "SIGPIPE",
      );
    },
  );
});
