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
  /** Electricity Maps zone id. */
  zone: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
  /** The year the figure is for. */
  year: number;
  /** Yearly mean carbon intensity, gCO2e/kWh. */
  intensityGramsPerKwh: number;
  /** Renewable share of generation in [0, 1], where the source gives it. */
  renewableShare?: number;
  /** e.g. "Electricity Maps yearly average (via @tgwf/co2 0.19.0)". */
  source: string;
  /** The data's licence, e.g. `ODbL-1.0`. */
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
  /** 16.7th percentile. */
  p16_7: number;
  /** Median. */
  p50: number;
  /** 83.3rd percentile. */
  p83_3: number;
  /** Set when the country is absent from the dataset and another row was used. */
  fallbackFrom?: string;
}

/** A cloud provider region. */
export interface CloudRegion {
  /** The cloud provider. */
  provider: "aws" | "gcp" | "azure";
  /** The provider's region id, e.g. `eu-west-1`. */
  region: string;
  /** Where it is, in words, e.g. `Europe (Ireland)`. */
  location: string;
  /** Electricity Maps zone id of its grid. */
  zone: string;
  /** The provider's power usage effectiveness. */
  pue: number;
  /** Degrees north, where known. */
  latitude?: number;
  /** Degrees east, where known. */
  longitude?: number;
  /** Where the row comes from. */
  source: string;
}

/** Where a point or a place lies. */
export interface ZoneMatch {
  /** Electricity Maps zone id. */
  zone: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
}

/** A gazetteer hit. */
export interface Place {
  /** The place's name. */
  name: string;
  /** Its state, province or region (admin-1). */
  admin1?: string;
  /** ISO 3166-1 alpha-3. */
  country: string;
  /** The country's English name. */
  countryName: string;
  /** Degrees north. */
  latitude: number;
  /** Degrees east. */
  longitude: number;
  /** Population (GeoNames); 0 when unknown. */
  population: number;
}
