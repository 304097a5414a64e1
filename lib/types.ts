/**
 * The vocabulary the layers share: what a figure is about ({@link Component}), how it was
 * obtained ({@link Method}), what a sensor found ({@link SensorStatus}) and read
 * ({@link DeviceReading}: a {@link DeviceEnergy}, or a {@link DeviceFailure} that becomes a recorded
 * gap), the machine's CPU and GPUs, how the job's share is decided, the
 * job's CPU time and memory, and where the electricity came from ({@link ResolvedRegion}). Sensors, the sampler, the log format and the reports all speak it,
 * so it sits below all of them (docs/architecture.md).
 *
 * @module
 */

/**
 * What a figure is about. `psys` is the whole SoC/platform domain of laptops (and what a
 * platform meter holds beyond the other components: an APU less its CPU, a Grace module less
 * Grace and its GPU). `node` is a whole-node meter (an ACPI power meter at the power supply):
 * it contains every other component, so it is recorded beside them as the machine's figure
 * only, never attributed to the job and never added to a total ({@link countsInTotal}).
 */
export type Component = "cpu" | "dram" | "gpu" | "psys" | "node";

/** The components whose energy adds up to a total: all but a whole-node meter. */
export type SummedComponent = Exclude<Component, "node">;

/**
 * Whether a component's energy is part of the totals: every component but `node`, which
 * contains the others.
 *
 * @param component The component.
 * @returns False for a whole-node meter.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { countsInTotal } from "./types.ts";
 *
 * equal(countsInTotal("gpu"), true);
 * equal(countsInTotal("node"), false);
 * ```
 */
export function countsInTotal(component: Component): component is SummedComponent {
  return component !== "node";
}

/**
 * How an energy figure was obtained:
 * - `counter`: a hardware energy counter read at both ends (RAPL, NVML total energy);
 * - `integrated`: power samples multiplied by time;
 * - `estimate`: a nameplate figure (TDP) times utilisation.
 */
export type Method = "counter" | "integrated" | "estimate";

/** What a sensor found when probed. Sensors never throw from `probe()`. */
export interface SensorStatus {
  /**
   * Sensor name: `rapl`, `procfs`, `nvml`, `nvidia-smi`, `amd-smi`, `hwmon-amdgpu`,
   * `hwmon-intel-gpu`, `hwmon-amd-energy`, `hwmon-power-meter`, `powerlog`, `powermetrics`,
   * `estimate`, `cgroup`.
   */
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
  /**
   * Set when the sensor had to count afresh at this read (an energy counter that went back on a
   * driver reload): the energy since its previous read is unknown, for this reason. The sampler
   * records that interval as a gap and counts on from this reading, never guessing the energy.
   */
  rebased?: string;
}

/**
 * A device a sensor could not read this time (a GPU lost, a file that vanished). The sampler
 * records the interval as a gap for this device (which, from when, why), the other devices
 * keep being measured, and the device's baseline is retaken at its next good read.
 */
export interface DeviceFailure {
  /** What the device is. */
  component: Component;
  /** The device id, as in its {@link DeviceEnergy} readings: `gpu-0`, `package-1`. */
  device: string;
  /** Why, naming the file or call that failed, e.g. `nvmlDeviceGetTotalEnergyConsumption failed: GPU is lost (NVML error 15)`. */
  failure: string;
}

/** One device's result of a sensor read: its energy, or why it could not be read. */
export type DeviceReading = DeviceEnergy | DeviceFailure;

/**
 * Tells a failed device's reading from a measured one.
 *
 * @param reading One entry of a sensor's `read()`.
 * @returns True when the device could not be read.
 * @example Readings of two GPUs, one lost
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { type DeviceReading, isDeviceFailure } from "./types.ts";
 *
 * const readings: DeviceReading[] = [
 *   { component: "gpu", device: "gpu-0", method: "counter", energyJoules: 12.5 },
 *   { component: "gpu", device: "gpu-1", failure: "GPU is lost (NVML error 15)" },
 * ];
 * deepEqual(readings.filter(isDeviceFailure).map((r) => r.device), ["gpu-1"]);
 * ```
 */
export function isDeviceFailure(reading: DeviceReading): reading is DeviceFailure {
  return "failure" in reading;
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
  /**
   * The device id its sensor reports, where it is not `gpu-<index>` (NVIDIA's): `amd-gpu-0`,
   * `amd-apu-0`, `intel-gpu-0`; `index` is then the vendor runtime's ordinal (ROCm, Level Zero).
   */
  device?: string;
  /** Driver version. */
  driverVersion?: string;
  /** CUDA version the driver supports. */
  cudaVersion?: string;
  /** Board power limit, W. */
  powerLimitWatts?: number;
  /** Whether the job used it (compute-apps, CUDA_VISIBLE_DEVICES). */
  usedByJob?: boolean;
  /** `enabled` when the GPU is split into MIG devices (NVML `nvmlDeviceGetMigMode`). */
  migMode?: "enabled" | "disabled";
  /** Its MIG devices, in MIG mode: what a `MIG-` id in `CUDA_VISIBLE_DEVICES` names. */
  migDevices?: MigDeviceInfo[];
}

/**
 * The device id a GPU's readings carry: its own where its sensor names one (`amd-gpu-0`,
 * `intel-gpu-0`), else NVIDIA's `gpu-<index>`. Every place that matches a {@link GpuInfo} to
 * readings, gaps or a GPU selection goes through it, so no vendor's GPU is taken for another's.
 *
 * @param gpu The GPU as its sensor found it.
 * @returns Its device id.
 * @example An NVIDIA GPU and an AMD one with the same index
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { gpuDeviceId } from "./types.ts";
 *
 * deepEqual(
 *   [{ index: 0 }, { index: 0, device: "amd-gpu-0" }].map(gpuDeviceId),
 *   ["gpu-0", "amd-gpu-0"],
 * );
 * ```
 */
export function gpuDeviceId(gpu: Pick<GpuInfo, "index" | "device">): string {
  return gpu.device ?? `gpu-${gpu.index}`;
}

/** A MIG device (a slice of a GPU), and its share of the GPU's compute. */
export interface MigDeviceInfo {
  /** `MIG-...`, as `nvidia-smi -L` and `CUDA_VISIBLE_DEVICES` write it. */
  uuid: string;
  /** Its index on the parent GPU (`nvmlDeviceGetMigDeviceHandleByIndex`). */
  index: number;
  /** Streaming multiprocessors of the slice. */
  multiprocessorCount?: number;
  /** GPU instance slices it spans (the `3` of a `3g.40gb` profile). */
  gpuInstanceSliceCount?: number;
  /** Its share of the GPU's energy charged to a job on it, in (0, 1]. */
  share: number;
  /** How the share was taken, e.g. `42 of 132 SMs`. */
  shareBasis: string;
}

/** One GPU the job uses, and the part of it that is the job's. */
export interface JobGpu {
  /** Device id as the sensors name it ({@link gpuDeviceId}): `gpu-0`, `amd-gpu-0`. */
  device: string;
  /** The sensors' index. */
  index: number;
  uuid?: string;
  /** The job's share of its energy: 1 for the whole GPU, else its MIG slices' share. */
  share: number;
  /** The MIG devices (`MIG-...`) the job holds on it, when it holds slices. */
  migDevices?: string[];
  /** How the share was taken, for slices: `3 of 7 compute slices`. */
  shareBasis?: string;
}

/**
 * How entries were matched, strongest first: `uuid` (exact), `explicit` (`--gpus` indices as
 * the sensors number them), `ordinal` (CUDA ordinals over the GPUs the job can open),
 * `device-cgroup` (the sensors see exactly as many GPUs as the list names: those),
 * `index-guess` (host indices read as the sensors' own: the labelled fallback).
 */
export type VisibilityRule = "uuid" | "explicit" | "ordinal" | "device-cgroup" | "index-guess";

/** Which GPUs a job may use, and how that was decided (impact.json `gpuVisibility`; lib/sensors/gpu_visibility.ts decides). */
export interface GpuSelection {
  /**
   * False when nothing restricts the job (no setting, or `NVIDIA_VISIBLE_DEVICES=all`): every
   * GPU is visible, and only the job's processes make a GPU its own.
   */
  restricted: boolean;
  /** The GPUs the setting names, with their share. */
  gpus: JobGpu[];
  /** The setting that decided (`--gpus`, `CUDA_VISIBLE_DEVICES`, ...), or `none`. */
  source: string;
  /** Its value, as given. */
  value?: string;
  /** The weakest rule any entry needed; absent when nothing was matched. */
  rule?: VisibilityRule;
  /** The decision in words, with the fallback said where one was taken. */
  basis: string;
  /** Entries that matched no GPU, each with why. */
  unmatched: string[];
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
