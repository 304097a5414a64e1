/**
 * Exit codes of `impact`, and the errors that carry one. `impact run` exits with its child's
 * code; these are its own. They live with the run because a run decides most of them (a
 * hardware mismatch, a sensor that failed, a child that cannot start); the CLI prints an
 * {@link ExitError}'s message and exits with its code. The README's "Exit codes" table lists
 * the same values.
 *
 * @module
 */
import { type FileFixes, fileProblem } from "../file_errors.ts";

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
  /**
   * A sensor could not start (the child was not started), or, with `--strict-sensors`, a device
   * went unmeasured during the run (the child's own code is reported beside it).
   */
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

/** What a path the file system refused was to the command. */
export type FileRole = "input" | "output" | "logDir";

/**
 * The exit code of each {@link FileRole}: a path the command reads is bad input data (3), a
 * path it writes (`--out`, `-o`) a command-line value to change (2), and a run's log directory
 * is bad input data as the README lists it (3). The words come from lib/file_errors.ts.
 */
export const FILE_EXIT_CODES: Record<FileRole, number> = {
  input: ExitCode.input,
  output: ExitCode.usage,
  logDir: ExitCode.input,
};

/** The fixes of a refused log directory: the way out is another --log-dir. */
const LOG_DIR_FIXES: FileFixes = {
  denied:
    "choose a folder you may write with --log-dir (or IMPACT_LOG_DIR), or give your user write access to it",
  readOnly: "choose a --log-dir on a writable file system (a home or scratch folder)",
  noSpace: "free some space there, or choose a --log-dir on another file system",
  quota: "free some of your quota there, or choose a --log-dir on another file system",
  notDirectory: "choose a --log-dir whose parent folders are folders",
  isDirectory: "choose a new --log-dir",
  missing: "choose a --log-dir whose parent folders exist",
};

/**
 * The run error for a log directory the file system refuses (exit 3, with the path, the reason
 * and the fix); other errors are returned as they are.
 *
 * @param error What creating or writing the log directory threw.
 * @param dir The log directory.
 * @param doing What was being done, e.g. `create the log directory`.
 * @returns A {@link RunError} with {@link ExitCode.input}, or `error` itself.
 * @example A full disk
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { logDirRefused, RunError } from "./errors.ts";
 *
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * const refused = logDirRefused(full, "/scratch/run", "create the log directory") as Error;
 * equal(
 *   refused.message,
 *   "Cannot create the log directory /scratch/run: no space left on the device " +
 *     "(No space left on device (os error 28)); free some space there, or choose a --log-dir " +
 *     "on another file system; the command was not started",
 * );
 * const bug = new Error("bug");
 * equal(logDirRefused(bug, "/scratch/run", "create the log directory") instanceof RunError, false);
 * ```
 */
export function logDirRefused(error: unknown, dir: string, doing: string): unknown {
  const problem = fileProblem(error, dir, "create", LOG_DIR_FIXES);
  if (!problem) return error;
  return new RunError(
    `Cannot ${doing} ${dir}: ${problem.reason} (${(error as Error).message})` +
      `${problem.fix ? `; ${problem.fix}` : ""}; the command was not started`,
    FILE_EXIT_CODES.logDir,
    { cause: error },
  );
}
