/**
 * The sampling loop: reads every sensor concurrently each interval on a monotonic clock
 * (ticks at start + k x interval, so it never drifts), turns cumulative energies into
 * interval energies, attributes them to the job and hands each record on.
 *
 * The loop runs beside the child and never waits on it; it stops when its AbortSignal fires
 * (after one last sample). A device that cannot be read (a {@link DeviceFailure}, a sensor
 * whose read rejects, a counter that was rebased) is a gap in that interval's record, never a
 * silent zero; the others are measured as usual. A device's baseline is retaken at its first
 * good read after a gap, so the energy of a gap is never guessed.
 *
 * Sensors check their readings against what their hardware can do (lib/sensors/plausible.ts);
 * the loop keeps a last guard whatever a sensor hands on, so no log ever holds NaN, Infinity or
 * a negative figure: a reading that is not a finite, non-negative energy (or power) is a failed
 * device, and so is a step that goes back or exceeds 100 kW (lib/sampler/guard.ts).
 *
 * @module
 */
import {
  type Attribution,
  type Component,
  type DeviceEnergy,
  type DeviceFailure,
  type GpuSelection,
  isDeviceFailure,
  type JobUsage,
  type SystemCpu,
  type UsageSource,
} from "../types.ts";
import type { SampleGap, SampleRecord } from "../log/schema.ts";
import type { Runtime } from "../runtime.ts";
import { type EnergySensor, MIN_READ_INTERVAL_MS } from "../sensors/types.ts";
import { attributeDevices, cpuTimeShare, type DeviceDelta, gpuShareOfJob } from "./attribution.ts";
import { type SensorOutcome, trackSensor } from "./sensor_health.ts";
import { finite, stepProblem, unusableReading, withFiniteExtras } from "./guard.ts";

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
  /** The GPUs the job's settings name (`resolveGpus`); without it, only its processes do. */
  gpuSelection?: GpuSelection | undefined;
  /** Receives each record in order; awaited before the next tick. */
  onSample?: ((record: SampleRecord) => Promise<void> | void) | undefined;
}

/** The sensor that asked for the shortest interval, when it asked for one under the floor. */
export interface IntervalFloor {
  /** The sensor's name. */
  sensor: string;
  /** What it asked for (`maxReadIntervalMs`), ms. */
  askedMs: number;
  /** The floor it got instead ({@link MIN_READ_INTERVAL_MS}), ms. */
  floorMs: number;
}

/** A running sampler. */
export interface Sampler {
  /** The interval actually used, ms. */
  readonly intervalMs: number;
  /**
   * Set when a sensor asked to be read more often than every {@link MIN_READ_INTERVAL_MS}: it
   * is not (its counter may wrap unseen, so this is worth saying wherever the run reports).
   */
  readonly intervalFloor: IntervalFloor | undefined;
  /** Starts the sensors and takes the baseline. */
  start(): Promise<void>;
  /**
   * Samples until `signal` aborts, then takes one last sample and resolves. Sensor failures
   * are gaps in the records; it rejects only when `onSample` does (the log cannot be written).
   */
  run(signal: AbortSignal): Promise<void>;
  /** The newest record, if any. */
  latest(): SampleRecord | undefined;
  /** The GPUs the job has used so far (`gpu-N`), each with the job's share of it. */
  usedGpus(): Map<string, number>;
  /** GPUs seen busy (utilisation, or processes listed) that the job did not use, so far. */
  busyGpus(): Map<string, GpuActivity>;
  /** Sets the tracked process (a child started after `start()`: its CPU time counts from 0). */
  setRootPid(pid: number): void;
}

/**
 * The interval to sample at: the requested one, never longer than any sensor allows, and never
 * shortened below {@link MIN_READ_INTERVAL_MS} by a sensor (a tiny counter range once drove
 * sampling to 3 ms without a word).
 *
 * @param requestedMs The requested interval, ms.
 * @param sensors The sensors to read.
 * @returns The interval, ms, and the sensor that asked for less than the floor, if any.
 * @example A sensor asking for 3 ms gets 100 ms
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { effectiveInterval } from "./sampler.ts";
 *
 * const rapl = { name: "rapl", maxReadIntervalMs: () => 3 };
 * deepEqual(effectiveInterval(1000, [rapl]), {
 *   ms: 100,
 *   floor: { sensor: "rapl", askedMs: 3, floorMs: 100 },
 * });
 * deepEqual(effectiveInterval(1000, [{ name: "rapl", maxReadIntervalMs: () => 250 }]), {
 *   ms: 250,
 * });
 * ```
 */
export function effectiveInterval(
  requestedMs: number,
  sensors: Pick<EnergySensor, "name" | "maxReadIntervalMs">[],
): { ms: number; floor?: IntervalFloor } {
  let ms = requestedMs;
  let floor: IntervalFloor | undefined;
  for (const sensor of sensors) {
    const max = sensor.maxReadIntervalMs?.();
    if (max === undefined || Number.isNaN(max)) continue;
    if (max < MIN_READ_INTERVAL_MS && (floor === undefined || max < floor.askedMs)) {
      floor = { sensor: sensor.name, askedMs: max, floorMs: MIN_READ_INTERVAL_MS };
    }
    ms = Math.min(ms, Math.max(max, MIN_READ_INTERVAL_MS));
  }
  return floor ? { ms, floor } : { ms };
}

/** How busy a GPU the job did not use was: what a note on an unmatched GPU says. */
export interface GpuActivity {
  uuid?: string;
  /** The highest utilisation read, [0, 1], where the sensor gives one. */
  peakUtilization?: number;
  /** Process ids the driver listed on it (the first few). */
  processIds: number[];
}

/** Utilisation from which a GPU counts as busy. */
const BUSY_UTILIZATION = 0.1;
/** Process ids kept per busy GPU, for the note. */
const KEPT_PIDS = 8;

/** What the sampler keeps of one device between reads. */
interface DeviceState {
  component: Component;
  device: string;
  /** Its cumulative energy at the last good read; undefined in a gap (no baseline). */
  lastJoules: number | undefined;
  /** Why it is not measured, from its failure until its baseline is retaken. */
  gapReason?: string;
}

/** Why a device first read after the baseline has its first interval as a gap. */
const LATE_DEVICE = "first read after the run's baseline (no earlier reading to count from)";

/**
 * Creates a sampler over the given sensors.
 *
 * @param options Sensors, usage source, tracked process, interval and attribution.
 * @returns The sampler; call `start()` then `run(signal)`.
 */
export function createSampler(options: SamplerOptions): Sampler {
  const { runtime, sensors, usage } = options;
  const interval = effectiveInterval(options.intervalMs, sensors);
  const intervalMs = interval.ms;
  const usedGpus = new Map<string, number>();
  const busyGpus = new Map<string, GpuActivity>();
  const tracked = sensors.map((sensor) => trackSensor(sensor, () => runtime.monotonicMs()));
  const devices = new Map<string, DeviceState>();
  /** Per sensor, the `component/device` keys it reported last (what a rejected read fails). */
  const reported: string[][] = sensors.map(() => []);
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

  async function readAll(
    nowMs: number,
  ): Promise<[SensorOutcome[], JobUsage | undefined, SystemCpu | undefined]> {
    const [outcomes, [job, system]] = await Promise.all([
      Promise.all(tracked.map((t) => t.read(nowMs))),
      readUsage(),
    ]);
    return [outcomes, job, system];
  }

  /** Marks a device as not measured (its baseline is gone) and notes the interval's gap. */
  function fail(key: string, failure: DeviceFailure, gaps: SampleGap[] | undefined): void {
    const state = devices.get(key);
    if (state) {
      state.lastJoules = undefined;
      state.gapReason = failure.failure;
    } else {
      devices.set(key, {
        component: failure.component,
        device: failure.device,
        lastJoules: undefined,
        gapReason: failure.failure,
      });
    }
    gaps?.push({ component: failure.component, device: failure.device, reason: failure.failure });
  }

  /**
   * Turns the sensors' outcomes into interval energies (`deltas`) and gaps; with neither (the
   * baseline), only takes each device's starting value.
   */
  function account(
    outcomes: SensorOutcome[],
    seconds: number,
    deltas?: DeviceDelta[],
    gaps?: SampleGap[],
  ): DeviceEnergy[] {
    const measured: DeviceEnergy[] = [];
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) {
        for (const key of reported[i]!) {
          const state = devices.get(key)!;
          fail(
            key,
            { component: state.component, device: state.device, failure: outcome.reason },
            gaps,
          );
        }
        return;
      }
      const keys: string[] = [];
      for (const read of outcome.readings) {
        const key = `${read.component}/${read.device}`;
        keys.push(key);
        if (isDeviceFailure(read)) {
          fail(key, read, gaps);
          continue;
        }
        const unusable = unusableReading(read);
        if (unusable !== undefined) {
          const failure = `${sensors[i]!.name} handed on ${read.device}'s ${unusable}`;
          fail(key, { component: read.component, device: read.device, failure }, gaps);
          continue;
        }
        const reading = withFiniteExtras(read);
        measured.push(reading);
        let state = devices.get(key);
        if (!state) {
          state = { component: reading.component, device: reading.device, lastJoules: undefined };
          if (deltas) state.gapReason = LATE_DEVICE;
          devices.set(key, state);
        }
        if (deltas && (state.lastJoules === undefined || reading.rebased !== undefined)) {
          // The first good read after a gap is the new baseline: its interval is part of the gap.
          const reason = state.gapReason ?? reading.rebased!;
          gaps?.push({ component: reading.component, device: reading.device, reason });
        } else if (deltas) {
          const energyJoules = reading.energyJoules - state.lastJoules!;
          const problem = stepProblem(energyJoules, seconds);
          if (problem !== undefined) {
            // A sensor that should have said so: neither this value nor the last can be
            // trusted as a baseline (a dip that recovers would book its depth twice).
            const failure = `${sensors[i]!.name}: ${problem}`;
            fail(key, { component: reading.component, device: reading.device, failure }, gaps);
            continue;
          }
          deltas.push({ reading, energyJoules: Math.max(0, energyJoules), seconds });
        }
        state.lastJoules = reading.energyJoules;
        delete state.gapReason;
      }
      reported[i] = keys;
    });
    return measured;
  }

  async function sampleOnce(): Promise<void> {
    // Stamp the interval when the reads are issued, not when the slowest one (a process-tree
    // walk) returns: counters and integrating sensors take their values at the call, so a
    // late stamp would shift energy between intervals and skew the first and last ones.
    const nowMs = runtime.monotonicMs();
    const wallMs = runtime.now();
    const [outcomes, job, system] = await readAll(nowMs);
    const seconds = Math.max(0, (nowMs - previousMs) / 1000);
    previousMs = nowMs;

    const deltas: DeviceDelta[] = [];
    const gaps: SampleGap[] = [];
    const readings = account(outcomes, seconds, deltas, gaps);

    const jobCpuSeconds = job
      ? Math.max(0, finite(job.cpuSeconds - (previousJob?.cpuSeconds ?? 0)))
      : 0;
    const busySeconds = system && previousSystem
      ? Math.max(0, finite(system.busySeconds - previousSystem.busySeconds))
      : 0;
    const totalSeconds = system && previousSystem
      ? Math.max(0, finite(system.totalSeconds - previousSystem.totalSeconds))
      : 0;
    const jobShare = usage ? cpuTimeShare(jobCpuSeconds, busySeconds) : 1;
    if (job) previousJob = job;
    if (system) previousSystem = system;

    const pids = new Set(job?.pids ?? []);
    // Once used, a GPU stays the job's: compute-apps is polled slower than power.
    for (const reading of readings) {
      if (reading.component !== "gpu") continue;
      const share = gpuShareOfJob(reading, pids, options.gpuSelection);
      if (share > (usedGpus.get(reading.device) ?? 0)) usedGpus.set(reading.device, share);
      else if (share === 0) noteActivity(reading);
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
        jobBytes: finite((job ?? previousJob)?.memoryBytes ?? 0),
        kind: (job ?? previousJob)?.memoryKind ?? "rss",
      },
    };
    if (gaps.length > 0) record.gaps = gaps;
    const estimated = (job ?? previousJob)?.estimatedProcesses;
    if (estimated !== undefined) record.memory.estimatedProcesses = estimated;
    latest = record;
    await options.onSample?.(record);
  }

  /** Keeps how busy a GPU the job does not use is (for the note that it may be the job's). */
  function noteActivity(reading: DeviceEnergy): void {
    const utilization = reading.utilization ?? 0;
    const listed = reading.processIds ?? [];
    if (utilization < BUSY_UTILIZATION && listed.length === 0) return;
    let activity = busyGpus.get(reading.device);
    if (!activity) {
      activity = { processIds: [] };
      if (reading.uuid !== undefined) activity.uuid = reading.uuid;
      busyGpus.set(reading.device, activity);
    }
    if (reading.utilization !== undefined) {
      activity.peakUtilization = Math.max(activity.peakUtilization ?? 0, utilization);
    }
    for (const pid of listed) {
      if (activity.processIds.length >= KEPT_PIDS) break;
      if (!activity.processIds.includes(pid)) activity.processIds.push(pid);
    }
  }

  let startMs = 0;
  return {
    intervalMs,
    intervalFloor: interval.floor,
    async start() {
      await Promise.all(sensors.map((s) => s.start()));
      // A baseline read after every sensor has started: all figures then cover the same
      // window, whatever each sensor's start-up took (an nvidia-smi stream takes a while).
      // A first read, discarded, runs every read path once (compiling it, opening files), so
      // the baseline read is issued right after its stamp: a first call tens of milliseconds
      // late would leave that much of an integrating sensor's energy out of the first interval.
      await readAll(runtime.monotonicMs());
      const baselineMs = runtime.monotonicMs();
      const [outcomes, job, system] = await readAll(baselineMs);
      account(outcomes, 0);
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
    usedGpus: () => new Map(usedGpus),
    busyGpus: () => {
      const busy = new Map<string, GpuActivity>();
      for (const [device, activity] of busyGpus) {
        if (!usedGpus.has(device)) busy.set(device, { ...activity });
      }
      return busy;
    },
    setRootPid(pid) {
      rootPid = pid;
    },
  };
}
