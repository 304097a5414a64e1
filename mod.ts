/**
 * `impact`: measure the energy, carbon and social cost of compute jobs.
 *
 * The library beside the `impact` command line: track the current process into a log
 * directory ({@link track}), read log directories into energy, carbon and time figures
 * ({@link readLogs}), look up grid zones, intensities, cloud regions and the social cost of
 * carbon, and build the reports the CLI writes (CodeCarbon-compatible exports, the HTML appendix).
 *
 * @example Measure a block of work, then report it
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readLogs, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/train-1`;
 * {
 *   await using tracker = await track(logDir, { labels: { model: "resnet50" } });
 *   // ... work ...
 *   tracker.gaps(); // devices not measured for a while (from when, why); sampling goes on
 * } // summary.json is written here
 * const { total } = await readLogs([logDir]);
 * equal(total.runs, 1);
 * console.log(`${total.energyKwh} kWh, ${total.kgCO2e} kg CO2e`);
 * ```
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Version

/**
 * The version of `impact` (the `tool.version` of every `impact.json` it writes).
 *
 * @example Print the version
 * ```ts
 * import { match } from "node:assert/strict";
 * import { VERSION } from "./mod.ts";
 *
 * match(VERSION, /^\d+\.\d+\.\d+/);
 * console.log(`impact ${VERSION}`);
 * ```
 */
export { VERSION } from "./lib/version.ts";

// ---------------------------------------------------------------------------------------------
// Tracking

/**
 * Measures the current process's energy into a log directory until stopped; use it with
 * `await using` so the summary is written however the block ends.
 *
 * @param logDir The log directory (created; must not hold another run).
 * @param options Interval, attribution, labels, and what impact.json must not record
 *   ({@link TrackOptions}: `redact` patterns, as `impact run --redact`; URL credentials are
 *   always left out).
 * @returns A {@link Tracker}: `latest()` gives the newest sample, `gaps()` the stretches a
 *   device could not be read (a lost GPU: sampling goes on without it), `stop()` writes
 *   `summary.json` and returns it.
 *
 * @example Track a training loop
 * ```ts
 * import { track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/train-1`;
 * {
 *   await using tracker = await track(logDir, { labels: { model: "resnet50" } });
 *   for (let epoch = 0; epoch < 3; epoch++) {
 *     // ... train ...
 *     const sample = tracker.latest(); // a device not read in it is in sample.gaps
 *     if (sample) console.log(sample.devices.map((d) => `${d.device}: ${d.powerWatts} W`));
 *   }
 *   for (const gap of tracker.gaps()) console.log(`${gap.device} not measured: ${gap.reason}`);
 * } // summary.json is written here
 * await Deno.stat(`${logDir}/summary.json`);
 * ```
 */
export { track } from "./lib/run/track.ts";
/**
 * A running tracker and its options (see {@link track}).
 *
 * @example Stop a tracker by hand
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { type RunSummary, track, type Tracker, type TrackOptions } from "./mod.ts";
 *
 * // An API key on the command line is recorded as `***` in impact.json.
 * const options: TrackOptions = { intervalSeconds: 5, captureEnv: false, redact: [/sk-\w+/g] };
 * const tracker: Tracker = await track(`${await Deno.makeTempDir()}/eval`, options);
 * const summary: RunSummary = await tracker.stop();
 * equal(summary.exitCode, null); // this process is still running
 * console.log(summary.totals.attributedEnergyJoules, "J");
 * ```
 */
export type { Tracker, TrackOptions } from "./lib/run/track.ts";

/**
 * Hardware assertions, as experiment-impact-tracker's `assert_gpus_by_attributes`: throw
 * {@link HardwareMismatchError} (listing what was found) unless every GPU / the CPU matches.
 * `parseHardwareRequirement` reads the `--require-gpu` / `--require-cpu` syntax
 * (`key=value` for an exact match, `key=~text` for a substring).
 *
 * @example Refuse to run a benchmark on the wrong hardware
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { assertCpus, assertGpus, HardwareMismatchError, parseHardwareRequirement } from "./mod.ts";
 *
 * const h100 = parseHardwareRequirement("name=~H100", "name");
 * assertGpus([h100], [{ index: 0, name: "NVIDIA H100 80GB HBM3" }]);
 * throws(() => assertGpus([h100], [{ index: 0, name: "NVIDIA A100-SXM4-40GB" }]), HardwareMismatchError);
 * assertCpus([parseHardwareRequirement("model=~EPYC", "model")], { model: "AMD EPYC 9654" });
 * ```
 */
export {
  assertCpus,
  assertGpus,
  HardwareMismatchError,
  parseHardwareRequirement,
} from "./lib/hardware.ts";
/**
 * One `key=value` or `key=~substring` hardware requirement.
 *
 * @example A requirement written out
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { type HardwareRequirement, parseHardwareRequirement } from "./mod.ts";
 *
 * const h100: HardwareRequirement = { key: "name", value: "H100", substring: true };
 * deepEqual(parseHardwareRequirement("name=~H100", "name"), h100);
 * ```
 */
export type { HardwareRequirement } from "./lib/hardware.ts";

// ---------------------------------------------------------------------------------------------
// The log directory

/**
 * The log directory format (schema version {@link LOG_SCHEMA_VERSION}): `impact.json`
 * ({@link RunInfo}), one {@link SampleRecord} per line of `samples.jsonl`, and `summary.json`
 * ({@link RunSummary}, the stable contract other tools read).
 *
 * @example Read a summary.json without the library's reader
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { LOG_FILES, LOG_SCHEMA_VERSION, type RunSummary, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const text = await Deno.readTextFile(`${logDir}/${LOG_FILES.summary}`);
 * const summary: RunSummary = JSON.parse(text);
 * ok(summary.schemaVersion <= LOG_SCHEMA_VERSION, "newer log format");
 * for (const c of summary.components) {
 *   console.log(c.component, c.device, c.method, c.attributedEnergyJoules / 3.6e6, "kWh");
 * }
 * ```
 */
export { LOG_FILES, LOG_SCHEMA_VERSION } from "./lib/log/schema.ts";
/**
 * Types of the log directory's files: `impact.json` ({@link RunInfo}, with {@link CpuInfo},
 * {@link GpuInfo}, {@link RegionInfo}, {@link SlurmInfo}, {@link UnmatchedBusyGpu}), `samples.jsonl`
 * ({@link SampleRecord} of {@link DeviceSample}s, with {@link SampleGap}s for devices not read)
 * and `summary.json` ({@link RunSummary} of {@link ComponentTotal}s, with {@link DeviceGap}s).
 *
 * @example The GPUs a run used
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { type GpuInfo, type RunInfo, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const info: RunInfo = JSON.parse(await Deno.readTextFile(`${logDir}/impact.json`));
 * const used: GpuInfo[] = info.gpus.filter((gpu) => gpu.usedByJob);
 * ok(used.length <= info.gpus.length);
 * console.log(used.map((gpu) => gpu.name), info.region?.zone ?? "region unknown");
 * ```
 */
export type {
  ComponentTotal,
  DeviceGap,
  DeviceSample,
  RegionInfo,
  RunInfo,
  RunSummary,
  SampleGap,
  SampleRecord,
  SlurmInfo,
  UnmatchedBusyGpu,
} from "./lib/log/schema.ts";
/**
 * The vocabulary the log and the sensors share: what each figure is about
 * ({@link Component}), how it was obtained ({@link Method}: `counter`, `integrated` or
 * `estimate`), what a sensor found ({@link SensorStatus}) and read ({@link DeviceReading}: a
 * {@link DeviceEnergy}, or a {@link DeviceFailure} for a device it could not read), the
 * CPU and GPUs a run saw ({@link CpuInfo}, {@link GpuInfo} with its {@link MigDeviceInfo}s), which
 * GPUs were the job's ({@link GpuSelection} of {@link JobGpu}s, by a {@link VisibilityRule}), how
 * the job's share was decided
 * ({@link Attribution}) and where the electricity came from ({@link ResolvedRegion}, which the
 * log's {@link RegionInfo} extends).
 *
 * @example List the unavailable sensors of a run, with their fixes
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { type RunInfo, type SensorStatus, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const info: RunInfo = JSON.parse(await Deno.readTextFile(`${logDir}/impact.json`));
 * ok(info.sensors.length > 0, "every sensor probed is listed, available or not");
 * const missing: SensorStatus[] = info.sensors.filter((s) => !s.available);
 * for (const s of missing) console.log(`${s.sensor}: ${s.reason ?? ""} ${s.fix ?? ""}`);
 * ```
 */
export type {
  Attribution,
  Component,
  CpuInfo,
  DeviceEnergy,
  DeviceFailure,
  DeviceReading,
  GpuInfo,
  GpuSelection,
  JobGpu,
  Method,
  MigDeviceInfo,
  ResolvedRegion,
  SensorStatus,
  VisibilityRule,
} from "./lib/types.ts";
/**
 * Tells a device a sensor could not read ({@link DeviceFailure}) from a measured one.
 *
 * @example Keep the measured readings
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { type DeviceReading, isDeviceFailure } from "./mod.ts";
 *
 * const readings: DeviceReading[] = [
 *   { component: "gpu", device: "gpu-0", method: "counter", energyJoules: 40 },
 *   { component: "gpu", device: "gpu-1", failure: "GPU is lost (NVML error 15)" },
 * ];
 * deepEqual(readings.filter((r) => !isDeviceFailure(r)).map((r) => r.device), ["gpu-0"]);
 * ```
 */
export { isDeviceFailure } from "./lib/types.ts";
/**
 * The contract of a source of energy figures: `probe()` never throws, `read()` gives
 * cumulative joules per device since `start()` or a {@link DeviceFailure} for a device it could
 * not read this time, and rejects with a {@link SensorError} only when the whole sensor failed
 * (then `restart()`, where a sensor has it, is tried with back-off). Each failure is a gap in
 * the log, never a silent zero.
 *
 * @example A sensor that reports a constant 10 W
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { type EnergySensor, isDeviceFailure } from "./mod.ts";
 *
 * let seconds = 0; // a clock the example advances by hand
 * const steady: EnergySensor = {
 *   name: "steady",
 *   probe: () =>
 *     Promise.resolve({ sensor: "steady", available: true, methods: ["integrated"], devices: ["psys"] }),
 *   start: () => Promise.resolve(void (seconds = 0)),
 *   read: () =>
 *     Promise.resolve([
 *       { component: "psys", device: "psys", method: "integrated", energyJoules: 10 * seconds },
 *     ]),
 *   close: () => Promise.resolve(),
 * };
 * await steady.start();
 * seconds = 3;
 * const [reading] = await steady.read();
 * equal(reading && !isDeviceFailure(reading) ? reading.energyJoules : undefined, 30);
 * ```
 */
export type { EnergySensor } from "./lib/sensors/types.ts";
/**
 * Rejected by a sensor that was available and then failed as a whole; the run records a gap
 * for each of its devices, never a silent zero.
 *
 * @example Tell a sensor failure from other errors
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { SensorError } from "./mod.ts";
 *
 * const error: unknown = new SensorError("rapl", "energy_uj became unreadable");
 * ok(error instanceof SensorError);
 * equal(error.sensor, "rapl");
 * equal(error.message, "rapl: energy_uj became unreadable");
 * ```
 */
export { SensorError } from "./lib/sensors/types.ts";

/**
 * Reads a log directory: its impact.json, samples and summary (rebuilt from the samples,
 * with `recomputed: true`, when the tracker was killed), with a warning per skipped line.
 * Throws {@link LogFormatError} when impact.json is missing or malformed.
 *
 * @example Read a run's totals
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readLogDir, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const log = await readLogDir(logDir);
 * equal(log.summary.samples, log.samples.length);
 * console.log(log.summary.totals.attributedEnergyJoules / 3.6e6, "kWh");
 * for (const warning of log.warnings) console.warn(warning);
 * ```
 */
export { LogFormatError, readLogDir } from "./lib/log/read.ts";
/**
 * Everything in one log directory (see {@link readLogDir}).
 *
 * @example Count a run's samples
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { type LogDir, readLogDir, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const log: LogDir = await readLogDir(logDir);
 * equal(log.dir, logDir);
 * console.log(`${log.samples.length} samples in ${log.dir}`);
 * ```
 */
export type { LogDir } from "./lib/log/read.ts";

/**
 * Finds every log directory (a folder holding impact.json) under the given paths.
 *
 * @example Sum the energy of many runs
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { findLogDirs, readLogDir, track } from "./mod.ts";
 *
 * const root = await Deno.makeTempDir();
 * for (const name of ["a/seed-1", "b/seed-2"]) {
 *   await (await track(`${root}/${name}`, { captureEnv: false })).stop();
 * }
 * const dirs = await findLogDirs([root]);
 * equal(dirs.length, 2);
 * let joules = 0;
 * for (const dir of dirs) joules += (await readLogDir(dir)).summary.totals.attributedEnergyJoules;
 * ```
 */
export { findLogDirs } from "./lib/log/find.ts";

/**
 * Summarises samples into a `summary.json` value (the same code the tracker uses).
 *
 * @example Recompute a summary
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readLogDir, summarizeSamples, track } from "./mod.ts";
 *
 * const logDir = `${await Deno.makeTempDir()}/run`;
 * await (await track(logDir, { captureEnv: false })).stop();
 *
 * const { info, samples, summary: written } = await readLogDir(logDir);
 * const summary = summarizeSamples(samples, {
 *   start: info.start,
 *   end: info.end ?? samples.at(-1)!.t,
 *   exitCode: info.exitCode ?? null,
 *   attribution: info.attribution,
 * });
 * equal(summary.totals.machineEnergyJoules, written.totals.machineEnergyJoules);
 * ```
 */
export { summarizeSamples } from "./lib/log/summarize.ts";
/**
 * What {@link summarizeSamples} needs beyond the samples: start, end, exit code, attribution.
 *
 * @example Metadata of a run that ended normally
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { summarizeSamples, type SummaryMeta } from "./mod.ts";
 *
 * const meta: SummaryMeta = {
 *   start: "2026-01-01T00:00:00Z",
 *   end: "2026-01-01T01:00:00Z",
 *   exitCode: 0,
 *   attribution: "cpu-time-share",
 * };
 * equal(summarizeSamples([], meta).durationSeconds, 3600);
 * ```
 */
export type { SummaryMeta } from "./lib/log/summarize.ts";

// ---------------------------------------------------------------------------------------------
// Accounting

/**
 * Reads log directories (found recursively) into energy, carbon and time figures, per run and
 * in total: experiment-impact-tracker's DataInterface (kg CO2e, kWh, hours, CPU hours, GPU
 * hours, PUE), with the embedded grid intensity table. Totals are exact sums, so the figures
 * of `[a, b]` equal those of `[a]` plus those of `[b]`. A SLURM job's logs merge into one run.
 *
 * @param dirs Log directories, or folders holding them at any depth.
 * @param options `pue` (`--pue`), `overridePue` (the text of `OVERRIDE_PUE`, to honour that
 *   variable as `impact` does), `year`, `fallbackCountry` (ISO3 for runs of unknown region; the
 *   world average otherwise).
 * @returns Per-run {@link RunFigures}, their exact total and the warnings.
 *
 * @example Totals of every run under logs/
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { readLogs, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop();
 *
 * const read = await readLogs([logs], { pue: 1.2 });
 * equal(read.runs[0]!.pue, 1.2);
 * console.log(`${read.total.kgCO2e} kg CO2e from ${read.total.energyKwh} kWh`);
 * for (const run of read.runs) console.log(run.dir, run.zone ?? "unknown", run.notes);
 * ```
 */
export { readLogs } from "./lib/report/read_logs.ts";
/**
 * Options of {@link readLogs}.
 *
 * @example Charge runs of unknown region at France's intensity
 * ```ts
 * import { match } from "node:assert/strict";
 * import { type EmbeddedReadLogsOptions, readLogs, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop(); // no region given
 *
 * const options: EmbeddedReadLogsOptions = { fallbackCountry: "FRA", year: 2024 };
 * const { runs } = await readLogs([logs], options);
 * match(runs[0]!.notes.join(), /FRA/);
 * ```
 */
export type { EmbeddedReadLogsOptions } from "./lib/report/read_logs.ts";
/**
 * The figures `readLogs` returns: additive {@link Figures} (kWh, kg CO2e, hours, measured vs
 * estimated kWh), per run ({@link RunFigures}: its PUE, zone, intensity and notes) and in
 * total ({@link LogsFigures}, with the warnings).
 *
 * @example The share of the energy that was measured
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { type LogsFigures, readLogs, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop();
 *
 * const { total }: LogsFigures = await readLogs([logs]);
 * const measured: number = total.energyKwh > 0 ? total.measuredEnergyKwh / total.energyKwh : 1;
 * ok(measured >= 0 && measured <= 1);
 * ```
 */
export type { Figures, LogsFigures, RunFigures } from "./lib/accounting/types.ts";
/**
 * Adds the figures of two sets of runs exactly (sums are taken on whole 1e-7 quanta).
 *
 * @param a The figures of one set of runs.
 * @param b The figures of another.
 * @returns Their sum.
 *
 * @example Combine two experiments
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { addFigures, type Figures, readLogs, track } from "./mod.ts";
 *
 * const root = await Deno.makeTempDir();
 * for (const name of ["a/run", "b/run"]) {
 *   await (await track(`${root}/${name}`, { captureEnv: false })).stop();
 * }
 * const a = (await readLogs([`${root}/a`])).total;
 * const b = (await readLogs([`${root}/b`])).total;
 * const both: Figures = addFigures(a, b);
 * equal(both.runs, 2);
 * equal(both.kgCO2e, (await readLogs([root])).total.kgCO2e); // sums are exact
 * ```
 */
export { addFigures } from "./lib/accounting/figures.ts";

// ---------------------------------------------------------------------------------------------
// Grid zones, intensities, cloud regions, social cost

/**
 * Offline point -> grid zone lookup (`zoneAt`), every zone id (`zoneIds`) and a zone's
 * country (`zoneCountry`, ISO 3166-1 alpha-3).
 *
 * @example Find the grid zone of Stanford
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { zoneAt, zoneCountry } from "./mod.ts";
 *
 * equal(zoneAt(37.43, -122.17)?.zone, "US-CAL-CISO");
 * equal(zoneCountry("DE"), "DEU");
 * ```
 */
export { zoneAt, zoneCountry, zoneIds } from "./lib/geo/zones.ts";
/**
 * Yearly grid carbon intensity: of a zone (`intensityFor`, falling back to its country's
 * figure with `fallbackFrom` set), of a country (`intensityForCountry`, ISO3), of every zone
 * (`listIntensities`); the years the embedded table holds.
 *
 * @example Germany's intensity, latest year and 2022
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { intensityFor, LATEST_INTENSITY_YEAR } from "./mod.ts";
 *
 * const latest = intensityFor("DE");
 * const y2022 = intensityFor("DE", 2022);
 * equal(latest?.year, LATEST_INTENSITY_YEAR);
 * equal(y2022?.year, 2022);
 * ok((y2022?.intensityGramsPerKwh ?? 0) > 0);
 * ```
 */
export {
  INTENSITY_YEARS,
  intensityFor,
  intensityForCountry,
  LATEST_INTENSITY_YEAR,
  listIntensities,
  UnknownZoneError,
} from "./lib/geo/intensity.ts";
/**
 * Shapes of the embedded geographic data: {@link ZoneIntensity}, {@link SocialCost},
 * {@link CloudRegion}, {@link ZoneMatch} and gazetteer {@link Place}s; every figure carries
 * its source and year.
 *
 * @example The cleanest five zones
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { listIntensities, type ZoneIntensity } from "./mod.ts";
 *
 * const cleanest: ZoneIntensity[] = listIntensities()
 *   .sort((a, b) => a.intensityGramsPerKwh - b.intensityGramsPerKwh)
 *   .slice(0, 5);
 * equal(cleanest.length, 5);
 * ok(cleanest.every((zone) => zone.source !== "" && zone.year > 2000));
 * ```
 */
export type {
  CloudRegion,
  IntensityLookup,
  Place,
  SocialCost,
  ZoneIntensity,
  ZoneMatch,
} from "./lib/geo/types.ts";
/**
 * The country-level social cost of carbon (Ricke et al. 2018), 2005 US$ per tonne CO2:
 * median and 16.7-83.3% range; `WLD` is the global figure. Throws
 * {@link UnknownCountryError} (listing the nearest codes) for a code that is no country.
 *
 * @example The social cost of 100 kg CO2e in the USA
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { socialCostFor } from "./mod.ts";
 *
 * const perTonne = socialCostFor("USA");
 * equal(perTonne.iso3, "USA");
 * console.log(`$${(0.1 * perTonne.p50).toFixed(2)} (2005 US$)`);
 * ```
 */
export { listSocialCosts, socialCostFor, UnknownCountryError } from "./lib/geo/social_cost.ts";
/**
 * AWS, GCP and Azure regions with their grid zone and provider PUE: one region
 * (`cloudRegion`), a provider's regions (`cloudRegions`), or `provider:region` as
 * `--cloud` takes it (`parseCloudSpec`). Unknown regions throw
 * {@link UnknownCloudRegionError} listing the nearest ids.
 *
 * @example The carbon of a kWh in eu-west-1
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { cloudRegion, intensityFor } from "./mod.ts";
 *
 * const region = cloudRegion("aws", "eu-west-1");
 * equal(region.zone, "IE");
 * const grams = (intensityFor(region.zone)?.intensityGramsPerKwh ?? 0) * region.pue;
 * console.log(`${region.location}: ${grams} gCO2e per IT kWh`);
 * ```
 */
export {
  cloudRegion,
  cloudRegions,
  parseCloudSpec,
  UnknownCloudRegionError,
} from "./lib/geo/cloud.ts";
/**
 * Offline geocoding from the embedded gazetteer (places of 5,000 people or more), best
 * match first.
 *
 * @example Geocode an address offline
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { searchPlaces, zoneAt } from "./mod.ts";
 *
 * const [place] = searchPlaces("Stanford, California");
 * equal(place?.country, "USA");
 * equal(zoneAt(place!.latitude, place!.longitude)?.zone, "US-CAL-CISO");
 * ```
 */
export { searchPlaces } from "./lib/geo/gazetteer.ts";
/**
 * Online geocoding with Nominatim (opt-in; rate limited, with a real User-Agent); throws
 * {@link GeocoderError} when the server fails.
 *
 * @example Geocode with a local Nominatim
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { geocodeOnline } from "./mod.ts";
 *
 * // A stand-in for a local server, answering as Nominatim's /search?format=jsonv2 does.
 * const fetch = () =>
 *   Promise.resolve(Response.json([{
 *     lat: "37.4241",
 *     lon: "-122.1661",
 *     name: "Stanford",
 *     address: { state: "California", country: "United States", country_code: "us" },
 *   }]));
 * const places = await geocodeOnline("Stanford, California", {
 *   baseUrl: "http://127.0.0.1:8080",
 *   fetch,
 * });
 * equal(places[0]?.country, "USA");
 * ```
 */
export { geocodeOnline, GeocoderError } from "./lib/geo/nominatim.ts";
/**
 * Options of {@link geocodeOnline}: server URL, User-Agent, fetch and sleep.
 *
 * @example Point at a mirror
 * ```ts
 * import { equal } from "node:assert/strict";
 * import type { GeocodeOptions } from "./mod.ts";
 *
 * const options: GeocodeOptions = { baseUrl: "https://nominatim.example.org", minIntervalMs: 1000 };
 * equal(options.minIntervalMs, 1000); // Nominatim's policy: one request a second
 * ```
 */
export type { GeocodeOptions } from "./lib/geo/nominatim.ts";

// ---------------------------------------------------------------------------------------------
// Reports

/**
 * Exports every run of a read as text: CodeCarbon's `emissions.csv` (`codecarbon`), or our
 * own columns as `csv` or `jsonl` (what `impact export` writes).
 *
 * @example Write an emissions.csv for CodeCarbon tools
 * ```ts
 * import { match } from "node:assert/strict";
 * import { exportRuns, readLogs, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop();
 *
 * const csv = exportRuns(await readLogs([logs]), "codecarbon");
 * match(csv, /^timestamp,project_name,run_id,/);
 * await Deno.writeTextFile(`${logs}/emissions.csv`, csv);
 * ```
 */
export { exportRuns } from "./lib/report/export.ts";
/**
 * A format of {@link exportRuns}: `codecarbon`, `csv` or `jsonl`.
 *
 * @example One JSON line per run
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { type ExportFormat, exportRuns, readLogs, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop();
 *
 * const format: ExportFormat = "jsonl";
 * const lines = exportRuns(await readLogs([logs]), format).trim().split("\n");
 * equal(lines.length, 1);
 * ```
 */
export type { ExportFormat } from "./lib/report/export.ts";

/**
 * Builds a static HTML appendix (index, a page per experiment set and per run, SVG plots,
 * zip downloads) from `readLogs` figures and a site specification; `write` receives each file.
 * `impact appendix` is this with the file system.
 *
 * @example An appendix in memory
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { buildAppendix, parseSiteSpec, readLogDir, readLogs, track, VERSION } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/ppo/seed-1`, { captureEnv: false })).stop();
 *
 * const figures = await readLogs([logs]);
 * const spec = parseSiteSpec('{"PPO": {"filter": "ppo/"}}', "spec.json");
 * const files = new Map<string, string | Uint8Array>();
 * await buildAppendix({
 *   title: "Compute appendix",
 *   spec,
 *   figures,
 *   version: VERSION,
 *   source: { samples: async (run) => (await readLogDir(run.dir)).samples },
 *   write: async (path, data) => void files.set(path, data),
 * });
 * ok(files.has("index.html"));
 * ```
 */
export { buildAppendix } from "./lib/report/appendix/build.ts";
/**
 * Options and result of {@link buildAppendix}, and where it reads each run's samples
 * ({@link RunSource}).
 *
 * @example Read samples from the log directories
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { readLogDir, readLogs, type RunSource, track } from "./mod.ts";
 *
 * const logs = await Deno.makeTempDir();
 * await (await track(`${logs}/run-1`, { captureEnv: false })).stop();
 *
 * const source: RunSource = { samples: async (run) => (await readLogDir(run.dir)).samples };
 * const [run] = (await readLogs([logs])).runs;
 * ok(Array.isArray(await source.samples(run!)));
 * ```
 */
export type { AppendixOptions, AppendixResult, RunSource } from "./lib/report/appendix/build.ts";
/**
 * Parses and validates an appendix site specification (experiment-impact-tracker's format,
 * data/site_spec.schema.json); throws {@link SiteSpecError} naming each JSON path that is
 * wrong. `matchesFilter` tells whether a log directory belongs to a set.
 *
 * @example Parse a spec and select runs
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { matchesFilter, parseSiteSpec } from "./mod.ts";
 *
 * const spec = parseSiteSpec('{"PPO": {"filter": "ppo/"}}', "spec.json");
 * const set = spec.sets[0]!;
 * equal(set.name, "PPO");
 * ok(matchesFilter(set.filter, "logs/ppo/seed-1"));
 * ok(!matchesFilter(set.filter, "logs/a2c/seed-1"));
 * ```
 */
export { matchesFilter, parseSiteSpec, SiteSpecError } from "./lib/report/site_spec.ts";
/**
 * A parsed site specification: named experiment sets, their child sets and summary plots.
 *
 * @example List a spec's sets
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { parseSiteSpec, type SiteSpec } from "./mod.ts";
 *
 * const text = JSON.stringify({
 *   Pong: { filter: "pong/", child_experiments: { small: { filter: "small" } } },
 * });
 * const spec: SiteSpec = parseSiteSpec(text, "spec.json");
 * deepEqual(spec.sets.map((set) => [set.name, set.children.map((c) => c.name)]), [
 *   ["Pong", ["small"]],
 * ]);
 * ```
 */
export type {
  ChildExperiment,
  ExperimentSet,
  SiteSpec,
  SummaryPlot,
} from "./lib/report/site_spec.ts";
