import { describe, expect, it } from "vitest";
import { compareVersions, newestCommonVersion } from "./node-versions.js";

describe("Node versions", () => {
  it("are ordered by number, not by text", () => {
    expect(["26.10.0", "26.9.1", "26.2.10", "26.2.9"].sort(compareVersions)).toEqual([
      "26.2.9",
      "26.2.10",
      "26.9.1",
      "26.10.0",
    ]);
    expect(compareVersions("26.1.0", "26.1.0")).toBe(0);
  });

  it("pick the newest release of the major line that every platform has", () => {
    const linux = ["24.9.0", "26.1.0", "26.10.0", "26.11.0", "27.0.0"];
    const darwin = ["26.1.0", "26.10.0", "26.9.0", "27.0.0"];
    const windows = ["26.1.0", "26.10.0", "26.11.0-rc.1", "26.9.0"];
    expect(newestCommonVersion([linux, darwin, windows], 26)).toBe("26.10.0");
    expect(newestCommonVersion([linux], 27)).toBe("27.0.0");
    expect(newestCommonVersion([linux, windows], 24)).toBeUndefined();
    expect(newestCommonVersion([["2.6.0", "126.0.0"]], 26)).toBeUndefined();
  });
});
