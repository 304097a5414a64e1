/**
 * One ISO 3166-1 alpha-3 spelling across the embedded tables. The zone shapes and the
 * gazetteer take their codes from `i18n-iso-countries`, which writes Kosovo (XK, a
 * user-assigned code) as XKK; the intensity table (Electricity Maps, Ember) writes XKX. Lookups
 * map codes here at load time, so every table agrees without rebuilding the data.
 *
 * @module
 */

/** Codes the shapes and gazetteer use -> the code the intensity table uses. */
const ALPHA3_ALIASES: Readonly<Record<string, string>> = { XKK: "XKX" };

/**
 * The alpha-3 code as the intensity and social-cost tables write it.
 *
 * @param alpha3 A code from the zone shapes or the gazetteer, e.g. `XKK`.
 * @returns The same code, or its alias (`XKK` -> `XKX`).
 */
export function canonicalAlpha3(alpha3: string): string {
  return ALPHA3_ALIASES[alpha3] ?? alpha3;
}
