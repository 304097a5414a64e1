/**
 * `impact run`'s argv parsed as the CLI parses it, without running anything.
 *
 * @module
 */
import { CommanderError } from "@commander-js/extra-typings";
import { CliError } from "../../lib/cli/errors.ts";
import { runCommand, toRunOptions } from "../../lib/cli/run_flags.ts";
import { ExitCode } from "../../lib/run/errors.ts";
import type { RunOptions } from "../../lib/run/options.ts";

/**
 * Parses `impact run`'s arguments (everything after `run`) without running anything.
 *
 * @param argv The arguments, e.g. `["--interval", "2", "--", "sleep", "3"]`.
 * @returns The options.
 * @throws {CliError} A usage error on an unknown flag or a malformed value.
 */
export function parseRunArgv(argv: string[]): RunOptions {
  const command = runCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    command.parse(argv, { from: "user" });
  } catch (error) {
    // runCli ends on any CommanderError with the usage code.
    if (error instanceof CommanderError) {
      throw new CliError(error.message.replace(/^error: /, ""), ExitCode.usage);
    }
    throw error;
  }
  return toRunOptions(command.opts(), command.args);
}
