/**
 * What a subcommand needs from the outside world, passed in so commands run in tests.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { denoRuntime, type Runtime } from "../runtime.ts";

/** The CLI's effects: where text goes, the runtime for sensors, the working directory. */
export interface CliContext {
  runtime: Runtime;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (live status line). */
  stderrIsTerminal: boolean;
  cwd: string;
}

/**
 * Registers one subcommand on the program; `setExitCode` receives the code the command chose.
 * Each file under lib/cli/commands/ exports one, and commands/mod.ts lists them.
 */
export type RegisterCommand = (
  program: Command,
  ctx: CliContext,
  setExitCode: (code: number) => void,
) => void;

const encoder = new TextEncoder();

/** Writes all of `text`, ignoring a closed pipe (`impact summary | head` must not crash). */
function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** The real context: Deno's standard streams and working directory. */
export function denoContext(): CliContext {
  return {
    runtime: denoRuntime,
    stdout: (text) => writeAll(Deno.stdout, text),
    stderr: (text) => writeAll(Deno.stderr, text),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    cwd: Deno.cwd(),
  };
}
