/**
 * `readLogs` wired to the real things: lib/log's finder and reader on the file system and
 * the embedded intensity table (data/intensity.json), so users call `readLogs(["logs/"])`.
 * The accounting itself (lib/accounting/read_logs.ts) stays pure; this is where it meets the
 * file system, for every report that reads logs.
 *
 * @module
 */
import { denoRuntime, type Runtime } from "../runtime.ts";
import { intensityFor, intensityForCountry } from "../geo/intensity.ts";
import type { LogsFigures } from "../accounting/types.ts";
import { findLogDirs } from "../log/find.ts";
import { readLogDir, readSamples } from "../log/read.ts";
import {
  type LogAccess,
  readLogs as readLogsWith,
  type ReadLogsOptions,
} from "../accounting/read_logs.ts";

/**
 * Log access on the file system through lib/log.
 *
 * @param runtime Where files are read.
 * @returns The finder, the tolerant readers and plain file reads.
 */
export function fileLogAccess(runtime: Runtime = denoRuntime): LogAccess {
  return {
    findLogDirs: (paths, warnings) => findLogDirs(paths, warnings),
    readLogDir: (dir) => readLogDir(dir, runtime),
    readSamples: (dir, warnings) => readSamples(dir, runtime, warnings),
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
