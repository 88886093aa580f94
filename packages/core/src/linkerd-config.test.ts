import { describe, expect, it } from "vitest";
import { opaquePortsOfLinkerdConfig } from "./linkerd-config.js";

// data.values as linkerd2 edge-26.8.3's control plane chart renders it (helm template of
// charts/linkerd-control-plane, templates/config.yaml), parsed: `opaquePorts` as it came out for
// each --set (an unquoted list is a YAML string, a single port a YAML number).
const config = (opaquePorts?: string | number) => ({
  values: {
    clusterDomain: "cluster.local",
    proxy: {
      nativeSidecar: true,
      ...(opaquePorts === undefined ? {} : { opaquePorts }),
      outbound: { server: { http2: { keepAliveInterval: "10s" } } },
    },
  },
});

describe("opaquePortsOfLinkerdConfig", () => {
  it("reads the chart's default list (an unquoted comma list)", () => {
    expect(
      opaquePortsOfLinkerdConfig(config("25,587,3306,4444,5432,6379,9300,11211"), "linkerd"),
    ).toEqual({
      ports: [25, 587, 3306, 4444, 5432, 6379, 9300, 11211],
      source: "linkerd-config",
    });
  });

  it("reads ranges, a single port (rendered as a YAML number) and an empty list", () => {
    expect(opaquePortsOfLinkerdConfig(config("25,4000-4002"), "linkerd").ports).toEqual([
      25, 4000, 4001, 4002,
    ]);
    expect(opaquePortsOfLinkerdConfig(config(3306), "linkerd")).toEqual({
      ports: [3306],
      source: "linkerd-config",
    });
    expect(opaquePortsOfLinkerdConfig(config(""), "linkerd")).toEqual({
      ports: [],
      source: "linkerd-config",
    });
  });

  it("falls back to Linkerd's list, saying why, when the ConfigMap or the key is missing or bad", () => {
    const linkerds = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];
    expect(
      opaquePortsOfLinkerdConfig({ problem: "ConfigMap mesh/linkerd-config not found" }, "mesh"),
    ).toEqual({
      ports: linkerds,
      source: "default",
      problem: "ConfigMap mesh/linkerd-config not found",
    });
    expect(opaquePortsOfLinkerdConfig(config(undefined), "linkerd")).toEqual({
      ports: linkerds,
      source: "default",
      problem: "ConfigMap linkerd/linkerd-config: data.values has no proxy.opaquePorts",
    });
    expect(opaquePortsOfLinkerdConfig(config("25,abc"), "linkerd")).toEqual({
      ports: linkerds,
      source: "default",
      problem:
        'ConfigMap linkerd/linkerd-config: proxy.opaquePorts "25,abc" has abc, not a port or port range',
    });
    expect(opaquePortsOfLinkerdConfig({ values: { proxy: { opaquePorts: [25] } } }, "l5d")).toEqual(
      {
        ports: linkerds,
        source: "default",
        problem:
          "ConfigMap l5d/linkerd-config: proxy.opaquePorts in data.values is not a port list",
      },
    );
  });
});
