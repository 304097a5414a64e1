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

/** What the file system refused, as {@link fileSystemProblem} names it. */
export type FileSystemRefusal =
  | "permission"
  | "read-only"
  | "full"
  | "quota"
  | "not-a-directory"
  | "is-a-directory"
  | "missing";

/** A file-system error in words: what it was, for a message that also names the path. */
export interface FileSystemProblem {
  kind: FileSystemRefusal;
  /** E.g. `permission denied`, `the file system is read-only`, `no space left on the device`. */
  reason: string;
}

const REASONS: Record<FileSystemRefusal, string> = {
  permission: "permission denied",
  "read-only": "the file system is read-only",
  full: "no space left on the device",
  quota: "the disk quota is exceeded",
  "not-a-directory": "a part of the path is a file, not a folder",
  "is-a-directory": "it is a folder",
  missing: "a folder of the path does not exist",
};

/**
 * Tells a file-system refusal (permission, read-only, full disk, a file where a folder is
 * expected) from other errors, so each command can give the path, the reason and its fix with
 * an exit code instead of an "internal error".
 *
 * @param error What a `Deno.*` file call threw.
 * @returns The refusal, or undefined when the error is not one.
 * @example A full disk and a read-only mount
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { fileSystemProblem } from "./errors.ts";
 *
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * equal(fileSystemProblem(full)?.reason, "no space left on the device");
 * equal(fileSystemProblem(new Deno.errors.PermissionDenied("mkdir"))?.kind, "permission");
 * equal(fileSystemProblem(new Error("bug")), undefined);
 * ```
 */
export function fileSystemProblem(error: unknown): FileSystemProblem | undefined {
  // A wrapper (a log write naming its file) carries the file system's error as its cause.
  const kind = refusalOf(error) ?? refusalOf((error as { cause?: unknown } | null)?.cause);
  return kind === undefined ? undefined : { kind, reason: REASONS[kind] };
}

function refusalOf(error: unknown): FileSystemRefusal | undefined {
  if (error instanceof Deno.errors.PermissionDenied) return "permission";
  if (error instanceof Deno.errors.NotADirectory) return "not-a-directory";
  if (error instanceof Deno.errors.IsADirectory) return "is-a-directory";
  if (error instanceof Deno.errors.NotFound) return "missing";
  switch ((error as { code?: unknown } | null)?.code) {
    case "EACCES":
    case "EPERM":
      return "permission";
    case "EROFS":
      return "read-only";
    case "ENOSPC":
      return "full";
    case "EDQUOT":
      return "quota";
    case "ENOTDIR":
      return "not-a-directory";
    default:
      return undefined;
  }
}

const LOG_DIR_FIXES: Record<FileSystemRefusal, string> = {
  permission:
    "choose a folder you may write with --log-dir (or IMPACT_LOG_DIR), or give your user write access to it",
  "read-only": "choose a --log-dir on a writable file system (a home or scratch folder)",
  full: "free some space there, or choose a --log-dir on another file system",
  quota: "free some of your quota there, or choose a --log-dir on another file system",
  "not-a-directory": "choose a --log-dir whose parent folders are folders",
  "is-a-directory": "choose a new --log-dir",
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
 */
export function logDirRefused(error: unknown, dir: string, doing: string): unknown {
  const problem = fileSystemProblem(error);
  if (!problem) return error;
  return new RunError(
    `Cannot ${doing} ${dir}: ${problem.reason} (${(error as Error).message}); ` +
      `${LOG_DIR_FIXES[problem.kind]}; the command was not started`,
    ExitCode.input,
    { cause: error },
  );
}
