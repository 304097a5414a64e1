/**
 * The log directory format (schema version 1): the stable contract every report reads.
 *
 * A log directory holds:
 * - `impact.json` ({@link RunInfo}): written when the run starts, rewritten atomically at the end;
 * - `samples.jsonl` ({@link SampleRecord}): one line per interval, appended and flushed;
 * - `summary.json` ({@link RunSummary}): written when the run ends (also when the child is killed).
 *
 * @module
 */

import type { Component, Method, SensorStatus } from "../sensors/types.ts";

/** The version of this format; readers refuse newer majors. */
export const LOG_SCHEMA_VERSION = 1;

/** File names inside a log directory. */
export const LOG_FILES = {
  info: "impact.json",
  samples: "samples.jsonl",
  summary: "summary.json",
} as const;

/** How the job's share of a device's energy is decided. */
export type Attribution = "cpu-time-share" | "whole-machine" | "cgroup";

/** A GPU found on the machine. */
export interface GpuInfo {
  index: number;
  name: string;
  uuid?: string;
  driverVersion?: string;
  cudaVersion?: string;
  powerLimitWatts?: number;
  /** Whether the job used it (compute-apps, CUDA_VISIBLE_DEVICES). */
  usedByJob?: boolean;
}

/** The hardware the run saw. */
export interface CpuInfo {
  model?: string;
  vendor?: string;
  sockets?: number;
  cores?: number;
  threads?: number;
  memoryTotalBytes?: number;
}

/** Where the run's electricity came from (filled by the accounting's region options). */
export interface RegionInfo {
  zone?: string;
  /** ISO 3166-1 alpha-3. */
  country?: string;
  /** How the zone was chosen: `--zone`, `--country`, `--lat/--lon`, `--address`, `--cloud`, `IMPACT_ZONE`, `unknown`. */
  source: string;
  cloud?: { provider: string; region: string; pue?: number };
  place?: string;
  latitude?: number;
  longitude?: number;
  /** The yearly grid intensity the region implies (what the summary's carbon line used). */
  intensity?: {
    gramsPerKwh: number;
    source: string;
    year: number;
    /** The zone the figure is for (its country's, when the zone has none: `fallbackFrom`). */
    zone: string;
    fallbackFrom?: string;
  };
  /** `--live-intensity`: the source polled and how the polls went (samples carry the values). */
  live?: {
    provider: string;
    zone: string;
    everySeconds: number;
    url?: string;
    polls: number;
    /** Polls that failed; their intervals used the yearly figure. */
    failures: number;
    lastFailure?: string;
  };
  /** Why the region could not be found (a geocoder or IP locator that did not answer). */
  error?: string;
}

/** SLURM context of a task (cluster runs). */
export interface SlurmInfo {
  jobId?: string;
  stepId?: string;
  node?: string;
  taskRank?: number;
  localId?: number;
  user?: string;
  partition?: string;
  account?: string;
  /** True for the one task per node that samples the node's devices. */
  nodeSampler?: boolean;
}

/** `impact.json`. */
export interface RunInfo {
  schemaVersion: typeof LOG_SCHEMA_VERSION;
  tool: { name: "impact"; version: string };
  command: string[];
  cwd: string;
  /** ISO 8601 UTC. */
  start: string;
  end?: string;
  exitCode?: number | null;
  signal?: string | null;
  host: { hostname: string; os: string; arch: string; kernel?: string };
  cpu: CpuInfo;
  gpus: GpuInfo[];
  sensors: SensorStatus[];
  attribution: Attribution;
  options: { intervalSeconds: number; [key: string]: unknown };
  labels: Record<string, string>;
  environment?: {
    git?: { commit: string; dirty: boolean };
    python?: { tool: "pip freeze" | "conda list"; packages: string[] };
    [key: string]: unknown;
  };
  region?: RegionInfo;
  slurm?: SlurmInfo;
  /** Set when a sensor failed mid-run: sampling stopped there (the samples end early). */
  samplingError?: string;
}

/** One device's figures over one interval. */
export interface DeviceSample {
  component: Component;
  device: string;
  method: Method;
  machineEnergyJoules: number;
  attributedEnergyJoules: number;
  /** Mean power over the interval (machine). */
  powerWatts: number;
  utilization?: number;
  memoryUsedBytes?: number;
  /** GPUs: whether the job used this device in the interval (compute-apps, CUDA_VISIBLE_DEVICES). */
  usedByJob?: boolean;
}

/** One line of `samples.jsonl`. */
export interface SampleRecord {
  /** End of the interval, ISO 8601 UTC. */
  t: string;
  intervalSeconds: number;
  devices: DeviceSample[];
  cpu: {
    /** The job's share of busy CPU time in this interval, [0, 1]. */
    jobShare: number;
    /** CPU seconds the job used in this interval (its whole process tree). */
    jobCpuSeconds: number;
    /** Machine CPU utilisation, [0, 1]. */
    utilization: number;
  };
  memory: { jobBytes: number; kind: "pss" | "rss" | "cgroup" };
  /** Live grid intensity in force during the interval, when polled. */
  intensity?: { gramsPerKwh: number; source: string };
  slurm?: SlurmInfo;
}

/** One component's totals in `summary.json`. */
export interface ComponentTotal {
  component: Component;
  device: string;
  method: Method;
  machineEnergyJoules: number;
  attributedEnergyJoules: number;
}

/** `summary.json`: the stable contract other tools read. */
export interface RunSummary {
  schemaVersion: typeof LOG_SCHEMA_VERSION;
  start: string;
  end: string;
  durationSeconds: number;
  exitCode: number | null;
  signal?: string | null;
  attribution: Attribution;
  components: ComponentTotal[];
  totals: {
    machineEnergyJoules: number;
    attributedEnergyJoules: number;
    /** Attributed joules from `counter` or `integrated` figures. */
    measuredEnergyJoules: number;
    /** Attributed joules from `estimate` figures. */
    estimatedEnergyJoules: number;
  };
  /** Machine power over the run. */
  power: { meanWatts: number; peakWatts: number };
  /** CPU seconds of the job's process tree. */
  cpuSeconds: number;
  /** Seconds x GPUs the job used. */
  gpuSeconds: number;
  samples: number;
  /** Set when a reader rebuilt this from samples.jsonl (the run was killed). */
  recomputed?: boolean;
  slurm?: SlurmInfo;
}
