import { describe, expect, it } from "vitest";
import { createProgress } from "./progress.js";

function io(errIsTTY: boolean) {
  const written: string[] = [];
  return {
    written,
    io: { out: () => undefined, err: (t: string) => written.push(t), env: {}, errIsTTY },
  };
}

describe("createProgress", () => {
  it("draws a spinner line on a terminal and clears it", () => {
    const { written, io: tty } = io(true);
    const progress = createProgress(tty);
    progress.update("checking");
    progress.stop();
    progress.stop();
    expect(written).toEqual(["\r\u001b[K⠋ checking", "\r\u001b[K"]);
  });

  it("writes nothing when stderr is not a terminal, or when disabled", () => {
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { written, io: target } = io(tty);
      const progress = createProgress(target, enabled);
      progress.update("checking");
      progress.stop();
      expect(written).toEqual([]);
    }
  });
});
