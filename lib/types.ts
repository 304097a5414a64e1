/**
 * The vocabulary the layers share: what a figure is about ({@link Component}), how it was
 * obtained ({@link Method}), what a sensor found ({@link SensorStatus}) and read
 * ({@link DeviceEnergy}), the machine's CPU and GPUs, how the job's share is decided, the
 * job's CPU time and memory, and where the electricity came from ({@link ResolvedRegion}). Sensors, the sampler, the log format and the reports all speak it,
 * so it sits below all of them (docs/architecture.md).
 *
 * @module
 */

/** What a figure is about. `psys` is the whole SoC/platform domain of laptops. */
export type Component = "cpu" | "dram" | "gpu" | "psys";

/**
 * How an energy figure was obtained:
 * - `counter`: a hardware energy counter read at both ends (RAPL, NVML total energy);
 * - `integrated`: power samples multiplied by time;
 * - `estimate`: a nameplate figure (TDP) times utilisation.
 */
export type Method = "counter" | "integrated" | "estimate";

/** What a sensor found when probed. Sensors never throw from `probe()`. */
export interface SensorStatus {
  /** Sensor name: `rapl`, `procfs`, `nvml`, `nvidia-smi`, `powerlog`, `powermetrics`, `estimate`, `cgroup`. */
  sensor: string;
  /** Whether it gives figures on this machine. */
  available: boolean;
  /** Why it is unavailable (or a caveat when available), in a sentence. */
  reason?: string;
  /** The exact fix, e.g. the udev rule for `energy_uj`. */
  fix?: string;
  /** Methods of the figures it gives. */
  methods: Method[];
  /** Devices found, e.g. `package-0`, `dram-0`, `gpu-0`. */
  devices: string[];
  /** Anything else worth recording in impact.json (driver version, zone paths, ...). */
  detail?: Record<string, unknown>;
}

/** One device's cumulative reading. */
export interface DeviceEnergy {
  /** What the figure is about. */
  component: Component;
  /** Stable device id within the machine: `package-0`, `dram-1`, `psys`, `gpu-0`. */
  device: string;
  /** How the figure is obtained. */
  method: Method;
  /** Joules since `start()`, monotonic: wraparound already handled by the sensor. */
  energyJoules: number;
  /** Latest instantaneous or mean power, where the source gives it. */
  powerWatts?: number;
  /** Device utilisation in [0, 1], where known. */
  utilization?: number;
  /** Device memory in use, bytes (GPUs). */
  memoryUsedBytes?: number;
  /** Processes seen on the device (GPUs), for attribution. */
  processIds?: number[];
  /** GPU UUID, for matching `CUDA_VISIBLE_DEVICES` and compute-apps output. */
  uuid?: string;
}

/** How the job's share of a device's energy is decided. */
export type Attribution = "cpu-time-share" | "whole-machine" | "cgroup";

/** A GPU found on the machine. */
export interface GpuInfo {
  /** The driver's index (`nvidia-smi -i`). */
  index: number;
  /** Product name, e.g. `NVIDIA H100 80GB HBM3`. */
  name: string;
  /** GPU UUID (`GPU-...`). */
  uuid?: string;
  /** Driver version. */
  driverVersion?: string;
  /** CUDA version the driver supports. */
  cudaVersion?: string;
  /** Board power limit, W. */
  powerLimitWatts?: number;
  /** Whether the job used it (compute-apps, CUDA_VISIBLE_DEVICES). */
  usedByJob?: boolean;
}

/** The hardware the run saw. */
export interface CpuInfo {
  /** Model name, e.g. `AMD EPYC 9654 96-Core Processor`. */
  model?: string;
  /** Vendor id, e.g. `GenuineIntel`, `AuthenticAMD`. */
  vendor?: string;
  /** Physical packages. */
  sockets?: number;
  /** Physical cores, all sockets. */
  cores?: number;
  /** Hardware threads (logical CPUs), all sockets. */
  threads?: number;
  /** Installed memory, bytes. */
  memoryTotalBytes?: number;
}

/** The job's process tree at one moment; CPU seconds are cumulative. */
export interface JobUsage {
  /** User + system CPU seconds of the whole tree, reaped children included. */
  cpuSeconds: number;
  memoryBytes: number;
  memoryKind: "pss" | "rss" | "cgroup";
  /** With `pss`: processes whose share is estimated from their RSS (PSS not read yet). */
  estimatedProcesses?: number;
  /** Live process ids of the tree (for matching GPU compute processes). */
  pids: number[];
}

/** The machine's CPU time at one moment; cumulative seconds summed over all CPUs. */
export interface SystemCpu {
  busySeconds: number;
  totalSeconds: number;
  cpus: number;
}

/** A source of job and system CPU figures (procfs reader, cgroup reader, fakes in tests). */
export interface UsageSource {
  /** The job's usage; `rootPid` is the tracked process. */
  jobUsage(rootPid: number): Promise<JobUsage> | JobUsage;
  /** The machine's CPU time. */
  systemCpu(): Promise<SystemCpu> | SystemCpu;
}

/**
 * Where a run's electricity came from, as the region flags resolve it; `source` names the flag
 * that chose it (`--zone`, `--cloud`, `--lat/--lon`, `--address`, `--country`, `--locate-by-ip`,
 * `IMPACT_ZONE`), or `unknown`. The geo layer resolves it; the log's `RegionInfo` is this plus
 * what the run adds (the yearly intensity, the live polls).
 */
export interface ResolvedRegion {
  /** Electricity Maps zone id (`DE`, `US-CAL-CISO`); absent when unknown. */
  zone?: string;
  /** ISO 3166-1 alpha-3. */
  country?: string;
  /** The flag that chose the zone, or `unknown`. */
  source: string;
  /** The cloud region given with `--cloud`, and its provider's PUE. */
  cloud?: { provider: string; region: string; pue?: number };
  /** The geocoded place, in words. */
  place?: string;
  /** Degrees north of the machine or place, where known. */
  latitude?: number;
  /** Degrees east of the machine or place, where known. */
  longitude?: number;
}
