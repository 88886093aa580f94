import type { EventRecorder } from "@linkerd-smi/kube";
import { describe, expect, it } from "vitest";
import { createEventSink } from "./events.js";

// Issue 28, point 6: every Event the adaptor records is one line, within 1024 bytes, whoever
// wrote its text (the controller quotes the API server's errors, which can span lines).

function sink() {
  const recorded: string[] = [];
  const recorder = {
    event: (_o: unknown, _t: string, _r: string, message: string) => recorded.push(message),
  } as unknown as EventRecorder;
  return { events: createEventSink(recorder), recorded };
}

const split = {
  apiVersion: "split.smi-spec.io/v1alpha2",
  kind: "TrafficSplit",
  metadata: { name: "web", namespace: "shop", uid: "u" },
};

describe("createEventSink", () => {
  it("records a message that spans lines on one line", () => {
    const { events, recorded } = sink();
    events.record(
      split,
      "Warning",
      "WriteRejected",
      "The API server refused to apply ServiceProfile web.shop.svc.cluster.local (invalid): spec.dstOverrides[0].weight: Invalid value\nspec.dstOverrides[1].weight: Invalid value. To fix: fix the TrafficSplit.",
    );
    expect(recorded).toEqual([
      "The API server refused to apply ServiceProfile web.shop.svc.cluster.local (invalid): spec.dstOverrides[0].weight: Invalid value spec.dstOverrides[1].weight: Invalid value. To fix: fix the TrafficSplit.",
    ]);
  });

  it("cuts a message over 1024 bytes with an ellipsis", () => {
    const { events, recorded } = sink();
    events.record(split, "Warning", "WriteRejected", `refused: ${"x".repeat(2000)}`);
    // No word ends in the last 64 characters: cut at 1021 bytes, then "…" (3 bytes).
    expect(recorded).toEqual([`refused: ${"x".repeat(1012)}…`]);
  });
});
