/**
 * Reads a log directory back, tolerating what a crash leaves behind: a truncated last line
 * of `samples.jsonl` is skipped and said so, a corrupt line elsewhere is skipped with its
 * `file:line` and field, and a missing `summary.json` is rebuilt from the samples.
 *
 * @module
 */
import { join } from "node:path";
import { denoRuntime, type Runtime } from "../runtime.ts";
import {
  LOG_FILES,
  LOG_SCHEMA_VERSION,
  type RunInfo,
  type RunSummary,
  type SampleRecord,
} from "./schema.ts";
import { summarizeSamples } from "./summarize.ts";

/** A log directory that cannot be read at all (missing or malformed impact.json, newer schema). */
export class LogFormatError extends Error {
  /** @param message Names the file, line and field. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LogFormatError";
  }
}

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

/**
 * Reads one log directory.
 *
 * @param dir The directory holding impact.json.
 * @param runtime Where files are read (the real file system by default).
 * @returns Its info, samples, summary and warnings.
 * @throws {LogFormatError} When impact.json is missing or malformed, or a file has a newer schema major.
 */
export async function readLogDir(dir: string, runtime: Runtime = denoRuntime): Promise<LogDir> {
  const warnings: string[] = [];
  const infoPath = join(dir, LOG_FILES.info);
  let infoText: string;
  try {
    infoText = await runtime.readTextFile(infoPath);
  } catch (error) {
    throw new LogFormatError(`${infoPath}: cannot be read, so ${dir} is not a log directory`, {
      cause: error,
    });
  }
  const info = parseJsonFile(infoPath, infoText) as unknown as RunInfo;
  checkSchema(infoPath, info);
  requireField(infoPath, info, "start", "string");
  requireField(infoPath, info, "command", "array");

  const samples = await readSamples(dir, runtime, warnings);

  const summaryPath = join(dir, LOG_FILES.summary);
  let summary: RunSummary;
  let summaryText: string | undefined;
  try {
    summaryText = await runtime.readTextFile(summaryPath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (summaryText === undefined) {
    const last = samples.at(-1);
    summary = summarizeSamples(samples, {
      start: info.start,
      end: info.end ?? last?.t ?? info.start,
      exitCode: info.exitCode ?? null,
      attribution: info.attribution,
      recomputed: true,
      ...(info.slurm ? { slurm: info.slurm } : {}),
    });
    warnings.push(
      `${summaryPath}: missing (the tracker was killed?), recomputed from ${samples.length} samples`,
    );
  } else {
    summary = parseJsonFile(summaryPath, summaryText) as unknown as RunSummary;
    checkSchema(summaryPath, summary);
    requireField(summaryPath, summary, "components", "array");
    requireField(summaryPath, summary, "durationSeconds", "number");
  }
  return { dir, info, samples, summary, warnings };
}

/**
 * Reads a log directory's `samples.jsonl` alone (a missing file is no samples, said so).
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
  let text = "";
  try {
    text = await runtime.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    warnings.push(`${path}: missing, read as no samples`);
  }
  return parseSamples(path, text, warnings);
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
    const where = `${path}:${i + 1}`;
    const isLast = i === lines.length - 1;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      warnings.push(
        isLast && !endsClean
          ? `${where}: truncated last line skipped (the tracker was killed mid-write)`
          : `${where}: not valid JSON, line skipped`,
      );
      return;
    }
    const problem = sampleProblem(value);
    if (problem) {
      warnings.push(`${where}: field ${problem}, line skipped`);
      return;
    }
    samples.push(value as SampleRecord);
  });
  return samples;
}

/** Names the first field of a sample that is missing or of the wrong type. */
function sampleProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "(record) is not an object";
  if (typeof value.t !== "string" || !Number.isFinite(Date.parse(value.t))) {
    return '"t" is not an ISO 8601 time';
  }
  if (!isNumber(value.intervalSeconds)) return '"intervalSeconds" is not a number';
  if (!Array.isArray(value.devices)) return '"devices" is not a list';
  for (const [i, d] of value.devices.entries()) {
    if (!isObject(d)) return `"devices[${i}]" is not an object`;
    for (const key of ["component", "device", "method"]) {
      if (typeof d[key] !== "string") return `"devices[${i}].${key}" is not a string`;
    }
    for (const key of ["machineEnergyJoules", "attributedEnergyJoules", "powerWatts"]) {
      if (!isNumber(d[key])) return `"devices[${i}].${key}" is not a number`;
    }
  }
  if (!isObject(value.cpu)) return '"cpu" is not an object';
  for (const key of ["jobShare", "jobCpuSeconds", "utilization"]) {
    if (!isNumber(value.cpu[key])) return `"cpu.${key}" is not a number`;
  }
  if (!isObject(value.memory)) return '"memory" is not an object';
  if (!isNumber(value.memory.jobBytes)) return '"memory.jobBytes" is not a number';
  return undefined;
}

function parseJsonFile(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LogFormatError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw new LogFormatError(`${path}: not a JSON object`);
  return value;
}

function checkSchema(path: string, value: { schemaVersion?: unknown }): void {
  const version = value.schemaVersion;
  if (!isNumber(version)) {
    throw new LogFormatError(`${path}: field "schemaVersion" is missing or not a number`);
  }
  if (Math.floor(version) > LOG_SCHEMA_VERSION) {
    throw new LogFormatError(
      `${path}: schema version ${version} is newer than this impact reads (${LOG_SCHEMA_VERSION}); upgrade impact`,
    );
  }
}

function requireField(
  path: string,
  value: object,
  key: string,
  type: "string" | "number" | "array",
): void {
  const field = (value as Record<string, unknown>)[key];
  const ok = type === "array"
    ? Array.isArray(field)
    : type === "number"
    ? isNumber(field)
    : typeof field === "string";
  if (!ok) throw new LogFormatError(`${path}: field "${key}" is missing or not a ${type}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
