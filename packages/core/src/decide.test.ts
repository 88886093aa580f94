import { describe, expect, it } from "vitest";
import {
  decideServiceProfile as decide,
  NS,
  PROFILE,
  splitLike,
  storedProfile,
  trafficSplit,
  V1,
} from "../test/fixtures.js";
import {
  apexOfSplit,
  compareSeniority,
  decideApex,
  orderBySeniority,
  selectWinner,
  type Diagnostic,
  type OutputPlanner,
  type SplitLike,
  type TrafficSplitObject,
} from "./index.js";

// Which split decides an apex, and what decideApex adds to what an output plans: the splits'
// states and reasons, and who each Event is about. Expected values are written by hand from the
// design's rules and the messages it promises (name the object, the field and what to do); none
// is computed by the code under test.

const NEGATIVE =
  "spec.backends[0].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight)";
const MISSING_WEIGHT =
  "error[missing-field] spec.backends[0].weight: spec.backends[0].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other)";

describe("apexOfSplit", () => {
  it.each([
    [{ spec: { service: "web" } }, "web"],
    [{ spec: { service: 3 } }, ""],
    [{ spec: null }, ""],
    [{ spec: [] }, ""],
    [{}, ""],
    [null, ""],
    ["web", ""],
  ])("%j -> %j", (input, apex) => {
    expect(apexOfSplit(input)).toBe(apex);
  });
});

describe("seniority: the oldest split comes first, then the first by name", () => {
  const a = splitLike("a", { created: "2024-01-02T00:00:00Z" });
  const b = splitLike("b", { created: "2024-01-01T00:00:00Z" });
  const c = splitLike("c", { created: "2024-01-01T00:00:00Z" });
  const noTime = { metadata: { name: "0", namespace: NS }, spec: {} };
  const badTime = splitLike("00", { created: "not a time" });
  const asDate = { ...splitLike("z"), metadata: { name: "z", creationTimestamp: new Date(0) } };

  it("orders oldest first, then by name, splits without a valid timestamp last", () => {
    expect(
      orderBySeniority([a, noTime, c, badTime, b, asDate]).map((s) => s.metadata.name),
    ).toEqual(["z", "b", "c", "a", "0", "00"]);
    expect(compareSeniority(b, b)).toBe(0);
  });

  it("does not sort its input in place", () => {
    const input = [a, b];
    orderBySeniority(input);
    expect(input).toEqual([a, b]);
  });

  it("selects the winner among the splits of an apex", () => {
    const other = splitLike("other", { spec: { service: "api" }, created: "2020-01-01T00:00:00Z" });
    expect(selectWinner([a, other, c, b], "web")).toBe(b);
    expect(selectWinner([a, other, c, b])).toBe(other);
    expect(selectWinner([a], "api")).toBeUndefined();
    expect(selectWinner<SplitLike>([])).toBeUndefined();
  });

  it("orders by name when the age is the same, a split without a name first", () => {
    const a = trafficSplit("a", [["web-v1", 1]]);
    const b = trafficSplit("b", [["web-v1", 1]]);
    const nameless = trafficSplit(undefined, [["web-v1", 1]]);
    expect(compareSeniority(a, b)).toBe(-1);
    expect(compareSeniority(b, a)).toBe(1);
    expect(compareSeniority(a, a)).toBe(0);
    expect(compareSeniority(nameless, a)).toBe(-1);
    expect(compareSeniority(a, nameless)).toBe(1);
    // No name sorts before every name, even one that sorts before capital letters.
    const zero = trafficSplit("0", [["web-v1", 1]]);
    expect(compareSeniority(nameless, zero)).toBe(-1);
    expect(compareSeniority(zero, nameless)).toBe(1);
  });
});

describe("decideApex: who decides", () => {
  const webSplit = trafficSplit("web-split", [
    ["web-v1", 900],
    ["web-v2", 100],
  ]);

  it("lets the OLDEST split decide and warns the younger one", () => {
    const old = trafficSplit("zz-old", [["web-v1", 1]], { created: "2026-01-01T00:00:00Z" });
    const young = trafficSplit("aa-young", [["web-v2", 1]], { created: "2026-01-02T00:00:00Z" });
    const d = decide([young, old], undefined);
    expect(d.winner?.metadata.name).toBe("zz-old");
    expect(d.action).toMatchObject({ dstOverrides: [{ authority: V1, weight: "1" }] });
    expect(d.splits.map((s) => [s.split.metadata.name, s.state])).toEqual([
      ["zz-old", "Pending"],
      ["aa-young", "Conflict"],
    ]);
    expect(d.events.map((e) => [e.split?.metadata.name, e.reason])).toEqual([
      ["zz-old", "Created"],
      ["aa-young", "Conflict"],
    ]);
  });

  it("breaks a tie in age by name", () => {
    const b = trafficSplit("b", [["web-v2", 1]]);
    const a = trafficSplit("a", [["web-v1", 1]]);
    expect(decide([b, a], undefined).winner?.metadata.name).toBe("a");
  });

  it("ignores splits of other apexes", () => {
    const other = trafficSplit("api", [["api-v1", 1]], {
      service: "api",
      created: "2020-01-01T00:00:00Z",
    });
    expect(decide([other, webSplit], undefined).winner?.metadata.name).toBe("web-split");
  });

  it("keeps the last good state of an invalid winner and writes nothing", () => {
    const bad = trafficSplit("bad", [["web-v1", -1]]);
    const d = decide([bad], storedProfile([{ authority: V1, weight: "1" }]));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.result).toBe("invalid");
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "InvalidSpec" });
    expect(d.events[0]?.message).toMatch(
      /^error\[negative-weight\] spec\.backends\[0\]\.weight: [\s\S]*\. ServiceProfile web\.shop\.svc\.cluster\.local keeps its last good state\.$/,
    );
    expect(d.splits[0]?.state).toBe("Invalid");
  });

  it("names a nameless winner as such in the conflict", () => {
    const nameless = trafficSplit(undefined, [["web-v1", 1]]);
    const young = trafficSplit("young", [["web-v1", 1]], { created: "2026-03-01T00:00:00Z" });
    expect(decide([young, nameless], undefined).splits[1]?.reason).toBe(
      `TrafficSplit  also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });
});

describe("decideApex: the splits that lose", () => {
  const old = trafficSplit("zz-old", [["web-v1", 1]], { created: "2026-01-01T00:00:00Z" });
  const young = trafficSplit(
    "aa-young",
    [
      ["web-v2", 1],
      ["web-v3", 3],
    ],
    { created: "2026-01-02T00:00:00Z" },
  );

  it("a younger valid split is in Conflict, named after the winner, with its own shares", () => {
    const d = decide([young, old], undefined, { services: ["web", "web-v1"] });
    expect(d.splits).toEqual([
      {
        split: old,
        state: "Pending",
        reason: `ServiceProfile ${PROFILE} does not exist yet (is the smi-adaptor running?)`,
        shares: [{ service: "web-v1", weight: "1", milli: 1000n, percent: 100 }],
        missingBackends: [],
      },
      {
        split: young,
        state: "Conflict",
        reason: `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
        shares: [
          { service: "web-v2", weight: "1", milli: 1000n, percent: 25 },
          { service: "web-v3", weight: "3", milli: 3000n, percent: 75 },
        ],
        missingBackends: ["web-v2", "web-v3"],
      },
    ]);
    expect(d.events[1]).toEqual({
      split: young,
      type: "Warning",
      reason: "Conflict",
      message: `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it is the oldest. Delete one of them or point this one at another service.`,
    });
  });

  it("says a split of the same age loses by name, not by age", () => {
    const a = trafficSplit("a", [["web-v1", 1]]);
    const b = trafficSplit("b", [["web-v2", 1]]);
    const d = decide([b, a], undefined);
    expect(d.splits[1]?.reason).toBe(
      `TrafficSplit a also splits service web and is as old and comes first by name, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a split without a creation time is younger than any with one", () => {
    const timeless = trafficSplit("a-timeless", [["web-v2", 1]], { created: null });
    const dated = trafficSplit("z-dated", [["web-v1", 1]], { created: "2030-01-01T00:00:00Z" });
    const d = decide([timeless, dated], undefined);
    expect(d.winner).toBe(dated);
    expect(d.splits[1]?.reason).toBe(
      `TrafficSplit z-dated also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a younger invalid split is Invalid, with its errors on one line, and still warned of the conflict", () => {
    const bad = trafficSplit("bad", [["web-v1", -1]], { created: "2026-02-01T00:00:00Z" });
    const d = decide([bad, old], undefined);
    // Issue 28, point 5: the status and the Event both tell both stories (the status used to
    // give only the errors, the Event only the conflict).
    const older = `TrafficSplit zz-old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}`;
    expect(d.splits[1]).toEqual({
      split: bad,
      state: "Invalid",
      reason: `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); and even once fixed, it would not decide: ${older}; delete one of them or point this one at another service`,
    });
    expect(d.events.map((e) => [e.split?.metadata.name, e.reason])).toEqual([
      ["zz-old", "Created"],
      ["bad", "Conflict"],
    ]);
    expect(d.events[1]?.message).toBe(
      `${older}; this split is ignored until it is the oldest. Delete one of them or point this one at another service. This split is also invalid, fix it too: error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1).`,
    );
  });

  it("says a split of the same age loses by name, not that the other is older", () => {
    const a = trafficSplit("a", [["web-v1", 1]], { created: "2026-01-01T00:00:00Z" });
    const b = trafficSplit("b", [["web-v2", 1]], { created: "2026-01-01T00:00:00Z" });
    const d = decide([b, a], undefined);
    const conflict = d.events.find((e) => e.reason === "Conflict");
    expect(conflict?.split).toBe(b);
    expect(conflict?.message).toBe(
      `TrafficSplit a also splits service web and is as old and comes first by name, so it alone decides ServiceProfile ${PROFILE}; this split is ignored until it comes first (the oldest split decides, then the first by name). Delete one of them or point this one at another service.`,
    );
  });

  it("a younger split with several errors has them all, joined", () => {
    const d = decide(
      [
        trafficSplit("old", [["web-v1", 1]]),
        trafficSplit(
          "young",
          [
            ["web-v1", null],
            ["web-v2", null],
          ],
          { created: "2026-02-01T00:00:00Z" },
        ),
      ],
      undefined,
    );
    expect(d.splits[1]?.reason).toBe(
      `${MISSING_WEIGHT}; error[missing-field] spec.backends[1].weight: spec.backends[1].weight is missing: give each backend a weight, e.g. weight: 500m or weight: 50 (weights are relative to each other); and even once fixed, it would not decide: TrafficSplit old also splits service web and is older, so it alone decides ServiceProfile ${PROFILE}; delete one of them or point this one at another service`,
    );
  });

  it("a younger split the output rejects is Invalid, not in Conflict", () => {
    const rejectYoung: OutputPlanner<string, string> = {
      target: "thing",
      none: "nothing",
      kind: "Thing",
      nameOf: (namespace, apex) => `${apex}@${namespace}`,
      check: (winner): Diagnostic[] =>
        (winner.split as TrafficSplitObject).metadata.name === "young"
          ? [{ severity: "error", code: "invalid-name", path: "spec.service", message: "no" }]
          : [],
      plan: () => ({ action: "write", result: "updated", events: [] }),
      cleanup: () => ({ action: "nothing", result: "absent", events: [] }),
    };
    const young = trafficSplit("young", [["web-v1", 1]], { created: "2026-02-01T00:00:00Z" });
    const d = decideApex(
      {
        namespace: NS,
        apex: "web",
        splits: [young, trafficSplit("old", [["web-v1", 1]])],
        existing: "",
      },
      rejectYoung,
    );
    expect(d.splits[1]).toEqual({
      split: young,
      state: "Invalid",
      reason:
        "error[invalid-name] spec.service: no; and even once fixed, it would not decide: TrafficSplit old also splits service web and is older, so it alone decides Thing web@shop; delete one of them or point this one at another service",
    });
  });
});

describe("decideApex: an invalid winner", () => {
  it("lists every error in the status and the Event, without shares", () => {
    const bad = trafficSplit("bad", [
      ["web-v1", -1],
      ["Web_V2", 1],
    ]);
    const d = decide([bad], undefined);
    expect(d.splits).toHaveLength(1);
    expect(d.splits[0]?.state).toBe("Invalid");
    expect(Object.keys(d.splits[0] ?? {}).sort()).toEqual(["reason", "split", "state"]);
    const reason = d.splits[0]?.reason ?? "";
    expect(
      reason.startsWith(
        `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); error[invalid-name] spec.backends[1].service: `,
      ),
    ).toBe(true);
    expect(d.events).toHaveLength(1);
    const message = d.events[0]?.message ?? "";
    expect(
      message.startsWith(
        `error[negative-weight] spec.backends[0].weight: ${NEGATIVE} (did you mean: 1); error[invalid-name] spec.backends[1].service: `,
      ),
    ).toBe(true);
    expect(message.endsWith(`. ServiceProfile ${PROFILE} keeps its last good state.`)).toBe(true);
  });

  it("says when more errors were found than listed", () => {
    const many = trafficSplit(
      "many",
      Array.from({ length: 101 }, (_, i): [string, number] => [`b${i}`, -1]),
    );
    const d = decide([many], undefined);
    // The Event lists what fits in Kubernetes' 1024 bytes (it used to list all 100 errors, over
    // 19 KB) and says how many more; the status lists them all.
    const message = d.events[0]?.message ?? "";
    expect(message.split("error[negative-weight]")).toHaveLength(5);
    expect(message).toContain(
      "spec.backends[3].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight) (did you mean: 1); and 97 more (linkerd smi status lists them all). ServiceProfile web.shop.svc.cluster.local keeps its last good state.",
    );
    expect(message).toHaveLength(925);
    // The status lists the errors only.
    const reason = d.splits[0]?.reason ?? "";
    expect(reason.split("error[negative-weight]")).toHaveLength(101);
    expect(reason).not.toContain("diagnostics-truncated");
  });

  it("an invalid namespace makes the winner invalid, naming metadata.namespace", () => {
    const d = decide([trafficSplit("web", [["web-v1", 1]])], undefined, { namespace: "Shop" });
    expect(d.result).toBe("invalid");
    expect(d.action).toEqual({ kind: "none" });
    expect(
      d.events[0]?.message.startsWith(
        "error[invalid-name] metadata.namespace: invalid namespace: ",
      ),
    ).toBe(true);
    expect(
      d.events[0]?.message.endsWith(
        ". ServiceProfile web.Shop.svc.cluster.local keeps its last good state.",
      ),
    ).toBe(true);
    expect(
      d.splits[0]?.reason.startsWith("error[invalid-name] metadata.namespace: invalid namespace: "),
    ).toBe(true);
  });

  it("writes an error without a suggestion without one", () => {
    const d = decide([trafficSplit("w", [["web-v1", null]])], undefined);
    expect(d.splits[0]?.reason).toBe(MISSING_WEIGHT);
  });

  it("lists the errors in the Event and leaves out warnings", () => {
    // web-v2 listed twice is a warning; the negative weight is the error.
    const d = decide(
      [
        trafficSplit("w", [
          ["web-v1", -1],
          ["web-v2", 1],
          ["web-v2", 1],
        ]),
      ],
      undefined,
    );
    expect(d.events.map((e) => e.message)).toEqual([
      `error[negative-weight] spec.backends[0].weight: spec.backends[0].weight is -1, a negative weight: weights must be zero or positive (Linkerd would wrap it into a huge unsigned weight) (did you mean: 1). ServiceProfile ${PROFILE} keeps its last good state.`,
    ]);
  });
});

describe("decideApex with any output", () => {
  // A minimal output, to see what decideApex itself adds to what an output plans.
  const problems: Diagnostic[] = [];
  const thing: OutputPlanner<string, string> = {
    target: "thing",
    none: "nothing",
    kind: "Thing",
    nameOf: (namespace, apex) => `${apex}@${namespace}`,
    check: () => problems,
    plan: () => ({
      action: "write",
      result: "updated",
      events: [{ type: "Normal", reason: "Updated", message: "wrote it" }],
    }),
    cleanup: () => ({
      action: "remove",
      result: "deleted",
      events: [{ type: "Normal", reason: "Deleted", message: "removed it" }],
    }),
  };
  const web = trafficSplit("web", [
    ["web-v1", 900],
    ["web-v2", 100],
  ]);

  it("a plan without a state leaves the winner Synced, and its events name the winner", () => {
    const d = decideApex({ namespace: NS, apex: "web", splits: [web], existing: "x" }, thing);
    expect(d).toEqual({
      namespace: NS,
      apex: "web",
      winner: web,
      action: "write",
      result: "updated",
      events: [{ split: web, type: "Normal", reason: "Updated", message: "wrote it" }],
      splits: [
        {
          split: web,
          state: "Synced",
          reason: "",
          shares: [
            { service: "web-v1", weight: "900", milli: 900_000n, percent: 90 },
            { service: "web-v2", weight: "100", milli: 100_000n, percent: 10 },
          ],
          missingBackends: [],
        },
      ],
    });
  });

  it("errors of the output make the winner invalid and name the output object", () => {
    problems.push({
      severity: "error",
      code: "invalid-name",
      path: "spec.service",
      message: "too long",
      suggestion: "w",
    });
    try {
      const d = decideApex({ namespace: NS, apex: "web", splits: [web], existing: "x" }, thing);
      expect(d.action).toBe("nothing");
      expect(d.result).toBe("invalid");
      expect(d.events).toEqual([
        {
          split: web,
          type: "Warning",
          reason: "InvalidSpec",
          message:
            "error[invalid-name] spec.service: too long (did you mean: w). Thing web@shop keeps its last good state.",
        },
      ]);
      expect(d.splits).toEqual([
        {
          split: web,
          state: "Invalid",
          reason: "error[invalid-name] spec.service: too long (did you mean: w)",
        },
      ]);
    } finally {
      problems.length = 0;
    }
  });

  it("cleanup Events name the departed split when it is known, and no split otherwise", () => {
    const without = decideApex({ namespace: NS, apex: "web", splits: [], existing: "x" }, thing);
    expect(without).toEqual({
      namespace: NS,
      apex: "web",
      action: "remove",
      result: "deleted",
      events: [{ type: "Normal", reason: "Deleted", message: "removed it" }],
      splits: [],
    });
    const other = {
      ...web,
      spec: { service: "api", backends: [{ service: "api-v1", weight: 1 }] },
    };
    const withDeparted = decideApex(
      { namespace: NS, apex: "web", splits: [other], existing: "x", departed: web },
      thing,
    );
    expect(withDeparted.events).toEqual([
      { split: web, type: "Normal", reason: "Deleted", message: "removed it" },
    ]);
  });
});
