/**
 * The `--demo` workload's command line: this same program re-invoked with the hidden
 * `__workload` subcommand, so `impact run --demo` works on a fresh machine.
 *
 * What is spawned names this machine's executable (under `npx`, a deno binary deep in the npm
 * cache); what the log records is what the user ran, `impact run --demo`, and the workload as
 * they could run it themselves, so a log reads the same wherever it was made.
 *
 * Under `deno run`, the workload is a Deno process of the tool's own: it starts with
 * `DENO_NO_UPDATE_CHECK=1` ({@link withDemoEnv}), so it makes no update check (a DNS query and
 * a request to Deno's servers on a machine that may have no network).
 *
 * @module
 */
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runtime } from "../runtime.ts";

/** What the demo's own Deno process is started with. */
const DEMO_ENV: Readonly<Record<string, string>> = { DENO_NO_UPDATE_CHECK: "1" };

/**
 * A runtime that starts the demo's executable with {@link DEMO_ENV} added to its environment
 * (every other spawn as it was).
 *
 * @param runtime The runtime to wrap.
 * @param executable The demo's executable (`DemoCommand.spawn[0]`).
 * @returns The wrapped runtime.
 */
export function withDemoEnv(runtime: Runtime, executable: string): Runtime {
  return {
    ...runtime,
    spawn: (command, options = {}) =>
      runtime.spawn(
        command,
        command === executable ? { ...options, env: { ...options.env, ...DEMO_ENV } } : options,
      ),
  };
}

/** The demo's command lines. */
export interface DemoCommand {
  /** What is spawned: this executable with the `__workload` subcommand. */
  spawn: string[];
  /** The command impact.json records: what the user typed. */
  recorded: string[];
  /** The workload as a user would run it (`impact __workload 5`). */
  workload: string[];
}

/**
 * The command that runs the built-in workload, and what a log records of it.
 *
 * @param execPath The running executable (`Deno.execPath()`).
 * @param mainModule The entry module's URL (`Deno.mainModule`).
 * @param seconds How long the workload runs.
 * @returns The command to spawn and the commands to record.
 */
export function demoCommand(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
  seconds = 5,
): DemoCommand {
  const workload = ["__workload", String(seconds)];
  const recorded = { recorded: ["impact", "run", "--demo"], workload: ["impact", ...workload] };
  // A compiled binary is the program itself; under `deno run` the script must be named.
  const compiled = !/^deno(\.exe)?$/i.test(basename(execPath));
  if (compiled) return { spawn: [execPath, ...workload], ...recorded };
  const script = mainModule.startsWith("file:") ? fileURLToPath(mainModule) : mainModule;
  return { spawn: [execPath, "run", "-A", script, ...workload], ...recorded };
}
