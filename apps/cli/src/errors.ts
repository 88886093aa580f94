/** An error the CLI reports as one line (plus hints) and an exit code: 1 failure, 2 usage. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
