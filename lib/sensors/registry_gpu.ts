/**
 * GPU and macOS sensor discovery: NVML, else nvidia-smi as the fallback; Intel Power
 * Gadget's PowerLog or Apple's powermetrics on macOS.
 *
 * @module
 */
import type { GpuInfo, SensorStatus } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { createNvidiaSmiSensor } from "./nvidia_smi.ts";
import { createNvmlSensor } from "./nvml.ts";
import type { EnergySensor } from "./types.ts";

/** GPU (and macOS platform) sensors found. */
export interface GpuDiscovery {
  sensors: EnergySensor[];
  statuses: SensorStatus[];
  gpus(): GpuInfo[];
}

/**
 * Probes the GPU sensors: NVML first (its energy counter is exact); nvidia-smi only when
 * NVML is unavailable; on macOS PowerLog (Intel) and powermetrics (Apple Silicon).
 *
 * @param runtime Spawns nvidia-smi, loads NVML.
 * @param paths Where nvidia-smi and NVML are.
 * @param options Sampling interval and OS.
 * @returns The available sensors and every status.
 */
export async function discoverGpuSensors(
  runtime: Runtime,
  paths: SystemPaths,
  options: { intervalMs: number; os: string },
): Promise<GpuDiscovery> {
  const statuses: SensorStatus[] = [];
  const sensors: EnergySensor[] = [];
  let gpus: () => GpuInfo[] = () => [];
  // Keeps a GPU sensor that probes available; closes one that does not.
  const tryGpuSensor = async (sensor: EnergySensor & { gpus(): GpuInfo[] }) => {
    const status = await sensor.probe();
    statuses.push(status);
    if (!status.available) {
      await sensor.close();
      return false;
    }
    sensors.push(sensor);
    gpus = () => sensor.gpus();
    return true;
  };
  if (options.os === "linux" || options.os === "windows") {
    // NVML first; nvidia-smi (created only when NVML is missing) as the fallback.
    if (!await tryGpuSensor(createNvmlSensor(runtime, paths))) {
      await tryGpuSensor(
        createNvidiaSmiSensor(runtime, paths, { intervalMs: options.intervalMs }),
      );
    }
  }
  if (options.os === "darwin") {
    // Loaded on macOS only: elsewhere their parsers (and the CSV codec) would be dead weight.
    const [{ createPowerLogSensor }, { createPowermetricsSensor }] = await Promise.all([
      import("./powerlog.ts"),
      import("./powermetrics.ts"),
    ]);
    const candidates = [
      createPowerLogSensor(runtime, { resolutionMs: options.intervalMs }),
      createPowermetricsSensor(runtime, { intervalMs: options.intervalMs }),
    ];
    const found = await Promise.all(candidates.map((s) => s.probe()));
    statuses.push(...found);
    // One platform source at a time: both would count the same CPU twice.
    const first = found.findIndex((s) => s.available);
    for (const [i, sensor] of candidates.entries()) {
      if (i === first) sensors.push(sensor);
      else await sensor.close();
    }
  }
  return { sensors, statuses, gpus };
}
