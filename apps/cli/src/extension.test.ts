import { describe, expect, it } from "vitest";
import {
  clusterDomainOf,
  gatewayApiVersionFromArgs,
  targetFromArgs,
  versionOf,
} from "./extension.js";

describe("the adaptor's -target and -gateway-api-version", () => {
  it.each<[string[], string | undefined]>([
    [["-target=httproute"], "httproute"],
    [["--target", "httproute"], "httproute"],
    [["-target=httproute", "-target=serviceprofile"], "serviceprofile"],
    [["-targets=httproute"], undefined],
    [["-target=gateway"], undefined],
    [["-cluster-domain=cluster.local"], undefined],
  ])("%j -> %j", (args, target) => {
    expect(targetFromArgs(args)).toBe(target);
  });

  it("reads a forced HTTPRoute version, not auto", () => {
    expect(gatewayApiVersionFromArgs(["-gateway-api-version=v1beta1"])).toBe("v1beta1");
    expect(gatewayApiVersionFromArgs(["-gateway-api-version", "auto"])).toBeUndefined();
  });
});

describe("what the adaptor's Deployment says", () => {
  it("its version: the version label, else the adaptor container's tag, never the proxy's", () => {
    expect(
      versionOf({
        metadata: { labels: { "app.kubernetes.io/version": "0.3.0" } },
        spec: { selector: {}, template: {} },
      }),
    ).toBe("0.3.0");
    const meshed = {
      spec: {
        selector: {},
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
          selector: {},
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
      spec: { selector: {}, template: { spec: { containers: [{ name: "smi-adaptor", args }] } } },
    });
    expect(clusterDomainOf(with_(["-cluster-domain=example.org"]))).toBe("example.org");
    expect(clusterDomainOf(with_(["--cluster-domain", "corp.local"]))).toBe("corp.local");
    expect(clusterDomainOf(with_(["-worker-threads=2"]))).toBeUndefined();
  });
});
