/**
 * Exit codes of `impact`. `impact run` exits with its child's code; these are its own.
 * The README's "Exit codes" table lists the same values.
 *
 * @module
 */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** An unexpected internal error (a bug): please report it. */
  internal: 1,
  /** Bad command line: unknown flag, missing argument, malformed value. */
  usage: 2,
  /** Bad input data: a log directory, site spec, zone, country or address that cannot be used. */
  input: 3,
  /** A `--require-gpu` / `--require-cpu` hardware assertion failed; the child was not started. */
  hardware: 4,
  /** A sensor failed during the run (the child's own code is reported beside it). */
  sensor: 5,
  /** A network service (geocoder, grid-intensity API) could not be reached or answered badly. */
  network: 6,
  /** `impact run` could not start the child for a reason other than 126/127. */
  cannotRun: 125,
  /** The child command exists but is not executable. */
  notExecutable: 126,
  /** The child command was not found. */
  notFound: 127,
} as const;

/** An error that ends the CLI with a chosen exit code and a one-line message. */
export class CliError extends Error {
  /**
   * @param message Sentence case, no trailing period, naming the value that was wrong.
   * @param exitCode One of {@link ExitCode}.
   */
  constructor(message: string, readonly exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
  }
}
