/** Where a command writes: machine output to `out`, progress and hints to `err`. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Environment, for KUBECONFIG and friends. */
  env: NodeJS.ProcessEnv;
  /** Reads all of standard input (`-f -`); absent when there is none to read. */
  readStdin?: () => Promise<string>;
  /** True when `out` is a terminal (colours). */
  outIsTTY?: boolean;
  /** True when `err` is a terminal (spinners and progress lines). */
  errIsTTY?: boolean;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Ends the process as a Go program (kubectl, linkerd) ends when the reader of its output has
 * gone (`linkerd smi install | head -1`): killed by SIGPIPE, quietly, whatever it was doing.
 * Node ignores SIGPIPE and reports the closed pipe as an EPIPE 'error' event instead, which,
 * unhandled, ends the process with a stack trace.
 */
export function endOnClosedPipe(): never {
  if (process.platform !== "win32") {
    // Node ignores SIGPIPE; with a listener added and removed, libuv puts back the default
    // action (terminate), so the signal ends the process as it ends kubectl.
    const ignore = (): void => undefined;
    process.on("SIGPIPE", ignore);
    process.off("SIGPIPE", ignore);
    process.kill(process.pid, "SIGPIPE");
  }
  // Where there is no such signal (or it is not delivered at once): the shell's code for it.
  process.exit(128 + 13);
}

/** Makes a closed stdout or stderr end the process quietly (see {@link endOnClosedPipe}). */
export function quietOnClosedPipe(
  stream: NodeJS.WriteStream,
  end: () => void = endOnClosedPipe,
): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") end();
    else throw error;
  });
}

// Once, for every command, in both entry points (bin/linkerd-smi.ts and the executable's sea.ts).
quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  readStdin: readProcessStdin,
  outIsTTY: process.stdout.isTTY,
  errIsTTY: process.stderr.isTTY,
};
