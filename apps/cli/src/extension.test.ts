import { describe, expect, it } from "vitest";
import { clusterDomainOf, versionOf } from "./extension.js";

describe("what the adaptor's Deployment says", () => {
  it("its version: the version label, else the adaptor container's tag, never the proxy's", () => {
    expect(
      versionOf({ metadata: { labels: { "app.kubernetes.io/version": "0.3.0" } }, spec: {} }),
    ).toBe("0.3.0");
    const meshed = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "linkerd-proxy", image: "cr.l5d.io/linkerd/proxy:edge-26.8.3" },
              { name: "smi-adaptor", image: "cr.l5d.io/linkerd/smi-adaptor:v0.2.7" },
            ],
          },
        },
      },
    };
    expect(versionOf(meshed)).toBe("v0.2.7");
    expect(
      versionOf({
        spec: {
          template: {
            spec: {
              containers: [
                { name: "linkerd-proxy", image: "proxy:1" },
                { name: "x", image: "y:2" },
              ],
            },
          },
        },
      }),
    ).toBe("unavailable");
  });

  it("its cluster domain, in Go's spelling or GNU's", () => {
    const with_ = (args: string[]) => ({
      spec: { template: { spec: { containers: [{ name: "smi-adaptor", args }] } } },
    });
    expect(clusterDomainOf(with_(["-cluster-domain=example.org"]))).toBe("example.org");
    expect(clusterDomainOf(with_(["--cluster-domain", "corp.local"]))).toBe("corp.local");
    expect(clusterDomainOf(with_(["-worker-threads=2"]))).toBeUndefined();
  });
});
