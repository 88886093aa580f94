import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ADAPTOR_NODE_FLAGS } from "./node-flags.js";

describe("ADAPTOR_NODE_FLAGS", () => {
  it("are flags this Node accepts, and take effect", async () => {
    // A misspelt V8 flag makes node refuse to start ("bad option"): the image would crash-loop.
    const { stdout } = await promisify(execFile)(process.execPath, [
      ...ADAPTOR_NODE_FLAGS,
      "-e",
      "process.stdout.write(String(require('node:v8').getHeapStatistics().total_available_size > 0))",
    ]);
    expect(stdout).toBe("true");
    expect(ADAPTOR_NODE_FLAGS).toContain("--max-semi-space-size=1");
  });
});
