/**
 * Pure accumulation of a {@link RunSummary} from {@link SampleRecord}s. The sampler keeps a
 * running summary with it and the reader rebuilds a killed run's summary with it, so both
 * give the same figures from the same samples.
 *
 * @module
 */
import { type Attribution, countsInTotal, type Method } from "../types.ts";
import {
  type ComponentTotal,
  type DeviceGap,
  LOG_SCHEMA_VERSION,
  type RunInfo,
  type RunSummary,
  type SampleRecord,
  type SlurmInfo,
} from "./schema.ts";

/** Totals so far; a plain value, replaced (never mutated) by {@link addSample}. */
export interface SummaryState {
  /** Per device, keyed by `component/device`, in first-seen order. */
  components: ComponentTotal[];
  machineEnergyJoules: number;
  attributedEnergyJoules: number;
  estimatedEnergyJoules: number;
  /** Sum of the samples' interval lengths: the window the energy covers. */
  sampledSeconds: number;
  /** The highest interval power among intervals long enough to count (half the nominal one). */
  peakWatts: number;
  /** Intervals that counted toward the peak. */
  peakIntervals: number;
  /** The nominal sampling interval, s, when known (intervals under half of it skip the peak). */
  nominalIntervalSeconds?: number;
  /** Start of the first interval (the sensors' baseline), epoch ms. */
  windowStartMs?: number;
  /** End of the last interval, ISO 8601 UTC. */
  lastT?: string;
  cpuSeconds: number;
  gpuSeconds: number;
  samples: number;
  /** Stretches not measured, consecutive intervals of a device merged. */
  gaps: DeviceGap[];
  /** `component/device` -> index in `gaps` of the stretch the last sample extended. */
  openGaps: Record<string, number>;
  /** `component/device` -> seconds not measured. */
  unmeasuredSeconds: Record<string, number>;
}

/** What a summary needs beyond the samples. */
export interface SummaryMeta {
  /** When the run started, ISO 8601 UTC (the window's start when there is no sample). */
  start: string;
  /** When the run ended, ISO 8601 UTC (the window's end when there is no sample). */
  end: string;
  exitCode: number | null;
  signal?: string | null;
  attribution: Attribution;
  slurm?: SlurmInfo;
  recomputed?: boolean;
  /** The job's own wall time, s (default: `end` - `start`). */
  jobWallSeconds?: number;
  /** The nominal sampling interval, s, for the peak rule (every interval counts without it). */
  intervalSeconds?: number;
}

/**
 * The state before any sample.
 *
 * @param nominalIntervalSeconds The sampling interval asked for, s: intervals shorter than
 *   half of it do not count toward the peak power. Every interval counts without it.
 * @returns Zero totals.
 */
export function emptySummaryState(nominalIntervalSeconds?: number): SummaryState {
  const state: SummaryState = {
    components: [],
    machineEnergyJoules: 0,
    attributedEnergyJoules: 0,
    estimatedEnergyJoules: 0,
    sampledSeconds: 0,
    peakWatts: 0,
    peakIntervals: 0,
    cpuSeconds: 0,
    gpuSeconds: 0,
    samples: 0,
    gaps: [],
    openGaps: {},
    unmeasuredSeconds: {},
  };
  if (nominalIntervalSeconds !== undefined) state.nominalIntervalSeconds = nominalIntervalSeconds;
  return state;
}

/**
 * Whether an interval is long enough for its power to count toward the peak: at least half the
 * nominal interval. A last interval of 13 ms (the job ended just after a tick) divides a
 * counter's granularity and a stream's hold by almost nothing, and reads as a spike.
 *
 * @param intervalSeconds The interval's length.
 * @param nominalIntervalSeconds The sampling interval asked for, when known.
 * @returns True when the interval counts.
 */
function peakCounts(intervalSeconds: number, nominalIntervalSeconds?: number): boolean {
  return nominalIntervalSeconds === undefined || intervalSeconds >= nominalIntervalSeconds / 2;
}

/**
 * Adds one sample to the totals.
 *
 * @param state The totals so far.
 * @param sample The next sample.
 * @returns New totals; `state` is left as it was.
 * @example Running totals, one record at a time
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { addSample, emptySummaryState } from "./summarize.ts";
 *
 * const record = {
 *   t: "2026-01-01T00:00:01.000Z",
 *   intervalSeconds: 1,
 *   devices: [{
 *     component: "cpu" as const,
 *     device: "package-0",
 *     method: "counter" as const,
 *     machineEnergyJoules: 80,
 *     attributedEnergyJoules: 20,
 *     powerWatts: 80,
 *   }],
 *   cpu: { jobShare: 0.25, jobCpuSeconds: 1, utilization: 0.5 },
 *   memory: { jobBytes: 0, kind: "rss" as const },
 * };
 * const state = [record, record].reduce(addSample, emptySummaryState());
 * equal(state.attributedEnergyJoules, 40);
 * ```
 */
export function addSample(state: SummaryState, sample: SampleRecord): SummaryState {
  const components = state.components.map((c) => ({ ...c }));
  let machine = 0;
  let attributed = 0;
  let estimated = 0;
  let powerWatts = 0;
  let gpusUsed = 0;
  for (const d of sample.devices) {
    let total = components.find((c) => c.component === d.component && c.device === d.device);
    if (!total) {
      total = {
        component: d.component,
        device: d.device,
        method: d.method,
        machineEnergyJoules: 0,
        attributedEnergyJoules: 0,
      };
      components.push(total);
    }
    total.method = weakerMethod(total.method, d.method);
    total.machineEnergyJoules += d.machineEnergyJoules;
    total.attributedEnergyJoules += d.attributedEnergyJoules;
    // A whole-node meter contains the other devices: listed, never added to the totals.
    if (!countsInTotal(d.component)) continue;
    machine += d.machineEnergyJoules;
    attributed += d.attributedEnergyJoules;
    if (d.method === "estimate") estimated += d.attributedEnergyJoules;
    powerWatts += d.powerWatts;
    if (d.component === "gpu" && isUsedGpu(d)) gpusUsed++;
  }
  const peak = peakCounts(sample.intervalSeconds, state.nominalIntervalSeconds);
  const next: SummaryState = {
    ...state,
    components,
    machineEnergyJoules: state.machineEnergyJoules + machine,
    attributedEnergyJoules: state.attributedEnergyJoules + attributed,
    estimatedEnergyJoules: state.estimatedEnergyJoules + estimated,
    sampledSeconds: state.sampledSeconds + sample.intervalSeconds,
    peakWatts: peak ? Math.max(state.peakWatts, powerWatts) : state.peakWatts,
    peakIntervals: state.peakIntervals + (peak ? 1 : 0),
    windowStartMs: state.windowStartMs ?? Date.parse(sample.t) - sample.intervalSeconds * 1000,
    lastT: sample.t,
    cpuSeconds: state.cpuSeconds + sample.cpu.jobCpuSeconds,
    gpuSeconds: state.gpuSeconds + gpusUsed * sample.intervalSeconds,
    samples: state.samples + 1,
  };
  return sample.gaps?.length || Object.keys(state.openGaps).length > 0
    ? withGaps(next, sample)
    : next;
}

/** Adds a sample's gaps, extending a device's stretch when its previous interval was one too. */
function withGaps(state: SummaryState, sample: SampleRecord): SummaryState {
  const gaps = [...state.gaps];
  const openGaps: Record<string, number> = {};
  const unmeasuredSeconds = { ...state.unmeasuredSeconds };
  const seconds = sample.intervalSeconds;
  for (const { component, device, reason } of sample.gaps ?? []) {
    const key = `${component}/${device}`;
    unmeasuredSeconds[key] = (unmeasuredSeconds[key] ?? 0) + seconds;
    const open = state.openGaps[key];
    const previous = open === undefined ? undefined : gaps[open];
    if (open !== undefined && previous?.reason === reason) {
      gaps[open] = { ...previous, to: sample.t, seconds: previous.seconds + seconds };
      openGaps[key] = open;
    } else {
      const from = new Date(Date.parse(sample.t) - seconds * 1000).toISOString();
      openGaps[key] = gaps.push({ component, device, from, to: sample.t, seconds, reason }) - 1;
    }
  }
  return { ...state, gaps, openGaps, unmeasuredSeconds };
}

/**
 * Turns totals into the `summary.json` value.
 *
 * @param state The totals.
 * @param meta Start, end, exit code and attribution of the run.
 * @returns The summary.
 */
export function finishSummary(state: SummaryState, meta: SummaryMeta): RunSummary {
  const runStartMs = Date.parse(meta.start);
  const runEndMs = Date.parse(meta.end);
  const runSeconds = Number.isFinite(runStartMs) && Number.isFinite(runEndMs)
    ? Math.max(0, (runEndMs - runStartMs) / 1000)
    : undefined;
  // The window is the energy's: baseline to last sample, on the sampler's monotonic clock.
  const windowed = state.windowStartMs !== undefined && Number.isFinite(state.windowStartMs) &&
    state.lastT !== undefined;
  const durationSeconds = windowed ? state.sampledSeconds : runSeconds ?? 0;
  const meanWatts = durationSeconds > 0 ? state.machineEnergyJoules / durationSeconds : 0;
  const jobWallSeconds = meta.jobWallSeconds ?? runSeconds;
  const summary: RunSummary = {
    schemaVersion: LOG_SCHEMA_VERSION,
    start: windowed ? new Date(state.windowStartMs!).toISOString() : meta.start,
    end: windowed ? state.lastT! : meta.end,
    durationSeconds,
    ...(jobWallSeconds !== undefined ? { jobWallSeconds } : {}),
    exitCode: meta.exitCode,
    attribution: meta.attribution,
    components: state.components.map((c) => ({
      ...c,
      unmeasuredSeconds: state.unmeasuredSeconds[`${c.component}/${c.device}`] ?? 0,
    })),
    totals: {
      machineEnergyJoules: state.machineEnergyJoules,
      attributedEnergyJoules: state.attributedEnergyJoules,
      measuredEnergyJoules: state.attributedEnergyJoules - state.estimatedEnergyJoules,
      estimatedEnergyJoules: state.estimatedEnergyJoules,
    },
    power: {
      meanWatts,
      peakWatts: state.peakIntervals > 0 ? state.peakWatts : meanWatts,
    },
    cpuSeconds: state.cpuSeconds,
    gpuSeconds: state.gpuSeconds,
    samples: state.samples,
    gaps: state.gaps.map((g) => ({ ...g })),
  };
  if (meta.signal !== undefined) summary.signal = meta.signal;
  if (meta.recomputed) summary.recomputed = true;
  if (meta.slurm) summary.slurm = meta.slurm;
  return summary;
}

/**
 * Summarises a whole run's samples at once.
 *
 * @param samples The samples in order.
 * @param meta Start, end, exit code and attribution of the run.
 * @returns The summary.
 */
export function summarizeSamples(samples: Iterable<SampleRecord>, meta: SummaryMeta): RunSummary {
  let state = emptySummaryState(meta.intervalSeconds);
  for (const sample of samples) state = addSample(state, sample);
  return finishSummary(state, meta);
}

/**
 * A run's summary rebuilt from its samples, the primary record, by a reader: when
 * `summary.json` is missing (the tracker was killed), unusable, or disagrees with the samples.
 *
 * @param info The run's impact.json (start, end, exit code, attribution, SLURM task).
 * @param samples The run's samples in order.
 * @returns The summary, marked `recomputed`.
 */
export function recomputeSummary(
  info: Pick<RunInfo, "start" | "end" | "exitCode" | "attribution" | "slurm">,
  samples: readonly SampleRecord[],
): RunSummary {
  return summarizeSamples(samples, {
    start: info.start,
    end: info.end ?? samples.at(-1)?.t ?? info.start,
    exitCode: info.exitCode ?? null,
    attribution: info.attribution,
    recomputed: true,
    ...(info.slurm ? { slurm: info.slurm } : {}),
  });
}

const METHOD_RANK: Record<Method, number> = { counter: 0, integrated: 1, estimate: 2 };

/** A device whose method changed mid-run is reported by its weakest method. */
function weakerMethod(a: Method, b: Method): Method {
  return METHOD_RANK[b] > METHOD_RANK[a] ? b : a;
}

/** A GPU counts toward GPU-seconds when the job used it (marked, or given energy). */
function isUsedGpu(d: { usedByJob?: boolean; attributedEnergyJoules: number }): boolean {
  return d.usedByJob ?? d.attributedEnergyJoules > 0;
}
