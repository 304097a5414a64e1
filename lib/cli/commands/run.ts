/**
 * `impact run [options] -- <command> [args...]`: runs a command under measurement.
 * The flags live in lib/run/options.ts and the pipeline in lib/run/runner.ts; this file only
 * wires them to the CLI (the pipeline loads lazily, so `impact --version` stays fast).
 *
 * @module
 */
import { Command } from "commander";
import { CliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import { defineRunCommand, RunUsageError, toRunOptions } from "../../run/options.ts";
import { createRunHooks } from "../../run/extensions.ts";
import type { RegisterCommand } from "../context.ts";

/** Registers `impact run`. */
export const register: RegisterCommand = (program, ctx, setExitCode) => {
  // Flags after the command belong to the command (`impact run python -u x.py`).
  program.enablePositionalOptions();
  const run = defineRunCommand(new Command("run"));
  run.copyInheritedSettings(program as unknown as Command);
  run.action(async (args: string[], flags: Record<string, unknown>) => {
    let options;
    try {
      options = toRunOptions(flags, args);
    } catch (error) {
      if (error instanceof RunUsageError) throw new CliError(error.message, ExitCode.usage);
      throw error;
    }
    const [{ runJob }, { discoverSensors }, { demoCommand }] = await Promise.all([
      import("../../run/runner.ts"),
      import("../../sensors/registry.ts"),
      import("../../run/demo.ts"),
    ]);
    setExitCode(
      await runJob(options, {
        runtime: ctx.runtime,
        cwd: ctx.cwd,
        stderr: ctx.stderr,
        stderrIsTerminal: ctx.stderrIsTerminal,
        discover: discoverSensors,
        hooks: createRunHooks(),
        demoCommand: () => demoCommand(),
      }),
    );
  });
  program.addCommand(run as unknown as Parameters<typeof program.addCommand>[0]);
};
