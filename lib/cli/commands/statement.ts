/**
 * `impact statement <dirs...> --country CODE [--format latex|markdown|text|json] [--pue X]
 * [--year Y]`: the carbon impact statement for a paper.
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";
import type { RegisterCommand } from "../context.ts";
import { VERSION } from "../../version.ts";
import { parseCountry, parsePueFlag, parseYearFlag, WORLD_CODE } from "../flag_values.ts";
import { inputCliError } from "../errors.ts";
import { readLogsForCli } from "./summary.ts";

/** Registers `impact statement`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("statement")
    .description("A carbon impact statement for a paper, with its BibTeX entries")
    .argument("<dirs...>", "log directories, or folders holding them")
    .requiredOption(
      "--country <code>",
      "country for the social cost of carbon (and runs of unknown region): ISO 3166-1 " +
        "alpha-2 or alpha-3, or WLD for the global figures",
    )
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["latex", "markdown", "text", "json"] as const)
        .default("text" as const),
    )
    .option("--pue <x>", "PUE for every run (beats OVERRIDE_PUE and cloud PUE)", parsePueFlag)
    .option("--year <y>", "year of the yearly grid intensities (latest by default)", parseYearFlag)
    .action(async (dirs, options) => {
      const { socialCostFor } = await import("../../geo/social_cost.ts");
      const { renderStatement, statementData } = await import("../../report/statement.ts");
      const country = await parseCountry(options.country, { world: true });
      let socialCost;
      try {
        socialCost = socialCostFor(country);
      } catch (error) {
        throw inputCliError(error);
      }
      const logs = await readLogsForCli(ctx, dirs, {
        pue: options.pue,
        year: options.year,
        // The world average stands in for unknown regions; WLD is the social cost's only.
        country: country !== WORLD_CODE ? country : undefined,
      });
      const data = statementData(logs, { country, socialCost, version: VERSION });
      ctx.stdout(renderStatement(data, options.format, VERSION));
      for (const warning of logs.warnings) ctx.stderr(`impact: warning: ${warning}\n`);
    });
};
