/**
 * Online geocoding with Nominatim (OpenStreetMap), opt-in (`impact region --online`).
 *
 * Follows the usage policy of nominatim.openstreetmap.org: an identifying User-Agent and
 * at most one request a second (per server, across calls in this process).
 *
 * @module
 */
import { redactText, redactUrl } from "../redact.ts";
import countries from "i18n-iso-countries";
import { VERSION } from "../version.ts";
import type { Place } from "./types.ts";

/** The public Nominatim server. */
export const DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org";

/** The User-Agent sent when the caller gives none: the tool's name and version. */
export const DEFAULT_USER_AGENT =
  `impact/${VERSION} (energy and carbon accounting for compute jobs; a successor to experiment-impact-tracker)`;

/** Options of {@link geocodeOnline}. */
export interface GeocodeOptions {
  /** The server, default {@link DEFAULT_NOMINATIM_URL}; a path prefix is kept. */
  baseUrl?: string;
  /** Sent as User-Agent; Nominatim's policy asks for one that names the application. */
  userAgent?: string;
  fetch?: typeof fetch;
  /** The least time between two requests to one server, default 1000 ms (the policy). */
  minIntervalMs?: number;
  /** Gives up on a request after this long, default 10,000 ms. */
  timeoutMs?: number;
  /** Clock and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The geocoder could not be reached or answered badly; the CLI exits with ExitCode.network. */
export class GeocoderError extends Error {
  /** The request URL, without credentials (user:password, tokens). */
  readonly url: string;
  /**
   * @param message Sentence case, naming the URL (its credentials are stripped here).
   * @param url The request URL.
   * @param status The HTTP status, when the server answered.
   */
  constructor(message: string, url: string, readonly status?: number) {
    // Printed and recorded in impact.json: never with the server's password or token.
    super(redactText(message));
    this.url = redactUrl(url);
    this.name = "GeocoderError";
  }
}

/** One result of Nominatim's `/search?format=jsonv2&addressdetails=1`. */
interface NominatimResult {
  lat: string;
  lon: string;
  name?: string;
  display_name?: string;
  address?: Record<string, string | undefined>;
}

/** When the next request to each server may start, and the queue of waiting ones. */
const schedule = new Map<string, Promise<number>>();

/**
 * Geocodes a free-text address with Nominatim.
 *
 * @param query The address, e.g. "Stanford, California".
 * @param options Server, User-Agent, fetch, rate limit.
 * @returns The candidates Nominatim gives, best first (population 0: Nominatim's search
 *   does not report it).
 * @throws {GeocoderError} When the server is unreachable, times out, answers with an HTTP
 *   error or with something that is not a Nominatim result list.
 *
 * @example Geocode with a private Nominatim server
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { geocodeOnline } from "./nominatim.ts";
 *
 * // A stand-in for the server, answering as Nominatim's /search?format=jsonv2 does.
 * const fetch = () =>
 *   Promise.resolve(Response.json([{
 *     lat: "47.3744",
 *     lon: "8.5410",
 *     name: "Zurich",
 *     address: { country: "Switzerland", country_code: "ch" },
 *   }]));
 * const places = await geocodeOnline("Zurich", { baseUrl: "http://127.0.0.1:8080", fetch });
 * equal(places[0]?.country, "CHE");
 * ```
 */
export async function geocodeOnline(query: string, options: GeocodeOptions = {}): Promise<Place[]> {
  const base = (options.baseUrl ?? DEFAULT_NOMINATIM_URL).replace(/\/+$/, "");
  const url = `${base}/search?format=jsonv2&addressdetails=1&q=${encodeURIComponent(query)}`;
  await waitForTurn(base, options);
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: {
        "User-Agent": options.userAgent ?? DEFAULT_USER_AGENT,
        Accept: "application/json",
      },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new GeocoderError(
      `Cannot reach the geocoder at ${url}: ${(error as Error).message}`,
      url,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    const hint = response.status === 429 || response.status === 403
      ? " (the server refused: too many requests or no identifying User-Agent)"
      : "";
    throw new GeocoderError(
      `Geocoder at ${url} answered HTTP ${response.status} ${response.statusText}${hint}`,
      url,
      response.status,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new GeocoderError(
      `Geocoder at ${url} answered with invalid JSON: ${(error as Error).message}`,
      url,
      response.status,
    );
  }
  if (!Array.isArray(body)) {
    throw new GeocoderError(`Geocoder at ${url} answered with JSON that is not a list`, url);
  }
  return body.flatMap((r) => toPlace(r as NominatimResult));
}

/** Waits until this server may be asked again, queueing concurrent callers. */
async function waitForTurn(base: string, options: GeocodeOptions): Promise<void> {
  const interval = options.minIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const previous = schedule.get(base) ?? Promise.resolve(-Infinity);
  const turn = previous.then(async (earliest) => {
    const wait = earliest - now();
    if (wait > 0) await sleep(wait);
    return now() + interval;
  });
  schedule.set(base, turn);
  await turn;
}

function toPlace(r: NominatimResult): Place[] {
  const latitude = Number(r.lat), longitude = Number(r.lon);
  if (typeof r !== "object" || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return [];
  const address = r.address ?? {};
  const code = (address.country_code ?? "").toUpperCase();
  const iso3 = countries.alpha2ToAlpha3(code);
  if (!iso3) return [];
  const name = r.name || r.display_name?.split(",")[0]?.trim() || "";
  const place: Place = {
    name,
    country: iso3,
    countryName: address.country ?? code,
    latitude,
    longitude,
    population: 0,
  };
  const admin1 = address.state ?? address.province ?? address.region ?? address.territory;
  if (admin1) place.admin1 = admin1;
  return [place];
}
