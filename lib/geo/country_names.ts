/**
 * English country names by ISO 3166-1 alpha-3, from the country rows of the embedded gazetteer
 * (i18n-iso-countries' names, see data/README.md), for reports that name a country in words
 * (CodeCarbon's `country_name`). Only the country rows at the head of the file are read, once.
 *
 * @module
 */
import gazetteerText from "../../data/gazetteer.tsv" with { type: "text" };
import { canonicalAlpha3 } from "./country_codes.ts";

let names: Map<string, string> | undefined;

/** The `C <alpha-2> <alpha-3> <name>|<alias>...` rows, which come before every place. */
function countryRows(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    const line = text.slice(start, end < 0 ? text.length : end);
    start = end < 0 ? text.length : end + 1;
    if (line.startsWith("#")) continue;
    if (!line.startsWith("C\t")) break;
    const [, , alpha3, names] = line.split("\t");
    const name = names?.split("|")[0];
    if (alpha3 && name) out.set(canonicalAlpha3(alpha3), name);
  }
  return out;
}

/**
 * A country's English name.
 *
 * @param alpha3 ISO 3166-1 alpha-3, any case (`FRA`; Kosovo as `XKX` or `XKK`).
 * @returns The name (`France`), or undefined for a code the gazetteer does not list.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { countryName } from "./country_names.ts";
 * equal(countryName("fra"), "France");
 * equal(countryName("XKX"), "Kosovo");
 * ```
 */
export function countryName(alpha3: string): string | undefined {
  names ??= countryRows(gazetteerText);
  return names.get(canonicalAlpha3(alpha3.toUpperCase()));
}
