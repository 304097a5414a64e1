/**
 * `readLogs` wired to the real things: lib/log's finder and reader on the file system and
 * the embedded intensity table (data/intensity.json), so users call `readLogs(["logs/"])`.
 *
 * @module
 */
import { denoRuntime, type Runtime } from "../runtime.ts";
import { intensityFor, intensityForCountry } from "../geo/intensity.ts";
import type { LogsFigures } from "./types.ts";
import {
  type LoadedLogDir,
  type LogAccess,
  readLogs as readLogsWith,
  type ReadLogsOptions,
} from "./read_logs.ts";

/** lib/log's reader and finder, as lib/log/read.ts and find.ts export them. */
interface LogModules {
  readLogDir(dir: string, runtime?: Runtime): Promise<LoadedLogDir>;
  findLogDirs(paths: string[]): Promise<string[]>;
}

let logModules: Promise<LogModules> | undefined;

/** Loads lib/log's reader once (specifiers in variables until the log branch lands on main). */
function loadLogModules(): Promise<LogModules> {
  const specifiers = ["../log/read.ts", "../log/find.ts"];
  return logModules ??= Promise.all(specifiers.map((s) => import(s))).then(([read, find]) => ({
    readLogDir: read.readLogDir,
    findLogDirs: find.findLogDirs,
  }));
}

/**
 * Log access on the file system through lib/log.
 *
 * @param runtime Where files are read.
 * @returns The finder, the tolerant reader and plain file reads.
 */
export function fileLogAccess(runtime: Runtime = denoRuntime): LogAccess {
  return {
    findLogDirs: async (paths) => (await loadLogModules()).findLogDirs(paths),
    readLogDir: async (dir) => (await loadLogModules()).readLogDir(dir, runtime),
    readTextFile: (path) => runtime.readTextFile(path),
  };
}

/** Options of the embedded {@link readLogs}; every field is optional. */
export type EmbeddedReadLogsOptions =
  & Partial<
    Pick<ReadLogsOptions, "year" | "pue" | "overridePue" | "fallbackCountry" | "readSamples">
  >
  & { runtime?: Runtime };

/**
 * The figures of every log directory at or below `dirs`, per run and in total, with the
 * embedded intensity table (Electricity Maps yearly averages, Ember by country).
 *
 * @param dirs Log directories, or folders holding them at any depth.
 * @param options `pue` (`--pue`), `overridePue` (the text of `OVERRIDE_PUE`), `year`,
 *   `fallbackCountry` (ISO 3166-1 alpha-3 for runs of unknown region; the world average
 *   otherwise), `readSamples` (`always` checks every sample line).
 * @returns Per-run figures, the exact total and the warnings.
 */
export function readLogs(
  dirs: string[],
  options: EmbeddedReadLogsOptions = {},
): Promise<LogsFigures> {
  const { runtime, ...rest } = options;
  return readLogsWith(dirs, {
    ...rest,
    intensity: intensityFor,
    countryIntensity: intensityForCountry,
    logs: fileLogAccess(runtime),
  });
}
