/**
 * `--live-intensity`: a poller started before the child, whose latest value is stamped on
 * each sample (the yearly figure stands in while a poll fails, and the failures are
 * recorded), and whose tally gives the end-of-run summary its time-weighted carbon line.
 *
 * @module
 */
import type { LivePoller } from "../geo/live/poller.ts";
import type { RegionInfo, SampleRecord } from "../log/schema.ts";
import { ExitCode, RunError } from "./errors.ts";
import { DEFAULT_LIVE_POLL_SECONDS, type LiveIntensityOptions } from "./options.ts";
import { redactText } from "../redact.ts";

/** A live request that takes longer than this counts as failed (falls back to the yearly value). */
const LIVE_TIMEOUT_MS = 15_000;

/** Sums over the samples that carried a live intensity. */
export interface LiveTally {
  /** Attributed joules of the stamped samples. */
  joules: number;
  /** Joules x gCO2e/kWh of the stamped samples (their energy-weighted intensity's numerator). */
  gramJoules: number;
  /** Samples stamped. */
  samples: number;
  /** The sources of the stamps, in order of first use. */
  sources: string[];
}

/** A running live-intensity poller. */
export interface LiveIntensity {
  /** impact.json's `region.live` as of the last stamped sample (polls and failures so far). */
  report(): NonNullable<RegionInfo["live"]>;
  /** What the stamped samples add up to. */
  tally(): LiveTally;
  /** Stamps the intensity in force on a record, and counts it. */
  stamp(record: SampleRecord): void;
  /** Stops polling and aborts a request in flight. Safe to call twice. */
  stop(): Promise<void>;
}

/** What the live step needs from outside. */
export interface LiveIntensityDeps {
  /** Reads `ELECTRICITYMAPS_TOKEN` and `IMPACT_LIVE_INTENSITY_URL`. */
  env(name: string): string | undefined;
  /** Wall clock, ms. */
  now(): number;
  /** Prints a line for the user. */
  note(text: string): void;
  /** fetch for the live source (tests pass a fake). */
  fetch?: typeof fetch;
}

/**
 * Starts polling the live source for the run's region.
 *
 * @param options `--live-intensity` and its settings.
 * @param region The run's resolved region (Electricity Maps needs its zone).
 * @param deps Environment, clock, notes and fetch.
 * @returns The running poller.
 * @throws {RunError} A usage error when Electricity Maps has no zone or no token.
 */
export async function startLiveIntensity(
  options: LiveIntensityOptions,
  region: RegionInfo,
  deps: LiveIntensityDeps,
): Promise<LiveIntensity> {
  const { provider } = options;
  const token = deps.env("ELECTRICITYMAPS_TOKEN");
  if (provider === "electricitymaps" && !region.zone) {
    throw new RunError(
      "--live-intensity electricitymaps needs the run's zone: give --zone, --address, " +
        "--lat/--lon, --cloud or IMPACT_ZONE",
      ExitCode.usage,
    );
  }
  if (provider === "electricitymaps" && !token) {
    throw new RunError(
      "--live-intensity electricitymaps needs a token in ELECTRICITYMAPS_TOKEN",
      ExitCode.usage,
    );
  }
  const everySeconds = options.everySeconds ?? DEFAULT_LIVE_POLL_SECONDS;
  const baseUrl = options.url ?? deps.env("IMPACT_LIVE_INTENSITY_URL");
  const { createLivePoller } = await import("../geo/live/poller.ts");
  const controller = new AbortController();
  const baseFetch = deps.fetch ?? fetch;
  // Every request gives up after LIVE_TIMEOUT_MS, and all stop when the run ends.
  const timedFetch: typeof fetch = (input, init) => {
    const signals = [controller.signal, AbortSignal.timeout(LIVE_TIMEOUT_MS)];
    if (init?.signal) signals.push(init.signal);
    return baseFetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
  const zone = provider === "electricitymaps" ? region.zone : undefined;
  const poller: LivePoller = createLivePoller({
    provider,
    intervalMs: everySeconds * 1000,
    fetch: timedFetch,
    now: deps.now,
    ...(zone ? { zone } : {}),
    ...(token ? { token } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  });
  const liveZone = zone ?? (provider === "uk" ? "GB" : "US-CAL-CISO");
  if (region.zone && region.zone !== liveZone && !region.zone.startsWith(`${liveZone}-`)) {
    deps.note(
      `live intensity from ${provider} covers ${liveZone}, not the run's zone ${region.zone}`,
    );
  }
  const report: NonNullable<RegionInfo["live"]> = {
    provider,
    zone: liveZone,
    everySeconds,
    polls: 0,
    failures: 0,
  };
  // The report goes to impact.json only, whose writer blanks the URL's credentials (as those
  // of lastFailure); the note below goes to stderr, so it blanks them itself.
  if (baseUrl) report.url = baseUrl;
  const tally: LiveTally = { joules: 0, gramJoules: 0, samples: 0, sources: [] };
  let notedFailures = 0;
  let stopped: Promise<void> | undefined;
  poller.start();
  return {
    report: () => ({ ...report }),
    tally: () => ({ ...tally, sources: [...tally.sources] }),
    stamp(record) {
      const point = poller.latest();
      if (point && Number.isFinite(point.gramsPerKwh)) {
        record.intensity = { gramsPerKwh: point.gramsPerKwh, source: point.source };
        let joules = 0;
        for (const d of record.devices) joules += d.attributedEnergyJoules;
        tally.joules += joules;
        tally.gramJoules += joules * point.gramsPerKwh;
        tally.samples++;
        if (!tally.sources.includes(point.source)) tally.sources.push(point.source);
      }
      const failures = poller.failures();
      report.polls = poller.series().length;
      report.failures = failures.length;
      const last = failures.at(-1)?.fallback?.reason;
      if (last) report.lastFailure = last;
      if (failures.length > 0 && notedFailures === 0) {
        deps.note(
          `live intensity poll failed (${
            redactText(failures[0]!.fallback?.reason ?? "unknown")
          }); the yearly figure stands in until a poll succeeds`,
        );
      }
      notedFailures = failures.length;
    },
    stop: () =>
      stopped ??= (async () => {
        controller.abort();
        await poller.stop();
      })(),
  };
}
