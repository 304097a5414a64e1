/**
 * The `--demo` workload's command line: this same program re-invoked with the hidden
 * `__workload` subcommand, so `impact run --demo` works on a fresh machine.
 *
 * @module
 */
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The command that runs the built-in workload.
 *
 * @param execPath The running executable (`Deno.execPath()`).
 * @param mainModule The entry module's URL (`Deno.mainModule`).
 * @param seconds How long the workload runs.
 * @returns The command and its arguments.
 */
export function demoCommand(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
  seconds = 5,
): string[] {
  // A compiled binary is the program itself; under `deno run` the script must be named.
  const compiled = !/^deno(\.exe)?$/i.test(basename(execPath));
  if (compiled) return [execPath, "__workload", String(seconds)];
  const script = mainModule.startsWith("file:") ? fileURLToPath(mainModule) : mainModule;
  return [execPath, "run", "-A", script, "__workload", String(seconds)];
}
