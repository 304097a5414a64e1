/**
 * One measured session: sensors started, the sampler running beside the job, every record
 * appended to the log, and at the end the summary and final impact.json written. Shared by
 * `impact run` (tracking a child) and the library's `track()` (tracking this process).
 *
 * @module
 */
import type { LogWriter } from "../log/write.ts";
import type { RunInfo, RunSummary, SampleRecord } from "../log/schema.ts";
import { finishSummary } from "../log/summarize.ts";
import { createSampler, type Sampler } from "../sampler/sampler.ts";
import type { Runtime } from "../runtime.ts";
import type { Discovery } from "../sensors/registry.ts";

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
  cudaVisibleDevices?: string | undefined;
  /** Called with each record before it is written (may set optional fields: intensity). */
  beforeWrite?: ((record: SampleRecord) => Promise<void> | void)[];
  /** Observers of each record after it is written (status line). */
  observers?: ((record: SampleRecord) => Promise<void> | void)[];
}

/** How the job ended. */
export interface SessionEnd {
  exitCode: number | null;
  signal?: string | null;
  /** Extra fields to merge into the final impact.json (environment, ...). */
  info?: Partial<RunInfo>;
}

/** A running session. */
export interface Session {
  sampler: Sampler;
  /** The sampler's failure, once it has failed (sampling has then stopped). */
  failure(): Error | undefined;
  /** Resolves when the sampler stops by itself (a sensor failed). */
  readonly failed: Promise<Error>;
  /** Stops sampling (one last sample), writes summary.json and impact.json, closes sensors. */
  stop(end: SessionEnd): Promise<{ summary: RunSummary; info: RunInfo }>;
}

/**
 * Starts the sensors and the sampling loop.
 *
 * @param options The sensors, log writer and job.
 * @returns The running session.
 */
export async function startSession(options: SessionOptions): Promise<Session> {
  const { runtime, discovery, writer } = options;
  const observers = options.observers ?? [];
  // GPUs the sampler saw the job use (compute-apps pids, CUDA_VISIBLE_DEVICES), by device id.
  const gpuUse = new Map<string, boolean>();
  const sampler = createSampler({
    runtime,
    sensors: discovery.sensors,
    usage: discovery.usage,
    rootPid: options.rootPid,
    intervalMs: options.intervalMs,
    attribution: options.info.attribution,
    cudaVisibleDevices: options.cudaVisibleDevices,
    async onSample(record) {
      for (const d of record.devices) {
        if (d.component === "gpu" && d.usedByJob !== undefined) {
          gpuUse.set(d.device, (gpuUse.get(d.device) ?? false) || d.usedByJob);
        }
      }
      for (const decorate of options.beforeWrite ?? []) await decorate(record);
      await writer.appendSample(record);
      for (const observe of observers) await observe(record);
    },
  });
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
  let stopped: Promise<{ summary: RunSummary; info: RunInfo }> | undefined;

  async function stop(end: SessionEnd) {
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
    info.gpus = info.gpus.map((gpu) => {
      const used = gpuUse.get(`gpu-${gpu.index}`);
      return gpu.usedByJob !== undefined || used === undefined ? gpu : { ...gpu, usedByJob: used };
    });
    const summary = finishSummary(sampler.summaryState(), {
      start: info.start,
      end: endTime,
      exitCode: end.exitCode,
      ...(end.signal !== undefined ? { signal: end.signal } : {}),
      attribution: info.attribution,
      ...(info.slurm ? { slurm: info.slurm } : {}),
    });
    if (failure) info.samplingError = failure.message;
    try {
      await writer.writeSummary(summary);
      await writer.writeInfo(info);
    } finally {
      writer.close();
      await discovery.close();
    }
    return { summary, info };
  }

  return {
    sampler,
    failure: () => failure,
    failed,
    stop: (end) => (stopped ??= stop(end)),
  };
}
