/**
 * `impact summary <dirs...> [--json] [--pue X] [--year Y]`: totals and a per-run table of
 * log directories found recursively.
 *
 * @module
 */
import { parsePueFlag, parseYearFlag, parseYearOption } from "../flag_values.ts";
import { resolve } from "node:path";
import type { CliContext, RegisterCommand } from "../context.ts";
import { inputCliError } from "../errors.ts";
import type { LogsFigures } from "../../accounting/types.ts";

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
    throw inputCliError(error);
  }
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
      const { summaryJson, summaryText } = await import("../../report/summary.ts");
      ctx.stdout(
        options.json
          ? JSON.stringify(summaryJson(logs), null, 2) + "\n"
          : summaryText(logs, ctx.cwd),
      );
    });
};
