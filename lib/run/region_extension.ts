/**
 * `impact run`'s region and grid-intensity flags (issue 3, sections 3 and 4), plugged into the
 * run through its extension points: `--zone`, `--country`, `--lat/--lon`, `--address`
 * (`--online`), `--cloud`, `--locate-by-ip [url]`, `$IMPACT_ZONE`, and `--live-intensity`.
 *
 * The flags are declared here (light); the geo modules load inside the hooks, by literal
 * specifiers so that `deno compile` and `deno bundle` embed them. Before the child starts the
 * region is resolved (a bad zone, country or address stops the run there, ExitCode.input) and
 * recorded in impact.json with the yearly intensity it implies; a live poller, when asked for,
 * stamps each sample with the intensity in force. The end-of-run summary gets a carbon line.
 *
 * @module
 */
import { type Command, Option } from "commander";
import type { RegionInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import { ExitCode, RunError } from "./errors.ts";
import type { RunContext, RunHooks } from "./hooks.ts";
import type { RunExtension } from "./extensions.ts";
import type { ResolveDeps } from "../geo/resolve.ts";
import type { LivePoller, LiveProvider } from "../geo/live/poller.ts";

/** The live intensity sources. */
const LIVE_PROVIDERS: LiveProvider[] = ["electricitymaps", "uk", "caiso"];

/** Seconds between live polls unless `--live-intensity-every` says otherwise. */
const DEFAULT_LIVE_POLL_SECONDS = 300;

/** A live request that takes longer than this counts as failed (falls back to the yearly value). */
const LIVE_TIMEOUT_MS = 15_000;

const REGION_FLAGS = ["zone", "country", "lat", "lon", "address", "cloud", "locateByIp"];

/**
 * Declares the region and live-intensity flags on the `run` command.
 *
 * @param command The `run` command.
 */
function defineRegionFlags(command: Command): void {
  command
    .option("--zone <id>", "grid zone of the electricity, e.g. DE, US-CAL-CISO (or $IMPACT_ZONE)")
    .option("--country <iso3>", "country of the electricity (ISO 3166-1 alpha-3 or alpha-2)")
    .option("--lat <degrees>", "latitude of the machine (with --lon)")
    .option("--lon <degrees>", "longitude of the machine (with --lat)")
    .option("--address <text>", 'place of the machine, e.g. "Stanford, California" (offline)')
    .option("--online", "geocode --address with Nominatim instead of the offline gazetteer")
    .option("--cloud <provider:region>", "cloud region, e.g. aws:eu-west-1 (brings its PUE)")
    .option("--locate-by-ip [url]", "opt in to IP geolocation (a JSON service; off by default)")
    .addOption(
      new Option("--live-intensity <source>", "poll live grid intensity during the run")
        .choices(LIVE_PROVIDERS),
    )
    .option(
      "--live-intensity-url <url>",
      "base URL of the live source (default $IMPACT_LIVE_INTENSITY_URL or the public API)",
    )
    .option(
      "--live-intensity-every <seconds>",
      `seconds between live polls (default ${DEFAULT_LIVE_POLL_SECONDS})`,
    );
}

/** What the hooks load and call; tests pass fakes. */
export interface RegionHookDeps {
  /** The geo lookups for resolution (default: the embedded zones and gazetteer). */
  resolveDeps?: () => Promise<ResolveDeps>;
  /** fetch for the live sources and IP geolocation. */
  fetch?: typeof fetch;
}

/** Sums over the samples that carried a live intensity. */
interface LiveTally {
  poller: LivePoller;
  controller: AbortController;
  joules: number;
  gramJoules: number;
  samples: number;
  sources: string[];
  notedFailures: number;
}

function usage(message: string): RunError {
  return new RunError(message, ExitCode.usage);
}

function positiveSeconds(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw usage(`${flag} "${String(value)}" must be a number of seconds above 0`);
  }
  return seconds;
}

/**
 * Creates the hooks that resolve the region, poll live intensity and add the carbon line.
 *
 * @param deps Fakes for tests; the real modules by default.
 * @returns Hooks for one run; one instance serves one run at a time.
 */
export function createRegionHooks(deps: RegionHookDeps = {}): RunHooks {
  let live: LiveTally | undefined;

  async function beforeStart(ctx: RunContext): Promise<void> {
    live = undefined;
    const flags = ctx.options.flags;
    const env = (name: string) => ctx.runtime.env(name);
    const provider = flags.liveIntensity as LiveProvider | undefined;
    const given = REGION_FLAGS.some((k) => flags[k] !== undefined && flags[k] !== false) ||
      Boolean(env("IMPACT_ZONE"));
    if (!given && !provider) {
      ctx.info.region = { source: "unknown" };
      return;
    }
    const [resolve, intensity] = await Promise.all([
      import("../geo/resolve.ts"),
      import("../geo/intensity.ts"),
    ]);
    let region: RegionInfo;
    try {
      const options = resolve.parseRegionFlags(flags, env);
      if (options.online && env("IMPACT_NOMINATIM_URL")) {
        options.online.baseUrl = env("IMPACT_NOMINATIM_URL")!;
      }
      if (options.online && deps.fetch) options.online.fetch = deps.fetch;
      if (options.locateByIp && deps.fetch) options.locateByIp.fetch = deps.fetch;
      region = await resolve.resolveRegion(
        options,
        deps.resolveDeps ? await deps.resolveDeps() : undefined,
      );
    } catch (error) {
      region = await regionFailure(error, flags, ctx);
    }
    // The log's region is the resolved one plus what the run adds: its yearly intensity and,
    // with --live-intensity, how the polls went.
    const yearly = region.zone
      ? intensity.intensityFor(region.zone)
      : region.country
      ? intensity.intensityForCountry(region.country)
      : undefined;
    if (yearly) {
      region.intensity = {
        gramsPerKwh: yearly.intensityGramsPerKwh,
        source: yearly.source,
        year: yearly.year,
        zone: yearly.zone,
        ...(yearly.fallbackFrom ? { fallbackFrom: yearly.fallbackFrom } : {}),
      };
    }
    ctx.info.region = region;
    if (provider) live = await startLive(provider, region, ctx);
  }

  async function startLive(
    provider: LiveProvider,
    region: RegionInfo,
    ctx: RunContext,
  ): Promise<LiveTally> {
    const flags = ctx.options.flags;
    const token = ctx.runtime.env("ELECTRICITYMAPS_TOKEN");
    if (provider === "electricitymaps" && !region.zone) {
      throw usage(
        "--live-intensity electricitymaps needs the run's zone: give --zone, --address, " +
          "--lat/--lon, --cloud or IMPACT_ZONE",
      );
    }
    if (provider === "electricitymaps" && !token) {
      throw usage("--live-intensity electricitymaps needs a token in ELECTRICITYMAPS_TOKEN");
    }
    const everySeconds = positiveSeconds(
      flags.liveIntensityEvery,
      "--live-intensity-every",
      DEFAULT_LIVE_POLL_SECONDS,
    );
    const baseUrl = (flags.liveIntensityUrl as string | undefined) ??
      ctx.runtime.env("IMPACT_LIVE_INTENSITY_URL");
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
    const poller = createLivePoller({
      provider,
      intervalMs: everySeconds * 1000,
      fetch: timedFetch,
      now: () => ctx.runtime.now(),
      ...(zone ? { zone } : {}),
      ...(token ? { token } : {}),
      ...(baseUrl ? { baseUrl } : {}),
    });
    const liveZone = zone ?? (provider === "uk" ? "GB" : "US-CAL-CISO");
    if (region.zone && region.zone !== liveZone && !region.zone.startsWith(`${liveZone}-`)) {
      ctx.note(
        `live intensity from ${provider} covers ${liveZone}, not the run's zone ${region.zone}`,
      );
    }
    ctx.info.options.liveIntensity = provider;
    region.live = { provider, zone: liveZone, everySeconds, polls: 0, failures: 0 };
    if (baseUrl) region.live.url = baseUrl;
    poller.start();
    return {
      poller,
      controller,
      joules: 0,
      gramJoules: 0,
      samples: 0,
      sources: [],
      notedFailures: 0,
    };
  }

  function onSample(record: SampleRecord, ctx: RunContext): void {
    if (!live) return;
    const point = live.poller.latest();
    if (point && Number.isFinite(point.gramsPerKwh)) {
      record.intensity = { gramsPerKwh: point.gramsPerKwh, source: point.source };
      let joules = 0;
      for (const d of record.devices) joules += d.attributedEnergyJoules;
      live.joules += joules;
      live.gramJoules += joules * point.gramsPerKwh;
      live.samples++;
      if (!live.sources.includes(point.source)) live.sources.push(point.source);
    }
    const failures = live.poller.failures();
    const report = ctx.info.region?.live;
    if (report) {
      report.polls = live.poller.series().length;
      report.failures = failures.length;
      const last = failures.at(-1)?.fallback?.reason;
      if (last) report.lastFailure = last;
    }
    if (failures.length > 0 && live.notedFailures === 0) {
      ctx.note(
        `live intensity poll failed (${
          failures[0]!.fallback?.reason ?? "unknown"
        }); the yearly figure stands in until a poll succeeds`,
      );
    }
    live.notedFailures = failures.length;
  }

  async function afterEnd(): Promise<void> {
    if (!live) return;
    live.controller.abort();
    await live.poller.stop();
  }

  async function summaryLines(summary: RunSummary, ctx: RunContext): Promise<string[]> {
    const region = ctx.info.region;
    const lines: string[] = [];
    if (region?.live) {
      const { polls, failures, lastFailure } = region.live;
      if (failures > 0) {
        lines.push(
          `  live intensity: ${failures} of ${polls} poll(s) failed${
            lastFailure ? ` (last: ${lastFailure})` : ""
          }; those intervals used the yearly figure`,
        );
      }
    }
    if (!region || (!region.zone && !region.country)) {
      lines.unshift(
        "  carbon: region unknown, so no kg CO2e here (give --zone, --country, --address, " +
          "--cloud or IMPACT_ZONE; `impact statement --country ISO3` charges it later)",
      );
      return lines;
    }
    const where = region.zone ?? region.country!;
    if (!region.intensity) {
      lines.unshift(`  carbon: no grid intensity for ${where}, so no kg CO2e here`);
      return lines;
    }
    const [{ choosePue, facilityKwh, JOULES_PER_KWH }, { carbonGrams }, report] = await Promise.all(
      [
        import("../accounting/energy.ts"),
        import("../accounting/carbon.ts"),
        import("./report.ts"),
      ],
    );
    let pue;
    try {
      pue = choosePue({
        ...(ctx.runtime.env("OVERRIDE_PUE") !== undefined
          ? { overridePue: ctx.runtime.env("OVERRIDE_PUE")! }
          : {}),
        ...(region.cloud?.pue !== undefined ? { cloudPue: region.cloud.pue } : {}),
      });
    } catch (error) {
      lines.unshift(`  carbon: not computed: ${(error as Error).message}`);
      return lines;
    }
    const energyKwh = facilityKwh(summary.totals.attributedEnergyJoules, pue.pue);
    const liveIntervals = live && live.joules > 0
      ? [{
        energyKwh: facilityKwh(live.joules, pue.pue),
        intensityGramsPerKwh: live.gramJoules / live.joules,
        source: live.sources.join(", "),
      }]
      : [];
    const carbon = carbonGrams(energyKwh, region.intensity.gramsPerKwh, liveIntervals);
    const meanIntensity = energyKwh > 0
      ? carbon.gramsCO2e / energyKwh
      : region.intensity.gramsPerKwh;
    const yearly = `${region.intensity.source} ${region.intensity.year}`;
    const intensityWords = liveIntervals.length > 0
      ? `${fmt(meanIntensity)} gCO2e/kWh time-weighted (live ${live!.sources.join(", ")} for ${
        live!.samples
      } of ${summary.samples} intervals, otherwise ${
        fmt(region.intensity.gramsPerKwh)
      } from ${yearly})`
      : `${fmt(region.intensity.gramsPerKwh)} gCO2e/kWh (${yearly})`;
    lines.unshift(
      `  carbon: ${report.formatCarbon(carbon.gramsCO2e)} = ${
        report.formatEnergy(energyKwh * JOULES_PER_KWH)
      } (job x PUE ${pue.pue}, ${pue.source}) x ${intensityWords}; zone ${region.intensity.zone} from ${region.source}`,
    );
    return lines;
  }

  return { beforeStart, onSample, afterEnd, summaryLines };
}

function fmt(value: number): string {
  if (value === 0) return "0";
  return Math.abs(value) >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
}

/** A region flag that cannot be used stops the run before the child starts. */
async function regionFailure(
  error: unknown,
  flags: Record<string, unknown>,
  ctx: RunContext,
): Promise<RegionInfo> {
  if (!(error instanceof Error)) throw error;
  if (error.name === "RegionInputError") {
    const suggestions = (error as { suggestions?: string[] }).suggestions ?? [];
    const address = typeof flags.address === "string" ? flags.address : undefined;
    if (
      address !== undefined && suggestions.length === 0 && /^No place found/.test(error.message)
    ) {
      const [{ searchPlaces }, { closestPlaces, describePlace }] = await Promise.all([
        import("../geo/gazetteer.ts"),
        import("../geo/address_candidates.ts"),
      ]);
      const near = closestPlaces(address, searchPlaces);
      throw new RunError(
        `${error.message}${
          near.length > 0 ? `; closest candidates: ${near.map(describePlace).join("; ")}` : ""
        }; the command was not started`,
        ExitCode.input,
        { cause: error },
      );
    }
    const usageError = /must be|must be given together/.test(error.message);
    throw new RunError(
      `${error.message}; the command was not started`,
      usageError ? ExitCode.usage : ExitCode.input,
      { cause: error },
    );
  }
  // A geocoder or IP locator that cannot be reached: the job still runs, region unknown.
  ctx.note(`could not locate the run (${error.message}); its region is unknown`);
  return { source: "unknown", error: error.message };
}

/** The region extension of `impact run`: its flags and, per run, its hooks. */
export const regionExtension: RunExtension = {
  flags: defineRegionFlags,
  hooks: () => createRegionHooks(),
};
