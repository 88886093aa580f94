import { describe, expect, it } from "vitest";
import { renderTable } from "./table.js";

describe("renderTable", () => {
  it("pads columns to the widest cell, three spaces apart, no trailing spaces", () => {
    expect(
      renderTable(
        ["NAME", "STATE", "REASON"],
        [
          ["a", "Synced", "fine"],
          ["longer-name", "Pending", ""],
        ],
      ),
    ).toBe(
      [
        "NAME          STATE     REASON",
        "a             Synced    fine",
        "longer-name   Pending",
        "",
      ].join("\n"),
    );
  });

  it("gives a multi-line cell its own lines and keeps the other columns aligned", () => {
    expect(
      renderTable(
        ["NAME", "BACKENDS", "STATE"],
        [
          ["web", ["web-v1 900 (90.0%)", "web-v2 100 (10.0%)"], "Synced"],
          ["api", "api-v1 1 (100.0%)", "Pending"],
        ],
      ),
    ).toBe(
      [
        "NAME   BACKENDS             STATE",
        "web    web-v1 900 (90.0%)   Synced",
        "       web-v2 100 (10.0%)",
        "api    api-v1 1 (100.0%)    Pending",
        "",
      ].join("\n"),
    );
  });

  it("counts characters, not UTF-16 units, and treats missing cells as empty", () => {
    expect(renderTable(["A", "B"], [["√√", "x"], ["y"]])).toBe("A    B\n√√   x\ny\n");
  });
});
