import { describe, expect, it } from "vitest";
import type { SplitStatus } from "../status/collect.js";
import { backendLines, renderStatusTable, statusExitCode } from "./status.js";

const row = (over: Partial<SplitStatus>): SplitStatus => ({
  namespace: "shop",
  name: "web-split",
  apex: "web",
  target: "serviceprofile",
  targetSource: "default",
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
  const rows = [
    row({}),
    row({
      name: "bad",
      apex: "web",
      backends: [
        { service: "web-v1", weight: "-5" },
        { service: "web-v2", weight: '"many"' },
      ],
      state: "Invalid",
      reason: "error[negative-weight] spec.backends[0].weight: ...",
    }),
    row({ name: "typo", missingBackends: ["web-canary"] }),
  ];

  it("shows NAMESPACE only for all namespaces, an invalid split's backends as written", () => {
    expect(renderStatusTable(rows, false)).toBe(
      [
        "NAME        APEX   TARGET           BACKENDS                  STATE",
        "web-split   web    serviceprofile   web-v1     900m (90.0%)   Synced",
        "                                    web-canary 100m (10.0%)",
        "bad         web    serviceprofile   web-v1     -5             Invalid",
        '                                    web-v2 "many"',
        "typo        web    serviceprofile   web-v1     900m (90.0%)   Synced, BackendNotFound",
        "                                    web-canary 100m (10.0%)",
        "",
      ].join("\n"),
    );
    expect(renderStatusTable(rows, true).split("\n")[0]).toBe(
      "NAMESPACE   NAME        APEX   TARGET           BACKENDS                  STATE",
    );
  });

  it("-o wide adds the ServiceProfile and the reason, with the missing backends", () => {
    const lines = renderStatusTable(rows, false, true).split("\n");
    expect(lines[0]).toBe(
      "NAME        APEX   TARGET           BACKENDS                  STATE                     OUTPUT                       REASON",
    );
    expect(lines[1]).toBe(
      "web-split   web    serviceprofile   web-v1     900m (90.0%)   Synced                    web.shop.svc.cluster.local   fine",
    );
    expect(lines[5]).toContain("fine; backend Service web-canary not found");
  });
});

describe("statusExitCode", () => {
  it("is 1 when a split is Invalid or in Conflict, 0 otherwise (Pending and BackendNotFound too)", () => {
    expect(statusExitCode([row({}), row({ state: "Pending", missingBackends: ["x"] })])).toBe(0);
    expect(statusExitCode([row({}), row({ state: "Invalid" })])).toBe(1);
    expect(statusExitCode([row({ state: "Conflict" })])).toBe(1);
    expect(statusExitCode([])).toBe(0);
  });
});
