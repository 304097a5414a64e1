/**
 * Electricity Maps live carbon intensity: `GET /v3/carbon-intensity/latest?zone=Z` with the
 * `auth-token` header (the token from `$ELECTRICITYMAPS_TOKEN`).
 *
 * @module
 */
import {
  checkedReading,
  fetchText,
  LiveIntensityError,
  type LiveReading,
  type LiveSourceOptions,
} from "./reading.ts";

/** The public API. */
export const ELECTRICITYMAPS_URL = "https://api.electricitymap.org";

/**
 * Parses the `carbon-intensity/latest` answer.
 *
 * @param text The JSON body.
 * @param zone The zone asked for (for the source line).
 * @returns The reading.
 */
export function parseElectricityMapsLatest(text: string, zone: string): LiveReading {
  let body: { carbonIntensity?: unknown; datetime?: unknown; zone?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    throw new LiveIntensityError(`Electricity Maps answer for ${zone} is not JSON`);
  }
  if (typeof body.carbonIntensity !== "number" || typeof body.datetime !== "string") {
    throw new LiveIntensityError(
      `Electricity Maps answer for ${zone} has no carbonIntensity/datetime`,
    );
  }
  return {
    gramsPerKwh: body.carbonIntensity,
    source: `Electricity Maps live (${typeof body.zone === "string" ? body.zone : zone})`,
    at: checkedReading(`Electricity Maps (${zone})`, body.carbonIntensity, body.datetime),
  };
}

/**
 * Reads a zone's latest intensity.
 *
 * @param zone Electricity Maps zone id.
 * @param token The API token.
 * @param options Base URL, fetch, signal.
 * @returns The reading.
 */
export async function electricityMapsLatest(
  zone: string,
  token: string,
  options: LiveSourceOptions = {},
): Promise<LiveReading> {
  const url = `${options.baseUrl ?? ELECTRICITYMAPS_URL}/v3/carbon-intensity/latest?zone=${
    encodeURIComponent(zone)
  }`;
  const text = await fetchText(url, { ...options, headers: { "auth-token": token } });
  return parseElectricityMapsLatest(text, zone);
}
