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
