/**
 * Shapes of the embedded geographic data: grid zones, intensities, cloud regions and the
 * social cost of carbon. Every figure carries its source and year.
 *
 * @module
 */

/**
 * A grid zone's yearly carbon intensity. Zone ids are Electricity Maps zone keys as they
 * appear in `@tgwf/co2` (`DE`, `US-CAL-CISO`, `AU-NSW`); country zones use ISO 3166-1
 * alpha-2, and every zone belongs to one country (ISO 3166-1 alpha-3 in `country`).
 */
export interface ZoneIntensity {
  zone: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
  year: number;
  intensityGramsPerKwh: number;
  /** Renewable share of generation in [0, 1], where the source gives it. */
  renewableShare?: number;
  /** e.g. "Electricity Maps yearly average (via @tgwf/co2 0.19.0)". */
  source: string;
  licence: string;
  /** Set when the zone had no data and its country's figure was used. */
  fallbackFrom?: string;
}

/** Looks up a zone's intensity (latest year unless `year` is given). */
export type IntensityLookup = (zone: string, year?: number) => ZoneIntensity | undefined;

/** The social cost of carbon for one country, 2005 US$ per tonne CO2 (Ricke et al. 2018). */
export interface SocialCost {
  /** ISO 3166-1 alpha-3, or `WLD` for the global figure. */
  iso3: string;
  p16_7: number;
  p50: number;
  p83_3: number;
  /** Set when the country is absent from the dataset and another row was used. */
  fallbackFrom?: string;
}

/** A cloud provider region. */
export interface CloudRegion {
  provider: "aws" | "gcp" | "azure";
  region: string;
  location: string;
  zone: string;
  pue: number;
  latitude?: number;
  longitude?: number;
  source: string;
}

/** Where a point or a place lies. */
export interface ZoneMatch {
  zone: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
}

/** A gazetteer hit. */
export interface Place {
  name: string;
  admin1?: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
  countryName: string;
  latitude: number;
  longitude: number;
  population: number;
}
