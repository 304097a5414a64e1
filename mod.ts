/**
 * `impact`: measure the energy, carbon and social cost of compute jobs.
 *
 * @module
 */
export { VERSION } from "./lib/version.ts";
export type {
  Attribution,
  ComponentTotal,
  DeviceSample,
  RunInfo,
  RunSummary,
  SampleRecord,
} from "./lib/log/schema.ts";
export type {
  Component,
  DeviceEnergy,
  EnergySensor,
  Method,
  SensorStatus,
} from "./lib/sensors/types.ts";

/**
 * Measures the current process's energy into a log directory until stopped; use it with
 * `await using` so the summary is written however the block ends.
 *
 * @example Track a training loop
 * ```ts ignore
 * import { track } from "./mod.ts";
 *
 * {
 *   await using tracker = await track("logs/train-1", { labels: { model: "resnet50" } });
 *   for (let epoch = 0; epoch < 3; epoch++) {
 *     // ... train ...
 *     const sample = tracker.latest(); // rethrows if a sensor failed
 *     if (sample) console.log(sample.devices.map((d) => `${d.device}: ${d.powerWatts} W`));
 *   }
 * } // summary.json is written here
 * ```
 */
export { track } from "./lib/track.ts";
/** A running tracker and its options (see {@link track}). */
export type { Tracker, TrackOptions } from "./lib/track.ts";

/**
 * Reads a log directory: its impact.json, samples and summary (rebuilt from the samples,
 * with `recomputed: true`, when the tracker was killed), with a warning per skipped line.
 *
 * @example Read a run's totals
 * ```ts ignore
 * import { readLogDir } from "./mod.ts";
 *
 * const log = await readLogDir("impact-logs/20260101T000000Z-python");
 * console.log(log.summary.totals.attributedEnergyJoules / 3.6e6, "kWh");
 * for (const warning of log.warnings) console.warn(warning);
 * ```
 */
export { LogFormatError, readLogDir } from "./lib/log/read.ts";
/** Everything in one log directory (see {@link readLogDir}). */
export type { LogDir } from "./lib/log/read.ts";

/**
 * Finds every log directory (a folder holding impact.json) under the given paths.
 *
 * @example Sum the energy of many runs
 * ```ts ignore
 * import { findLogDirs, readLogDir } from "./mod.ts";
 *
 * let joules = 0;
 * for (const dir of await findLogDirs(["impact-logs"])) {
 *   joules += (await readLogDir(dir)).summary.totals.attributedEnergyJoules;
 * }
 * ```
 */
export { findLogDirs } from "./lib/log/find.ts";

/**
 * Summarises samples into a `summary.json` value (the same code the tracker uses).
 *
 * @example Recompute a summary
 * ```ts ignore
 * import { readLogDir, summarizeSamples } from "./mod.ts";
 *
 * const { info, samples } = await readLogDir("impact-logs/run");
 * const summary = summarizeSamples(samples, {
 *   start: info.start,
 *   end: info.end ?? samples.at(-1)!.t,
 *   exitCode: info.exitCode ?? null,
 *   attribution: info.attribution,
 * });
 * ```
 */
export { summarizeSamples } from "./lib/log/summarize.ts";

/**
 * Hardware assertions, as experiment-impact-tracker's `assert_gpus_by_attributes`: throw
 * {@link HardwareMismatchError} (listing what was found) unless every GPU / the CPU matches.
 *
 * @example Refuse to run a benchmark on the wrong GPU
 * ```ts
 * import { assertGpus, parseHardwareRequirement } from "./mod.ts";
 *
 * assertGpus([parseHardwareRequirement("name=~H100", "name")], [
 *   { index: 0, name: "NVIDIA H100 80GB HBM3" },
 * ]);
 * ```
 */
export {
  assertCpus,
  assertGpus,
  HardwareMismatchError,
  parseHardwareRequirement,
} from "./lib/hardware.ts";
/** One `key=value` or `key=~substring` hardware requirement. */
export type { HardwareRequirement } from "./lib/hardware.ts";

/**
 * Reads log directories (found recursively) into energy, carbon and time figures, per run and
 * in total: experiment-impact-tracker's DataInterface (kg CO2e, kWh, hours, CPU hours, GPU
 * hours, PUE), with the embedded grid intensity table. Totals are exact sums, so the figures
 * of `[a, b]` equal those of `[a]` plus those of `[b]`. Options: `pue` (`--pue`),
 * `overridePue` (pass `Deno.env.get("OVERRIDE_PUE")` to honour that variable), `year`,
 * `fallbackCountry` (ISO3 for runs of unknown region; the world average otherwise).
 *
 * @example Totals of every run under logs/
 * ```ts ignore
 * import { readLogs } from "./mod.ts";
 *
 * const logs = await readLogs(["logs/"], { pue: 1.2 });
 * console.log(`${logs.total.kgCO2e} kg CO2e from ${logs.total.energyKwh} kWh`);
 * for (const run of logs.runs) console.log(run.dir, run.zone ?? "unknown", run.notes);
 * ```
 */
export { readLogs } from "./lib/accounting/embedded.ts";
/**
 * Options of {@link readLogs}.
 *
 * @example Charge runs of unknown region at France's intensity
 * ```ts ignore
 * const options: EmbeddedReadLogsOptions = { fallbackCountry: "FRA", year: 2024 };
 * ```
 */
export type { EmbeddedReadLogsOptions } from "./lib/accounting/embedded.ts";
/**
 * The figures `readLogs` returns: additive {@link Figures} (kWh, kg CO2e, hours, measured vs
 * estimated kWh), per run ({@link RunFigures}: its PUE, zone, intensity and notes) and in
 * total ({@link LogsFigures}, with the warnings).
 *
 * @example The share of the energy that was measured
 * ```ts ignore
 * const { total }: LogsFigures = await readLogs(["logs/"]);
 * const measured: number = total.measuredEnergyKwh / total.energyKwh;
 * ```
 */
export type { Figures, LogsFigures, RunFigures } from "./lib/accounting/types.ts";
/**
 * Adds the figures of two sets of runs exactly (sums are taken on whole 1e-7 quanta).
 *
 * @example Combine two experiments
 * ```ts ignore
 * const both: Figures = addFigures((await readLogs(["a/"])).total, (await readLogs(["b/"])).total);
 * ```
 */
export { addFigures } from "./lib/accounting/figures.ts";
/** Offline point -> grid zone lookup, zone ids and their countries. */
export { zoneAt, zoneCountry, zoneIds } from "./lib/geo/zones.ts";
/** Offline geocoding from the embedded gazetteer. */
export { searchPlaces } from "./lib/geo/gazetteer.ts";
/** Online geocoding with Nominatim (opt-in; rate limited). */
export { geocodeOnline, GeocoderError } from "./lib/geo/nominatim.ts";
export type { GeocodeOptions } from "./lib/geo/nominatim.ts";
/**
 * Builds a static HTML appendix (index, a page per experiment set and per run, SVG plots,
 * zip downloads) from `readLogs` figures and a site specification; `write` receives each file.
 * `impact appendix` is this with the file system.
 *
 * @example An appendix in memory
 * ```ts ignore
 * const figures = await readLogs(["logs/"]);
 * const spec = parseSiteSpec(await Deno.readTextFile("spec.json"), "spec.json");
 * const files = new Map<string, string | Uint8Array>();
 * await buildAppendix({
 *   title: "Compute appendix",
 *   spec,
 *   figures,
 *   version: VERSION,
 *   source: { samples: async () => [] },
 *   write: async (path, data) => void files.set(path, data),
 * });
 * ```
 */
export { buildAppendix } from "./lib/report/appendix/build.ts";
export type { AppendixOptions, AppendixResult, RunSource } from "./lib/report/appendix/build.ts";
/**
 * Parses and validates an appendix site specification (experiment-impact-tracker's format);
 * throws `SiteSpecError` naming each JSON path that is wrong.
 *
 * @example
 * ```ts ignore
 * const spec = parseSiteSpec('{"PPO": {"filter": "ppo/"}}', "spec.json");
 * console.log(spec.sets[0]?.name); // "PPO"
 * ```
 */
export { matchesFilter, parseSiteSpec, SiteSpecError } from "./lib/report/site_spec.ts";
export type { ExperimentSet, SiteSpec } from "./lib/report/site_spec.ts";
