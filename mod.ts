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
