/**
 * `impact export --format codecarbon|csv|jsonl <dirs...> [-o file]`: one row per run (a
 * SLURM job's logs merged into one), as CodeCarbon's `emissions.csv` or our own columns. An
 * existing `-o` file is continued, never replaced: rows go under its header (as CodeCarbon
 * appends to its `emissions.csv`), and a file with other columns is refused and left as it was.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import { resolve } from "node:path";
import type { CliContext, RegisterCommand } from "../context.ts";
import { CliError, fileCliError } from "../errors.ts";
import { ExitCode } from "../../run/errors.ts";
import { parsePueFlag, parseYearFlag } from "../flag_values.ts";
import { readLogsForCli } from "./summary.ts";
import type { LogsFigures } from "../../accounting/types.ts";
import type { ExportFormat } from "../../report/export.ts";

const FORMATS = ["codecarbon", "csv", "jsonl"] as const;

/** The file's text, or undefined when there is none (a file of blanks counts as none). */
async function existingText(path: string): Promise<string | undefined> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trim() === "" ? undefined : text.replace(/^\uFEFF/, "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw fileCliError(error, path, "write", "output");
  }
}

/** Writes the export to `path`, or continues the file already there. */
async function writeExport(
  path: string,
  logs: LogsFigures,
  format: ExportFormat,
  ctx: CliContext,
): Promise<void> {
  const { appendRuns, exportRuns } = await import("../../report/export.ts");
  const old = await existingText(path);
  let text: string;
  if (old === undefined) {
    text = exportRuns(logs, format);
  } else {
    try {
      text = appendRuns(logs, format, old.slice(0, old.search(/\r?\n|$/)));
    } catch (error) {
      if (!(error instanceof Error) || error.name !== "ExportAppendError") throw error;
      throw new CliError(
        `Cannot append to ${path}: ${error.message}; the file was left as it was (give another -o file)`,
        ExitCode.input,
        { cause: error },
      );
    }
    if (!old.endsWith("\n")) text = "\n" + text;
  }
  try {
    await Deno.writeTextFile(path, text, { append: old !== undefined });
  } catch (error) {
    throw fileCliError(error, path, "write", "output");
  }
  ctx.stderr(
    `impact: ${logs.runs.length} run(s) ${
      old === undefined ? "written to" : "appended to"
    } ${path}\n`,
  );
}

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
    .option(
      "-o, --output <file>",
      "write to this file instead of stdout (an existing one gets the rows appended)",
    )
    .option("--pue <x>", "PUE for every run (beats OVERRIDE_PUE and cloud PUE)", parsePueFlag)
    .option("--year <y>", "year of the yearly grid intensities (latest by default)", parseYearFlag)
    .action(async (dirs, options) => {
      const [logs, { exportRuns }] = await Promise.all([
        readLogsForCli(ctx, dirs, {
          pue: options.pue,
          year: options.year,
          // CodeCarbon's utilisation columns are means over the samples.
          ...(options.format === "codecarbon" ? { readSamples: "always" as const } : {}),
        }),
        import("../../report/export.ts"),
      ]);
      for (const warning of logs.warnings) ctx.stderr(`impact: ${warning}\n`);
      if (options.output === undefined) {
        ctx.stdout(exportRuns(logs, options.format));
        return;
      }
      await writeExport(resolve(ctx.cwd, options.output), logs, options.format, ctx);
    });
};
