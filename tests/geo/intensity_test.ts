import { equal, ok, throws } from "node:assert/strict";
import {
  canonicalZone,
  countryOfZone,
  INTENSITY_YEARS,
  intensityFor,
  intensityForCountry,
  LATEST_INTENSITY_YEAR,
  listIntensities,
  unknownZoneError,
} from "../../lib/geo/intensity.ts";
import { editDistance, nearest } from "../../lib/geo/suggest.ts";

Deno.test("intensityFor gives the latest Electricity Maps year by default, with renewables", () => {
  const de = intensityFor("DE");
  ok(de);
  equal(de.zone, "DE");
  equal(de.country, "DEU");
  equal(de.year, 2025);
  equal(LATEST_INTENSITY_YEAR, 2025);
  ok(de.intensityGramsPerKwh > 100 && de.intensityGramsPerKwh < 800);
  ok(de.renewableShare !== undefined && de.renewableShare > 0 && de.renewableShare < 1);
  equal(de.licence, "ODbL-1.0");
  ok(de.source.includes("Electricity Maps"));
  equal(de.fallbackFrom, undefined);
});

Deno.test("intensityFor chooses a year and a sub-national zone, case-insensitively", () => {
  const caiso2021 = intensityFor("us-cal-ciso", 2021);
  ok(caiso2021);
  equal(caiso2021.zone, "US-CAL-CISO");
  equal(caiso2021.country, "USA");
  equal(caiso2021.year, 2021);
  const caiso2025 = intensityFor("US-CAL-CISO");
  ok(caiso2025);
  equal(caiso2025.year, 2025);
  equal(INTENSITY_YEARS.join(","), "2021,2022,2023,2024,2025");
});

Deno.test("a sub-zone without figures falls back to its country and says so", () => {
  // Russia's sub-zones have figures but the country zone RU has none: Ember's RUS answers.
  const ru = intensityFor("RU");
  ok(ru);
  equal(ru.country, "RUS");
  ok(ru.source.includes("Ember"));
  equal(ru.licence, "CC-BY-SA-4.0");
  const made = intensityFor("FR-XYZ");
  ok(made);
  equal(made.zone, "FR");
  equal(made.fallbackFrom, "FR-XYZ");
  equal(made.intensityGramsPerKwh, intensityFor("FR")!.intensityGramsPerKwh);
});

Deno.test("a zone of no country has no intensity", () => {
  equal(intensityFor("QQ-NOWHERE"), undefined);
  equal(countryOfZone("QQ"), undefined);
});

Deno.test("intensityForCountry uses the country zone, else Ember", () => {
  equal(intensityForCountry("usa")!.zone, "US");
  equal(intensityForCountry("RUS")!.source.includes("Ember"), true);
  equal(intensityForCountry("DEU", 2022)!.year, 2022);
  equal(intensityForCountry("RUS", 2021), undefined);
});

Deno.test("listIntensities has every zone once for the year asked", () => {
  const all = listIntensities(2023);
  ok(all.length > 300);
  ok(all.every((z) => z.year === 2023));
  equal(new Set(all.map((z) => z.zone)).size, all.length);
  ok(all.some((z) => z.zone === "US-TEX-ERCO"));
  equal(listIntensities(1999).length, 0);
});

Deno.test("an unknown zone's error lists the nearest valid ids", () => {
  const error = unknownZoneError("US-CAL-CSIO");
  ok(error.suggestions.includes("US-CAL-CISO"), error.message);
  ok(error.message.startsWith('Unknown grid zone "US-CAL-CSIO"; nearest valid zones: '));
  ok(unknownZoneError("DEU").suggestions.includes("DE"));
  equal(canonicalZone("de"), "DE");
  equal(canonicalZone("XX"), undefined);
  throws(() => {
    throw unknownZoneError("x");
  }, /Unknown grid zone/);
});

Deno.test("nearest ranks prefix matches, then edit distance", () => {
  equal(editDistance("kitten", "sitting"), 3);
  equal(nearest("us", ["DE", "US", "US-HI", "UY"], 2).join(","), "US,US-HI");
  equal(nearest("SE-SE5", ["SE-SE1", "DE", "SE-SE4"], 1)[0], "SE-SE1");
});

Deno.test("an Ember country shows its own year, and --year takes that year only", () => {
  const ua = intensityFor("UA");
  ok(ua);
  equal(ua.year, 2022);
  ok(ua.source.includes("Ember") && ua.source.includes("co2.js"));
  equal(intensityFor("UA", 2022)?.intensityGramsPerKwh, ua.intensityGramsPerKwh);
  equal(intensityFor("UA", 2025), undefined);
  equal(intensityForCountry("RUS")!.year, 2024);
});

Deno.test("micro-states take their grid neighbour's figure with a note", () => {
  const cases: [string, string][] = [
    ["MC", "FR"],
    ["SM", "IT"],
    ["VA", "IT"],
    ["LI", "CH"],
    ["AD", "ES"],
    ["JE", "FR"],
    ["GG", "FR"],
    ["IM", "GB"],
  ];
  for (const [micro, neighbour] of cases) {
    const row = intensityFor(micro, 2024);
    ok(row, micro);
    equal(row.zone, neighbour, micro);
    equal(row.fallbackFrom, micro);
    ok(row.note && row.note.length > 10, micro);
    equal(row.intensityGramsPerKwh, intensityFor(neighbour, 2024)!.intensityGramsPerKwh);
  }
});
