import { describe, expect, it } from "vitest";
import type { SplitStatus } from "../status/collect.js";
import { backendLines, renderStatusTable } from "./status.js";

const row = (over: Partial<SplitStatus>): SplitStatus => ({
  namespace: "shop",
  name: "web-split",
  apex: "web",
  serviceProfile: "web.shop.svc.cluster.local",
  backends: [
    { service: "web-v1", weight: "900m", percent: 90 },
    { service: "web-canary", weight: "100m", percent: 10 },
  ],
  state: "Synced",
  reason: "fine",
  ...over,
});

describe("backendLines", () => {
  it("aligns services and weights", () => {
    expect(backendLines(row({}).backends)).toEqual([
      "web-v1     900m (90.0%)",
      "web-canary 100m (10.0%)",
    ]);
    expect(
      backendLines([
        { service: "a", weight: "1", percent: 0.01 },
        { service: "b", weight: "9999", percent: 99.99 },
      ]),
    ).toEqual(["a    1 (<0.1%)", "b 9999 (>99.9%)"]);
    expect(backendLines([])).toEqual(["-"]);
  });
});

describe("renderStatusTable", () => {
  it("shows NAMESPACE only for all namespaces", () => {
    const rows = [
      row({}),
      row({
        name: "bad",
        apex: "",
        backends: [],
        state: "Invalid",
        reason: "error[missing-field] spec.service: ...",
      }),
    ];
    expect(renderStatusTable(rows, false)).toBe(
      [
        "NAME        APEX   BACKENDS                  STATE     REASON",
        "web-split   web    web-v1     900m (90.0%)   Synced    fine",
        "                   web-canary 100m (10.0%)",
        "bad         -      -                         Invalid   error[missing-field] spec.service: ...",
        "",
      ].join("\n"),
    );
    expect(renderStatusTable(rows, true).split("\n")[0]).toBe(
      "NAMESPACE   NAME        APEX   BACKENDS                  STATE     REASON",
    );
  });
});
