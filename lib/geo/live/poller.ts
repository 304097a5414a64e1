/**
 * Polls a live grid-intensity source during a run (`--live-intensity electricitymaps|uk|caiso`).
 * A failed poll falls back to the zone's yearly figure and is recorded, never hidden.
 *
 * @module
 */
import { intensityFor } from "../intensity.ts";
import { caisoIntensityNow } from "./caiso.ts";
import { electricityMapsLatest } from "./electricitymaps.ts";
import type { LiveReading } from "./reading.ts";
import { ukIntensityNow } from "./uk.ts";

/** The live sources. */
export type LiveProvider = "electricitymaps" | "uk" | "caiso";

/** One point of the series: a live reading, or the yearly fallback with the failure. */
export interface LivePoint extends LiveReading {
  /** Set when the poll failed and the yearly figure stands in. */
  fallback?: { reason: string };
}

/** Options of {@link createLivePoller}. */
export interface LivePollerOptions {
  provider: LiveProvider;
  /** The zone (Electricity Maps id); `uk` implies GB and `caiso` US-CAL-CISO when omitted. */
  zone?: string;
  intervalMs: number;
  fetch?: typeof fetch;
  baseUrl?: string;
  /** Electricity Maps token (`$ELECTRICITYMAPS_TOKEN`). */
  token?: string;
  /** Wall clock in ms (tests fix it). */
  now?: () => number;
}

/** A running poller. */
export interface LivePoller {
  /** Polls once now and appends the point. */
  poll(): Promise<LivePoint>;
  /** Starts polling every `intervalMs` (first poll at once). */
  start(): void;
  /** Stops polling and waits for an in-flight poll. */
  stop(): Promise<void>;
  /** The newest point, if any. */
  latest(): LivePoint | undefined;
  /** Every point so far, oldest first. */
  series(): LivePoint[];
  /** The failures so far (the points that used the fallback). */
  failures(): LivePoint[];
}

const DEFAULT_ZONES: Record<LiveProvider, string | undefined> = {
  electricitymaps: undefined,
  uk: "GB",
  caiso: "US-CAL-CISO",
};

/**
 * Creates a poller for one source and zone.
 *
 * @param options Provider, zone, interval, fetch, base URL, token.
 * @returns The poller; nothing is fetched until `poll` or `start`.
 * @throws Error when the provider needs a zone or token that is missing.
 */
export function createLivePoller(options: LivePollerOptions): LivePoller {
  const zone = options.zone ?? DEFAULT_ZONES[options.provider];
  if (!zone) throw new Error(`Live intensity from ${options.provider} needs a zone`);
  if (options.provider === "electricitymaps" && !options.token) {
    throw new Error("Live intensity from Electricity Maps needs a token in ELECTRICITYMAPS_TOKEN");
  }
  const now = options.now ?? Date.now;
  const yearly = intensityFor(zone);
  const points: LivePoint[] = [];
  const controller = new AbortController();
  let timer: ReturnType<typeof setInterval> | undefined;
  let inFlight: Promise<LivePoint> | undefined;
  const source = { fetch: options.fetch ?? fetch, signal: controller.signal } as {
    fetch: typeof fetch;
    signal: AbortSignal;
    baseUrl?: string;
  };
  if (options.baseUrl) source.baseUrl = options.baseUrl;

  const read = (): Promise<LiveReading> => {
    switch (options.provider) {
      case "electricitymaps":
        return electricityMapsLatest(zone, options.token!, source);
      case "uk":
        return ukIntensityNow(source);
      case "caiso":
        return caisoIntensityNow(yearly?.intensityGramsPerKwh ?? 0, new Date(now()), source);
    }
  };

  const poll = async (): Promise<LivePoint> => {
    let point: LivePoint;
    try {
      point = await read();
    } catch (error) {
      const reason = (error as Error).message;
      point = {
        gramsPerKwh: yearly?.intensityGramsPerKwh ?? NaN,
        source: yearly
          ? `${yearly.source} ${yearly.year} (live ${options.provider} failed)`
          : "none",
        at: new Date(now()).toISOString(),
        fallback: { reason },
      };
    }
    points.push(point);
    return point;
  };

  return {
    poll() {
      inFlight = poll();
      return inFlight;
    },
    start() {
      if (timer !== undefined) return;
      inFlight = poll();
      timer = setInterval(() => void (inFlight = poll()), options.intervalMs);
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (inFlight) await inFlight;
      controller.abort();
    },
    latest: () => points.at(-1),
    series: () => [...points],
    failures: () => points.filter((p) => p.fallback),
  };
}
