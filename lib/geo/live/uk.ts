/**
 * National Grid ESO's Carbon Intensity API for Great Britain: `GET /intensity`, the current
 * half hour (`actual` where measured, else `forecast`). No token.
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
export const UK_CARBON_INTENSITY_URL = "https://api.carbonintensity.org.uk";

/**
 * Parses the `/intensity` answer: `{ data: [{ from, to, intensity: { forecast, actual, index } }] }`.
 *
 * @param text The JSON body.
 * @returns The reading.
 */
export function parseUkIntensity(text: string): LiveReading {
  let body: {
    data?: { from?: string; intensity?: { forecast?: number | null; actual?: number | null } }[];
  };
  try {
    body = JSON.parse(text);
  } catch {
    throw new LiveIntensityError("carbonintensity.org.uk answer is not JSON");
  }
  const entry = body.data?.[0];
  const actual = entry?.intensity?.actual;
  const forecast = entry?.intensity?.forecast;
  const grams = typeof actual === "number" ? actual : forecast;
  if (!entry || typeof grams !== "number" || typeof entry.from !== "string") {
    throw new LiveIntensityError("carbonintensity.org.uk answer has no data[0].intensity");
  }
  // The API writes "2018-01-20T12:00Z" (no seconds), which Date parses.
  return {
    gramsPerKwh: grams,
    source: `carbonintensity.org.uk ${typeof actual === "number" ? "actual" : "forecast"} (GB)`,
    at: checkedReading("carbonintensity.org.uk", grams, entry.from),
  };
}

/**
 * Reads Great Britain's current intensity.
 *
 * @param options Base URL, fetch, signal.
 * @returns The reading.
 */
export async function ukIntensityNow(options: LiveSourceOptions = {}): Promise<LiveReading> {
  const text = await fetchText(`${options.baseUrl ?? UK_CARBON_INTENSITY_URL}/intensity`, {
    ...options,
    headers: { accept: "application/json" },
  });
  return parseUkIntensity(text);
}
