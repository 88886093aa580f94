import type { CliIO } from "../io.js";

/** A one-line progress indicator on stderr. */
export interface Progress {
  /** Shows `text` next to the spinner (replacing what was there). */
  update(text: string): void;
  /** Removes the line. Safe to call more than once. */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\u001b[K";

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A spinner on stderr when stderr is a terminal, and nothing otherwise (pipes, CI logs, files),
 * so that redirected output never carries control characters.
 */
export function createProgress(io: CliIO, enabled = true): Progress {
  if (!enabled || io.errIsTTY !== true) return silent;
  let frame = 0;
  let text = "";
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    io.err(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length] ?? ""} ${text}`);
    frame++;
  };
  return {
    update(next) {
      text = next;
      draw();
      if (timer === undefined) {
        timer = setInterval(draw, 100);
        timer.unref();
      }
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      io.err(CLEAR_LINE);
    },
  };
}
