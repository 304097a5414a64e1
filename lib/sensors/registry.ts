/**
 * Finds the sensors this machine offers: RAPL; NVML, else nvidia-smi; PowerLog or
 * powermetrics on macOS; the TDP estimate when no CPU counter is readable.
 *
 * @module
 */
import type { CpuInfo, GpuInfo } from "../log/schema.ts";
import type { UsageSource } from "../sampler/types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { EnergySensor, SensorStatus } from "./types.ts";

/** What discovery found. */
export interface Discovery {
  /** Available sensors, ready to `start()`. */
  sensors: EnergySensor[];
  /** Every sensor probed, available or not, for impact.json and `impact doctor`. */
  statuses: SensorStatus[];
  /** Job and machine CPU time (procfs), where readable. */
  usage?: UsageSource;
  cpu: CpuInfo;
  gpus: GpuInfo[];
  /** Closes every sensor (child processes, libraries). Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link discoverSensors}. */
export interface DiscoverOptions {
  /** The sampling interval, ms (nvidia-smi streams at this period). */
  intervalMs: number;
}

/**
 * Probes every sensor that can exist on this OS.
 *
 * @param _runtime Where files are read and processes spawned.
 * @param _paths Where /sys, /proc and nvidia-smi are.
 * @param _options The sampling interval.
 * @returns The available sensors and every status.
 */
export function discoverSensors(
  _runtime: Runtime,
  _paths: SystemPaths,
  _options: DiscoverOptions,
): Promise<Discovery> {
  return Promise.resolve({
    sensors: [],
    statuses: [],
    cpu: {},
    gpus: [],
    close: () => Promise.resolve(),
  });
}
