/**
 * `impact run`'s flags: declared once on a commander command (for the CLI and its help) and
 * turned into the typed {@link RunOptions} by a pure function, so the parser is unit-tested
 * without spawning anything (tests/helpers/run_argv.ts parses a whole argv the same way). Every flag of the run is here, region, live intensity and
 * cluster flags included; the run itself (lib/run/) reads the typed options only.
 *
 * This module is loaded at start-up (with the command list), so besides types it imports only
 * the small pure checks its flags need (a hardware requirement, a GPU list, a `--redact`
 * pattern, a decimal): no sensor, geo table or run pipeline.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import type { RegionFlags } from "../geo/resolve.ts";
import type { LiveProvider } from "../geo/live/poller.ts";
import { parseHardwareRequirement } from "../hardware.ts";
import { gpuListProblem } from "../sensors/gpu_visibility.ts";
import { ExitCode } from "../run/errors.ts";
import {
  DEFAULT_LIVE_POLL_SECONDS,
  type LiveIntensityOptions,
  type RunOptions,
} from "../run/options.ts";
import type { Attribution } from "../types.ts";
import { CliError } from "./errors.ts";
import { parseDecimal } from "../decimal.ts";
import { redactPattern } from "../redact.ts";

const ATTRIBUTIONS = ["cpu-time-share", "whole-machine", "cgroup"] as const satisfies Attribution[];

const LIVE_PROVIDERS = ["electricitymaps", "uk", "caiso"] as const satisfies LiveProvider[];

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Builds the `run` command with every flag and argument, but no action.
 *
 * @returns The command; its `opts()` are {@link RunFlags}.
 */
export function runCommand() {
  return new Command("run")
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
        .default("cpu-time-share" as const),
    )
    .option("--quiet", "no live status line and no summary on stderr")
    .option("--no-env", "do not record git, pip or conda state")
    .option(
      "--redact <regex>",
      "blank what the regex matches in what impact.json records (command, labels, environment; repeatable)",
      collect,
    )
    .option("--demo", "run a built-in CPU workload of about 5 s instead of a command")
    .option(
      "--strict-sensors",
      "exit 5 when a device went unmeasured during the run (default: the command's exit code)",
    )
    // Where the electricity comes from.
    .option("--zone <id>", "grid zone of the electricity, e.g. DE, US-CAL-CISO (or $IMPACT_ZONE)")
    .option("--country <code>", "country of the electricity (ISO 3166-1 alpha-2 or alpha-3)")
    .option("--lat <degrees>", "latitude of the machine (with --lon)")
    .option("--lon <degrees>", "longitude of the machine (with --lat)")
    .option("--address <text>", 'place of the machine, e.g. "Stanford, California" (offline)')
    .option("--pick <n>", "choose the n-th place an ambiguous --address finds")
    .option("--online", "geocode --address with Nominatim instead of the offline gazetteer")
    .option("--cloud <provider:region>", "cloud region, e.g. aws:eu-west-1 (brings its PUE)")
    .option("--locate-by-ip [url]", "opt in to IP geolocation (a JSON service; off by default)")
    .addOption(
      new Option("--live-intensity <source>", "poll live grid intensity during the run")
        .choices(LIVE_PROVIDERS),
    )
    .option(
      "--live-intensity-url <url>",
      "base URL of the live source (default $IMPACT_LIVE_INTENSITY_URL or the public API)",
    )
    .option(
      "--live-intensity-every <seconds>",
      `seconds between live polls (default ${DEFAULT_LIVE_POLL_SECONDS})`,
    )
    // Clusters.
    .option(
      "--metrics <[host:]port>",
      "serve Prometheus metrics at /metrics while the job runs (127.0.0.1 unless a host is given)",
    )
    .option(
      "--cgroup <path>",
      "take the job's CPU time and memory from this cgroup (a SLURM job's is found by itself)",
    )
    .option(
      "--gpus <list>",
      "the job's GPUs: UUIDs (GPU-..., MIG-...) or indices as `impact doctor` lists them",
    )
    .passThroughOptions();
}

/** The raw values of `impact run`'s flags, as commander parses them. */
export type RunFlags = ReturnType<ReturnType<typeof runCommand>["opts"]>;

function usage(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

function positiveSeconds(text: string, flag: string): number {
  const seconds = parseDecimal(text);
  if (seconds === undefined || seconds <= 0) {
    throw usage(`${flag} "${text}" must be a number of seconds above 0`);
  }
  return seconds;
}

/**
 * Turns commander's raw values into typed options.
 *
 * @param flags `command.opts()`.
 * @param args The command and its arguments.
 * @returns The options.
 * @throws {CliError} A usage error naming the flag and value that were wrong.
 */
export function toRunOptions(flags: RunFlags, args: string[]): RunOptions {
  const demo = flags.demo === true;
  if (demo && args.length > 0) {
    throw usage(`--demo runs its own workload; drop the command "${args.join(" ")}"`);
  }
  if (!demo && args.length === 0) {
    throw usage("No command given; use `impact run [options] -- <command> [args...]`");
  }
  const intervalText = flags.interval;
  const intervalSeconds = parseDecimal(intervalText);
  if (intervalSeconds === undefined || intervalSeconds < 0.05 || intervalSeconds > 3600) {
    throw usage(`--interval "${intervalText}" must be a number of seconds from 0.05 to 3600`);
  }
  const labels: Record<string, string> = {};
  for (const label of flags.label ?? []) {
    const eq = label.indexOf("=");
    const key = label.slice(0, eq).trim();
    if (eq <= 0 || key === "") throw usage(`--label "${label}" needs the form key=value`);
    labels[key] = label.slice(eq + 1);
  }
  const requirements = (flag: string, texts: string[] | undefined, key: string) =>
    (texts ?? []).map((text) => {
      try {
        return parseHardwareRequirement(text, key);
      } catch (error) {
        throw usage(`${flag}: ${(error as Error).message}`);
      }
    });
  const options: RunOptions = {
    command: args,
    demo,
    intervalMs: Math.round(intervalSeconds * 1000),
    labels,
    requireGpu: requirements("--require-gpu", flags.requireGpu, "name"),
    requireCpu: requirements("--require-cpu", flags.requireCpu, "model"),
    attribution: flags.attribution,
    quiet: flags.quiet === true,
    captureEnv: flags.env !== false,
    strictSensors: flags.strictSensors === true,
    region: regionFlags(flags),
  };
  if (flags.logDir !== undefined) options.logDir = flags.logDir;
  if (flags.redact !== undefined) {
    options.redact = flags.redact.map((source) => {
      try {
        return redactPattern(source);
      } catch (error) {
        throw usage(
          `--redact "${source}" is not a regular expression: ${(error as Error).message}`,
        );
      }
    });
  }
  if (flags.liveIntensity !== undefined) {
    const live: LiveIntensityOptions = { provider: flags.liveIntensity };
    if (flags.liveIntensityUrl !== undefined) live.url = flags.liveIntensityUrl;
    if (flags.liveIntensityEvery !== undefined) {
      live.everySeconds = positiveSeconds(flags.liveIntensityEvery, "--live-intensity-every");
    }
    options.live = live;
  }
  if (flags.metrics !== undefined) options.metrics = flags.metrics;
  if (flags.cgroup !== undefined) options.cgroup = flags.cgroup;
  if (flags.gpus !== undefined) {
    const problem = gpuListProblem(flags.gpus);
    if (problem) throw usage(problem);
    options.gpus = flags.gpus;
  }
  return options;
}

/** The region flags that were given (absent ones left out). */
function regionFlags(flags: RunFlags): RegionFlags {
  const region: RegionFlags = {};
  for (const key of ["zone", "country", "lat", "lon", "address", "pick", "cloud"] as const) {
    const value = flags[key];
    if (value !== undefined) region[key] = value;
  }
  if (flags.online) region.online = true;
  if (flags.locateByIp !== undefined) region.locateByIp = flags.locateByIp;
  return region;
}
