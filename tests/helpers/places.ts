/**
 * Gazetteer places for tests of address resolution (own values, not the embedded data).
 *
 * @module
 */
import type { Place } from "../../lib/geo/types.ts";

/** Stanford, California: the usual "Stanford" an address means. */
export const stanford: Place = {
  name: "Stanford",
  admin1: "California",
  country: "USA",
  countryName: "United States",
  latitude: 37.42,
  longitude: -122.17,
  population: 15000,
};
