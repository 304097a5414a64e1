/**
 * `readLogs`: the figures of a set of log directories, per run and in total
 * (experiment-impact-tracker's DataInterface: kg CO2e, kWh, hours, CPU hours, GPU hours,
 * PUE). Everything it depends on (finding and reading log directories, the intensity
 * tables) is passed in, so it runs on small fake tables in tests; lib/report/read_logs.ts
 * wires the real ones.
 *
 * Samples are read only when a run needs them (its summary.json is missing, or it polled a
 * live intensity), unless `readSamples: "always"` asks for every line to be checked, so a
 * statement over thousands of runs reads their summaries only.
 *
 * @module
 */
import { join } from "node:path";
import { LOG_FILES, type RunInfo, type RunSummary, type SampleRecord } from "../log/schema.ts";
import { LogFormatError, parseLogFile, SKIPPED_LINE } from "../log/validate.ts";
import { recomputeSummary } from "../log/summarize.ts";
import type { IntensityLookup, ZoneIntensity } from "../geo/types.ts";
import type { Figures, LogsFigures, RunFigures } from "./types.ts";
import { choosePue } from "./energy.ts";
import { liveIntervals } from "./carbon.ts";
import { runFigures, sumFigures, usedIntensityGramsPerKwh } from "./figures.ts";
import { mergeJobRuns } from "./merge_nodes.ts";
import { runGaps, STOPPED_EARLY } from "./gaps.ts";

/**
 * A run's note for the sample lines it lost (the statement sums these instead of listing each).
 *
 * @param lines How many.
 * @returns The note.
 */
export function skippedLinesNote(lines: number): string {
  return `${lines} unusable sample line(s) skipped`;
}

/** The key `countryIntensity` answers with the world average. */
export const WORLD = "WORLD";

/** One log directory as read (the shape of lib/log/read.ts's `LogDir`). */
export interface LoadedLogDir {
  dir: string;
  info: RunInfo;
  summary: RunSummary;
  samples: SampleRecord[];
  warnings: string[];
}

/** How log directories are found and read. */
export interface LogAccess {
  /**
   * Finds log directories at or below the paths, recursively; a folder below them that cannot
   * be listed is skipped with a sentence in `warnings`.
   */
  findLogDirs(paths: string[], warnings?: string[]): Promise<string[]>;
  /**
   * Reads a whole log directory, tolerating corrupt lines and rebuilding a missing summary;
   * throws lib/log's `LogFormatError` (naming the file, line and field) for a directory that
   * cannot be used.
   */
  readLogDir(dir: string): Promise<LoadedLogDir>;
  /**
   * Reads a log directory's samples alone, skipping unusable lines with a sentence each in
   * `warnings` (for a run whose impact.json and summary.json were read already).
   */
  readSamples(dir: string, warnings: string[]): Promise<SampleRecord[]>;
  /** Reads a text file (the fast path reads impact.json and summary.json only). */
  readTextFile(path: string): Promise<string>;
}

/** Options of {@link readLogs}. */
export interface ReadLogsOptions {
  /** Looks up a zone's yearly intensity. */
  intensity: IntensityLookup;
  /**
   * Looks up a country's intensity (ISO 3166-1 alpha-3, or {@link WORLD} for the world
   * average): for runs that know only their country, and for runs whose region is unknown.
   */
  countryIntensity: (iso3: string, year?: number) => ZoneIntensity | undefined;
  /** Finding and reading log directories. */
  logs: LogAccess;
  /** The year of the yearly intensities (the latest by default). */
  year?: number;
  /** `--pue X`: beats every other PUE. */
  pue?: number;
  /** The raw `OVERRIDE_PUE` environment variable, read as experiment-impact-tracker does. */
  overridePue?: string;
  /**
   * ISO 3166-1 alpha-3 country used for runs whose region is unknown (the statement's
   * `--country`); the world average when absent.
   */
  fallbackCountry?: string;
  /** `when-needed` (default) reads samples only for killed or live-intensity runs. */
  readSamples?: "when-needed" | "always";
}

/** A lookup failed in a way the user must fix (no log directories, no fallback intensity). */
export class LogsInputError extends Error {
  /** @param message Names the path or code that was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "LogsInputError";
  }
}

/**
 * The figures of every log directory at or below `dirs`, per run and in total. The total
 * is the exact sum of the runs' figures, so `readLogs([a, b])` totals `readLogs([a])` plus
 * `readLogs([b])`.
 *
 * @param dirs Log directories, or folders holding them at any depth.
 * @param options Lookups, log access, PUE and fallback choices.
 * @returns Per-run figures in path order (a SLURM job's logs merged into one run, with
 *   `nodes`: see `MergedJobFigures`), the total and the warnings.
 */
export async function readLogs(dirs: string[], options: ReadLogsOptions): Promise<LogsFigures> {
  const warnings: string[] = [];
  const found = await options.logs.findLogDirs(dirs, warnings);
  if (found.length === 0) {
    throw new LogsInputError(
      `No log directories (folders with impact.json) under ${dirs.join(", ")}` +
        (warnings.length > 0 ? `: ${warnings.join("; ")}` : ""),
    );
  }
  const fallback = lazyFallback(options);
  const loaded = await mapLimited(found, READ_CONCURRENCY, async (dir) => {
    try {
      return await loadRun(dir, options);
    } catch (error) {
      // One unusable folder must not stop a statement over thousands of runs.
      if (error instanceof LogFormatError) return error.message;
      throw error;
    }
  });
  const runs: RunFigures[] = [];
  const unusable: string[] = [];
  let sampleLines = 0;
  for (const log of loaded) {
    if (typeof log === "string") {
      unusable.push(log);
      continue;
    }
    const checked = withConsistentSummary(log);
    warnings.push(...checked.warnings);
    const run = figuresOfRun(checked, options, fallback);
    sampleLines += run.skippedSampleLines ?? 0;
    runs.push(run);
  }
  if (runs.length === 0) {
    throw new LogsInputError(
      `No usable log directory among the ${found.length} found: ${
        unusable.slice(0, 5).join("; ")
      }` +
        (unusable.length > 5 ? `; and ${unusable.length - 5} more` : ""),
    );
  }
  for (const why of unusable) warnings.push(`${why}; run left out`);
  if (unusable.length > 0) {
    warnings.push(
      `${unusable.length} of ${found.length} log directories left out of the totals (unusable, named above)`,
    );
  }
  // A SLURM job's node and task logs become one run with per-node detail; the total is
  // summed from the merged runs, so it stays the exact sum of what is listed.
  const merged = mergeJobRuns(runs);
  warnings.push(...merged.warnings);
  const total: Figures = sumFigures(merged.runs.map(pickFigures));
  return {
    runs: merged.runs,
    total,
    warnings,
    leftOut: { runs: unusable.length, sampleLines },
  };
}

/** The intensity for runs of unknown region, looked up only when such a run appears. */
type Fallback = () => { intensity: ZoneIntensity; label: string };

function lazyFallback(options: ReadLogsOptions): Fallback {
  let found: { intensity: ZoneIntensity; label: string } | undefined;
  const lookup = (code: string) =>
    options.countryIntensity(code, options.year) ?? options.countryIntensity(code);
  return () => {
    if (found) return found;
    const code = options.fallbackCountry ?? WORLD;
    const country = code === WORLD ? undefined : lookup(code);
    if (country) return (found = { intensity: country, label: `the --country given (${code})` });
    const world = lookup(WORLD);
    if (!world) {
      throw new LogsInputError(
        `No grid intensity for ${WORLD}, the fallback for runs of unknown region`,
      );
    }
    const label = code === WORLD
      ? "the world average"
      : `the world average (${code} has no intensity data)`;
    return (found = { intensity: world, label });
  };
}

/** Log directories read at once: enough to overlap I/O, few enough for any open-file limit. */
const READ_CONCURRENCY = 64;

async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function needsSamples(info: RunInfo): boolean {
  // An old log's stop of sampling (samplingError) is a gap from its last sample on.
  return Boolean(info.options?.["liveIntensity"]) || info.samplingError !== undefined;
}

async function loadRun(dir: string, options: ReadLogsOptions): Promise<LoadedLogDir> {
  if (options.readSamples !== "always") {
    // Fast path: the summary is the authority on a finished run's figures.
    const read = await readInfoAndSummary(dir, options.logs);
    if (read) {
      const warnings: string[] = [];
      // Both files are parsed once and handed on, never read again; samples only if needed.
      const samples = needsSamples(read.info) ? await options.logs.readSamples(dir, warnings) : [];
      return { dir, ...read, samples, warnings };
    }
  }
  // Missing, unreadable or unusable: the full reader says what is wrong, or rebuilds the summary.
  return await options.logs.readLogDir(dir);
}

/** impact.json and summary.json read at once, or undefined when either cannot be used. */
async function readInfoAndSummary(
  dir: string,
  logs: LogAccess,
): Promise<{ info: RunInfo; summary: RunSummary } | undefined> {
  try {
    const [infoText, summaryText] = await Promise.all([
      logs.readTextFile(join(dir, LOG_FILES.info)),
      logs.readTextFile(join(dir, LOG_FILES.summary)),
    ]);
    const info = parseLogFile(LOG_FILES.info, join(dir, LOG_FILES.info), infoText);
    const summary = parseLogFile(LOG_FILES.summary, join(dir, LOG_FILES.summary), summaryText);
    return info.value && summary.value ? { info: info.value, summary: summary.value } : undefined;
  } catch {
    return undefined;
  }
}

function pickFigures(run: RunFigures): Figures {
  return {
    runs: run.runs,
    energyKwh: run.energyKwh,
    itEnergyKwh: run.itEnergyKwh,
    componentKwh: run.componentKwh,
    measuredEnergyKwh: run.measuredEnergyKwh,
    estimatedEnergyKwh: run.estimatedEnergyKwh,
    kgCO2e: run.kgCO2e,
    hours: run.hours,
    cpuHours: run.cpuHours,
    gpuHours: run.gpuHours,
    runsWithoutCpuCounter: run.runsWithoutCpuCounter,
    runsWithGaps: run.runsWithGaps,
    unmeasuredDeviceHours: run.unmeasuredDeviceHours,
  };
}

/**
 * The log with a summary its samples agree with: a summary.json whose energy is less than what
 * its live-intensity samples alone hold (each file valid, together impossible) is rebuilt from
 * the samples, the primary record, and said so.
 */
function withConsistentSummary(log: LoadedLogDir): LoadedLogDir {
  let sampled = 0;
  for (const sample of log.samples) {
    if (!sample.intensity) continue;
    for (const device of sample.devices) sampled += device.attributedEnergyJoules;
  }
  const summarized = log.summary.totals.attributedEnergyJoules;
  if (sampled <= summarized * (1 + 1e-9) + 1e-6) return log;
  return {
    ...log,
    summary: recomputeSummary(log.info, log.samples),
    warnings: [
      ...log.warnings,
      `${
        join(log.dir, LOG_FILES.summary)
      }: its ${summarized} J are less than its samples' ${sampled} J; summary recomputed from ${log.samples.length} samples`,
    ],
  };
}

/** The zone's intensity, the country's, or the fallback, with words for what was assumed. */
function regionIntensity(
  info: RunInfo,
  options: ReadLogsOptions,
  fallback: Fallback,
  notes: string[],
): { intensity: ZoneIntensity; zone?: string } {
  const region = info.region;
  if (region?.zone) {
    const found = options.intensity(region.zone, options.year);
    if (found) {
      if (found.fallbackFrom) {
        notes.push(
          `zone ${found.fallbackFrom} has no figures of its own; used ${found.zone} (${found.country})`,
        );
      }
      return { intensity: found, zone: found.zone };
    }
    notes.push(`zone ${region.zone} has no intensity data; used ${fallback().label}`);
    return { intensity: fallback().intensity };
  }
  if (region?.country) {
    const found = options.countryIntensity(region.country, options.year);
    if (found) return { intensity: found, zone: found.zone };
    notes.push(`country ${region.country} has no intensity data; used ${fallback().label}`);
    return { intensity: fallback().intensity };
  }
  const { intensity, label } = fallback();
  notes.push(`region unknown; used ${label}: ${intensity.intensityGramsPerKwh} gCO2e/kWh`);
  return { intensity };
}

function figuresOfRun(
  log: LoadedLogDir,
  options: ReadLogsOptions,
  fallback: Fallback,
): RunFigures {
  const notes: string[] = [];
  const { info, summary } = log;
  const chosen = choosePue({
    ...(options.pue !== undefined ? { flag: options.pue } : {}),
    ...(options.overridePue !== undefined ? { overridePue: options.overridePue } : {}),
    ...(info.region?.cloud?.pue !== undefined ? { cloudPue: info.region.cloud.pue } : {}),
  });
  if (chosen.source === "cloud") {
    notes.push(`PUE ${chosen.pue} of ${info.region?.cloud?.provider ?? "the cloud provider"}`);
  }
  const { intensity, zone } = regionIntensity(info, options, fallback, notes);
  const live = liveIntervals(log.samples, chosen.pue);
  const gaps = runGaps(info, summary, log.samples);
  if (info.samplingError !== undefined && summary.components.length === 0) {
    notes.push(`${STOPPED_EARLY}: ${info.samplingError}`);
  }
  const input = {
    summary,
    pue: chosen.pue,
    yearlyGramsPerKwh: intensity.intensityGramsPerKwh,
    live,
    gaps,
  };
  const figures = runFigures(input);
  if (summary.recomputed) {
    notes.push("summary.json missing or unusable; recomputed from the samples");
  }
  const skipped = log.warnings.filter((w) => w.endsWith(SKIPPED_LINE)).length;
  if (skipped > 0) notes.push(skippedLinesNote(skipped));
  const liveSources = [...new Set(live.map((l) => l.source))];
  const intensitySource = liveSources.length > 0
    ? `live: ${liveSources.join(", ")}; otherwise ${intensity.source}`
    : intensity.source;
  const run: RunFigures = {
    ...figures,
    dir: log.dir,
    info,
    summary,
    pue: chosen.pue,
    intensityGramsPerKwh: usedIntensityGramsPerKwh(input),
    intensitySource,
    intensityYear: intensity.year,
    notes,
    gaps,
  };
  if (zone !== undefined) run.zone = zone;
  if (skipped > 0) run.skippedSampleLines = skipped;
  const utilization = meanUtilization(log.samples);
  if (utilization) run.utilization = utilization;
  return run;
}

/**
 * The machine's mean CPU utilisation and the mean utilisation of the GPUs the job used, over
 * the samples (what CodeCarbon's `*_utilization_percent` columns hold); undefined when the
 * samples were not read.
 */
function meanUtilization(samples: readonly SampleRecord[]): RunFigures["utilization"] {
  if (samples.length === 0) return undefined;
  let cpu = 0;
  let gpu = 0;
  let gpuReadings = 0;
  for (const sample of samples) {
    cpu += sample.cpu.utilization;
    for (const d of sample.devices) {
      if (d.component !== "gpu" || d.usedByJob === false || d.utilization === undefined) continue;
      gpu += d.utilization;
      gpuReadings++;
    }
  }
  const utilization: NonNullable<RunFigures["utilization"]> = {
    cpuPercent: (cpu / samples.length) * 100,
  };
  if (gpuReadings > 0) utilization.gpuPercent = (gpu / gpuReadings) * 100;
  return utilization;
}
