import { describe, expect, it } from "vitest";
import { opaquePortsOfLinkerdConfig } from "./linkerd-config.js";
import type { ConfigMap } from "./resources.js";

// data.values as linkerd2 edge-26.8.3's control plane chart renders it (helm template of
// charts/linkerd-control-plane, templates/config.yaml): the proxy block, trimmed to a few keys,
// with the line `opaquePorts:` exactly as it came out for each --set.
const config = (opaquePortsLine: string | undefined): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "linkerd-config", namespace: "linkerd" },
  data: {
    "linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge",
    values: [
      "clusterDomain: cluster.local",
      "proxy:",
      "  nativeSidecar: true",
      ...(opaquePortsLine === undefined ? [] : [`  ${opaquePortsLine}`]),
      "  outbound:",
      "    server:",
      "      http2:",
      "        keepAliveInterval: 10s",
      "",
    ].join("\n"),
  },
});

describe("opaquePortsOfLinkerdConfig", () => {
  it("reads the chart's default list (an unquoted comma list)", () => {
    expect(
      opaquePortsOfLinkerdConfig(
        config("opaquePorts: 25,587,3306,4444,5432,6379,9300,11211"),
        "linkerd",
      ),
    ).toEqual({
      ports: [25, 587, 3306, 4444, 5432, 6379, 9300, 11211],
      source: "linkerd-config",
    });
  });

  it("reads ranges, a single port (rendered as a YAML number) and an empty list", () => {
    expect(
      opaquePortsOfLinkerdConfig(config("opaquePorts: 25,4000-4002"), "linkerd").ports,
    ).toEqual([25, 4000, 4001, 4002]);
    expect(opaquePortsOfLinkerdConfig(config("opaquePorts: 3306"), "linkerd")).toEqual({
      ports: [3306],
      source: "linkerd-config",
    });
    expect(opaquePortsOfLinkerdConfig(config('opaquePorts: ""'), "linkerd")).toEqual({
      ports: [],
      source: "linkerd-config",
    });
  });

  it("falls back to Linkerd's list, saying why, when the ConfigMap or the key is missing or bad", () => {
    const linkerds = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];
    expect(opaquePortsOfLinkerdConfig(undefined, "mesh")).toEqual({
      ports: linkerds,
      source: "default",
      problem: 'ConfigMap mesh/linkerd-config not found: is Linkerd installed in "mesh"?',
    });
    expect(opaquePortsOfLinkerdConfig(config(undefined), "linkerd")).toEqual({
      ports: linkerds,
      source: "default",
      problem: "ConfigMap linkerd/linkerd-config: data.values has no proxy.opaquePorts",
    });
    expect(opaquePortsOfLinkerdConfig(config("opaquePorts: 25,abc"), "linkerd")).toEqual({
      ports: linkerds,
      source: "default",
      problem:
        'ConfigMap linkerd/linkerd-config: proxy.opaquePorts "25,abc" has abc, not a port or port range',
    });
    expect(
      opaquePortsOfLinkerdConfig(
        { ...config(undefined), data: { values: "proxy: [unclosed" } },
        "linkerd",
      ).problem,
    ).toMatch(/^ConfigMap linkerd\/linkerd-config: data\.values is not YAML \(/);
    expect(opaquePortsOfLinkerdConfig({ ...config(undefined), data: {} }, "linkerd")).toEqual({
      ports: linkerds,
      source: "default",
      problem: "ConfigMap linkerd/linkerd-config has no data.values",
    });
  });
});
