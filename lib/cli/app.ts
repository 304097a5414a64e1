/**
 * The `impact` program: registers every subcommand and maps errors to exit codes.
 * Each subcommand lives in its own file under lib/cli/commands/ and loads its heavy
 * modules lazily, so `impact --version` starts fast.
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";
import type { CliContext } from "./context.ts";
import { ExitCode, ExitError } from "../run/errors.ts";
import { commands } from "./commands/mod.ts";

/** Help is wrapped at this width in every terminal, so docs/cli.md (its copy) cannot drift. */
const HELP_WIDTH_COLUMNS = 80;

/**
 * Builds the program for one invocation.
 *
 * @param ctx Where output goes and which runtime to use.
 * @param setExitCode Receives the exit code a command chose.
 * @returns The commander program.
 */
function buildProgram(ctx: CliContext, setExitCode: (code: number) => void) {
  const program = new Command()
    .name("impact")
    .description(
      "Measure the energy, carbon and social cost of compute jobs, and report them.",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout(text),
      writeErr: (text) => ctx.stderr(text),
      getOutHelpWidth: () => HELP_WIDTH_COLUMNS,
      getErrHelpWidth: () => HELP_WIDTH_COLUMNS,
    })
    .showHelpAfterError("(run `impact --help` for usage)");
  for (const register of commands) register(program, ctx, setExitCode);
  return program;
}

/**
 * Runs the CLI on raw arguments and returns the exit code; never calls `Deno.exit`.
 *
 * @param args The arguments after the program name.
 * @param ctx Where output goes.
 * @returns The process exit code.
 */
export async function runCli(args: string[], ctx: CliContext): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  try {
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end through here with code 0; everything else is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    // A command's CliError or a run's RunError: its message and its code.
    if (error instanceof ExitError) {
      ctx.stderr(`impact: ${error.message}\n`);
      return error.exitCode;
    }
    ctx.stderr(`impact: internal error: ${error instanceof Error ? error.stack : error}\n`);
    return ExitCode.internal;
  }
}
