/**
 * Exit codes of `impact`, and the errors that carry one. `impact run` exits with its child's
 * code; these are its own. They live with the run because a run decides most of them (a
 * hardware mismatch, a sensor that failed, a child that cannot start); the CLI prints an
 * {@link ExitError}'s message and exits with its code. The README's "Exit codes" table lists
 * the same values.
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

/** An error that ends the program with a chosen exit code and a one-line message. */
export class ExitError extends Error {
  /**
   * @param message Sentence case, no trailing period, naming the value that was wrong.
   * @param exitCode One of {@link ExitCode}.
   * @param options The underlying error.
   */
  constructor(message: string, readonly exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExitError";
  }
}

/**
 * A run that cannot go on: a hardware mismatch, an unusable log directory or region, a
 * sensor that cannot start. Thrown before the child starts unless the message says otherwise.
 */
export class RunError extends ExitError {
  /**
   * @param message Sentence case, no trailing period, naming the value that was wrong.
   * @param exitCode One of {@link ExitCode}.
   * @param options The underlying error.
   */
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, exitCode, options);
    this.name = "RunError";
  }
}
