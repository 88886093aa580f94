/**
 * `linkerd check` runs `linkerd-smi _extension-metadata` on every run: the built CLI answers it
 * without loading the command tree, the Kubernetes client or the Helm engine.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { bin } from "./cli.js";

/** A resolve hook that records every bare package the process imports. */
const hook = `
import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`
  export async function resolve(specifier, context, next) {
    if (!specifier.startsWith(".") && !specifier.startsWith("node:") && !specifier.startsWith("file:"))
      process.stderr.write("imported " + specifier + "\\\\n");
    return next(specifier, context);
  }\`));
`;

function runWithHook(args: string[]) {
  return spawnSync(
    process.execPath,
    ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, bin, ...args],
    { encoding: "utf8" },
  );
}

describe("_extension-metadata", () => {
  it("answers without importing any package", () => {
    const res = runWithHook(["_extension-metadata"]);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('{"name":"linkerd-smi","checks":"cluster"}\n');
    expect(res.stderr).toBe("");
  });

  it("the hook does see what other commands load (so the test above can fail)", () => {
    const res = runWithHook(["version", "--client", "--short"]);
    expect(res.status).toBe(0);
    expect(res.stderr).toContain("imported commander");
    expect(res.stderr).toContain("imported @linkerd-smi/kube");
  });
});
