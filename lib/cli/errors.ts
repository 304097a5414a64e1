/**
 * The CLI's own errors: a flag or an input file that a command cannot use, and the library's
 * errors about bad input (a log, a zone, a country) turned into them. Their codes are
 * lib/run/errors.ts's {@link ExitCode}; `runCli` prints any {@link ExitError} and exits with
 * its code.
 *
 * @module
 */
import { ExitCode, ExitError, FILE_EXIT_CODES } from "../run/errors.ts";
import { type FileAction, fileProblem } from "../file_errors.ts";

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

/**
 * Turns a file-system error on a path a command was given into the README's exit code and a
 * message naming the path and the fix: an input that cannot be read (a site spec, a points
 * file, a log folder) is bad input data, 3; an output that cannot be written (`--out`, `-o`)
 * is a command-line value to change, 2.
 *
 * @param error What the file call threw.
 * @param path The path, as the user gave it (or resolved).
 * @param action What was being done.
 * @param role Whether the path is something the command reads or writes.
 * @returns A CliError, or the error itself when it is not a file-system failure (a bug).
 * @example An --out that is a file
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { fileCliError } from "./errors.ts";
 * const error = fileCliError(new Deno.errors.NotADirectory("x"), "site", "create", "output");
 * equal((error as { exitCode: number }).exitCode, 2);
 * ```
 */
export function fileCliError(
  error: unknown,
  path: string,
  action: FileAction,
  role: "input" | "output",
): unknown {
  if (error instanceof CliError) return error;
  const problem = fileProblem(error, path, action);
  if (!problem) return error;
  return new CliError(problem.message, FILE_EXIT_CODES[role], { cause: error });
}

/** The names of the errors that mean bad input data (exit 3), not a bug. */
const INPUT_ERRORS: ReadonlySet<string> = new Set([
  "LogsInputError",
  "LogFormatError",
  "UnknownCountryError",
  "UnknownZoneError",
  "UnknownCloudRegionError",
  "UnknownGpuError",
  "RegionInputError",
  "RangeError",
]);

/**
 * Turns the errors of reading logs and looking up regions, countries, cloud regions and GPUs
 * into the CLI's input error (a usage error for a region flag misused): the one mapping every
 * command uses.
 *
 * @param error What was thrown.
 * @returns A CliError with {@link ExitCode.input} or {@link ExitCode.usage}, or the error
 *   itself when it is a bug.
 */
export function inputCliError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  if (INPUT_ERRORS.has(error.name)) {
    // A region flag misused (a malformed number, --pick past the places found) is a usage error.
    const usage = (error as { usage?: boolean }).usage === true;
    return new CliError(error.message, usage ? ExitCode.usage : ExitCode.input, { cause: error });
  }
  if (error instanceof Deno.errors.NotFound) {
    return new CliError(`Path not found: ${error.message}`, ExitCode.input, { cause: error });
  }
  return error;
}
