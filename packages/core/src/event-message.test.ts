import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EVENT_MESSAGE_LIMIT,
  decideApex,
  eventMessage,
  serviceProfileOutput,
  type ServiceProfile,
} from "./index.js";
import { NS, splitObject } from "../test/fixtures.js";

// Issue 28, point 6: `kubectl get events` cuts a message at its first line break, and Kubernetes
// limits an Event's note to 1024 bytes. Expected values are written by hand.

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("eventMessage", () => {
  it("puts a message on one line", () => {
    expect(eventMessage("weight is -1 (wrap)\n  did you mean: 1. keeps its last good state.")).toBe(
      "weight is -1 (wrap) did you mean: 1. keeps its last good state.",
    );
    expect(eventMessage("a\r\nb\tc\u2028d\u0000e")).toBe("a b c d e");
  });

  it("leaves a short one-line message as it is", () => {
    expect(eventMessage("Created ServiceProfile web.shop.svc.cluster.local.")).toBe(
      "Created ServiceProfile web.shop.svc.cluster.local.",
    );
  });

  it("cuts a long message after a word, with an ellipsis, within 1024 bytes", () => {
    const long = `${"word ".repeat(300)}end`;
    const cut = eventMessage(long);
    // 204 words of 5 bytes are 1020 bytes; "word" ×204 with 203 spaces is 1019, plus "…" (3).
    expect(cut).toBe(`${"word ".repeat(203)}word…`);
    expect(bytes(cut)).toBe(1022);
  });

  it("never splits a character of several bytes", () => {
    const cut = eventMessage("é".repeat(600));
    // 2 bytes each: 510 of them (1020 bytes) and "…" (3 bytes).
    expect(cut).toBe(`${"é".repeat(510)}…`);
    expect(bytes(cut)).toBe(1023);
  });
});

const output = serviceProfileOutput();

// One or more of every kind of invalid input the parser reports, and some valid ones.
const INVALID_SPECS: unknown[] = [
  null,
  "web",
  {},
  { service: "web" },
  { service: "web", backends: [] },
  { service: "Web_1", backends: [{ service: "web-v1", weight: 1 }] },
  { service: "web", backends: [{ service: "web-v1", weight: -1 }] },
  { service: "web", backends: [{ service: "web-v1", weight: "-500m" }] },
  { service: "web", backends: [{ service: "web-v1", weight: "0.5m" }] },
  { service: "web", backends: [{ service: "web-v1", weight: "ten" }] },
  { service: "web", backends: [{ service: "web-v1", weight: "1e100000" }] },
  { service: "web", backends: [{ service: "web-v1", weight: " 1 " }] },
  { service: "web", backends: [{ service: "web-v1" }] },
  { service: "web", backends: [{ service: "web-v1\nweb-v2", weight: 1 }] },
  { service: "web", backends: [{ service: "web-v1", weight: 1, port: 80 }] },
  { service: "web", weights: { "web-v1": 90, "web-v2": 10 } },
  {
    service: "web",
    backends: [
      { service: "web-v1", weight: 1 },
      { service: "web-v1", weight: 2 },
    ],
  },
  {
    service: "web",
    backends: Array.from({ length: 150 }, (_, i) => ({ service: `b${i}`, weight: -i })),
  },
  { service: "web", backends: [{ service: "x".repeat(300), weight: 1 }] },
  { service: "web", backends: [{ service: "web-v1", weight: 0 }] },
  {
    service: "web",
    backends: [
      { service: "web-v1", weight: 4_000_000 },
      { service: "web-v2", weight: 1 },
    ],
  },
  {
    service: "web",
    backends: [{ service: "web-v1", weight: 1 }],
    matches: [{ kind: "HTTPRouteGroup", name: "g" }],
  },
];

const PROFILES: (ServiceProfile | undefined)[] = [
  undefined,
  {
    apiVersion: "linkerd.io/v1alpha2",
    kind: "ServiceProfile",
    metadata: {
      name: "web.shop.svc.cluster.local",
      namespace: NS,
      uid: "u",
      resourceVersion: "1",
      managedFields: [
        {
          manager: "kubectl-client-side-apply\nx",
          operation: "Update",
          fieldsV1: { "f:spec": { "f:dstOverrides": {} } },
        },
      ],
    },
    spec: { dstOverrides: [{ authority: "a\nb", weight: "1" }] },
  },
];

function messagesOf(specs: unknown[], profile: ServiceProfile | undefined): string[] {
  const splits = specs.map((spec, i) =>
    splitObject(`s${i}`, spec, {
      created: i === 0 ? "2026-01-01T00:00:00Z" : "2026-01-01T00:00:00Z",
    }),
  );
  const d = decideApex(
    { namespace: NS, apex: "web", splits, existing: profile, serviceExists: () => false },
    output,
  );
  const gone = decideApex({ namespace: NS, apex: "web", splits: [], existing: profile }, output);
  return [...d.events, ...gone.events].map((e) => e.message);
}

function oneLineWithinLimit(message: string): void {
  expect(message).not.toMatch(/[\r\n]/);
  expect(bytes(message)).toBeLessThanOrEqual(EVENT_MESSAGE_LIMIT);
}

describe("every Event message of the decision is one line, within 1024 bytes", () => {
  it("for each invalid input, alone and beside another split", () => {
    for (const profile of PROFILES) {
      for (const spec of INVALID_SPECS) {
        for (const message of messagesOf([spec], profile)) oneLineWithinLimit(message);
        for (const message of messagesOf([INVALID_SPECS[6], spec], profile))
          oneLineWithinLimit(message);
      }
    }
  });

  it("for any spec", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.jsonValue(), fc.constantFrom(...INVALID_SPECS)), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom(...PROFILES),
        (specs, profile) => {
          for (const message of messagesOf(specs, profile)) oneLineWithinLimit(message);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("a ServiceProfile Event about many backends", () => {
  it("lists the backends that fit and says how many more", () => {
    const backends = Array.from({ length: 1000 }, (_, i) => ({
      service: `huge-${String(i).padStart(4, "0")}`,
      weight: 1,
    }));
    const d = decideApex(
      {
        namespace: NS,
        apex: "huge",
        splits: [
          splitObject("huge", { service: "huge", backends }, { created: "2026-01-01T00:00:00Z" }),
        ],
        existing: undefined,
      },
      output,
    );
    // Each backend is 34 bytes ("huge-0000.shop.svc.cluster.local=1"), 36 with ", ": 16 fit
    // in the 600 bytes kept for the list.
    const first16 = Array.from(
      { length: 16 },
      (_, i) => `huge-${String(i).padStart(4, "0")}.shop.svc.cluster.local=1`,
    ).join(", ");
    expect(d.events.map((e) => e.message)).toEqual([
      `Created ServiceProfile huge.shop.svc.cluster.local with dstOverrides ${first16}, and 984 more.`,
    ]);
  });
});
