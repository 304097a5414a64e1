/**
 * Yearly grid carbon intensity per zone, from data/intensity.json (Electricity Maps yearly
 * averages 2021-2025 and Ember country averages with the year of each, as packaged in
 * `@tgwf/co2` 0.19.0).
 *
 * A zone without figures falls back to its country's, a territory without any (Monaco, Jersey)
 * to its grid neighbour's, and the result says so in `fallbackFrom` and `note`; nothing falls
 * back silently.
 *
 * @module
 */
import table from "../../data/intensity.json" with { type: "json" };
import { nearest } from "./suggest.ts";
import type { IntensityLookup, ZoneIntensity } from "./types.ts";

interface ZoneRow {
  name: string;
  country: string;
  years: Record<string, [number, number | null]>;
}

const zones = table.zones as unknown as Record<string, ZoneRow>;
const emberCountries = table.ember.countries as Record<string, number>;
const emberYears = table.ember.years as Record<string, number>;
const emberRevised = new Set(table.ember.revised as string[]);
const neighbours = table.neighbours as Record<string, { zone: string; note: string }>;
const alpha2ToAlpha3 = table.alpha2ToAlpha3 as Record<string, string>;
const alpha3ToAlpha2 = new Map(Object.entries(alpha2ToAlpha3).map(([a2, a3]) => [a3, a2]));
const byUpper = new Map(Object.keys(zones).map((z) => [z.toUpperCase(), z]));
const EM = table.electricityMaps;
const EMBER = table.ember;

/** The years with Electricity Maps figures, oldest first. */
export const INTENSITY_YEARS: readonly number[] = EM.years;
/** The newest year with Electricity Maps figures: the default. */
export const LATEST_INTENSITY_YEAR: number = Math.max(...EM.years);

/** A zone id or ISO code that the data does not know; carries the nearest valid ones. */
export class UnknownZoneError extends Error {
  /**
   * @param zone What was asked for.
   * @param suggestions The nearest valid zone ids.
   */
  constructor(readonly zone: string, readonly suggestions: string[]) {
    super(
      `Unknown grid zone ${JSON.stringify(zone)}` +
        (suggestions.length ? `; nearest valid zones: ${suggestions.join(", ")}` : ""),
    );
    this.name = "UnknownZoneError";
  }
}

function fromElectricityMaps(zone: string, year: number): ZoneIntensity | undefined {
  const row = zones[zone];
  const figures = row?.years[String(year)];
  if (!row || !figures) return undefined;
  const [grams, renewablePercent] = figures;
  const result: ZoneIntensity = {
    zone,
    country: row.country,
    year,
    intensityGramsPerKwh: grams,
    source: EM.source,
    licence: EM.licence,
  };
  if (renewablePercent !== null) result.renewableShare = renewablePercent / 100;
  return result;
}

function fromEmber(alpha3: string, year?: number): ZoneIntensity | undefined {
  const grams = emberCountries[alpha3];
  const emberYear = emberYears[alpha3];
  if (grams === undefined || emberYear === undefined) return undefined;
  if (year !== undefined && year !== emberYear) return undefined;
  const revised = emberRevised.has(alpha3) ? `; ${EMBER.revisedNote}` : "";
  return {
    zone: alpha3ToAlpha2.get(alpha3) ?? alpha3,
    country: alpha3,
    year: emberYear,
    intensityGramsPerKwh: grams,
    source: `${EMBER.source}; year from ${EMBER.yearSource}${revised}`,
    licence: EMBER.licence,
  };
}

/**
 * The country (ISO 3166-1 alpha-3) a zone id belongs to, from its alpha-2 prefix.
 *
 * @param zone A zone id such as `US-CAL-CISO` or `DE`.
 * @returns The alpha-3 code, or undefined when the prefix is no country.
 */
export function countryOfZone(zone: string): string | undefined {
  const known = zones[zone];
  if (known) return known.country;
  return alpha2ToAlpha3[zone.split("-")[0]!.toUpperCase()];
}

/**
 * A country's own figure: its country-level Electricity Maps zone for `year`, else Ember's.
 *
 * @param alpha3 ISO 3166-1 alpha-3 code.
 * @param year The year (latest by default); an Ember figure answers only for its own year.
 * @returns The intensity, or undefined when neither source has the country.
 */
export function intensityForCountry(alpha3: string, year?: number): ZoneIntensity | undefined {
  const code = alpha3.toUpperCase();
  const alpha2 = alpha3ToAlpha2.get(code);
  const em = alpha2 ? fromElectricityMaps(alpha2, year ?? LATEST_INTENSITY_YEAR) : undefined;
  if (em) return em;
  const ember = fromEmber(code, year);
  if (ember || !alpha2) return ember;
  const neighbour = neighbours[alpha2];
  if (!neighbour) return undefined;
  const figure = fromElectricityMaps(neighbour.zone, year ?? LATEST_INTENSITY_YEAR);
  return figure && { ...figure, fallbackFrom: alpha2, note: neighbour.note };
}

/**
 * Looks up a zone's yearly intensity. Zone ids are matched case-insensitively. A zone
 * (or a year) without figures falls back to its country's figure, with `fallbackFrom` set
 * to the zone asked for.
 *
 * @param zone Electricity Maps zone id (`DE`, `US-CAL-CISO`).
 * @param year The year; the latest ({@link LATEST_INTENSITY_YEAR}) by default.
 * @returns The intensity, or undefined when neither the zone nor its country has data.
 */
export const intensityFor: IntensityLookup = (zone, year) => {
  const id = canonicalZone(zone) ?? zone.toUpperCase();
  const direct = fromElectricityMaps(id, year ?? LATEST_INTENSITY_YEAR);
  if (direct) return direct;
  const country = countryOfZone(id);
  if (!country) return undefined;
  const fallback = intensityForCountry(country, year);
  if (!fallback) return undefined;
  return fallback.zone === id || fallback.fallbackFrom === id
    ? fallback
    : { ...fallback, fallbackFrom: id };
};

/**
 * Every Electricity Maps zone's figure for one year.
 *
 * @param year The year; the latest by default.
 * @returns One entry per zone, in zone id order.
 */
export function listIntensities(year: number = LATEST_INTENSITY_YEAR): ZoneIntensity[] {
  const out: ZoneIntensity[] = [];
  for (const zone of Object.keys(zones)) {
    const row = fromElectricityMaps(zone, year);
    if (row) out.push(row);
  }
  return out;
}

/**
 * The zone ids with intensity figures.
 *
 * @returns Zone ids, sorted.
 */
export function intensityZoneIds(): string[] {
  return Object.keys(zones);
}

/**
 * The data's spelling of a zone id typed in any case.
 *
 * @param zone A zone id in any case.
 * @returns The canonical id, or undefined when the data has no such zone.
 */
export function canonicalZone(zone: string): string | undefined {
  if (zones[zone]) return zone;
  return byUpper.get(zone.toUpperCase());
}

/**
 * The error for a zone id the data does not know, listing the nearest valid ones.
 *
 * @param zone What was asked for.
 * @param extraZones Further valid ids (e.g. polygon zones without figures).
 * @returns An {@link UnknownZoneError}.
 */
export function unknownZoneError(
  zone: string,
  extraZones: Iterable<string> = [],
): UnknownZoneError {
  const candidates = new Set([...Object.keys(zones), ...extraZones]);
  return new UnknownZoneError(zone, nearest(zone, candidates, 5));
}

/**
 * The ISO 3166-1 alpha-3 code for an alpha-2 one.
 *
 * @param alpha2 Two letters, any case.
 * @returns The alpha-3 code, or undefined.
 */
export function alpha3FromAlpha2(alpha2: string): string | undefined {
  return alpha2ToAlpha3[alpha2.toUpperCase()];
}

/**
 * The ISO 3166-1 alpha-2 code for an alpha-3 one.
 *
 * @param alpha3 Three letters, any case.
 * @returns The alpha-2 code, or undefined.
 */
export function alpha2FromAlpha3(alpha3: string): string | undefined {
  return alpha3ToAlpha2.get(alpha3.toUpperCase());
}
