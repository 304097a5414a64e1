/**
 * The `--year` flag: which year's grid intensity to use. Every command that takes it checks it
 * against the years the data covers, so a year without data is a usage error, never a silent
 * fall back to the world average.
 *
 * @module
 */
import { CliError } from "./errors.ts";
import { ExitCode } from "../run/errors.ts";
import { parseDecimal } from "../decimal.ts";

/**
 * Checks `--year` against the years the intensity data covers.
 *
 * @param text The flag's value, or undefined when not given.
 * @param years The years with data (`INTENSITY_YEARS` of lib/geo/intensity.ts).
 * @returns The year, or undefined when not given.
 * @throws {CliError} A usage error naming the value and the valid years.
 */
export function parseYearOption(
  text: string | undefined,
  years: readonly number[],
): number | undefined {
  if (text === undefined) return undefined;
  const year = parseDecimal(text);
  if (year === undefined || !years.includes(year)) {
    throw new CliError(
      `--year must be one of ${years.join(", ")}, got ${JSON.stringify(text)}`,
      ExitCode.usage,
    );
  }
  return year;
}
