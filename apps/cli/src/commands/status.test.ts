import { describe, expect, it } from "vitest";
import type { SplitStatus } from "../status/collect.js";
import {
  backendLines,
  renderStatusTable,
  scaledNotes,
  stateText,
  statusExitCode,
} from "./status.js";

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

  it("shows NAMESPACE only for all namespaces, TARGET only with an httproute split, an invalid split's backends as written", () => {
    expect(renderStatusTable(rows, false)).toBe(
      [
        "NAME        APEX   BACKENDS                  STATE",
        "web-split   web    web-v1     900m (90.0%)   Synced",
        "                   web-canary 100m (10.0%)",
        "bad         web    web-v1     -5             Invalid",
        '                   web-v2 "many"',
        "typo        web    web-v1     900m (90.0%)   Synced, BackendNotFound",
        "                   web-canary 100m (10.0%)",
        "",
      ].join("\n"),
    );
    expect(renderStatusTable(rows, true).split("\n")[0]).toBe(
      "NAMESPACE   NAME        APEX   BACKENDS                  STATE",
    );
    // TARGET when some split targets httproute.
    expect(
      renderStatusTable([...rows, row({ name: "routed", target: "httproute" })], false).split(
        "\n",
      )[0],
    ).toBe("NAME        APEX   TARGET           BACKENDS                  STATE");
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

  it("is 1 when Linkerd does not accept a split's route, 0 while it is pending or accepted", () => {
    const routed = { target: "httproute" as const };
    expect(statusExitCode([row({ ...routed, state: "RouteNotAccepted" })])).toBe(1);
    expect(statusExitCode([row({ ...routed, state: "RoutePending" })])).toBe(0);
    expect(statusExitCode([row({ ...routed, state: "RouteAccepted" })])).toBe(0);
  });
});

describe("scaled weights", () => {
  const scaled = row({
    name: "big",
    backends: [
      { service: "web-v1", weight: "1M", percent: 25, written: "107374182m" },
      { service: "web-v2", weight: "3M", percent: 75, written: "322122546m" },
    ],
    weightsScaled: true,
  });

  it("-o wide shows the weight each backend is written with", () => {
    expect(backendLines(scaled.backends, true)).toEqual([
      "web-v1 1M (25.0%) -> 107374182m",
      "web-v2 3M (75.0%) -> 322122546m",
    ]);
    expect(backendLines(scaled.backends)).toEqual(["web-v1 1M (25.0%)", "web-v2 3M (75.0%)"]);
  });

  it("the human output says the weights were scaled, and to what", () => {
    expect(scaledNotes([row({}), scaled])).toEqual([
      "TrafficSplit shop/big: its weights add up to more than Linkerd can carry (429496.729), so the ServiceProfile carries them scaled in proportion: web-v1=107374182m, web-v2=322122546m. Linkerd uses these; use smaller weights (such as percentages) to have them written as given.",
    ]);
  });
});

describe("stateText and the wide OUTPUT of httproute splits", () => {
  it("adds what else matters to the state", () => {
    expect(
      stateText(
        row({
          state: "RouteAccepted",
          shadowedBy: [{ profile: "shop/web.shop.svc.cluster.local", why: "routes" }],
        }),
      ),
    ).toBe("RouteAccepted, ShadowedByServiceProfile");
    expect(stateText(row({ matchesIgnored: true }))).toBe("Synced, MatchesNotSupported");
  });

  it("lists the routes of an httproute split", () => {
    const lines = renderStatusTable(
      [
        row({
          target: "httproute",
          targetSource: "annotation",
          state: "RouteNotAccepted",
          reason: "HTTPRoute web-smi-80 is not accepted",
          routes: [
            { kind: "HTTPRoute", name: "web-smi-80", port: 80, state: "RouteNotAccepted" },
            { kind: "TCPRoute", name: "web-smi-3306", port: 3306, state: "RouteAccepted" },
          ],
        }),
      ],
      false,
      true,
    ).split("\n");
    expect(lines[1]).toBe(
      "web-split   web    httproute   web-v1     900m (90.0%)   RouteNotAccepted   HTTPRoute/web-smi-80    HTTPRoute web-smi-80 is not accepted",
    );
    expect(lines[2]).toBe(
      "                               web-canary 100m (10.0%)                      TCPRoute/web-smi-3306",
    );
  });
});
