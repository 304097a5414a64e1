/**
 * File-system errors in words: the one mapping from what a `Deno.*` file call throws (a
 * `Deno.errors.*` class, an errno code such as `ENOSPC`, or a plain error saying
 * `(os error 28)`) to what happened and what to do about it. Every reader and writer of the
 * tool's files uses it: the log readers (a log folder that cannot be listed is skipped with
 * these words), the CLI's read and write commands (lib/cli/errors.ts `fileCliError`) and the
 * run's log directory (lib/run/errors.ts `logDirRefused`), which take the exit code from
 * lib/run/errors.ts's `FILE_EXIT_CODES`.
 *
 * @module
 */

/** What was being done to the path. */
export type FileAction = "read" | "list" | "write" | "create";

/** The kinds of file-system failure a user can fix. */
export type FileProblemKind =
  | "missing"
  | "denied"
  | "notCapable"
  | "notDirectory"
  | "isDirectory"
  | "exists"
  | "noSpace"
  | "quota"
  | "readOnly"
  | "nameTooLong"
  | "loop";

/** A file-system failure a user can fix: its kind, the reason and the fix in words. */
export interface FileProblem {
  kind: FileProblemKind;
  /** What the file system refused, in words: `permission denied`. */
  reason: string;
  /** What the user can do about it, where there is something: `check the path`. */
  fix?: string;
  /** Sentence case, no trailing period: `Cannot read x: permission denied; ...`. */
  message: string;
}

/** Fixes a caller words for its own place (the run's `--log-dir`), by kind. */
export type FileFixes = Partial<Record<FileProblemKind, string>>;

/** Errno codes (as Deno's errors carry them in `code`) by kind. */
const ERRNO: Record<string, FileProblemKind> = {
  EPERM: "denied",
  EACCES: "denied",
  ENOENT: "missing",
  EEXIST: "exists",
  ENOTDIR: "notDirectory",
  EISDIR: "isDirectory",
  ENOSPC: "noSpace",
  EDQUOT: "quota",
  EROFS: "readOnly",
  ENAMETOOLONG: "nameTooLong",
  ELOOP: "loop",
};

/** OS error numbers of a plain error's `(os error N)`; Linux and macOS agree below 35. */
const OS_ERROR_CODES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  13: "EACCES",
  17: "EEXIST",
  20: "ENOTDIR",
  21: "EISDIR",
  28: "ENOSPC",
  30: "EROFS",
  36: "ENAMETOOLONG", // Linux
  40: "ELOOP", // Linux
  62: "ELOOP", // macOS
  63: "ENAMETOOLONG", // macOS
  69: "EDQUOT", // macOS
  122: "EDQUOT", // Linux
};

function ownKindOf(error: unknown): FileProblemKind | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof Deno.errors.NotFound) return "missing";
  if (error instanceof Deno.errors.PermissionDenied) return "denied";
  if (error instanceof Deno.errors.NotCapable) return "notCapable";
  if (error instanceof Deno.errors.NotADirectory) return "notDirectory";
  if (error instanceof Deno.errors.IsADirectory) return "isDirectory";
  if (error instanceof Deno.errors.AlreadyExists) return "exists";
  if (error instanceof Deno.errors.FilesystemLoop) return "loop";
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && ERRNO[code]) return ERRNO[code];
  const number = /\(os error (\d+)\)/.exec(error.message)?.[1];
  const named = number === undefined ? undefined : OS_ERROR_CODES[Number(number)];
  return named === undefined ? undefined : ERRNO[named];
}

/**
 * Which file-system failure an error is, looking through one wrapper (a log write that names
 * its file carries the file system's error as its cause).
 *
 * @param error What a `Deno.*` file call threw, or a wrapper of it.
 * @returns The kind, or undefined when it is no file-system failure (a bug).
 */
function fileProblemKind(error: unknown): FileProblemKind | undefined {
  return ownKindOf(error) ?? ownKindOf((error as { cause?: unknown } | null)?.cause);
}

/** Each kind's reason and fix, for what was being done and whether the path is being made. */
const WORDS: Record<
  FileProblemKind,
  (action: FileAction, output: boolean) => [reason: string, fix?: string]
> = {
  missing: (_, output) =>
    output
      ? ["a folder on its path does not exist", "create it first or give another path"]
      : ["it does not exist", "check the path"],
  denied: (action, output) => [
    "permission denied",
    output
      ? "give a path you can write to, or ask its owner for write access"
      : `ask its owner to make it readable (chmod a+r${
        action === "list" ? "x" : ""
      }), or run as a user who can read it`,
  ],
  notCapable: () => ["Deno's permissions do not allow it", "run impact with -A"],
  notDirectory: () => [
    "it, or a folder on its path, is a file where a folder is needed",
    "give a folder",
  ],
  isDirectory: () => ["it is a folder where a file is needed", "give a file's path"],
  // mkdir -p fails so only where a file has the folder's name.
  exists: (action) =>
    action === "create"
      ? ["a file of that name is there", "give a folder's path"]
      : ["it already exists", "give a new path or remove it"],
  noSpace: () => ["no space left on the device", "free some space or write elsewhere"],
  quota: () => ["the disk quota is exceeded", "free some of your quota or write elsewhere"],
  readOnly: () => ["the file system is read-only", "write elsewhere"],
  nameTooLong: () => ["the name is too long for its file system"],
  loop: () => ["its symbolic links form a loop"],
};

const VERB: Record<FileAction, string> = {
  read: "read",
  list: "list the folder",
  write: "write",
  create: "create",
};

/**
 * Describes a file-system error for a user.
 *
 * @param error What a `Deno.*` file call threw (or a wrapper with it as its cause).
 * @param path The path it was called on.
 * @param action What was being done.
 * @param fixes Fixes worded for the caller's own place, by kind (the run's `--log-dir`).
 * @returns The kind, reason, fix and sentence, or undefined when the error is not a
 *   file-system failure (a bug, to be reported as one).
 * @example A folder that cannot be listed
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { fileProblem } from "./file_errors.ts";
 * const problem = fileProblem(new Deno.errors.PermissionDenied("denied"), "/logs", "list");
 * equal(problem?.kind, "denied");
 * equal(problem?.message.startsWith("Cannot list the folder /logs: permission denied"), true);
 * ```
 */
export function fileProblem(
  error: unknown,
  path: string,
  action: FileAction,
  fixes: FileFixes = {},
): FileProblem | undefined {
  const kind = fileProblemKind(error);
  if (kind === undefined) return undefined;
  const [reason, ownFix] = WORDS[kind](action, action === "write" || action === "create");
  const fix = fixes[kind] ?? ownFix;
  const message = `Cannot ${VERB[action]} ${path}: ${reason}${fix ? `; ${fix}` : ""}`;
  return fix === undefined ? { kind, reason, message } : { kind, reason, fix, message };
}
