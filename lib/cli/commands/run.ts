/**
 * `impact run [options] -- <command> [args...]`: runs a command under measurement.
 * The flags live in lib/cli/run_flags.ts and the pipeline in lib/run/runner.ts; this file only
 * wires them to the CLI (the pipeline loads lazily, so `impact --version` stays fast).
 *
 * @module
 */
import type { RegisterCommand } from "../context.ts";
import { runCommand, toRunOptions } from "../run_flags.ts";

/** Registers `impact run`. */
export const register: RegisterCommand = (program, ctx, setExitCode) => {
  // Flags after the command belong to the command (`impact run python -u x.py`).
  program.enablePositionalOptions();
  const run = runCommand();
  run.copyInheritedSettings(program);
  run.action(async (args, flags) => {
    const options = toRunOptions(flags, args);
    const [{ runJob }, { discoverSensors }, { demoCommand, withDemoEnv }] = await Promise.all([
      import("../../run/runner.ts"),
      import("../../sensors/registry.ts"),
      import("../../run/demo.ts"),
    ]);
    const demo = options.demo ? demoCommand() : undefined;
    setExitCode(
      await runJob(options, {
        // The demo's workload is the tool's own Deno process: no update check for it.
        runtime: demo ? withDemoEnv(ctx.runtime, demo.spawn[0]!) : ctx.runtime,
        cwd: ctx.cwd,
        stderr: ctx.stderr,
        stderrIsTerminal: ctx.stderrIsTerminal,
        discover: discoverSensors,
        demoCommand: () => demo ?? demoCommand(),
      }),
    );
  });
  program.addCommand(run);
};
