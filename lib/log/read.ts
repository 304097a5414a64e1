/**
 * Reads a log directory back, tolerating what a crash leaves behind and checking every record
 * against its schema (lib/log/validate.ts): a truncated last line of `samples.jsonl` is skipped
 * and said so, a corrupt or impossible line elsewhere is skipped with its `file:line` and field,
 * and a missing, unreadable or unusable `summary.json` is rebuilt from the samples.
 *
 * @module
 */
import { join } from "node:path";
import { denoRuntime, type Runtime } from "../runtime.ts";
import { fileProblem } from "../file_errors.ts";
import { LOG_FILES, type RunInfo, type RunSummary, type SampleRecord } from "./schema.ts";
import { recomputeSummary } from "./summarize.ts";
import {
  fieldMessage,
  isLogProblem,
  LogFormatError,
  parseLogFile,
  parseSampleLine,
  SKIPPED_LINE,
} from "./validate.ts";

export { LogFormatError } from "./validate.ts";

/** Everything in one log directory. */
export interface LogDir {
  dir: string;
  info: RunInfo;
  samples: SampleRecord[];
  /** From summary.json, or rebuilt from the samples (`recomputed: true`). */
  summary: RunSummary;
  /** Lines skipped and files rebuilt, one sentence each. */
  warnings: string[];
}

/** The text of a file, undefined when it does not exist; other failures in words. */
async function readOptional(
  runtime: Runtime,
  path: string,
): Promise<{ text?: string; problem?: string }> {
  try {
    return { text: await runtime.readTextFile(path) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    const problem = fileProblem(error, path, "read");
    if (!problem) throw error;
    return { problem: problem.message };
  }
}

/**
 * Reads one log directory.
 *
 * @param dir The directory holding impact.json.
 * @param runtime Where files are read (the real file system by default).
 * @returns Its info, samples, summary and warnings.
 * @throws {LogFormatError} When impact.json is missing, unreadable or unusable (the message
 *   names the file, line and field), a file has a newer schema major, or summary.json is
 *   unusable with no samples to rebuild it from.
 */
export async function readLogDir(dir: string, runtime: Runtime = denoRuntime): Promise<LogDir> {
  const warnings: string[] = [];
  const infoPath = join(dir, LOG_FILES.info);
  let infoText: string;
  try {
    infoText = await runtime.readTextFile(infoPath);
  } catch (error) {
    const problem = fileProblem(error, infoPath, "read");
    throw new LogFormatError(
      problem?.kind === "missing" || !problem
        ? `${infoPath}: cannot be read, so ${dir} is not a log directory`
        : problem.message,
      { cause: error },
    );
  }
  const info = parseLogFile(LOG_FILES.info, infoPath, infoText);
  if (info.error !== undefined) throw new LogFormatError(info.error);

  const samples = await readSamples(dir, runtime, warnings);

  const summaryPath = join(dir, LOG_FILES.summary);
  const read = await readOptional(runtime, summaryPath);
  const parsed = read.text === undefined
    ? undefined
    : parseLogFile(LOG_FILES.summary, summaryPath, read.text);
  if (parsed?.error !== undefined && parsed.newer) throw new LogFormatError(parsed.error);
  if (parsed?.value) return { dir, info: info.value, samples, summary: parsed.value, warnings };
  // Missing, unreadable or unusable: the samples are the primary record; rebuild from them.
  const unusable = parsed?.error ?? read.problem;
  if (unusable !== undefined && samples.length === 0) {
    // Zero would be a figure; with nothing to rebuild from, the run's figures are unknown.
    throw new LogFormatError(`${unusable}; no samples to recompute it from`);
  }
  const summary = recomputeSummary(info.value, samples);
  const why = unusable ?? `${summaryPath}: missing (the tracker was killed?)`;
  warnings.push(`${why}; summary recomputed from ${samples.length} samples`);
  return { dir, info: info.value, samples, summary, warnings };
}

/**
 * Reads a log directory's `samples.jsonl` alone (a missing or unreadable file is no samples,
 * said so).
 *
 * @param dir The log directory.
 * @param runtime Where files are read (the real file system by default).
 * @param warnings Receives one sentence per skipped line, and one for a missing file.
 * @returns The well-formed records in order.
 */
export async function readSamples(
  dir: string,
  runtime: Runtime = denoRuntime,
  warnings: string[] = [],
): Promise<SampleRecord[]> {
  const path = join(dir, LOG_FILES.samples);
  const read = await readOptional(runtime, path);
  if (read.text === undefined) {
    warnings.push(
      read.problem ? `${read.problem}; read as no samples` : `${path}: missing, read as no samples`,
    );
  }
  return parseSamples(path, read.text ?? "", warnings);
}

/**
 * Parses `samples.jsonl` text, skipping bad lines with a warning each.
 *
 * @param path The file, for messages.
 * @param text Its contents.
 * @param warnings Receives one sentence per skipped line.
 * @returns The well-formed records in order.
 */
function parseSamples(path: string, text: string, warnings: string[]): SampleRecord[] {
  const lines = text.split("\n");
  const endsClean = text.endsWith("\n") || text === "";
  if (endsClean) lines.pop();
  const samples: SampleRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const result = parseSampleLine(line);
    if (!isLogProblem(result)) {
      samples.push(result);
      return;
    }
    const where = `${path}:${i + 1}`;
    if (result.field === "" && i === lines.length - 1 && !endsClean) {
      warnings.push(
        `${where}: truncated last line (the tracker was killed mid-write); ${SKIPPED_LINE}`,
      );
    } else {
      warnings.push(`${where}: ${fieldMessage(result)}; ${SKIPPED_LINE}`);
    }
  });
  return samples;
}
