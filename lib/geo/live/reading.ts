/**
 * What every live grid-intensity source returns, and the error a bad answer raises.
 *
 * @module
 */

/** One live intensity reading. */
export interface LiveReading {
  gramsPerKwh: number;
  /** e.g. "Electricity Maps live (DE)". */
  source: string;
  /** When the figure applies, ISO 8601 UTC. */
  at: string;
}

/** Options every source takes. */
export interface LiveSourceOptions {
  /** The API's base URL (tests point it at 127.0.0.1). */
  baseUrl?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** A live source that could not be reached or answered in an unexpected shape. */
export class LiveIntensityError extends Error {
  /** @param message Names the URL and what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "LiveIntensityError";
  }
}

/** No grid emits more than this (coal plants run near 1,000 gCO2e/kWh); above it is garbage. */
const MAX_GRAMS_PER_KWH = 5_000;

/**
 * Checks a source's figure and time before they become a reading: an intensity is a finite
 * number from 0 to {@link MAX_GRAMS_PER_KWH} gCO2e/kWh, a time is one `Date` can read.
 *
 * @param source The source, for the message (`carbonintensity.org.uk`).
 * @param gramsPerKwh The figure it gave.
 * @param time The time it gave.
 * @returns The time as ISO 8601 UTC.
 * @throws {LiveIntensityError} Naming the source and the value it cannot have given.
 */
export function checkedReading(source: string, gramsPerKwh: number, time: string): string {
  if (!Number.isFinite(gramsPerKwh) || gramsPerKwh < 0 || gramsPerKwh > MAX_GRAMS_PER_KWH) {
    throw new LiveIntensityError(
      `${source} answered an intensity of ${gramsPerKwh} gCO2e/kWh, outside 0-${MAX_GRAMS_PER_KWH}`,
    );
  }
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) {
    throw new LiveIntensityError(
      `${source} answered a time that is not one: ${JSON.stringify(time)}`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * Fetches a URL and returns its body text, turning HTTP failures into {@link LiveIntensityError}.
 *
 * @param url The URL.
 * @param options fetch, headers and signal.
 * @returns The body.
 */
export async function fetchText(
  url: string,
  options: { fetch?: typeof fetch; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<string> {
  let response: Response;
  try {
    const init: RequestInit = { headers: options.headers ?? {} };
    if (options.signal) init.signal = options.signal;
    response = await (options.fetch ?? fetch)(url, init);
  } catch (error) {
    throw new LiveIntensityError(`Could not reach ${url}: ${(error as Error).message}`);
  }
  const body = await response.text();
  if (!response.ok) {
    throw new LiveIntensityError(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
  }
  return body;
}
