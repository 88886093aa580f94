import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("pnpm demo (the README's quick start)", () => {
  it("starts a control plane and the adaptor, applies backend-split and prints the ServiceProfile like kubectl describe", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [main, "--exit-after-sync"],
      {
        timeout: 120_000,
      },
    );
    console.log(stdout);
    expect(stdout).toMatch(/kube-apiserver v1\.\d+\.\d+ at https:\/\/127\.0\.0\.1:\d+/);
    // The sample the README has users apply, from the file it names.
    expect(stdout).toContain(
      [
        "==> kubectl apply -f examples/backend-split.yaml (namespace, Services, TrafficSplit v1alpha2 500/500)",
        "    namespace/trafficsplit-sample serverside-applied",
        "    service/backend-svc serverside-applied",
        "    service/failing-svc serverside-applied",
        "    trafficsplit/backend-split serverside-applied",
      ].join("\n"),
    );
    expect(stdout).toContain("Name:         backend-svc.trafficsplit-sample.svc.cluster.local\n");
    expect(stdout).toContain(
      [
        "Spec:",
        "  Dst Overrides:",
        "    Authority:  backend-svc.trafficsplit-sample.svc.cluster.local",
        "    Weight:     500",
        "    Authority:  failing-svc.trafficsplit-sample.svc.cluster.local",
        "    Weight:     500",
      ].join("\n"),
    );
    expect(stdout).toContain("    Manager:         smi-adaptor\n");
    expect(stdout).toMatch(
      /Normal {2}Created {2}smi-adaptor {2}Created ServiceProfile backend-svc\.trafficsplit-sample\.svc\.cluster\.local/,
    );
    // The adaptor's own log lines, as the guide shows them (logfmt).
    expect(stderr).toContain('level=info msg="Using cluster domain: cluster.local"');
    expect(stderr).toContain(
      'level=info msg="created serviceprofile/backend-svc.trafficsplit-sample.svc.cluster.local for trafficsplit/backend-split"',
    );
    expect(stderr).toContain("msg=\"Successfully synced 'trafficsplit-sample/backend-split'\"");
  }, 180_000);
});
