/**
 * Which grid zone a run's electricity came from, from the user's flags (issue 3, section 3):
 * `--zone`, `--cloud provider:region`, `--lat/--lon`, `--address` (offline gazetteer, or
 * Nominatim with `--online`), `--country`, `--locate-by-ip` (opt-in only: compute nodes are
 * offline and VPNs lie), then `$IMPACT_ZONE`. Nothing given: `{ source: "unknown" }`, and the
 * run still logs its energy. The result records how the zone was chosen.
 *
 * @module
 */
import { describePlace } from "./address_candidates.ts";
import { parseCloudSpec } from "./cloud.ts";
import {
  alpha2FromAlpha3,
  alpha3FromAlpha2,
  canonicalZone,
  countryOfZone,
  unknownZoneError,
} from "./intensity.ts";
import { nearest } from "./suggest.ts";
import type { Place, ZoneMatch } from "./types.ts";
import type { ResolvedRegion } from "../types.ts";
import { parseDecimal, parseWholeNumber } from "../decimal.ts";
import { addressLengthProblem } from "./address_length.ts";
import { redactText, redactUrl } from "../redact.ts";

/** Options of the online geocoder (Nominatim). */
export interface OnlineGeocodeOptions {
  baseUrl?: string;
  userAgent?: string;
  fetch?: typeof fetch;
  minIntervalMs?: number;
}

/** Where the user says the run is; the first option set wins, in the order of the fields. */
export interface RegionOptions {
  zone?: string;
  cloud?: string;
  latitude?: number;
  longitude?: number;
  address?: string;
  /** Which of the places an ambiguous `address` finds (1-based, as `--pick` lists them). */
  pick?: number;
  /** ISO 3166-1 alpha-3 or alpha-2. */
  country?: string;
  /** Opt-in IP geolocation: a URL answering `{latitude, longitude}` or `{lat, lon}` JSON. */
  locateByIp?: { url: string; fetch?: typeof fetch };
  /** `$IMPACT_ZONE`. */
  envZone?: string;
  /** Geocode `address` online instead of with the offline gazetteer. */
  online?: OnlineGeocodeOptions;
}

/** The geo functions resolution needs; tests pass fakes, the CLI the real modules. */
export interface ResolveDeps {
  zoneAt(latitude: number, longitude: number): ZoneMatch | undefined;
  searchPlaces(query: string, limit: number): Place[];
  geocodeOnline(query: string, options: OnlineGeocodeOptions): Promise<Place[]>;
  /** Zone ids with polygons (valid for `--zone` even without intensity figures). */
  zoneIds(): string[];
}

/** A region flag whose value cannot be used (unknown zone, country, place). */
export class RegionInputError extends Error {
  /**
   * @param message Sentence case, naming the value.
   * @param suggestions The nearest valid values, where there are any.
   * @param usage The flags were misused (a malformed number, one flag without its partner),
   *   rather than naming something unknown.
   */
  constructor(message: string, readonly suggestions: string[] = [], readonly usage = false) {
    super(message);
    this.name = "RegionInputError";
  }
}

/** Another place an ambiguous address could mean, with its zone. */
export interface AlternativePlace {
  /** The `--pick` number that chooses it. */
  pick: number;
  place: string;
  latitude: number;
  longitude: number;
  zone: string | null;
  country: string;
}

/** A resolved region, with the other places an ambiguous `--address` could mean. */
export interface Resolution extends ResolvedRegion {
  /** Set when the address named several places exactly; the region is the one picked. */
  alternatives?: AlternativePlace[];
}

/** The official IP geolocation default (only used with `--locate-by-ip`). */
export const DEFAULT_IP_LOCATOR = "https://ipapi.co/json/";

/**
 * Loads the real zone polygons and gazetteer (lazily: they are large).
 *
 * @returns The dependencies backed by lib/geo/zones.ts, gazetteer.ts and nominatim.ts.
 */
export async function defaultResolveDeps(): Promise<ResolveDeps> {
  // Literal specifiers, so deno compile and deno bundle embed the (large) modules.
  const [zones, gazetteer, nominatim] = await Promise.all([
    import("./zones.ts"),
    import("./gazetteer.ts"),
    import("./nominatim.ts"),
  ]);
  return {
    zoneAt: zones.zoneAt,
    zoneIds: zones.zoneIds,
    searchPlaces: gazetteer.searchPlaces,
    geocodeOnline: (query, options) => nominatim.geocodeOnline(query, options),
  };
}

function fromPoint(
  deps: ResolveDeps,
  latitude: number,
  longitude: number,
  source: string,
): ResolvedRegion {
  const match = deps.zoneAt(latitude, longitude);
  if (!match) return { source: "unknown", latitude, longitude };
  return { zone: match.zone, country: match.country, source, latitude, longitude };
}

/**
 * Validates a zone id against the intensity data and the zone polygons.
 *
 * @param zone A zone id in any case.
 * @param deps Supplies the polygon zone ids.
 * @returns The canonical zone id.
 * @throws RegionInputError listing the nearest valid ids.
 */
export function checkZone(zone: string, deps: Pick<ResolveDeps, "zoneIds">): string {
  const known = canonicalZone(zone);
  if (known) return known;
  const polygons = deps.zoneIds();
  const upper = zone.toUpperCase();
  const polygon = polygons.find((z) => z.toUpperCase() === upper);
  if (polygon) return polygon;
  const error = unknownZoneError(zone, polygons);
  throw new RegionInputError(error.message, error.suggestions);
}

/**
 * Turns a country code (alpha-3 or alpha-2) into its country zone.
 *
 * @param code e.g. `USA` or `US`.
 * @returns Zone (alpha-2) and country (alpha-3).
 * @throws RegionInputError for no ISO country, listing the nearest codes.
 */
export function countryZone(code: string): ZoneMatch {
  const upper = code.trim().toUpperCase();
  const alpha2 = upper.length === 2
    ? (alpha3FromAlpha2(upper) ? upper : undefined)
    : alpha2FromAlpha3(upper);
  if (!alpha2) {
    // Suggest codes of the kind typed: "UX" -> US, "USX" -> USA.
    const codes = allAlpha2().map((a2) => (upper.length === 2 ? a2 : alpha3FromAlpha2(a2)!));
    const suggestions = nearest(upper, codes, 5);
    throw new RegionInputError(
      `Unknown country code ${JSON.stringify(code)}; nearest valid codes: ${
        suggestions.join(", ")
      }`,
      suggestions,
    );
  }
  return { zone: alpha2, country: alpha3FromAlpha2(alpha2)! };
}

function allAlpha2(): string[] {
  const out: string[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (alpha3FromAlpha2(code)) out.push(code);
    }
  }
  return out;
}

/**
 * Chooses among the places an address found: the `pick`-th, else the best. A name several
 * places carry exactly ("Springfield", no qualifier) is ambiguous: the others come back with
 * their zones and the `--pick` number that chooses each.
 *
 * @param address What the user typed.
 * @param candidates The places found, best first (at least one).
 * @param pick 1-based choice, or undefined for the best.
 * @param zoneAt The zone lookup, for the alternatives' zones.
 * @returns The place, and the alternatives when the address is ambiguous (else none).
 * @throws RegionInputError (a usage error) when `pick` is past the places found.
 */
export function choosePlace(
  address: string,
  candidates: readonly Place[],
  pick: number | undefined,
  zoneAt: ResolveDeps["zoneAt"],
): { place: Place; alternatives: AlternativePlace[] } {
  const index = (pick ?? 1) - 1;
  const place = candidates[index];
  if (!place) {
    throw new RegionInputError(
      `--pick ${pick}: ${JSON.stringify(address)} found only ${candidates.length} place(s)`,
      [],
      true,
    );
  }
  const exact = candidates.filter((c) => c.exactMatch).length;
  if (address.includes(",") || exact < 2) return { place, alternatives: [] };
  const alternatives = candidates.flatMap((c, i) => {
    if (i === index) return [];
    const match = zoneAt(c.latitude, c.longitude);
    return [{
      pick: i + 1,
      place: describePlace(c),
      latitude: c.latitude,
      longitude: c.longitude,
      zone: match?.zone ?? null,
      country: match?.country ?? c.country,
    }];
  });
  return { place, alternatives };
}

/**
 * Words for an ambiguous address: which place was used and how to choose another.
 *
 * @param address What the user typed.
 * @param used The place used, in words.
 * @param alternatives The others, from {@link choosePlace}.
 * @returns Lines without a final newline.
 */
export function ambiguityNote(
  address: string,
  used: string,
  alternatives: readonly AlternativePlace[],
): string {
  return `${JSON.stringify(address)} is ambiguous; using ${used}. Others:\n` +
    alternatives.map((a) => `  --pick ${a.pick}: ${a.place} (${a.zone ?? "no zone"})`).join("\n");
}

async function locateByIp(
  options: { url: string; fetch?: typeof fetch },
): Promise<[number, number]> {
  const doFetch = options.fetch ?? fetch;
  // Messages are printed and recorded: the locator's URL without its credentials.
  const shown = redactUrl(options.url);
  let body: Record<string, unknown>;
  try {
    const response = await doFetch(options.url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`IP geolocation at ${shown} answered ${response.status}`);
    body = await response.json() as Record<string, unknown>;
  } catch (error) {
    throw new Error(redactText((error as Error).message), { cause: error });
  }
  const latitude = Number(body.latitude ?? body.lat);
  const longitude = Number(body.longitude ?? body.lon);
  if (
    !Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 ||
    Math.abs(longitude) > 180
  ) {
    throw new Error(`IP geolocation at ${shown} gave no latitude/longitude`);
  }
  return [latitude, longitude];
}

/**
 * Picks the run's grid zone from the options, in the order of {@link RegionOptions}' fields.
 *
 * @param options What the user gave.
 * @param deps The geo lookups; {@link defaultResolveDeps} when omitted.
 * @returns The region with `source` naming the flag that chose it, or `{ source: "unknown" }`;
 *   for an ambiguous address, the other places it could mean.
 * @throws RegionInputError for an unknown zone, country, cloud region or address.
 */
export async function resolveRegion(
  options: RegionOptions,
  deps?: ResolveDeps,
): Promise<Resolution> {
  const needDeps = async () => deps ??= await defaultResolveDeps();
  if (options.zone !== undefined) {
    const zone = checkZone(options.zone, deps ?? { zoneIds: () => [] });
    return withCountry({ zone, source: "--zone" });
  }
  if (options.cloud !== undefined) {
    let region;
    try {
      region = parseCloudSpec(options.cloud);
    } catch (error) {
      throw new RegionInputError(
        (error as Error).message,
        (error as { suggestions?: string[] }).suggestions,
      );
    }
    const info: ResolvedRegion = withCountry({
      zone: region.zone,
      source: "--cloud",
      cloud: { provider: region.provider, region: region.region, pue: region.pue },
      place: region.location,
    });
    if (region.latitude !== undefined) info.latitude = region.latitude;
    if (region.longitude !== undefined) info.longitude = region.longitude;
    return info;
  }
  if (options.latitude !== undefined && options.longitude !== undefined) {
    return fromPoint(await needDeps(), options.latitude, options.longitude, "--lat/--lon");
  }
  if (options.address !== undefined) {
    const tooLong = addressLengthProblem(options.address);
    if (tooLong) throw new RegionInputError(tooLong, [], true);
    const d = await needDeps();
    const places = options.online
      ? await d.geocodeOnline(options.address, options.online)
      : d.searchPlaces(options.address, 5);
    if (places.length === 0) {
      throw new RegionInputError(`No place found for address ${JSON.stringify(options.address)}`);
    }
    const { place, alternatives } = choosePlace(options.address, places, options.pick, d.zoneAt);
    const point = fromPoint(d, place.latitude, place.longitude, "--address");
    // A coastal city's point can fall just outside the simplified polygons: use its country.
    const info: Resolution = point.zone
      ? { ...point, place: describePlace(place) }
      : { ...countryZone(place.country), source: "--address", place: describePlace(place) };
    if (alternatives.length > 0) info.alternatives = alternatives;
    return info;
  }
  if (options.country !== undefined) {
    return { ...countryZone(options.country), source: "--country" };
  }
  if (options.locateByIp) {
    const [latitude, longitude] = await locateByIp(options.locateByIp);
    return fromPoint(await needDeps(), latitude, longitude, "--locate-by-ip");
  }
  if (options.envZone !== undefined && options.envZone !== "") {
    const zone = checkZone(options.envZone, deps ?? { zoneIds: () => [] });
    return withCountry({ zone, source: "IMPACT_ZONE" });
  }
  return { source: "unknown" };
}

function withCountry(info: ResolvedRegion): ResolvedRegion {
  const country = info.zone ? countryOfZone(info.zone) : undefined;
  return country ? { ...info, country } : info;
}

/** Raw region flags as the CLI parses them (strings). */
export interface RegionFlags {
  zone?: string;
  country?: string;
  lat?: string;
  lon?: string;
  address?: string;
  /** `--pick N`: which of an ambiguous address's places. */
  pick?: string;
  cloud?: string;
  online?: boolean;
  locateByIp?: boolean | string;
}

/**
 * Turns the CLI's region flags and environment into {@link RegionOptions}.
 *
 * @param flags `--zone`, `--country`, `--lat`, `--lon`, `--address`, `--pick`, `--cloud`,
 *   `--online`, `--locate-by-ip [url]`.
 * @param env Reads `IMPACT_ZONE` (and `IMPACT_IP_LOCATOR`, the IP geolocation URL).
 * @returns The options for {@link resolveRegion}.
 * @throws RegionInputError (a usage error) for a malformed latitude/longitude or `--pick`, or
 *   a flag given without its partner.
 */
export function parseRegionFlags(
  flags: RegionFlags,
  env: (name: string) => string | undefined,
): RegionOptions {
  const options: RegionOptions = {};
  if (flags.zone !== undefined) options.zone = flags.zone;
  if (flags.cloud !== undefined) options.cloud = flags.cloud;
  if ((flags.lat === undefined) !== (flags.lon === undefined)) {
    throw new RegionInputError("--lat and --lon must be given together", [], true);
  }
  if (flags.lat !== undefined && flags.lon !== undefined) {
    options.latitude = coordinate(flags.lat, "--lat", 90);
    options.longitude = coordinate(flags.lon, "--lon", 180);
  }
  if (flags.address !== undefined) options.address = flags.address;
  if (flags.pick !== undefined) {
    if (flags.address === undefined) {
      throw new RegionInputError("--pick chooses among the places --address finds", [], true);
    }
    options.pick = pickNumber(flags.pick);
  }
  if (flags.country !== undefined) options.country = flags.country;
  if (flags.online) options.online = {};
  if (flags.locateByIp) {
    const url = typeof flags.locateByIp === "string"
      ? flags.locateByIp
      : env("IMPACT_IP_LOCATOR") || DEFAULT_IP_LOCATOR;
    options.locateByIp = { url };
  }
  const envZone = env("IMPACT_ZONE");
  if (envZone) options.envZone = envZone;
  return options;
}

function coordinate(text: string, flag: string, limit: number): number {
  const value = parseDecimal(text);
  if (value === undefined || Math.abs(value) > limit) {
    throw new RegionInputError(
      `${flag} must be a number within +-${limit}, got ${JSON.stringify(text)}`,
      [],
      true,
    );
  }
  return value;
}

/**
 * Reads `--pick`.
 *
 * @param text The flag's value.
 * @returns A whole number of at least 1.
 * @throws RegionInputError (a usage error) for anything else.
 */
export function pickNumber(text: string): number {
  const n = parseWholeNumber(text);
  if (n === undefined || n < 1) {
    throw new RegionInputError(
      `--pick must be a whole number of at least 1, got ${JSON.stringify(text)}`,
      [],
      true,
    );
  }
  return n;
}
