/**
 * Attribution: which part of each device's energy belongs to the job. Pure.
 *
 * - `cpu-time-share` (default): CPU package, DRAM and psys energy times the job's share of
 *   busy CPU time; a GPU the job uses counts whole (idle power included), a GPU it holds MIG
 *   slices of counts with their share of its compute; other GPUs count 0.
 * - `whole-machine`: everything counts.
 * - A whole-node meter (component `node`) contains the other devices: never attributed.
 * - `cgroup`: as `cpu-time-share`, with the share taken from the job's cgroup.
 *
 * @module
 */
import { type Attribution, countsInTotal, type DeviceEnergy, type GpuSelection } from "../types.ts";
import type { DeviceSample } from "../log/schema.ts";

/** One device's energy over an interval, before attribution. */
export interface DeviceDelta {
  reading: DeviceEnergy;
  /** Energy in the interval, joules (never negative). */
  energyJoules: number;
  /** Interval length, seconds. */
  seconds: number;
}

/**
 * The job's share of busy CPU time in an interval.
 *
 * @param jobCpuSeconds CPU seconds the job used in the interval.
 * @param busySeconds Busy CPU seconds of the machine in the interval.
 * @returns The share, clamped to [0, 1]; 0 when the machine was idle.
 * @example One busy core of four
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { cpuTimeShare } from "./attribution.ts";
 *
 * equal(cpuTimeShare(1, 4), 0.25);
 * equal(cpuTimeShare(1, 0), 0); // an idle machine: nothing to share
 * ```
 */
export function cpuTimeShare(jobCpuSeconds: number, busySeconds: number): number {
  if (!(busySeconds > 0) || !(jobCpuSeconds > 0)) return 0;
  return Math.min(1, Math.max(0, jobCpuSeconds / busySeconds));
}

/**
 * The job's share of a GPU in an interval: what its GPU setting gives it (1, or its MIG slices'
 * share), else the whole GPU when one of its processes runs there, else 0.
 *
 * @param reading The GPU's reading (device `gpu-N`, processIds).
 * @param jobPids The job's live process ids.
 * @param selection The GPUs the job's settings name (lib/sensors/gpu_visibility.ts).
 * @returns The share in [0, 1].
 */
export function gpuShareOfJob(
  reading: DeviceEnergy,
  jobPids: ReadonlySet<number>,
  selection: GpuSelection | undefined,
): number {
  const selected = selection?.gpus.find((g) => g.device === reading.device);
  if (selected) return selected.share;
  return reading.processIds?.some((pid) => jobPids.has(pid)) ? 1 : 0;
}

/**
 * Attributes each device's interval energy to the job.
 *
 * @param deltas Each device's energy over the interval.
 * @param method The attribution method.
 * @param jobShare The job's share of busy CPU time, [0, 1].
 * @param usedGpus The job's share of each GPU it uses, by device id (absent: not used).
 * @returns One record per device, machine and attributed side by side.
 */
export function attributeDevices(
  deltas: readonly DeviceDelta[],
  method: Attribution,
  jobShare: number,
  usedGpus: ReadonlyMap<string, number>,
): DeviceSample[] {
  return deltas.map(({ reading, energyJoules, seconds }) => {
    let share: number;
    // A whole-node meter contains every other device: it is the machine's figure only, so no
    // sum of attributed energy (carbon, totals, exports) can count it twice.
    if (!countsInTotal(reading.component)) share = 0;
    else if (method === "whole-machine") share = 1;
    else if (reading.component === "gpu") share = usedGpus.get(reading.device) ?? 0;
    else share = jobShare;
    const sample: DeviceSample = {
      component: reading.component,
      device: reading.device,
      method: reading.method,
      machineEnergyJoules: energyJoules,
      attributedEnergyJoules: energyJoules * share,
      powerWatts: seconds > 0 ? energyJoules / seconds : 0,
    };
    if (reading.utilization !== undefined) sample.utilization = reading.utilization;
    if (reading.memoryUsedBytes !== undefined) sample.memoryUsedBytes = reading.memoryUsedBytes;
    if (reading.component === "gpu") sample.usedByJob = usedGpus.has(reading.device);
    return sample;
  });
}
