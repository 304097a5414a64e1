/**
 * The options of `impact run`: declared once on a commander command (for the CLI and its
 * help) and turned into a typed {@link RunOptions} by a pure function, so the parser is
 * unit-tested without spawning anything.
 *
 * Other areas add flags through their entry in lib/run/extensions.ts; their raw values arrive
 * in `RunOptions.flags`.
 *
 * @module
 */
import { Command, CommanderError, Option } from "commander";
import type { Attribution } from "../types.ts";
import { type HardwareRequirement, parseHardwareRequirement } from "../hardware.ts";
import { runExtensions } from "./extensions.ts";

/** Everything `impact run` was asked to do. */
export interface RunOptions {
  /** The command and its arguments; empty with `--demo`. */
  command: string[];
  /** Run the built-in CPU workload instead of a command. */
  demo: boolean;
  intervalMs: number;
  logDir?: string;
  labels: Record<string, string>;
  requireGpu: HardwareRequirement[];
  requireCpu: HardwareRequirement[];
  attribution: Attribution;
  quiet: boolean;
  /** Capture git and pip/conda state into impact.json (`--no-env` turns it off). */
  captureEnv: boolean;
  /** Every flag's raw value, including those the extensions (lib/run/extensions.ts) add. */
  flags: Record<string, unknown>;
}

/** A usage error in `impact run`'s arguments. */
export class RunUsageError extends Error {
  /** @param message Names the flag and the value. */
  constructor(message: string) {
    super(message);
    this.name = "RunUsageError";
  }
}

const ATTRIBUTIONS: Attribution[] = ["cpu-time-share", "whole-machine", "cgroup"];

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Declares `impact run`'s arguments and flags on a command.
 *
 * @param command A command named `run`.
 * @returns The same command.
 */
export function defineRunCommand<C extends Command>(command: C): C {
  command
    .description("Run a command and measure its energy use (`impact run [options] -- <command>`)")
    .argument("[command...]", "the command to run and its arguments (after --)")
    .option("--interval <seconds>", "seconds between samples", "1")
    .option(
      "--log-dir <dir>",
      "log directory (default $IMPACT_LOG_DIR/ or ./impact-logs/<time>-<command>)",
    )
    .option(
      "--label <key=value>",
      "experiment metadata stored in impact.json (repeatable)",
      collect,
    )
    .option(
      "--require-gpu <name=...>",
      "refuse to start unless every GPU matches (~ for a substring; repeatable)",
      collect,
    )
    .option(
      "--require-cpu <model=...>",
      "refuse to start unless the CPU matches (~ for a substring; repeatable)",
      collect,
    )
    .addOption(
      new Option("--attribution <method>", "how the job's share is decided")
        .choices(ATTRIBUTIONS)
        .default("cpu-time-share"),
    )
    .option("--quiet", "no live status line and no summary on stderr")
    .option("--no-env", "do not record git, pip or conda state")
    .option("--demo", "run a built-in CPU workload of about 5 s instead of a command")
    .passThroughOptions();
  for (const extension of runExtensions) extension.flags(command);
  return command;
}

/**
 * Turns commander's raw values into typed options.
 *
 * @param flags `command.opts()`.
 * @param args The command and its arguments.
 * @returns The options.
 * @throws {RunUsageError} Naming the flag and value that were wrong.
 */
export function toRunOptions(flags: Record<string, unknown>, args: string[]): RunOptions {
  const demo = flags.demo === true;
  if (demo && args.length > 0) {
    throw new RunUsageError(`--demo runs its own workload; drop the command "${args.join(" ")}"`);
  }
  if (!demo && args.length === 0) {
    throw new RunUsageError("No command given; use `impact run [options] -- <command> [args...]`");
  }
  const intervalText = String(flags.interval ?? "1");
  const intervalSeconds = Number(intervalText);
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0.05 || intervalSeconds > 3600) {
    throw new RunUsageError(
      `--interval "${intervalText}" must be a number of seconds from 0.05 to 3600`,
    );
  }
  const labels: Record<string, string> = {};
  for (const label of (flags.label as string[] | undefined) ?? []) {
    const eq = label.indexOf("=");
    const key = label.slice(0, eq).trim();
    if (eq <= 0 || key === "") {
      throw new RunUsageError(`--label "${label}" needs the form key=value`);
    }
    labels[key] = label.slice(eq + 1);
  }
  const requirements = (name: string, key: string) =>
    ((flags[name] as string[] | undefined) ?? []).map((text) => {
      try {
        return parseHardwareRequirement(text, key);
      } catch (error) {
        throw new RunUsageError(
          `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${(error as Error).message}`,
        );
      }
    });
  const attribution = String(flags.attribution ?? "cpu-time-share") as Attribution;
  if (!ATTRIBUTIONS.includes(attribution)) {
    throw new RunUsageError(
      `--attribution "${attribution}" must be one of ${ATTRIBUTIONS.join(", ")}`,
    );
  }
  const options: RunOptions = {
    command: args,
    demo,
    intervalMs: Math.round(intervalSeconds * 1000),
    labels,
    requireGpu: requirements("requireGpu", "name"),
    requireCpu: requirements("requireCpu", "model"),
    attribution,
    quiet: flags.quiet === true,
    captureEnv: flags.env !== false,
    flags: { ...flags },
  };
  if (typeof flags.logDir === "string") options.logDir = flags.logDir;
  return options;
}

/**
 * Parses `impact run`'s arguments (everything after `run`) without running anything.
 *
 * @param argv The arguments, e.g. `["--interval", "2", "--", "sleep", "3"]`.
 * @returns The options.
 * @throws {RunUsageError} On an unknown flag or a malformed value.
 */
export function parseRunArgv(argv: string[]): RunOptions {
  const command = defineRunCommand(new Command("run"))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    command.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      throw new RunUsageError(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  return toRunOptions(command.opts(), command.args);
}
