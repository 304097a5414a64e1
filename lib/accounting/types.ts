/**
 * The figures the accounting derives from log directories: what `readLogs`, `impact summary`,
 * `impact statement` and the appendix all read. Sums are additive: the figures of `[a, b]`
 * equal those of `[a]` plus those of `[b]`, exactly, for every field documented as a sum.
 *
 * @module
 */
import type { SummedComponent } from "../types.ts";
import type { DeviceGap, RunInfo, RunSummary } from "../log/schema.ts";

/** Additive figures of one run or of a set of runs. Every field here is a sum. */
export interface Figures {
  /** How many runs. */
  runs: number;
  /** Facility energy: attributed energy x PUE, kWh. */
  energyKwh: number;
  /** Attributed energy before PUE (the IT equipment's), kWh. */
  itEnergyKwh: number;
  /** Facility energy per component (x PUE), kWh. */
  componentKwh: Record<SummedComponent, number>;
  /** Facility kWh whose underlying figures were `counter` or `integrated`. */
  measuredEnergyKwh: number;
  /** Facility kWh whose underlying figures were `estimate`. */
  estimatedEnergyKwh: number;
  /** kg CO2e: each interval's facility energy times the intensity in force then. */
  kgCO2e: number;
  /** Wall-clock hours. */
  hours: number;
  /** CPU hours of the job's processes. */
  cpuHours: number;
  /** GPU hours (hours x GPUs the job used). */
  gpuHours: number;
  /** Runs whose CPU energy had no readable counter (estimated or absent). */
  runsWithoutCpuCounter: number;
  /** Runs with a device that was not measured for part of the run (a recorded gap). */
  runsWithGaps: number;
  /**
   * Device-hours not measured (each gap's length, over devices and runs: two GPUs lost for
   * half an hour are one). The energy of those stretches is in no figure here.
   */
  unmeasuredDeviceHours: number;
}

/** One run's figures, with where its numbers came from. */
export interface RunFigures extends Figures {
  /** The log directory. */
  dir: string;
  /** Its `impact.json`. */
  info: RunInfo;
  /** Its `summary.json` (recomputed from the samples when the run was killed). */
  summary: RunSummary;
  /** The PUE applied to this run. */
  pue: number;
  /** Grid zone used (undefined when the region is unknown and a fallback applied). */
  zone?: string;
  /**
   * The intensity the run was charged at, gCO2e/kWh: its zone's (or the fallback's) yearly
   * figure as the table gives it, or with live values their energy-weighted mean.
   */
  intensityGramsPerKwh: number;
  /** Where the intensity comes from (yearly table, live source, fallback). */
  intensitySource: string;
  /** The year of the yearly figure; absent for live-only intensity. */
  intensityYear?: number;
  /** Words for what was assumed: unknown region, recomputed summary, skipped lines. */
  notes: string[];
  /**
   * Mean utilisation over the samples, percent: the machine's CPUs, and the GPUs the job used
   * (where they report it). Present only when the samples were read (`readSamples: "always"`).
   */
  utilization?: { cpuPercent: number; gpuPercent?: number };
  /** Lines of its samples.jsonl that were left out as unusable (absent when none). */
  skippedSampleLines?: number;
  /**
   * Every stretch a device was not measured, oldest first (summary.json's `gaps`; in a log
   * written before gaps were recorded, a stop of sampling is a gap of every device to the end
   * of the run). Empty when every device was measured throughout. Devices of a merged SLURM job
   * are named `<node>/<device>`.
   */
  gaps: DeviceGap[];
}

/** What `readLogs` returns. */
export interface LogsFigures {
  /** One entry per run (a SLURM job's logs merged into one). */
  runs: RunFigures[];
  /** The sum over `runs`. */
  total: Figures;
  /** Problems that did not stop the read: corrupt lines (file:line), recomputed summaries. */
  warnings: string[];
  /**
   * What was left out of the totals as unusable (each named in `warnings`): whole log
   * directories, and sample lines of the runs that were read. Absent means nothing.
   */
  leftOut?: { runs: number; sampleLines: number };
}
