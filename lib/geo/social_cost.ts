/**
 * The country-level social cost of carbon (Ricke et al. 2018), from data/social_cost.json:
 * 2005 US$ per tonne CO2, median and 16.7-83.3% range. Negative figures (a net benefit for
 * some cold countries) are real and returned as they are.
 *
 * @module
 */
import table from "../../data/social_cost.json" with { type: "json" };
import intensity from "../../data/intensity.json" with { type: "json" };
import { nearest } from "./suggest.ts";
import type { SocialCost } from "./types.ts";

const rows = table.rows as unknown as Record<string, [number, number, number]>;
const isoAlpha3 = new Set(Object.values(intensity.alpha2ToAlpha3 as Record<string, string>));

/** Where the figures come from, for statements and tables. */
export const SOCIAL_COST_SOURCE = {
  citation: table.source,
  doi: table.doi,
  units: table.units,
  configuration: table.configuration,
} as const;

/** The global row's code. */
export const GLOBAL_SOCIAL_COST = "WLD";

/** An ISO3 code that is no country; carries the nearest valid codes. */
export class UnknownCountryError extends Error {
  /**
   * @param code What was asked for.
   * @param suggestions The nearest valid ISO 3166-1 alpha-3 codes.
   */
  constructor(readonly code: string, readonly suggestions: string[]) {
    super(
      `Unknown ISO 3166-1 alpha-3 country code ${JSON.stringify(code)}` +
        (suggestions.length ? `; nearest valid codes: ${suggestions.join(", ")}` : ""),
    );
    this.name = "UnknownCountryError";
  }
}

function row(iso3: string): SocialCost | undefined {
  const figures = rows[iso3];
  if (!figures) return undefined;
  return { iso3, p16_7: figures[0], p50: figures[1], p83_3: figures[2] };
}

/**
 * The social cost of carbon for a country. A real country missing from the dataset (SGP,
 * TWN, HKG, ...) gets the global figure with `fallbackFrom` set to the code asked for.
 *
 * @param iso3 ISO 3166-1 alpha-3 code (any case), or `WLD` for the global figure.
 * @returns The figures in 2005 US$ per tonne CO2.
 * @throws UnknownCountryError when the code is no ISO 3166-1 alpha-3 country.
 */
export function socialCostFor(iso3: string): SocialCost {
  const code = iso3.trim().toUpperCase();
  const found = row(code);
  if (found) return found;
  if (isoAlpha3.has(code)) return { ...row(GLOBAL_SOCIAL_COST)!, fallbackFrom: code };
  const candidates = new Set([...Object.keys(rows), ...isoAlpha3]);
  throw new UnknownCountryError(iso3, nearest(code, candidates, 5));
}

/**
 * Every row of the dataset (WLD included).
 *
 * @returns The figures, in ISO3 order.
 */
export function listSocialCosts(): SocialCost[] {
  return Object.keys(rows).map((code) => row(code)!);
}
