/**
 * What a subcommand needs from the outside world, passed in so commands run in tests.
 *
 * @module
 */
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

const encoder = new TextEncoder();

/** The real context: Deno's standard streams and working directory. */
export function denoContext(): CliContext {
  return {
    runtime: denoRuntime,
    stdout: (text) => void Deno.stdout.writeSync(encoder.encode(text)),
    stderr: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    cwd: Deno.cwd(),
  };
}
