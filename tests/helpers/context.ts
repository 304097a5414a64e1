import type { CliContext } from "../../lib/cli/context.ts";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";

/** A CLI context that keeps what commands print, for assertions. */
export function captureContext(
  runtime: Runtime = denoRuntime,
  cwd = Deno.cwd(),
): CliContext & { out(): string; err(): string } {
  let out = "";
  let err = "";
  return {
    runtime,
    cwd,
    stderrIsTerminal: false,
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    out: () => out,
    err: () => err,
  };
}
