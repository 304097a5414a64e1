/**
 * `impact summary <dirs...> [--json] [--pue X] [--year Y]`: totals and a per-run table of
 * log directories found recursively.
 *
 * @module
 */
import { parsePueFlag, parseYearFlag, parseYearOption } from "../flag_values.ts";
import { relative, resolve } from "node:path";
import type { CliContext, RegisterCommand } from "../context.ts";
import { CliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import {
  formatIntensity,
  gapList,
  proseDuration,
  shortFigure,
  textTable,
} from "../../report/plain_text.ts";
import { measuredFraction } from "../../accounting/figures.ts";
import { gapSeconds, groupGaps } from "../../accounting/gaps.ts";
import type { LogsFigures, RunFigures } from "../../accounting/types.ts";
import type { MergedJobFigures } from "../../accounting/merge_nodes.ts";

/** The names of the errors that mean bad input data (exit 3), not a bug. */
const INPUT_ERRORS: ReadonlySet<string> = new Set([
  "LogsInputError",
  "LogFormatError",
  "UnknownCountryError",
  "UnknownZoneError",
  "UnknownCloudRegionError",
  "UnknownGpuError",
  "RegionInputError",
  "RangeError",
]);

/**
 * Turns the errors of reading logs and looking up regions, countries, cloud regions and GPUs
 * into the CLI's input error (a usage error for a region flag misused): the one mapping every
 * command uses.
 *
 * @param error What was thrown.
 * @returns A CliError with {@link ExitCode.input} or {@link ExitCode.usage}, or the error
 *   itself when it is a bug.
 */
export function logsCliError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  if (INPUT_ERRORS.has(error.name)) {
    // A region flag misused (a malformed number, --pick past the places found) is a usage error.
    const usage = (error as { usage?: boolean }).usage === true;
    return new CliError(error.message, usage ? ExitCode.usage : ExitCode.input, { cause: error });
  }
  if (error instanceof Deno.errors.NotFound) {
    return new CliError(`Path not found: ${error.message}`, ExitCode.input, { cause: error });
  }
  return error;
}

/**
 * Reads the figures the way every log command does: `--pue`, then `OVERRIDE_PUE`.
 *
 * @param ctx The CLI context (environment and runtime).
 * @param dirs The paths given.
 * @param options Flags that change the figures.
 * @returns The figures.
 */
export async function readLogsForCli(
  ctx: CliContext,
  dirs: string[],
  options: {
    pue?: number | undefined;
    year?: number | undefined;
    country?: string | undefined;
    readSamples?: "always";
  },
): Promise<LogsFigures> {
  const [{ readLogs }, { INTENSITY_YEARS }] = await Promise.all([
    import("../../report/read_logs.ts"),
    import("../../geo/intensity.ts"),
  ]);
  // A year without data would silently charge every run at the world average.
  if (options.year !== undefined) parseYearOption(String(options.year), INTENSITY_YEARS);
  const overridePue = ctx.runtime.env("OVERRIDE_PUE");
  try {
    return await readLogs(dirs.map((dir) => resolve(ctx.cwd, dir)), {
      runtime: ctx.runtime,
      ...(options.pue !== undefined ? { pue: options.pue } : {}),
      ...(options.year !== undefined ? { year: options.year } : {}),
      ...(options.country !== undefined ? { fallbackCountry: options.country } : {}),
      ...(options.readSamples ? { readSamples: options.readSamples } : {}),
      ...(overridePue !== undefined ? { overridePue } : {}),
    });
  } catch (error) {
    throw logsCliError(error);
  }
}

/**
 * The text `impact summary` prints.
 *
 * @param logs The figures.
 * @param cwd Paths are shown relative to this folder.
 * @returns Totals, the per-run table, notes and warnings.
 */
export function summaryText(logs: LogsFigures, cwd: string): string {
  const t = logs.total;
  const measuredPercent = measuredFraction(logs.runs) * 100;
  const pues = [...new Set(logs.runs.map((r) => r.pue))];
  const lines = [
    `${t.runs} run${t.runs === 1 ? "" : "s"}: ${shortFigure(t.energyKwh)} kWh (PUE ${
      pues.map(shortFigure).join(", ")
    }), ${shortFigure(t.kgCO2e)} kg CO2e, ${shortFigure(t.hours)} h (CPU ${
      shortFigure(t.cpuHours)
    } h, GPU ${shortFigure(t.gpuHours)} h)`,
    `Measured ${shortFigure(t.measuredEnergyKwh)} kWh (${
      shortFigure(measuredPercent)
    }%), estimated ${
      shortFigure(t.estimatedEnergyKwh)
    } kWh; ${t.runsWithoutCpuCounter} run(s) without a readable CPU energy counter`,
    "",
  ];
  // The column appears only when some device went unmeasured: complete sets read as before.
  const gaps = t.runsWithGaps > 0;
  const rows = [[
    "run",
    "start",
    "hours",
    "kWh",
    "kg CO2e",
    "zone",
    "gCO2e/kWh",
    "PUE",
    "measured",
    ...(gaps ? ["not measured"] : []),
  ]];
  for (const run of logs.runs) rows.push([...runRow(run, cwd), ...(gaps ? [gapCell(run)] : [])]);
  let text = lines.join("\n") + "\n" + textTable(rows).join("\n") + "\n";
  if (gaps) {
    text += `\n${t.runsWithGaps} of ${t.runs} run${t.runs === 1 ? " has" : "s have"} ` +
      `unmeasured devices: ${gapList(groupGaps(logs.runs))}. ` +
      "Their energy in those stretches is in no figure above.\n";
  }
  for (const run of logs.runs) if (isMergedJob(run)) text += "\n" + nodeDetail(run, cwd);
  const notes = logs.runs.filter((r) => r.notes.length > 0);
  if (notes.length > 0) {
    text += "\nNotes:\n" +
      notes.map((r) => `- ${relative(cwd, r.dir) || "."}: ${r.notes.join("; ")}`).join("\n") + "\n";
  }
  if (logs.warnings.length > 0) {
    text += `\nWarnings (${logs.warnings.length}):\n` +
      logs.warnings.map((w) => `- ${w}`).join("\n") + "\n";
  }
  return text;
}

function isMergedJob(run: RunFigures): run is MergedJobFigures {
  return Array.isArray((run as Partial<MergedJobFigures>).nodes);
}

/** A merged SLURM job's per-node table. */
function nodeDetail(job: MergedJobFigures, cwd: string): string {
  const rows = [["node", "tasks", "kWh", "kg CO2e", "CPU h", "GPU h", "sampled by"]];
  for (const node of job.nodes) {
    rows.push([
      node.node,
      node.taskRanks.join(",") || "-",
      shortFigure(node.energyKwh),
      shortFigure(node.kgCO2e),
      shortFigure(node.cpuHours),
      shortFigure(node.gpuHours),
      node.samplerDir ? relative(cwd, node.samplerDir) || "." : "nobody (energy missing)",
    ]);
  }
  const tasks = job.nodes.reduce((s, n) => s + n.dirs.length, 0);
  return `SLURM job ${job.jobId}: ${job.nodes.length} node(s), ${tasks} log(s)\n` +
    textTable(rows).join("\n") + "\n";
}

/** The run's marker: which device (or how many) went unmeasured, and for how long in all. */
function gapCell(run: RunFigures): string {
  if (run.gaps.length === 0) return "";
  const devices = new Set(run.gaps.map((g) => g.device));
  const seconds = proseDuration(gapSeconds(run.gaps));
  return devices.size === 1
    ? `${[...devices][0]} ${seconds}`
    : `${devices.size} devices, ${seconds} in all`;
}

function runRow(run: RunFigures, cwd: string): string[] {
  const name = isMergedJob(run) ? `job ${run.jobId} (${run.nodes.length} nodes)` : undefined;
  const measured = measuredFraction([run]) * 100;
  return [
    name ?? (relative(cwd, run.dir) || "."),
    run.summary.start.slice(0, 16).replace("T", " "),
    shortFigure(run.hours),
    shortFigure(run.energyKwh),
    shortFigure(run.kgCO2e),
    run.zone ?? "unknown",
    formatIntensity(run.intensityGramsPerKwh),
    shortFigure(run.pue),
    `${shortFigure(measured)}%`,
  ];
}

/**
 * The JSON `impact summary --json` prints: totals (with `runsWithGaps` and
 * `unmeasuredDeviceHours`), runs (without their raw records; each with its `gaps`) and warnings.
 *
 * @param logs The figures.
 * @returns A plain value.
 */
export function summaryJson(logs: LogsFigures): unknown {
  return {
    total: logs.total,
    runs: logs.runs.map(({ info, summary, ...run }) => ({
      ...run,
      start: summary.start,
      end: summary.end,
      command: info.command,
      recomputed: summary.recomputed === true,
    })),
    warnings: logs.warnings,
  };
}

/** Registers `impact summary`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("summary")
    .description("Totals and a per-run table of log directories (found recursively)")
    .argument("<dirs...>", "log directories, or folders holding them")
    .option("--json", "print JSON instead of a table")
    .option("--pue <x>", "PUE for every run (beats OVERRIDE_PUE and cloud PUE)", parsePueFlag)
    .option("--year <y>", "year of the yearly grid intensities (latest by default)", parseYearFlag)
    .action(async (dirs, options) => {
      const logs = await readLogsForCli(ctx, dirs, {
        ...options,
        // Check every sample line: a summary is where corrupt lines are reported.
        readSamples: "always",
      });
      ctx.stdout(
        options.json
          ? JSON.stringify(summaryJson(logs), null, 2) + "\n"
          : summaryText(logs, ctx.cwd),
      );
    });
};
