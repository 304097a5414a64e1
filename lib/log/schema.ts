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

import type {
  Attribution,
  Component,
  CpuInfo,
  GpuInfo,
  GpuSelection,
  Method,
  ResolvedRegion,
  SensorStatus,
} from "../types.ts";

/** The version of this format; readers refuse newer majors. */
export const LOG_SCHEMA_VERSION = 1;

/** File names inside a log directory. */
export const LOG_FILES = {
  info: "impact.json",
  samples: "samples.jsonl",
  summary: "summary.json",
} as const;

/**
 * Where the run's electricity came from: the resolved region (how the zone was chosen, the
 * cloud region, the place) and what the run adds to it.
 */
export interface RegionInfo extends ResolvedRegion {
  /** The yearly grid intensity the region implies (what the summary's carbon line used). */
  intensity?: {
    /** gCO2e/kWh. */
    gramsPerKwh: number;
    /** Where the figure comes from, e.g. `Electricity Maps yearly average (via @tgwf/co2 0.19.0)`. */
    source: string;
    /** The year the figure is for. */
    year: number;
    /** The zone the figure is for (its country's, when the zone has none: `fallbackFrom`). */
    zone: string;
    /** The zone asked for, when its country's figure was used. */
    fallbackFrom?: string;
  };
  /** `--live-intensity`: the source polled and how the polls went (samples carry the values). */
  live?: {
    /** `electricitymaps`, `uk` or `caiso`. */
    provider: string;
    /** The zone polled. */
    zone: string;
    /** Seconds between polls. */
    everySeconds: number;
    /** Base URL, when not the public API. */
    url?: string;
    /** Polls made. */
    polls: number;
    /** Polls that failed; their intervals used the yearly figure. */
    failures: number;
    /** The last failure, in words. */
    lastFailure?: string;
  };
  /** Why the region could not be found (a geocoder or IP locator that did not answer). */
  error?: string;
}

/** SLURM context of a task (cluster runs). */
export interface SlurmInfo {
  /** `SLURM_JOB_ID`. */
  jobId?: string;
  /** `SLURM_STEP_ID` (`batch` in an sbatch script's body). */
  stepId?: string;
  /** `SLURMD_NODENAME`. */
  node?: string;
  /** `SLURM_PROCID`: the task's rank in the job step. */
  taskRank?: number;
  /** `SLURM_LOCALID`: the task's rank on its node. */
  localId?: number;
  /** `SLURM_JOB_USER`. */
  user?: string;
  /** `SLURM_JOB_PARTITION`. */
  partition?: string;
  /** `SLURM_JOB_ACCOUNT`. */
  account?: string;
  /** True for the one task per node that samples the node's devices. */
  nodeSampler?: boolean;
}

/** `impact.json`. */
export interface RunInfo {
  /** {@link LOG_SCHEMA_VERSION} of the writer. */
  schemaVersion: typeof LOG_SCHEMA_VERSION;
  /** The tool that wrote the log and its version. */
  tool: { name: "impact"; version: string };
  /** The command run, as argv. */
  command: string[];
  /** The working directory of the command. */
  cwd: string;
  /** ISO 8601 UTC. */
  start: string;
  /** ISO 8601 UTC; absent while running (or when the tracker was killed). */
  end?: string;
  /** The command's exit code; null when a signal ended it. */
  exitCode?: number | null;
  /** The signal that ended the command (`SIGTERM`), if any. */
  signal?: string | null;
  /** The machine: host name, OS, architecture and kernel release. */
  host: { hostname: string; os: string; arch: string; kernel?: string };
  /** The CPU found. */
  cpu: CpuInfo;
  /** The GPUs found (used by the job or not). */
  gpus: GpuInfo[];
  /** Every sensor probed, available or not, with its reason and fix. */
  sensors: SensorStatus[];
  /** How the job's share was decided. */
  attribution: Attribution;
  /**
   * The run's options (`--interval` and the others given). `usedIntervalSeconds` is the interval
   * sampled at: shorter than `intervalSeconds` when a sensor's counter could wrap sooner (absent
   * in logs before it was recorded, and in impact.json while the run goes on).
   */
  options: { intervalSeconds: number; usedIntervalSeconds?: number; [key: string]: unknown };
  /** `--label key=value` metadata. */
  labels: Record<string, string>;
  /** The job's software environment (absent with `--no-env`). */
  environment?: {
    /** Commit and dirty flag of the cwd's git repository. */
    git?: { commit: string; dirty: boolean };
    /** Python packages, for Python commands. */
    python?: { tool: "pip freeze" | "conda list"; packages: string[] };
    [key: string]: unknown;
  };
  /** Where the electricity came from, when a region was given. */
  region?: RegionInfo;
  /** The SLURM task, inside a SLURM job. */
  slurm?: SlurmInfo;
  /**
   * Which GPUs the job may use, the setting and rule that decided (UUID, CUDA ordinal, device
   * cgroup, or the labelled index guess), and each GPU's share (MIG slices).
   */
  gpuVisibility?: GpuSelection;
  /**
   * GPUs that were busy while the job ran although no process of the job was seen on them
   * and no setting named them, when the job was charged no GPU at all: its GPU work may be
   * there unseen (a container sees host pids; some drivers list no processes).
   */
  unmatchedBusyGpus?: UnmatchedBusyGpu[];
  /**
   * Written by versions before per-device gaps (summary.json `gaps`): a sensor failed mid-run
   * and sampling stopped there. Still read from old logs; no longer written.
   */
  samplingError?: string;
  /**
   * What the run could not write to its log folder (a full disk, a quota), one entry per file
   * with the reason; what was written before is kept (a missing summary.json is rebuilt from
   * samples.jsonl by the readers). Absent when everything was written.
   */
  logErrors?: string[];
  /**
   * Processes the command started that were still running when it ended, outside its process
   * tree (a daemon, an orphaned background job): their CPU time after they left the tree was
   * not counted. `count` of them in all; the first few listed.
   */
  escapedProcesses?: { count: number; processes: { pid: number; command: string }[] };
}

/** A GPU busy during the run that no process of the job was seen on. */
export interface UnmatchedBusyGpu {
  /** `gpu-N`. */
  device: string;
  uuid?: string;
  /** The highest utilisation read, [0, 1], where known. */
  peakUtilization?: number;
  /** Process ids the driver listed on it (the first few). */
  processIds: number[];
}

/** One device's figures over one interval. */
export interface DeviceSample {
  /** What the figure is about. */
  component: Component;
  /** Device id: `package-0`, `dram-0`, `psys`, `gpu-0`. */
  device: string;
  /** How the figure was obtained. */
  method: Method;
  /** The whole device's energy in the interval, J. */
  machineEnergyJoules: number;
  /** The job's share of it, J. */
  attributedEnergyJoules: number;
  /** Mean power over the interval (machine). */
  powerWatts: number;
  /** Device utilisation in [0, 1], where known. */
  utilization?: number;
  /** Device memory in use, bytes (GPUs). */
  memoryUsedBytes?: number;
  /** GPUs: whether the job used this device in the interval (compute-apps, CUDA_VISIBLE_DEVICES). */
  usedByJob?: boolean;
}

/** One line of `samples.jsonl`. */
export interface SampleRecord {
  /** End of the interval, ISO 8601 UTC. */
  t: string;
  /** Length of the interval, s. */
  intervalSeconds: number;
  /** Per component and device figures. */
  devices: DeviceSample[];
  /** The job's and the machine's CPU use. */
  cpu: {
    /** The job's share of busy CPU time in this interval, [0, 1]. */
    jobShare: number;
    /** CPU seconds the job used in this interval (its whole process tree). */
    jobCpuSeconds: number;
    /** Machine CPU utilisation, [0, 1]. */
    utilization: number;
  };
  /**
   * The job's memory, bytes, and how it was measured: `pss` (proportional set size, read per
   * process at a slower cadence than CPU time), `rss` (no PSS readable: shared pages counted
   * once per process) or `cgroup` (the job cgroup's charge). With `pss`, `estimatedProcesses`
   * (absent in logs before it existed) counts the processes whose PSS was not read yet, whose
   * share is their RSS times the PSS/RSS ratio of those read.
   */
  memory: { jobBytes: number; kind: "pss" | "rss" | "cgroup"; estimatedProcesses?: number };
  /** Live grid intensity in force during the interval, when polled. */
  intensity?: { gramsPerKwh: number; source: string };
  /** The SLURM task, inside a SLURM job. */
  slurm?: SlurmInfo;
  /**
   * Devices not measured in this interval (a lost GPU, a sensor that died, a counter reset),
   * each with the reason; such a device has no entry in `devices` for the interval. Absent when
   * every device was measured.
   */
  gaps?: SampleGap[];
}

/** A device that was not measured in one interval (samples.jsonl). */
export interface SampleGap {
  /** What the device is. */
  component: Component;
  /** Device id: `gpu-1`, `package-0`. */
  device: string;
  /** Why, naming the call or file that failed. */
  reason: string;
}

/** A stretch of time during which a device was not measured (summary.json). */
export interface DeviceGap extends SampleGap {
  /** Start of the first interval not measured, ISO 8601 UTC. */
  from: string;
  /** End of the last consecutive interval not measured, ISO 8601 UTC. */
  to: string;
  /** Seconds not measured (the intervals' lengths added up). */
  seconds: number;
}

/** One component's totals in `summary.json`. */
export interface ComponentTotal {
  /** What the figure is about. */
  component: Component;
  /** Device id: `package-0`, `dram-0`, `psys`, `gpu-0`. */
  device: string;
  /** How the figure was obtained. */
  method: Method;
  /** The whole device's energy over the run, J. */
  machineEnergyJoules: number;
  /** The job's share of it, J. */
  attributedEnergyJoules: number;
  /**
   * Seconds of the window this device was not measured (its `gaps`); its energy then is not in
   * the totals. Always written; absent in logs from before gaps were recorded.
   */
  unmeasuredSeconds?: number;
}

/** `summary.json`: the stable contract other tools read. */
export interface RunSummary {
  /** {@link LOG_SCHEMA_VERSION} of the writer. */
  schemaVersion: typeof LOG_SCHEMA_VERSION;
  /** Start of the window the energy covers (the sensors' baseline), ISO 8601 UTC. */
  start: string;
  /** End of that window (the last sample), ISO 8601 UTC. */
  end: string;
  /**
   * Seconds the energy covers, baseline to last sample: `totals.machineEnergyJoules /
   * durationSeconds` is `power.meanWatts`. (Before gaps were recorded: the run's wall time.)
   */
  durationSeconds: number;
  /** The job's own wall time, s: the command's start to its exit (the tracker's, for `track()`). */
  jobWallSeconds?: number;
  /** The command's exit code; null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended the command, if any. */
  signal?: string | null;
  /** How the job's share was decided. */
  attribution: Attribution;
  /** Totals per component and device. */
  components: ComponentTotal[];
  /** Totals over every component, J. */
  totals: {
    /** The whole machine's energy, J. */
    machineEnergyJoules: number;
    /** The job's share, J. */
    attributedEnergyJoules: number;
    /** Attributed joules from `counter` or `integrated` figures. */
    measuredEnergyJoules: number;
    /** Attributed joules from `estimate` figures. */
    estimatedEnergyJoules: number;
  };
  /**
   * Machine power over the window: the mean is `totals.machineEnergyJoules / durationSeconds`;
   * the peak is the highest interval's power among intervals at least half the nominal
   * interval long (a final interval of a few milliseconds means nothing), or the mean when no
   * interval is that long.
   */
  power: { meanWatts: number; peakWatts: number };
  /** CPU seconds of the job's process tree. */
  cpuSeconds: number;
  /** Seconds x GPUs the job used. */
  gpuSeconds: number;
  /** Sample lines read. */
  samples: number;
  /**
   * Every stretch a device was not measured, consecutive intervals merged, oldest first.
   * Always written (empty when every device was measured throughout); absent in older logs.
   */
  gaps?: DeviceGap[];
  /** Set when a reader rebuilt this from samples.jsonl (the run was killed). */
  recomputed?: boolean;
  /** The SLURM task, inside a SLURM job. */
  slurm?: SlurmInfo;
}
