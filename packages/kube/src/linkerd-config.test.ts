import { describe, expect, it } from "vitest";
import { linkerdConfigValues } from "./linkerd-config.js";
import type { ConfigMap } from "./resources.js";

// The ConfigMap as linkerd2 edge-26.8.3's control plane chart renders it (helm template of
// charts/linkerd-control-plane, templates/config.yaml), data.values trimmed to a few keys.
const configMap = (values?: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "linkerd-config", namespace: "linkerd" },
  data: {
    "linkerd-crds-chart-version": "linkerd-crds-1.0.0-edge",
    ...(values === undefined ? {} : { values }),
  },
});

describe("linkerdConfigValues", () => {
  it("parses data.values: an unquoted list stays a string, a single port is a number", () => {
    expect(
      linkerdConfigValues(
        configMap(
          "clusterDomain: cluster.local\nproxy:\n  nativeSidecar: true\n  opaquePorts: 25,587,3306,4444,5432,6379,9300,11211\n",
        ),
        "linkerd",
      ),
    ).toEqual({
      values: {
        clusterDomain: "cluster.local",
        proxy: { nativeSidecar: true, opaquePorts: "25,587,3306,4444,5432,6379,9300,11211" },
      },
    });
    expect(linkerdConfigValues(configMap("proxy:\n  opaquePorts: 3306\n"), "linkerd")).toEqual({
      values: { proxy: { opaquePorts: 3306 } },
    });
  });

  it("says why when the ConfigMap, its values or their YAML is missing", () => {
    expect(linkerdConfigValues(undefined, "mesh")).toEqual({
      problem: 'ConfigMap mesh/linkerd-config not found: is Linkerd installed in "mesh"?',
    });
    expect(linkerdConfigValues(configMap(), "linkerd")).toEqual({
      problem: "ConfigMap linkerd/linkerd-config has no data.values",
    });
    const bad = linkerdConfigValues(configMap("proxy: [unclosed"), "linkerd");
    expect("problem" in bad ? bad.problem : "").toMatch(
      /^ConfigMap linkerd\/linkerd-config: data\.values is not YAML \(\S/,
    );
  });
});
