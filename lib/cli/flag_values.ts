/**
 * The values several commands take, each read by one parser, so a form that one command
 * accepts every command accepts:
 *
 * - a country: ISO 3166-1 alpha-2 or alpha-3, any case (`US`, `usa`); an unknown code lists
 *   the nearest codes of the kind typed;
 * - a cloud region: `aws:eu-west-1`, or a region id that one provider alone has (`eu-west-1`);
 * - a utilisation: a fraction (`0.7`), a percentage (`70%`), or a number above 1 read as a
 *   percentage (`70`);
 * - a PUE: a decimal number of at least 1;
 * - a year (`--year`): four digits, then one of the years the intensity data covers (checked
 *   once the data is loaded, so that a year without data is a usage error, never a silent fall
 *   back to the world average).
 *
 * `impact run` resolves its region flags with the same geo parsers (lib/geo/resolve.ts's
 * `countryZone`, lib/geo/cloud.ts's `parseCloudSpec`), so its forms are these too. This module
 * loads with the command list, so the geo tables load on first use only.
 *
 * @module
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { CloudRegion } from "../geo/types.ts";
import { ExitCode } from "../run/errors.ts";
import { CliError, inputCliError } from "./errors.ts";
import { parseDecimal } from "../decimal.ts";

/** The code of the global figures where a country is asked for the social cost of carbon. */
export const WORLD_CODE = "WLD";

/**
 * Reads a country.
 *
 * @param text ISO 3166-1 alpha-2 or alpha-3, any case.
 * @param options `world`: also take `WLD`, the global figures (the social cost of carbon has
 *   them).
 * @returns The alpha-3 code (`USA`), or `WLD`.
 * @throws {CliError} An input error naming the code and the nearest valid ones.
 * @example Both codes, any case
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseCountry } from "./flag_values.ts";
 * equal(await parseCountry("us"), "USA");
 * equal(await parseCountry("DEU"), "DEU");
 * ```
 */
export async function parseCountry(
  text: string,
  options: { world?: boolean } = {},
): Promise<string> {
  if (options.world && text.trim().toUpperCase() === WORLD_CODE) return WORLD_CODE;
  const { countryZone } = await import("../geo/resolve.ts");
  try {
    return countryZone(text).country;
  } catch (error) {
    throw inputCliError(error);
  }
}

/**
 * Reads a cloud region.
 *
 * @param spec `provider:region` (any case), or a region id that one provider alone has.
 * @returns The region with its zone and PUE.
 * @throws {CliError} An input error naming the region and the nearest valid ones.
 */
export async function parseCloudRegion(spec: string): Promise<CloudRegion> {
  const { parseCloudSpec } = await import("../geo/cloud.ts");
  try {
    return parseCloudSpec(spec);
  } catch (error) {
    throw inputCliError(error);
  }
}

/**
 * Reads a utilisation (commander's parser for `--utilization`).
 *
 * @param text `0.7`, `70%` or `70` (a number above 1 is a percentage).
 * @returns A fraction in (0, 1].
 * @throws {InvalidArgumentError} A usage error naming the value.
 * @example Three ways to say 70%
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseUtilization } from "./flag_values.ts";
 * equal(parseUtilization("0.7"), 0.7);
 * equal(parseUtilization("70%"), 0.7);
 * equal(parseUtilization("70"), 0.7);
 * ```
 */
export function parseUtilization(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith("%");
  const value = parseDecimal(percent ? trimmed.slice(0, -1) : trimmed);
  const fraction = value === undefined ? undefined : percent || value > 1 ? value / 100 : value;
  if (fraction === undefined || fraction <= 0 || fraction > 1) {
    throw new InvalidArgumentError(
      `Utilization must be a fraction in (0, 1] or a percentage in (0, 100], got "${text}"`,
    );
  }
  return fraction;
}

/**
 * Reads a `--pue` value (commander's parser).
 *
 * @param text The flag's value.
 * @returns A number of at least 1.
 * @throws {InvalidArgumentError} A usage error naming the value.
 */
export function parsePueFlag(text: string): number {
  const value = parseDecimal(text);
  if (value === undefined || value < 1) {
    throw new InvalidArgumentError(`PUE must be a number of at least 1, got "${text}"`);
  }
  return value;
}

/**
 * Reads a `--year` value (commander's parser); {@link parseYearOption} checks it against the
 * data once that is loaded.
 *
 * @param text The flag's value.
 * @returns A four-digit year.
 * @throws {InvalidArgumentError} A usage error naming the value.
 */
export function parseYearFlag(text: string): number {
  if (!/^\d{4}$/.test(text.trim())) {
    throw new InvalidArgumentError(`Year must have four digits, got "${text}"`);
  }
  return Number(text);
}

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
