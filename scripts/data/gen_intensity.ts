/**
 * Generates data/intensity.json: yearly grid carbon intensity per Electricity Maps zone
 * (2021-2025, with the renewable share) and Ember's country averages, both as packaged in
 * the pinned `@tgwf/co2` 0.19.0 (code Apache-2.0; Electricity Maps data ODbL; Ember data
 * CC BY-SA 4.0).
 *
 * @module
 */
import { averageIntensity, electricityMaps } from "@tgwf/co2/data";
import countries from "i18n-iso-countries";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
const averages = (averageIntensity as unknown as { data: Record<string, number> }).data;
const validAlpha3 = new Set(Object.keys(countries.getAlpha3Codes()));
validAlpha3.add("XKX");
for (const [code, grams] of Object.entries(averages)) {
  if (code === "WORLD" || validAlpha3.has(code)) ember[code] = grams;
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
    // @tgwf/co2 ships Ember's latest available figure per country without its year. Ember
    // publishes a year's data in the spring after it, so at the package's release (2026-08-22)
    // the latest year is 2025 for most countries: an assumption the lookup states.
    year: 2025,
    yearNote:
      "latest year Ember had at @tgwf/co2 0.19.0's release (2026-08-22); the package does not record it",
    countries: ember,
  },
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
