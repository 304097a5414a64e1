/**
 * The sampling loop: reads every sensor concurrently each interval on a monotonic clock
 * (ticks at start + k x interval, so it never drifts), turns cumulative energies into
 * interval energies, attributes them to the job and hands each record on.
 *
 * The loop runs beside the child and never waits on it; it stops when its AbortSignal fires
 * (after one last sample) or when a sensor fails (the error is rethrown, never a silent zero).
 *
 * @module
 */
import type { Attribution, DeviceEnergy, JobUsage, SystemCpu, UsageSource } from "../types.ts";
import type { SampleRecord } from "../log/schema.ts";
import type { Runtime } from "../runtime.ts";
import type { EnergySensor } from "../sensors/types.ts";
import { visibleGpuDevices } from "../sensors/gpu_visibility.ts";
import { attributeDevices, cpuTimeShare, type DeviceDelta, gpuUsedByJob } from "./attribution.ts";

/** How to sample. */
export interface SamplerOptions {
  runtime: Runtime;
  sensors: EnergySensor[];
  /** Job and machine CPU time; without one the job's CPU share is taken as 1. */
  usage?: UsageSource | undefined;
  /**
   * The tracked process (the child, or this process for the library tracker); may be set
   * later with {@link Sampler.setRootPid} when the child starts after the baseline.
   */
  rootPid?: number | undefined;
  /** Requested interval, ms; shortened to the smallest sensor `maxReadIntervalMs()`. */
  intervalMs: number;
  attribution: Attribution;
  /** The job's `CUDA_VISIBLE_DEVICES`, if set. */
  cudaVisibleDevices?: string | undefined;
  /** Receives each record in order; awaited before the next tick. */
  onSample?: ((record: SampleRecord) => Promise<void> | void) | undefined;
}

/** A running sampler. */
export interface Sampler {
  /** The interval actually used, ms. */
  readonly intervalMs: number;
  /** Starts the sensors and takes the baseline. */
  start(): Promise<void>;
  /**
   * Samples until `signal` aborts, then takes one last sample and resolves.
   * Rejects with the sensor's error when a read fails.
   */
  run(signal: AbortSignal): Promise<void>;
  /** The newest record, if any. */
  latest(): SampleRecord | undefined;
  /** Sets the tracked process (a child started after `start()`: its CPU time counts from 0). */
  setRootPid(pid: number): void;
}

/**
 * The interval to sample at: the requested one, never longer than any sensor allows.
 *
 * @param requestedMs The requested interval, ms.
 * @param sensors The sensors to read.
 * @returns The interval, ms.
 */
function effectiveIntervalMs(requestedMs: number, sensors: EnergySensor[]): number {
  let ms = requestedMs;
  for (const sensor of sensors) {
    const max = sensor.maxReadIntervalMs?.();
    if (max !== undefined && max > 0 && max < ms) ms = max;
  }
  return ms;
}

/**
 * Creates a sampler over the given sensors.
 *
 * @param options Sensors, usage source, tracked process, interval and attribution.
 * @returns The sampler; call `start()` then `run(signal)`.
 */
export function createSampler(options: SamplerOptions): Sampler {
  const { runtime, sensors, usage } = options;
  const intervalMs = effectiveIntervalMs(options.intervalMs, sensors);
  // The GPUs CUDA_VISIBLE_DEVICES names, resolved against the GPUs the sensors report (the
  // first time they report any): unset means the job claims none by this rule.
  let cudaVisible: Set<string> | undefined;
  const usedGpus = new Set<string>();
  let previous = new Map<string, number>();
  let previousMs = 0;
  let previousJob: JobUsage | undefined;
  let previousSystem: SystemCpu | undefined;
  let latest: SampleRecord | undefined;
  let rootPid = options.rootPid;

  async function readUsage(): Promise<[JobUsage | undefined, SystemCpu | undefined]> {
    if (!usage) return [undefined, undefined];
    const pid = rootPid;
    const [job, system] = await Promise.all([
      // The tracked process may already be gone at the last sample: no new CPU time then.
      pid === undefined
        ? undefined
        : Promise.resolve().then(() => usage.jobUsage(pid)).catch(() => undefined),
      usage.systemCpu(),
    ]);
    return [job, system];
  }

  async function readAll(): Promise<[DeviceEnergy[], JobUsage | undefined, SystemCpu | undefined]> {
    const [readings, [job, system]] = await Promise.all([
      Promise.all(sensors.map((s) => s.read())),
      readUsage(),
    ]);
    return [readings.flat(), job, system];
  }

  async function sampleOnce(): Promise<void> {
    // Stamp the interval when the reads are issued, not when the slowest one (a process-tree
    // walk) returns: counters and integrating sensors take their values at the call, so a
    // late stamp would shift energy between intervals and skew the first and last ones.
    const nowMs = runtime.monotonicMs();
    const wallMs = runtime.now();
    const [readings, job, system] = await readAll();
    const seconds = Math.max(0, (nowMs - previousMs) / 1000);
    previousMs = nowMs;

    const deltas: DeviceDelta[] = [];
    const current = new Map<string, number>();
    for (const reading of readings) {
      const key = `${reading.component}/${reading.device}`;
      current.set(key, reading.energyJoules);
      const energyJoules = Math.max(0, reading.energyJoules - (previous.get(key) ?? 0));
      deltas.push({ reading, energyJoules, seconds });
    }
    previous = current;

    const jobCpuSeconds = job ? Math.max(0, job.cpuSeconds - (previousJob?.cpuSeconds ?? 0)) : 0;
    const busySeconds = system && previousSystem
      ? Math.max(0, system.busySeconds - previousSystem.busySeconds)
      : 0;
    const totalSeconds = system && previousSystem
      ? Math.max(0, system.totalSeconds - previousSystem.totalSeconds)
      : 0;
    const jobShare = usage ? cpuTimeShare(jobCpuSeconds, busySeconds) : 1;
    if (job) previousJob = job;
    if (system) previousSystem = system;

    const pids = new Set(job?.pids ?? []);
    if (cudaVisible === undefined && options.cudaVisibleDevices !== undefined) {
      cudaVisible = visibleGpuDevices(options.cudaVisibleDevices, readings);
    }
    // Once used, a GPU stays the job's: compute-apps is polled slower than power.
    for (const { reading } of deltas) {
      if (reading.component === "gpu" && gpuUsedByJob(reading, pids, cudaVisible)) {
        usedGpus.add(reading.device);
      }
    }
    const record: SampleRecord = {
      t: new Date(wallMs).toISOString(),
      intervalSeconds: seconds,
      devices: attributeDevices(deltas, options.attribution, jobShare, usedGpus),
      cpu: {
        jobShare,
        jobCpuSeconds,
        utilization: totalSeconds > 0 ? Math.min(1, busySeconds / totalSeconds) : 0,
      },
      memory: {
        jobBytes: (job ?? previousJob)?.memoryBytes ?? 0,
        kind: (job ?? previousJob)?.memoryKind ?? "rss",
      },
    };
    const estimated = (job ?? previousJob)?.estimatedProcesses;
    if (estimated !== undefined) record.memory.estimatedProcesses = estimated;
    latest = record;
    await options.onSample?.(record);
  }

  let startMs = 0;
  return {
    intervalMs,
    async start() {
      await Promise.all(sensors.map((s) => s.start()));
      // A baseline read after every sensor has started: all figures then cover the same
      // window, whatever each sensor's start-up took (an nvidia-smi stream takes a while).
      // A first read, discarded, runs every read path once (compiling it, opening files), so
      // the baseline read is issued right after its stamp: a first call tens of milliseconds
      // late would leave that much of an integrating sensor's energy out of the first interval.
      await readAll();
      const baselineMs = runtime.monotonicMs();
      const [readings, job, system] = await readAll();
      previous = new Map(readings.map((r) => [`${r.component}/${r.device}`, r.energyJoules]));
      previousJob = job;
      previousSystem = system;
      startMs = previousMs = baselineMs;
    },
    async run(signal) {
      let tick = 1;
      while (!signal.aborted) {
        const wait = startMs + tick * intervalMs - runtime.monotonicMs();
        if (wait > 0) await runtime.sleep(wait, signal);
        if (signal.aborted) break;
        await sampleOnce();
        // Skip ticks that are already past (a slow read), keeping the phase.
        tick = Math.max(tick + 1, Math.floor((runtime.monotonicMs() - startMs) / intervalMs) + 1);
      }
      await sampleOnce();
    },
    latest: () => latest,
    setRootPid(pid) {
      rootPid = pid;
    },
  };
}
