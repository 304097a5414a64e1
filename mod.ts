/**
 * `impact`: measure the energy, carbon and social cost of compute jobs.
 *
 * @module
 */
export { VERSION } from "./lib/version.ts";
export type {
  Attribution,
  ComponentTotal,
  DeviceSample,
  RunInfo,
  RunSummary,
  SampleRecord,
} from "./lib/log/schema.ts";
export type {
  Component,
  DeviceEnergy,
  EnergySensor,
  Method,
  SensorStatus,
} from "./lib/sensors/types.ts";
/** Offline point -> grid zone lookup, zone ids and their countries. */
export { zoneAt, zoneCountry, zoneIds } from "./lib/geo/zones.ts";
/** Offline geocoding from the embedded gazetteer. */
export { searchPlaces } from "./lib/geo/gazetteer.ts";
/** Online geocoding with Nominatim (opt-in; rate limited). */
export { geocodeOnline, GeocoderError } from "./lib/geo/nominatim.ts";
export type { GeocodeOptions } from "./lib/geo/nominatim.ts";
