/**
 * File-system errors in words: what happened to which path, and what to do about it. Every
 * reader and writer of the tool's files (log directories, site specs, points files, `--out`
 * folders, `-o` files) turns a `Deno.errors.*` (or an OS error such as ENOSPC) into one of
 * these sentences; the CLI picks the exit code from the {@link FileProblem}'s `kind` and
 * whether the path was an input or an output.
 *
 * @module
 */

/** What was being done to the path. */
export type FileAction = "read" | "list" | "write" | "create";

/** The kinds of file-system failure a user can fix. */
export type FileProblemKind =
  | "missing"
  | "denied"
  | "notDirectory"
  | "isDirectory"
  | "exists"
  | "noSpace"
  | "readOnly"
  | "nameTooLong"
  | "loop";

/** A file-system failure a user can fix: its kind and a sentence naming the path and the fix. */
export interface FileProblem {
  kind: FileProblemKind;
  /** Sentence case, no trailing period: `Cannot read x: permission denied; ...`. */
  message: string;
}

/** OS error numbers (Linux and macOS agree on these) that Deno reports as plain errors. */
const OS_ERRORS: Record<number, FileProblemKind> = {
  1: "denied", // EPERM
  2: "missing", // ENOENT
  13: "denied", // EACCES
  17: "exists", // EEXIST
  20: "notDirectory", // ENOTDIR
  21: "isDirectory", // EISDIR
  28: "noSpace", // ENOSPC
  30: "readOnly", // EROFS
  36: "nameTooLong", // ENAMETOOLONG (Linux)
  40: "loop", // ELOOP (Linux)
  62: "loop", // ELOOP (macOS)
  63: "nameTooLong", // ENAMETOOLONG (macOS)
  69: "noSpace", // EDQUOT (macOS)
  122: "noSpace", // EDQUOT (Linux): over quota reads as a full disk to the user
};

function kindOf(error: unknown): FileProblemKind | "notCapable" | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof Deno.errors.NotFound) return "missing";
  if (error instanceof Deno.errors.PermissionDenied) return "denied";
  if (error instanceof Deno.errors.NotCapable) return "notCapable";
  if (error instanceof Deno.errors.NotADirectory) return "notDirectory";
  if (error instanceof Deno.errors.IsADirectory) return "isDirectory";
  if (error instanceof Deno.errors.AlreadyExists) return "exists";
  if (error instanceof Deno.errors.FilesystemLoop) return "loop";
  const code = /\(os error (\d+)\)/.exec(error.message)?.[1];
  return code === undefined ? undefined : OS_ERRORS[Number(code)];
}

const VERB: Record<FileAction, string> = {
  read: "read",
  list: "list the folder",
  write: "write",
  create: "create",
};

/**
 * Describes a file-system error for a user.
 *
 * @param error What a `Deno.*` file call threw.
 * @param path The path it was called on.
 * @param action What was being done.
 * @returns The kind and the sentence, or undefined when the error is not a file-system failure
 *   (a bug, to be reported as one).
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
): FileProblem | undefined {
  const kind = kindOf(error);
  if (kind === undefined) return undefined;
  const cannot = `Cannot ${VERB[action]} ${path}`;
  const output = action === "write" || action === "create";
  switch (kind) {
    case "missing":
      return {
        kind,
        message: output
          ? `${cannot}: a folder on its path does not exist; create it first or give another path`
          : `${cannot}: it does not exist; check the path`,
      };
    case "denied":
      return {
        kind,
        message: output
          ? `${cannot}: permission denied; give a path you can write to, or ask its owner for write access`
          : `${cannot}: permission denied; ask its owner to make it readable (chmod a+r${
            action === "list" ? "x" : ""
          }), or run as a user who can read it`,
      };
    case "notCapable":
      return {
        kind: "denied",
        message: `${cannot}: Deno's permissions do not allow it; run impact with -A`,
      };
    case "notDirectory":
      return {
        kind,
        message:
          `${cannot}: it, or a folder on its path, is a file where a folder is needed; give a folder`,
      };
    case "isDirectory":
      return {
        kind,
        message: `${cannot}: it is a folder where a file is needed; give a file's path`,
      };
    case "exists":
      // mkdir -p fails so only where a file has the folder's name.
      return {
        kind,
        message: action === "create"
          ? `${cannot}: a file of that name is there; give a folder's path`
          : `${cannot}: it already exists; give a new path or remove it`,
      };
    case "noSpace":
      return {
        kind,
        message:
          `${cannot}: no space left on its device (or over quota); free some space or write elsewhere`,
      };
    case "readOnly":
      return { kind, message: `${cannot}: its file system is read-only; write elsewhere` };
    case "nameTooLong":
      return { kind, message: `${cannot}: the name is too long for its file system` };
    case "loop":
      return { kind, message: `${cannot}: its symbolic links form a loop` };
  }
}
