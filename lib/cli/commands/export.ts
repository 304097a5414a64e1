/**
 * `impact export --format codecarbon|csv|jsonl <dirs...> [-o file]`: one row per run (a
 * SLURM job's logs merged into one), as CodeCarbon's `emissions.csv` or our own columns.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import type { RegisterCommand } from "../context.ts";
import { CliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import { parsePueFlag, parseYearFlag, readLogsForCli } from "./summary.ts";

const FORMATS = ["codecarbon", "csv", "jsonl"] as const;

/** Registers `impact export`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("export")
    .description("Write runs as CodeCarbon's emissions.csv, or as our own CSV or JSON Lines")
    .argument("<dirs...>", "log directories, or folders holding them")
    .addOption(
      new Option("--format <format>", "codecarbon (emissions.csv columns), csv or jsonl")
        .choices(FORMATS)
        .default("codecarbon" as const),
    )
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("--pue <x>", "PUE for every run (beats OVERRIDE_PUE and cloud PUE)", parsePueFlag)
    .option("--year <y>", "year of the yearly grid intensities (latest by default)", parseYearFlag)
    .action(async (dirs, options) => {
      const [logs, { exportRuns }] = await Promise.all([
        readLogsForCli(ctx, dirs, { pue: options.pue, year: options.year }),
        import("../../report/export.ts"),
      ]);
      const text = exportRuns(logs, options.format);
      for (const warning of logs.warnings) ctx.stderr(`impact: ${warning}\n`);
      if (options.output === undefined) {
        ctx.stdout(text);
        return;
      }
      const path = resolve(ctx.cwd, options.output);
      try {
        await Deno.writeTextFile(path, text);
      } catch (error) {
        throw new CliError(
          `Cannot write ${path}: ${error instanceof Error ? error.message : error}`,
          ExitCode.input,
          { cause: error },
        );
      }
      ctx.stderr(`impact: ${logs.runs.length} run(s) written to ${path}\n`);
    });
};
