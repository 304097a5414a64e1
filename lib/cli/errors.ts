/**
 * The CLI's own errors: a flag or an input file that a command cannot use. Their codes are
 * lib/run/errors.ts's {@link ExitCode}; `runCli` prints any {@link ExitError} and exits with
 * its code.
 *
 * @module
 */
import { ExitError } from "../run/errors.ts";

/** A command's flag or input cannot be used; ends the CLI with its exit code. */
export class CliError extends ExitError {
  /**
   * @param message Sentence case, no trailing period, naming the value that was wrong.
   * @param exitCode One of lib/run/errors.ts's `ExitCode`.
   * @param options The underlying error.
   */
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, exitCode, options);
    this.name = "CliError";
  }
}
