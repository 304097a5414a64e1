/**
 * Pure accumulation of a {@link RunSummary} from {@link SampleRecord}s. The sampler keeps a
 * running summary with it and the reader rebuilds a killed run's summary with it, so both
 * give the same figures from the same samples.
 *
 * @module
 */
import type { Attribution, Method } from "../types.ts";
import {
  type ComponentTotal,
  LOG_SCHEMA_VERSION,
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
  /** Sum of the samples' interval lengths. */
  sampledSeconds: number;
  peakWatts: number;
  cpuSeconds: number;
  gpuSeconds: number;
  samples: number;
}

/** What a summary needs beyond the samples. */
export interface SummaryMeta {
  /** ISO 8601 UTC. */
  start: string;
  /** ISO 8601 UTC. */
  end: string;
  exitCode: number | null;
  signal?: string | null;
  attribution: Attribution;
  slurm?: SlurmInfo;
  recomputed?: boolean;
}

/**
 * The state before any sample.
 *
 * @returns Zero totals.
 */
export function emptySummaryState(): SummaryState {
  return {
    components: [],
    machineEnergyJoules: 0,
    attributedEnergyJoules: 0,
    estimatedEnergyJoules: 0,
    sampledSeconds: 0,
    peakWatts: 0,
    cpuSeconds: 0,
    gpuSeconds: 0,
    samples: 0,
  };
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
    machine += d.machineEnergyJoules;
    attributed += d.attributedEnergyJoules;
    if (d.method === "estimate") estimated += d.attributedEnergyJoules;
    powerWatts += d.powerWatts;
    if (d.component === "gpu" && isUsedGpu(d)) gpusUsed++;
  }
  return {
    components,
    machineEnergyJoules: state.machineEnergyJoules + machine,
    attributedEnergyJoules: state.attributedEnergyJoules + attributed,
    estimatedEnergyJoules: state.estimatedEnergyJoules + estimated,
    sampledSeconds: state.sampledSeconds + sample.intervalSeconds,
    peakWatts: Math.max(state.peakWatts, powerWatts),
    cpuSeconds: state.cpuSeconds + sample.cpu.jobCpuSeconds,
    gpuSeconds: state.gpuSeconds + gpusUsed * sample.intervalSeconds,
    samples: state.samples + 1,
  };
}

/**
 * Turns totals into the `summary.json` value.
 *
 * @param state The totals.
 * @param meta Start, end, exit code and attribution of the run.
 * @returns The summary.
 */
export function finishSummary(state: SummaryState, meta: SummaryMeta): RunSummary {
  const startMs = Date.parse(meta.start);
  const endMs = Date.parse(meta.end);
  const durationSeconds = Number.isFinite(startMs) && Number.isFinite(endMs)
    ? Math.max(0, (endMs - startMs) / 1000)
    : state.sampledSeconds;
  const summary: RunSummary = {
    schemaVersion: LOG_SCHEMA_VERSION,
    start: meta.start,
    end: meta.end,
    durationSeconds,
    exitCode: meta.exitCode,
    attribution: meta.attribution,
    components: state.components.map((c) => ({ ...c })),
    totals: {
      machineEnergyJoules: state.machineEnergyJoules,
      attributedEnergyJoules: state.attributedEnergyJoules,
      measuredEnergyJoules: state.attributedEnergyJoules - state.estimatedEnergyJoules,
      estimatedEnergyJoules: state.estimatedEnergyJoules,
    },
    power: {
      meanWatts: state.sampledSeconds > 0 ? state.machineEnergyJoules / state.sampledSeconds : 0,
      peakWatts: state.peakWatts,
    },
    cpuSeconds: state.cpuSeconds,
    gpuSeconds: state.gpuSeconds,
    samples: state.samples,
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
  let state = emptySummaryState();
  for (const sample of samples) state = addSample(state, sample);
  return finishSummary(state, meta);
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
