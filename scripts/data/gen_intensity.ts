/**
 * Generates data/intensity.json: yearly grid carbon intensity per Electricity Maps zone
 * (2021-2025, with the renewable share) and Ember's country averages with the year of each,
 * both as packaged in the pinned `@tgwf/co2` 0.19.0 (code Apache-2.0; Electricity Maps data
 * ODbL; Ember data CC BY-SA 4.0), and the grid neighbours of territories neither covers.
 *
 * @module
 */
import { averageIntensity, electricityMaps } from "@tgwf/co2/data";
import countries from "i18n-iso-countries";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EMBER_YEARS, EMBER_YEARS_SOURCE } from "./ember_years.ts";

/**
 * Territories with no figure of their own in either source, and the zone whose grid supplies
 * them (or, for the islands, the nearest grid of the same kind).
 */
const NEIGHBOURS: Record<string, [zone: string, note: string]> = {
  MC: ["FR", "Monaco has no figures of its own; it is supplied by the French grid"],
  SM: ["IT", "San Marino has no figures of its own; it is supplied by the Italian grid"],
  VA: ["IT", "Vatican City has no figures of its own; it is supplied by the Italian grid"],
  LI: ["CH", "Liechtenstein has no figures of its own; it is part of the Swiss grid"],
  AD: ["ES", "Andorra has no figures of its own; most of its power is imported from Spain"],
  JE: ["FR", "Jersey has no figures of its own; most of its power comes by cable from France"],
  GG: ["FR", "Guernsey has no figures of its own; it imports from France by way of Jersey"],
  IM: ["GB", "the Isle of Man has no figures of its own; it is linked to the British grid"],
  AX: ["FI", "Åland has no figures of its own; it is linked to the Finnish grid"],
  GI: ["ES", "Gibraltar has no figures of its own; the nearest grid is Spain's"],
};

const PACKAGE = "@tgwf/co2@0.19.0";

interface EmZone {
  zone?: { zoneName?: string };
  carbonIntensity?: { value?: number | null; unit?: string };
  renewableEnergy?: { value?: number | null; unit?: string };
}

/** ISO alpha-2 -> alpha-3, with the codes Electricity Maps and Ember use where ISO has none. */
function alpha3Of(alpha2: string): string | undefined {
  // Kosovo has no ISO code; Electricity Maps uses XK and Ember XKX (i18n-iso-countries says XKK).
  if (alpha2 === "XK") return "XKX";
  return countries.alpha2ToAlpha3(alpha2);
}

const years: Record<string, Record<string, [number, number | null]>> = {};
const zones: Record<
  string,
  { name: string; country: string; years: Record<string, [number, number | null]> }
> = {};
const yearTables = electricityMaps as unknown as Record<string, { data: Record<string, EmZone> }>;
for (const [key, table] of Object.entries(yearTables)) {
  const match = /^yearly(\d{4})$/.exec(key);
  if (!match) throw new Error(`Unexpected Electricity Maps table name ${key} in ${PACKAGE}`);
  const year = match[1]!;
  years[year] = {};
  for (const [zone, row] of Object.entries(table.data)) {
    const grams = row.carbonIntensity?.value;
    if (typeof grams !== "number") continue;
    if (row.carbonIntensity?.unit !== "gCO2eq/kWh") {
      throw new Error(`Unexpected unit ${row.carbonIntensity?.unit} for zone ${zone} in ${key}`);
    }
    const alpha2 = zone.split("-")[0]!;
    const country = alpha3Of(alpha2);
    if (!country) throw new Error(`Zone ${zone} has no ISO country for its prefix ${alpha2}`);
    const renewablePercent = typeof row.renewableEnergy?.value === "number"
      ? row.renewableEnergy.value
      : null;
    zones[zone] ??= { name: row.zone?.zoneName ?? zone, country, years: {} };
    zones[zone].years[year] = [grams, renewablePercent];
  }
}

const ember: Record<string, number> = {};
const emberYears: Record<string, number> = {};
const revised: string[] = [];
const averages = (averageIntensity as unknown as { data: Record<string, number> }).data;
const validAlpha3 = new Set(Object.keys(countries.getAlpha3Codes()));
validAlpha3.add("XKX");
for (const [code, grams] of Object.entries(averages)) {
  if (code !== "WORLD" && !validAlpha3.has(code)) continue;
  const known = EMBER_YEARS[code];
  if (!known) throw new Error(`ember_years.ts has no year for ${code}`);
  ember[code] = grams;
  emberYears[code] = known[0];
  if (known[1] !== grams) revised.push(code);
}
for (const [alpha2, [zone]] of Object.entries(NEIGHBOURS)) {
  if (!zones[zone]) throw new Error(`Neighbour zone ${zone} of ${alpha2} has no figures`);
}

const alpha2ToAlpha3: Record<string, string> = { XK: "XKX" };
for (const alpha2 of Object.keys(countries.getAlpha2Codes())) {
  alpha2ToAlpha3[alpha2] = alpha3Of(alpha2)!;
}

const sortedZones = Object.fromEntries(
  Object.entries(zones).sort(([a], [b]) => a.localeCompare(b)),
);
const out = {
  generatedFrom: `npm:${PACKAGE}`,
  electricityMaps: {
    source: "Electricity Maps yearly average (via @tgwf/co2 0.19.0)",
    licence: "ODbL-1.0",
    url: "https://www.electricitymaps.com/data/methodology",
    note: "Zone -> year -> [gCO2e/kWh, renewable share in percent or null]",
    years: Object.keys(years).map(Number).sort(),
  },
  ember: {
    source: "Ember yearly country average (via @tgwf/co2 0.19.0)",
    licence: "CC-BY-SA-4.0",
    url: "https://ember-climate.org/data/data-explorer/",
    // @tgwf/co2 ships Ember's latest figure per country without its year; the co2.js
    // repository records it (ember_years.ts).
    yearSource: EMBER_YEARS_SOURCE,
    revisedNote: "figure revised after that commit; year as the commit records it",
    countries: ember,
    years: emberYears,
    revised: revised.sort(),
  },
  neighbours: Object.fromEntries(
    Object.entries(NEIGHBOURS).map(([alpha2, [zone, note]]) => [alpha2, { zone, note }]),
  ),
  alpha2ToAlpha3,
  zones: sortedZones,
};

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const path = join(root, "data", "intensity.json");
await Deno.writeTextFile(path, JSON.stringify(out) + "\n");
console.log(
  `data: wrote ${path} (${Object.keys(zones).length} zones, ${
    Object.keys(ember).length
  } Ember countries)`,
);
