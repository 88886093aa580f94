import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

const at = () => new Date("2026-11-21T05:00:00.000Z");

describe("createLogger", () => {
  it("writes one JSON object per line with fields, above the level only", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      format: "json",
      write: (l) => lines.push(l),
      now: at,
    });
    log.debug("hidden");
    log
      .with({ trafficsplit: "ns/split" })
      .info("created serviceprofile/x for trafficsplit/split", { profile: "x" });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      time: "2026-11-21T05:00:00.000Z",
      level: "info",
      msg: "created serviceprofile/x for trafficsplit/split",
      trafficsplit: "ns/split",
      profile: "x",
    });
  });

  it("writes logfmt in the Go adaptor's shape", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "debug",
      format: "text",
      write: (l) => lines.push(l),
      now: at,
    });
    log.info("Using cluster domain: cluster.local");
    log.error("sync failed", { err: new Error("boom here"), key: "ns/a" });
    expect(lines).toEqual([
      'time="2026-11-21T05:00:00.000Z" level=info msg="Using cluster domain: cluster.local"\n',
      'time="2026-11-21T05:00:00.000Z" level=error msg="sync failed" err="boom here" key=ns/a\n',
    ]);
  });
});
