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

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  readStdin: readProcessStdin,
  outIsTTY: process.stdout.isTTY,
  errIsTTY: process.stderr.isTTY,
};
