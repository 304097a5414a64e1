/**
 * The one schema of each log file (`impact.json`, `samples.jsonl`, `summary.json`), checked by
 * every reader before a figure is used: a field of the wrong type, a value no run can have
 * (negative or non-finite energy, duration or power; a share above 1) or a key written twice
 * (where `JSON.parse` would silently keep the last) makes the record unusable, and the message
 * names the file, the line and the field.
 *
 * Unknown fields are allowed (a newer writer of the same schema major may add some); every
 * field lib/log/schema.ts declares is checked against its declared type and range.
 *
 * @module
 */
import type { Attribution, Component, Method } from "../types.ts";
import {
  LOG_FILES,
  LOG_SCHEMA_VERSION,
  type RunInfo,
  type RunSummary,
  type SampleRecord,
} from "./schema.ts";
import { duplicateKeyCheck, lineOfField } from "./json_keys.ts";

/** A log directory, or one of its files, that cannot be used (unreadable, malformed, newer). */
export class LogFormatError extends Error {
  /** @param message Names the file, line and field. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "LogFormatError";
  }
}

/** The words that end the warning for each unusable sample line (readers count them). */
export const SKIPPED_LINE = "line skipped";

/** What is wrong with a record: the field (a path such as `devices[0].powerWatts`) and why. */
export interface LogProblem {
  /** The field, as a path from the record's root; empty for the record itself. */
  field: string;
  /** What is wrong with it, e.g. `is -5; it cannot be negative`. */
  problem: string;
}

// ---------------------------------------------------------------------------------------------
// Rules: a rule returns undefined for a good value, else the problem with the path reversed
// (filled in on the way back up, so a good record allocates nothing).

interface Issue {
  at: (string | number)[];
  problem: string;
}

interface Rule {
  (value: unknown): Issue | undefined;
  optional?: boolean;
}

const fail = (problem: string): Issue => ({ at: [], problem });

/** Words for a value of the wrong type. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") {
    return `a string (${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value)})`;
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function optional(rule: Rule): Rule {
  const wrapped: Rule = (value) => rule(value);
  wrapped.optional = true;
  return wrapped;
}

function nullable(rule: Rule): Rule {
  return (value) => (value === null ? undefined : rule(value));
}

interface Range {
  min?: number;
  max?: number;
  /** The lower bound itself is not allowed. */
  above?: number;
  integer?: boolean;
}

function number(range: Range = {}): Rule {
  const { min = -Infinity, max = Infinity, above, integer = false } = range;
  return (value) => {
    if (typeof value !== "number") return fail(`is ${describe(value)}, not a number`);
    // JSON.parse reads 1e400 as Infinity: a figure no hardware makes.
    if (!Number.isFinite(value)) return fail(`is ${value}, not a finite number`);
    if (integer && !Number.isInteger(value)) return fail(`is ${value}, not a whole number`);
    if (value < min) {
      return fail(min === 0 ? `is ${value}; it cannot be negative` : `is ${value}, below ${min}`);
    }
    if (above !== undefined && value <= above) {
      return fail(`is ${value}; it must be above ${above}`);
    }
    if (value > max) return fail(`is ${value}, above ${max}`);
    return undefined;
  };
}

/** Energy, power, durations, counts of bytes or seconds: finite and not negative. */
const amount = number({ min: 0 });
/** A share or a utilisation. */
const fraction = number({ min: 0, max: 1 });
const count = number({ min: 0, integer: true });

const string: Rule = (value) =>
  typeof value === "string" ? undefined : fail(`is ${describe(value)}, not a string`);

const boolean: Rule = (value) =>
  typeof value === "boolean" ? undefined : fail(`is ${describe(value)}, not true or false`);

const isoTime: Rule = (value) => {
  if (typeof value !== "string") return fail(`is ${describe(value)}, not an ISO 8601 time`);
  return Number.isFinite(Date.parse(value))
    ? undefined
    : fail(`is ${describe(value)}, not an ISO 8601 time`);
};

function oneOf<T extends string>(values: readonly T[]): Rule {
  const set: ReadonlySet<unknown> = new Set(values);
  const list = values.join(", ");
  return (
    value,
  ) => (set.has(value) ? undefined : fail(`is ${describe(value)}, not one of ${list}`));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(
  shape: Record<string, Rule>,
  extra?: (value: Record<string, unknown>) => Issue | undefined,
): Rule {
  const entries = Object.entries(shape);
  return (value) => {
    if (!isRecord(value)) return fail(`is ${describe(value)}, not an object`);
    for (const [key, rule] of entries) {
      const field = Object.hasOwn(value, key) ? value[key] : undefined;
      const issue = field === undefined
        ? (rule.optional ? undefined : fail("is missing"))
        : rule(field);
      if (issue) {
        issue.at.push(key);
        return issue;
      }
    }
    return extra?.(value);
  };
}

function listOf(rule: Rule): Rule {
  return (value) => {
    if (!Array.isArray(value)) return fail(`is ${describe(value)}, not a list`);
    for (let i = 0; i < value.length; i++) {
      const issue = rule(value[i]);
      if (issue) {
        issue.at.push(i);
        return issue;
      }
    }
    return undefined;
  };
}

function recordOf(rule: Rule): Rule {
  return (value) => {
    if (!isRecord(value)) return fail(`is ${describe(value)}, not an object`);
    for (const key of Object.keys(value)) {
      const issue = rule(value[key]);
      if (issue) {
        issue.at.push(key);
        return issue;
      }
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// The vocabulary, checked to be complete: a value added to lib/types.ts fails the type check
// here until the reader accepts it too.

const COMPONENTS = ["cpu", "dram", "gpu", "psys", "node"] as const satisfies readonly Component[];
const METHODS = ["counter", "integrated", "estimate"] as const satisfies readonly Method[];
const ATTRIBUTIONS = [
  "cpu-time-share",
  "whole-machine",
  "cgroup",
] as const satisfies readonly Attribution[];
type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : never;
const _complete: [
  Exhaustive<Component, typeof COMPONENTS[number]>,
  Exhaustive<Method, typeof METHODS[number]>,
  Exhaustive<Attribution, typeof ATTRIBUTIONS[number]>,
] = [true, true, true];
void _complete;

/** The job's share of a device is at most the device's energy (within rounding). */
function shareWithinMachine(value: Record<string, unknown>): Issue | undefined {
  const machine = value.machineEnergyJoules as number;
  const attributed = value.attributedEnergyJoules as number;
  if (attributed <= machine * (1 + 1e-9) + 1e-9) return undefined;
  const issue = fail(`is ${attributed}, more than the device's machineEnergyJoules ${machine}`);
  issue.at.push("attributedEnergyJoules");
  return issue;
}

const slurm = object({
  jobId: optional(string),
  stepId: optional(string),
  node: optional(string),
  taskRank: optional(count),
  localId: optional(count),
  user: optional(string),
  partition: optional(string),
  account: optional(string),
  nodeSampler: optional(boolean),
});

const device = { component: oneOf(COMPONENTS), device: string };
const gap = object({ ...device, reason: string });

const deviceSample = object({
  ...device,
  method: oneOf(METHODS),
  machineEnergyJoules: amount,
  attributedEnergyJoules: amount,
  powerWatts: amount,
  utilization: optional(fraction),
  memoryUsedBytes: optional(amount),
  usedByJob: optional(boolean),
}, shareWithinMachine);

const sampleRule = object({
  t: isoTime,
  intervalSeconds: amount,
  devices: listOf(deviceSample),
  cpu: object({ jobShare: fraction, jobCpuSeconds: amount, utilization: fraction }),
  memory: object({ jobBytes: amount, kind: oneOf(["pss", "rss", "cgroup"]) }),
  intensity: optional(object({ gramsPerKwh: amount, source: string })),
  slurm: optional(slurm),
  gaps: optional(listOf(gap)),
});

const schemaVersion = number({ min: 1 });

const summaryRule = object({
  schemaVersion,
  start: isoTime,
  end: isoTime,
  durationSeconds: amount,
  jobWallSeconds: optional(amount),
  exitCode: nullable(number({ integer: true })),
  signal: optional(nullable(string)),
  attribution: oneOf(ATTRIBUTIONS),
  components: listOf(object({
    ...device,
    method: oneOf(METHODS),
    machineEnergyJoules: amount,
    attributedEnergyJoules: amount,
    unmeasuredSeconds: optional(amount),
  }, shareWithinMachine)),
  totals: object({
    machineEnergyJoules: amount,
    attributedEnergyJoules: amount,
    measuredEnergyJoules: amount,
    estimatedEnergyJoules: amount,
  }, shareWithinMachine),
  power: object({ meanWatts: amount, peakWatts: amount }),
  cpuSeconds: amount,
  gpuSeconds: amount,
  samples: count,
  gaps: optional(
    listOf(object({ ...device, reason: string, from: isoTime, to: isoTime, seconds: amount })),
  ),
  recomputed: optional(boolean),
  slurm: optional(slurm),
});

const region = object({
  zone: optional(string),
  country: optional(string),
  source: string,
  cloud: optional(object({ provider: string, region: string, pue: optional(number({ min: 1 })) })),
  place: optional(string),
  latitude: optional(number({ min: -90, max: 90 })),
  longitude: optional(number({ min: -180, max: 180 })),
  intensity: optional(object({
    gramsPerKwh: amount,
    source: string,
    year: number({ integer: true }),
    zone: string,
    fallbackFrom: optional(string),
  })),
  live: optional(object({
    provider: string,
    zone: string,
    everySeconds: number({ above: 0 }),
    url: optional(string),
    polls: count,
    failures: count,
    lastFailure: optional(string),
  })),
  error: optional(string),
});

const runInfoRule = object({
  schemaVersion,
  tool: object({ name: string, version: string }),
  command: listOf(string),
  cwd: string,
  start: isoTime,
  end: optional(isoTime),
  exitCode: optional(nullable(number({ integer: true }))),
  signal: optional(nullable(string)),
  host: object({ hostname: string, os: string, arch: string, kernel: optional(string) }),
  cpu: object({
    model: optional(string),
    vendor: optional(string),
    sockets: optional(count),
    cores: optional(count),
    threads: optional(count),
    memoryTotalBytes: optional(amount),
  }),
  gpus: listOf(object({
    index: count,
    name: string,
    uuid: optional(string),
    driverVersion: optional(string),
    cudaVersion: optional(string),
    powerLimitWatts: optional(amount),
    usedByJob: optional(boolean),
  })),
  sensors: listOf(object({
    sensor: string,
    available: boolean,
    reason: optional(string),
    fix: optional(string),
    methods: listOf(oneOf(METHODS)),
    devices: listOf(string),
  })),
  attribution: oneOf(ATTRIBUTIONS),
  options: object({ intervalSeconds: number({ above: 0 }) }),
  labels: recordOf(string),
  environment: optional(object({
    git: optional(object({ commit: string, dirty: boolean })),
    python: optional(object({ tool: string, packages: listOf(string) })),
  })),
  region: optional(region),
  slurm: optional(slurm),
  samplingError: optional(string),
});

function toProblem(issue: Issue | undefined): LogProblem | undefined {
  if (!issue) return undefined;
  let field = "";
  for (let i = issue.at.length - 1; i >= 0; i--) {
    const part = issue.at[i]!;
    field += typeof part === "number" ? `[${part}]` : field === "" ? part : `.${part}`;
  }
  return { field, problem: issue.problem };
}

/**
 * Checks a parsed `impact.json` against its schema.
 *
 * @param value What `JSON.parse` returned.
 * @returns The first problem found, or undefined when the record can be used.
 * @example A negative interval is named by its field
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { runInfoProblem } from "./validate.ts";
 * equal(runInfoProblem({ schemaVersion: 1 })?.field, "tool");
 * ```
 */
export function runInfoProblem(value: unknown): LogProblem | undefined {
  return toProblem(runInfoRule(value));
}

/**
 * Checks one parsed line of `samples.jsonl` against its schema.
 *
 * @param value What `JSON.parse` returned.
 * @returns The first problem found, or undefined when the record can be used.
 */
export function sampleProblem(value: unknown): LogProblem | undefined {
  return toProblem(sampleRule(value));
}

/**
 * Checks a parsed `summary.json` against its schema.
 *
 * @param value What `JSON.parse` returned.
 * @returns The first problem found, or undefined when the record can be used.
 */
export function summaryProblem(value: unknown): LogProblem | undefined {
  return toProblem(summaryRule(value));
}

/** The schema of each whole-file record, by file name. */
const FILE_RULES = {
  [LOG_FILES.info]: runInfoRule,
  [LOG_FILES.summary]: summaryRule,
} as const;

/** What a whole-file log record parses to, by file name. */
interface FileRecords {
  "impact.json": RunInfo;
  "summary.json": RunSummary;
}

/** A whole log file read: its record, or why it cannot be used (`file:line: field ...`). */
export type LogFileResult<T> =
  | { value: T; error?: undefined; newer?: undefined }
  | { value?: undefined; error: string; newer?: boolean };

/**
 * Parses and checks `impact.json` or `summary.json`: valid JSON, no key written twice, a
 * schema major this version reads, every field of its declared type and range.
 *
 * @param file Which file it is (picks the schema).
 * @param path The file's path, for messages.
 * @param text The file's contents.
 * @returns The record, or a message naming the file, line and field (`newer` when the file's
 *   schema is newer than this reader's).
 * @example A summary without totals
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { parseLogFile } from "./validate.ts";
 * const text = '{\n "schemaVersion": 1,\n "start": "2024-01-01T00:00:00Z"\n}';
 * equal(parseLogFile("summary.json", "run/summary.json", text).error, 'run/summary.json:1: field "end" is missing');
 * ```
 */
export function parseLogFile<F extends keyof FileRecords>(
  file: F,
  path: string,
  text: string,
): LogFileResult<FileRecords[F]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `${path}: not valid JSON (${(error as Error).message})` };
  }
  if (!isRecord(value)) return { error: `${path}:1: not a JSON object` };
  const version = value.schemaVersion;
  if (typeof version === "number" && Math.floor(version) > LOG_SCHEMA_VERSION) {
    return {
      error:
        `${path}: schema version ${version} is newer than this impact reads (${LOG_SCHEMA_VERSION}); upgrade impact`,
      newer: true,
    };
  }
  const problem = recordProblem(text, value, FILE_RULES[file]);
  if (problem) {
    const line = problem.line ?? lineOfField(text, problem.field);
    return { error: `${path}:${line}: ${fieldMessage(problem)}` };
  }
  return { value: value as unknown as FileRecords[F] };
}

const TWICE = "is written twice (JSON readers disagree on which counts)";

/**
 * The first problem of a parsed record: a key written twice (it outranks the schema's problem,
 * which may be about the copy `JSON.parse` kept), a field the schema refuses, or a number that
 * is not finite in a field no schema names.
 */
function recordProblem(
  text: string,
  value: unknown,
  rule: Rule,
): (LogProblem & { line?: number }) | undefined {
  const duplicate = duplicateKeyCheck(text, value);
  if (duplicate && !duplicate.infinite) {
    return { field: duplicate.field, problem: TWICE, line: duplicate.line };
  }
  const problem = toProblem(rule(value));
  if (problem) return problem;
  if (duplicate?.infinite) {
    return { field: "", problem: "holds a number too large to be one (such as 1e400)" };
  }
  return undefined;
}

/**
 * Parses and checks one line of `samples.jsonl`.
 *
 * @param line The line, without its newline.
 * @returns The record, or the problem (`field` empty when the line is not a JSON object).
 */
export function parseSampleLine(line: string): SampleRecord | LogProblem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { field: "", problem: "is not valid JSON" };
  }
  const problem = recordProblem(line, value, sampleRule);
  if (problem) return { field: problem.field, problem: problem.problem };
  return value as SampleRecord;
}

/**
 * Whether {@link parseSampleLine} returned a problem rather than a record.
 *
 * @param result What it returned.
 * @returns True for a problem.
 */
export function isLogProblem(result: SampleRecord | LogProblem): result is LogProblem {
  return "problem" in result;
}

/**
 * A problem in words: `field "x" is ...`, or the record's own problem.
 *
 * @param problem What {@link runInfoProblem} and its siblings return.
 * @returns One clause, without a trailing period.
 */
export function fieldMessage(problem: LogProblem): string {
  return problem.field === ""
    ? `the record ${problem.problem}`
    : `field "${problem.field}" ${problem.problem}`;
}
