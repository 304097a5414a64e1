/**
 * One mapping of file-system errors to words, fix and exit code (lib/file_errors.ts), used by
 * the read and write commands (`fileCliError`) and by the run's log directory
 * (`logDirRefused`): the same error reads the same on both sides.
 *
 * @module
 */
import { equal, match, ok } from "node:assert/strict";
import { fileProblem, type FileProblemKind } from "../lib/file_errors.ts";
import { fileCliError } from "../lib/cli/errors.ts";
import { ExitCode, ExitError, logDirRefused } from "../lib/run/errors.ts";

/** An error as Deno throws it for an errno it has no class for. */
function osError(code: string, number: number, text: string): Error {
  return Object.assign(new Error(`${text} (os error ${number})`), { code });
}

const CASES: [FileProblemKind, Error][] = [
  ["missing", new Deno.errors.NotFound("No such file or directory (os error 2)")],
  ["denied", new Deno.errors.PermissionDenied("Permission denied (os error 13)")],
  ["notCapable", new Deno.errors.NotCapable("Requires write access")],
  ["notDirectory", new Deno.errors.NotADirectory("Not a directory (os error 20)")],
  ["isDirectory", new Deno.errors.IsADirectory("Is a directory (os error 21)")],
  ["noSpace", osError("ENOSPC", 28, "No space left on device")],
  ["quota", osError("EDQUOT", 122, "Disk quota exceeded")],
  ["readOnly", osError("EROFS", 30, "Read-only file system")],
  ["nameTooLong", osError("ENAMETOOLONG", 36, "File name too long")],
  ["loop", new Deno.errors.FilesystemLoop("Too many levels of symbolic links (os error 40)")],
];

Deno.test("a file-system error reads the same for an output and for the run's log directory", () => {
  for (const [kind, error] of CASES) {
    const problem = fileProblem(error, "/scratch/x", "create");
    equal(problem?.kind, kind);
    const cli = fileCliError(error, "/scratch/x", "create", "output");
    const run = logDirRefused(error, "/scratch/x", "create the log directory");
    ok(cli instanceof ExitError && run instanceof ExitError, kind);
    equal(cli.exitCode, ExitCode.usage, kind);
    equal(run.exitCode, ExitCode.input, kind);
    // The same reason on both sides, each with its own way out.
    ok(cli.message.startsWith(`Cannot create /scratch/x: ${problem!.reason}`), cli.message);
    ok(
      run.message.startsWith(`Cannot create the log directory /scratch/x: ${problem!.reason} (`),
      run.message,
    );
    match(run.message, /; the command was not started$/);
  }
});

Deno.test("a quota is told from a full disk, also for a read command's output", () => {
  const quota = fileCliError(CASES[6]![1], "out.csv", "write", "output") as Error;
  equal(
    quota.message,
    "Cannot write out.csv: the disk quota is exceeded; free some of your quota or write elsewhere",
  );
  const full = fileCliError(CASES[5]![1], "out.csv", "write", "output") as Error;
  equal(
    full.message,
    "Cannot write out.csv: no space left on the device; free some space or write elsewhere",
  );
});

Deno.test("a log directory Deno may not write says to run with -A", () => {
  const run = logDirRefused(CASES[2]![1], "/scratch/x", "create the log directory") as Error;
  match(
    run.message,
    /Deno's permissions do not allow it \(Requires write access\); run impact with -A;/,
  );
});

Deno.test("what is no file-system error is handed back as it is (a bug)", () => {
  const bug = new TypeError("x is undefined");
  equal(fileProblem(bug, "/x", "read"), undefined);
  equal(fileCliError(bug, "/x", "read", "input"), bug);
  equal(logDirRefused(bug, "/x", "create the log directory"), bug);
});
