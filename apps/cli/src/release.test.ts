/**
 * One release version, 0.3.0 (the successor of the Go linkerd-smi v0.2.7): what `version`
 * prints, the adaptor's package, the chart's appVersion, and the image tag the chart renders
 * all agree. The chart's own version is versioned apart, on the Go chart's line (its last was
 * 1.0.4), so that a chart repository that held the Go chart sees an upgrade.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { manifestObjects, renderExtension } from "./chart.js";
import type { CliIO } from "./io.js";
import { run } from "./program.js";

const RELEASE = "0.3.0";
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const versionOf = (path: string) =>
  (JSON.parse(readFileSync(`${repo}${path}`, "utf8")) as { version: string }).version;

describe("the release version", () => {
  it("is the CLI's, the adaptor's and the chart's", async () => {
    let out = "";
    const io: CliIO = { out: (t) => (out += t), err: () => undefined, env: {} };
    expect(await run(["version", "--client", "--short"], io)).toBe(0);
    expect(out).toBe(`${RELEASE}\n`);
    expect(versionOf("apps/cli/package.json")).toBe(RELEASE);
    expect(versionOf("apps/controller/package.json")).toBe(RELEASE);
    const chart = parse(readFileSync(`${repo}charts/linkerd-smi/Chart.yaml`, "utf8")) as {
      version: string;
      appVersion: string;
    };
    expect(chart.appVersion).toBe(RELEASE);
    expect(chart.version).toBe(versionOf("charts/linkerd-smi/package.json"));
    const [major = 0, minor = 0, patch = 0] = chart.version.split(".").map(Number);
    expect(major * 1e6 + minor * 1e3 + patch, chart.version).toBeGreaterThanOrEqual(1_000_004);
  });

  it("is the tag of the image the chart renders, and the version label the CLI reads", async () => {
    const objects = manifestObjects(
      await renderExtension("linkerd-smi", { values: [], set: [], setString: [], setFile: [] }),
    );
    const deployment = objects.find((o) => o.kind === "Deployment") as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { template: { spec: { containers: { name: string; image: string }[] } } };
    };
    const adaptor = deployment.spec.template.spec.containers.find((c) => c.name === "smi-adaptor");
    expect(adaptor?.image.endsWith(`:${RELEASE}`)).toBe(true);
    expect(deployment.metadata.labels["app.kubernetes.io/version"]).toBe(RELEASE);
  });
});
