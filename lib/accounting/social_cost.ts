/**
 * The social cost of carbon of an amount of CO2e: tonnes times the country-level social
 * cost of carbon (Ricke et al. 2018, "Country-level social cost of carbon", Nature Climate
 * Change 8, 895-900), median and 16.7-83.3% range, in 2005 US$. A country whose economy
 * gains from warming has a negative figure; it is reported as it is, never clipped.
 *
 * @module
 */
import type { SocialCost } from "../geo/types.ts";

/** A social cost in 2005 US$: median and the 16.7-83.3% range. */
export interface SocialCostUsd2005 {
  p16_7: number;
  p50: number;
  p83_3: number;
}

/**
 * Social cost of `kgCO2e` at a country's per-tonne figures.
 *
 * @param kgCO2e Emissions, kg CO2e.
 * @param perTonne The country's social cost of carbon, 2005 US$ per tonne CO2.
 * @returns The cost in 2005 US$, negative where the country's figure is negative.
 */
export function socialCostUsd2005(kgCO2e: number, perTonne: SocialCost): SocialCostUsd2005 {
  const tonnes = kgCO2e / 1000;
  return {
    p16_7: tonnes * perTonne.p16_7,
    p50: tonnes * perTonne.p50,
    p83_3: tonnes * perTonne.p83_3,
  };
}
