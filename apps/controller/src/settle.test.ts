import { describe, expect, it } from "vitest";
import { StatusSettle } from "./settle.js";

// The policy controller's restart, as seen with edge-26.8.3: per route, Accepted=False
// NoMatchingParent, then ResolvedRefs=False BackendNotFound, then True, all within 5 s.
const NOT_ACCEPTED = { reason: "RouteNotAccepted", settle: "HTTPRoute/web-smi-80/Accepted" };
const UNRESOLVED = { reason: "BackendNotFound", settle: "HTTPRoute/web-smi-80/ResolvedRefs" };
const CREATED: { reason: string; settle?: string } = { reason: "Created" };

function gate(windowMs = 10_000) {
  let now = 0;
  const rechecks: [string, number][] = [];
  const g = new StatusSettle(
    windowMs,
    (key, ms) => rechecks.push([key, ms]),
    () => now,
  );
  return { g, rechecks, at: (ms: number) => (now = ms) };
}

describe("StatusSettle", () => {
  it("a restart's status sequence within 5 s gives no Event, and nothing is left behind", () => {
    const { g, rechecks, at } = gate();
    const passed: unknown[] = [];
    at(0);
    passed.push(...g.filter("shop/web", [NOT_ACCEPTED]));
    at(1_500);
    passed.push(...g.filter("shop/web", [NOT_ACCEPTED]));
    at(2_500);
    passed.push(...g.filter("shop/web", [UNRESOLVED]));
    at(4_000);
    passed.push(...g.filter("shop/web", [UNRESOLVED]));
    at(5_000);
    passed.push(...g.filter("shop/web", []));
    // The re-checks asked for come later and find nothing.
    at(10_000);
    passed.push(...g.filter("shop/web", []));
    at(12_500);
    passed.push(...g.filter("shop/web", []));
    expect(passed).toEqual([]);
    expect(rechecks).toEqual([
      ["shop/web", 10_000],
      ["shop/web", 8_500],
      ["shop/web", 10_000],
      ["shop/web", 8_500],
    ]);
    expect(g.size).toBe(0);
  });

  it("a condition that lasts the window passes once, then not again while it lasts", () => {
    const { g, rechecks, at } = gate();
    at(0);
    expect(g.filter("shop/web", [NOT_ACCEPTED, CREATED])).toEqual([CREATED]);
    at(9_999);
    expect(g.filter("shop/web", [NOT_ACCEPTED])).toEqual([]);
    at(10_000);
    expect(g.filter("shop/web", [NOT_ACCEPTED])).toEqual([NOT_ACCEPTED]);
    at(20_000);
    expect(g.filter("shop/web", [NOT_ACCEPTED])).toEqual([]);
    expect(rechecks).toEqual([
      ["shop/web", 10_000],
      ["shop/web", 1],
    ]);
    // Gone, then back: a new episode, reported again after its own window.
    at(21_000);
    expect(g.filter("shop/web", [])).toEqual([]);
    at(22_000);
    expect(g.filter("shop/web", [NOT_ACCEPTED])).toEqual([]);
    at(32_000);
    expect(g.filter("shop/web", [NOT_ACCEPTED])).toEqual([NOT_ACCEPTED]);
  });

  it("keys and conditions are apart; a window of 0 passes everything at once", () => {
    const { g, at } = gate();
    at(0);
    g.filter("shop/web", [NOT_ACCEPTED]);
    at(10_000);
    expect(g.filter("shop/api", [NOT_ACCEPTED])).toEqual([]);
    expect(g.filter("shop/web", [NOT_ACCEPTED, UNRESOLVED])).toEqual([NOT_ACCEPTED]);
    const zero = gate(0);
    expect(zero.g.filter("shop/web", [NOT_ACCEPTED, UNRESOLVED])).toEqual([
      NOT_ACCEPTED,
      UNRESOLVED,
    ]);
    expect(zero.rechecks).toEqual([]);
  });
});
