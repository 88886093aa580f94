import { describe, expect, it } from "vitest";
import { describeObject, smartLabel } from "./describe.js";
import { alignTabs } from "./tabwriter.js";

describe("describeObject", () => {
  it("prints the seed guide's ServiceProfile exactly as its kubectl describe output shows it", () => {
    const profile = {
      apiVersion: "linkerd.io/v1alpha2",
      kind: "ServiceProfile",
      metadata: {
        name: "backend-svc.trafficsplit-sample.svc.cluster.local",
        namespace: "trafficsplit-sample",
        creationTimestamp: "2021-08-02T12:42:52Z",
        generation: 1,
        managedFields: [
          {
            apiVersion: "linkerd.io/v1alpha2",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { ".": {}, "f:dstOverrides": {} } },
            manager: "smi-adaptor",
            operation: "Update",
            time: "2021-08-02T12:42:52Z",
          },
        ],
        resourceVersion: "3542",
        uid: "cbcdb74f-07e0-42f0-a7a8-9bbcf5e0e54e",
      },
      spec: {
        dstOverrides: [
          { authority: "backend-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
          { authority: "failing-svc.trafficsplit-sample.svc.cluster.local", weight: "500" },
        ],
      },
    };
    expect(describeObject(profile)).toBe(
      [
        "Name:         backend-svc.trafficsplit-sample.svc.cluster.local",
        "Namespace:    trafficsplit-sample",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  linkerd.io/v1alpha2",
        "Kind:         ServiceProfile",
        "Metadata:",
        "  Creation Timestamp:  2021-08-02T12:42:52Z",
        "  Generation:          1",
        "  Managed Fields:",
        "    API Version:  linkerd.io/v1alpha2",
        "    Fields Type:  FieldsV1",
        "    fieldsV1:",
        "      f:spec:",
        "        .:",
        "        f:dstOverrides:",
        "    Manager:         smi-adaptor",
        "    Operation:       Update",
        "    Time:            2021-08-02T12:42:52Z",
        "  Resource Version:  3542",
        "  UID:               cbcdb74f-07e0-42f0-a7a8-9bbcf5e0e54e",
        "Spec:",
        "  Dst Overrides:",
        "    Authority:  backend-svc.trafficsplit-sample.svc.cluster.local",
        "    Weight:     500",
        "    Authority:  failing-svc.trafficsplit-sample.svc.cluster.local",
        "    Weight:     500",
        "Events:         <none>",
        "",
      ].join("\n"),
    );
  });

  it("lists labels and events", () => {
    const text = describeObject(
      {
        apiVersion: "v1",
        kind: "X",
        metadata: { name: "a", namespace: "b", labels: { z: "1", a: "2" } },
      },
      [
        {
          type: "Normal",
          reason: "Created",
          age: "3s",
          from: "smi-adaptor",
          message: "Created ServiceProfile a",
        },
      ],
    );
    expect(text).toContain("Labels:       a=2\n              z=1\n");
    expect(text).toContain("  Normal  Created  3s    smi-adaptor  Created ServiceProfile a\n");
  });
});

describe("smartLabel", () => {
  it.each([
    ["dstOverrides", "Dst Overrides"],
    ["apiVersion", "API Version"],
    ["uid", "UID"],
    ["retryBudget", "Retry Budget"],
    ["fieldsV1", "fieldsV1"],
    ["f:spec", "f:spec"],
  ])("%s -> %s", (field, label) => {
    expect(smartLabel(field)).toBe(label);
  });
});

describe("alignTabs", () => {
  it("pads each column block to its widest cell plus two", () => {
    expect(alignTabs("a:\t1\nlonger:\t2\nbreak\nb:\t3")).toBe(
      "a:       1\nlonger:  2\nbreak\nb:  3",
    );
  });
});
