/**
 * One measured session: sensors started, the sampler running beside the job, every record
 * appended to the log, and at the end the summary and final impact.json written. Shared by
 * `impact run` (tracking a child) and the library's `track()` (tracking this process).
 *
 * @module
 */
import { LogWriteError, type LogWriter } from "../log/write.ts";
import { type Attribution, gpuDeviceId, type GpuSelection } from "../types.ts";
import {
  LOG_SCHEMA_VERSION,
  type RunInfo,
  type RunSummary,
  type SampleRecord,
} from "../log/schema.ts";
import { captureEnvironment } from "../environment.ts";
import { VERSION } from "../version.ts";
import { hostInfo } from "./host.ts";
import {
  addSample,
  emptySummaryState,
  finishSummary,
  type SummaryState,
} from "../log/summarize.ts";
import { createSampler, type Sampler } from "../sampler/sampler.ts";
import type { Runtime } from "../runtime.ts";
import type { Discovery } from "../sensors/registry.ts";

/** What impact.json says at the start beyond what sensor discovery found. */
export interface RunStart {
  /** The measured command (`impact run`'s child, or this process for `track()`). */
  command: string[];
  cwd: string;
  attribution: Attribution;
  options: RunInfo["options"];
  labels: Record<string, string>;
}

/**
 * impact.json as written when a session starts: tool, host, devices, sensors and the run's options.
 *
 * @param runtime The clock for the start time.
 * @param discovery The sensors found (CPU, GPUs, statuses).
 * @param start The command, working directory, attribution, options and labels.
 * @returns The run info.
 */
export function startingInfo(
  runtime: Runtime,
  discovery: Pick<Discovery, "cpu" | "gpus" | "statuses">,
  start: RunStart,
): RunInfo {
  return {
    schemaVersion: LOG_SCHEMA_VERSION,
    tool: { name: "impact", version: VERSION },
    command: start.command,
    cwd: start.cwd,
    start: new Date(runtime.now()).toISOString(),
    host: hostInfo(),
    cpu: discovery.cpu,
    gpus: discovery.gpus,
    sensors: discovery.statuses,
    attribution: start.attribution,
    options: start.options,
    labels: start.labels,
  };
}

/**
 * Starts gathering git, pip and conda state off the hot path, while the job runs.
 *
 * @param runtime Runs git, pip and conda.
 * @param wanted False for `--no-env` / `captureEnv: false`.
 * @param where The working directory and the command (its Python interpreter).
 * @returns The fields to merge into the final impact.json (none when unwanted or nothing was
 * found); never rejects.
 */
export function captureEnvironmentInfo(
  runtime: Runtime,
  wanted: boolean,
  where: { cwd: string; command: string[] },
): Promise<Partial<RunInfo>> {
  if (!wanted) return Promise.resolve({});
  return captureEnvironment(runtime, where).then(
    (environment) => Object.keys(environment).length > 0 ? { environment } : {},
    () => ({}),
  );
}

/** What a session needs. */
export interface SessionOptions {
  runtime: Runtime;
  discovery: Discovery;
  writer: LogWriter;
  /** impact.json as written at the start. */
  info: RunInfo;
  /** The tracked process; the runner sets the child's later through `sampler.setRootPid`. */
  rootPid?: number | undefined;
  intervalMs: number;
  /** The GPUs the job's settings name (`resolveGpus`). */
  gpuSelection?: GpuSelection | undefined;
  /** Called with each record before it is written (may set optional fields: intensity). */
  beforeWrite?: ((record: SampleRecord) => void) | undefined;
  /** Called with each record after it is written (the status line). */
  afterWrite?: ((record: SampleRecord) => void) | undefined;
}

/** How the job ended. */
export interface SessionEnd {
  exitCode: number | null;
  signal?: string | null;
  /** The job's own wall time, s (the command's start to its exit). */
  jobWallSeconds?: number;
  /** Extra fields to merge into the final impact.json (environment, ...). */
  info?: Partial<RunInfo>;
}

/** A running session. */
export interface Session {
  sampler: Sampler;
  /** The running totals of every record written so far (what summary.json will say). */
  summaryState(): SummaryState;
  /**
   * Why sampling stopped early, once it has: a record could not be written (sensor failures
   * are gaps in the records, they never stop sampling).
   */
  failure(): Error | undefined;
  /** Resolves when sampling stops by itself (a record could not be written). */
  readonly failed: Promise<Error>;
  /**
   * Stops sampling (one last sample), writes summary.json and impact.json as far as the file
   * system lets it, closes sensors. Never rejects for a file it could not write: it says so.
   */
  stop(end: SessionEnd): Promise<SessionResult>;
}

/** What a session ended with. */
export interface SessionResult {
  summary: RunSummary;
  /**
   * impact.json as written at the end, redacted (or as it would have been, when it could not
   * be): what may be shown.
   */
  info: RunInfo;
  /**
   * What could not be written, one sentence per file (samples that stopped, a summary.json or
   * final impact.json the disk refused); empty when the log is complete.
   */
  logErrors: string[];
}

/**
 * Starts the sensors and the sampling loop.
 *
 * @param options The sensors, log writer and job.
 * @returns The running session.
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const { runtime, discovery, writer } = options;
  // The sampler hands records on; the session keeps the running summary of what it wrote.
  // Set below once the sampler has chosen its interval (the peak rule needs it).
  let state = emptySummaryState();
  const sampler = createSampler({
    runtime,
    sensors: discovery.sensors,
    usage: discovery.usage,
    rootPid: options.rootPid,
    intervalMs: options.intervalMs,
    attribution: options.info.attribution,
    gpuSelection: options.gpuSelection,
    async onSample(record) {
      options.beforeWrite?.(record);
      await writer.appendSample(record);
      state = addSample(state, record);
      options.afterWrite?.(record);
    },
  });
  state = emptySummaryState(sampler.intervalMs / 1000);
  const controller = new AbortController();
  let failure: Error | undefined;
  let signalFailed: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (signalFailed = resolve));
  try {
    await sampler.start();
  } catch (error) {
    await discovery.close();
    throw error;
  }
  const loop = sampler.run(controller.signal).catch((error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error));
    signalFailed(failure);
  });
  let stopped: Promise<SessionResult> | undefined;

  async function stop(end: SessionEnd): Promise<SessionResult> {
    controller.abort();
    await loop;
    const endTime = new Date(runtime.now()).toISOString();
    const info: RunInfo = {
      ...options.info,
      ...end.info,
      end: endTime,
      exitCode: end.exitCode,
    };
    if (end.signal !== undefined) info.signal = end.signal;
    // The interval sampled at (shorter than asked when a counter could wrap sooner), and the
    // sensor the floor held back, if one was: what the sampler decided, for run and track().
    info.options = {
      ...info.options,
      usedIntervalSeconds: sampler.intervalMs / 1000,
      ...(sampler.intervalFloor ? { intervalFloor: { ...sampler.intervalFloor } } : {}),
    };
    // The sampler keeps a GPU the job's once it saw it used (compute-apps pids,
    // CUDA_VISIBLE_DEVICES); a GPU it measured but never saw used was not the job's.
    const used = sampler.usedGpus();
    const busy = sampler.busyGpus();
    if (used.size === 0 && busy.size > 0 && !options.gpuSelection?.restricted) {
      info.unmatchedBusyGpus = [...busy].map(([device, activity]) => ({ device, ...activity }));
    }
    const measured = new Set(state.components.map((c) => c.device));
    info.gpus = info.gpus.map((gpu) => {
      const device = gpuDeviceId(gpu);
      if (gpu.usedByJob !== undefined || !measured.has(device)) return gpu;
      return { ...gpu, usedByJob: used.has(device) };
    });
    const summary = finishSummary(state, {
      start: info.start,
      end: endTime,
      exitCode: end.exitCode,
      ...(end.signal !== undefined ? { signal: end.signal } : {}),
      attribution: info.attribution,
      ...(info.slurm ? { slurm: info.slurm } : {}),
      ...(end.jobWallSeconds !== undefined ? { jobWallSeconds: end.jobWallSeconds } : {}),
    });
    const logErrors: string[] = [];
    let recorded = info;
    if (failure) {
      logErrors.push(
        `${failure.message}; sampling stopped there, the samples before it are kept`,
      );
    }
    try {
      // The summary first: the smaller file, and the one every report reads.
      await writer.writeSummary(summary).catch((error) => {
        if (!(error instanceof LogWriteError)) throw error;
        logErrors.push(
          `${error.message}; \`impact summary ${writer.dir}\` rebuilds it from samples.jsonl`,
        );
      });
      if (logErrors.length > 0) info.logErrors = [...logErrors];
      recorded = await writer.writeInfo(info).catch((error) => {
        if (!(error instanceof LogWriteError)) throw error;
        logErrors.push(
          `${error.message}; it keeps what the run's start wrote (no end, no exit code)`,
        );
        return writer.recorded(info);
      });
    } finally {
      writer.close();
      await discovery.close();
    }
    return { summary, info: recorded, logErrors };
  }

  return {
    sampler,
    summaryState: () => state,
    failure: () => failure,
    failed,
    stop: (end) => (stopped ??= stop(end)),
  };
}
