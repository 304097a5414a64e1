/**
 * Which GPUs a job may use: the one place that reads `CUDA_VISIBLE_DEVICES` (and SLURM's GPU
 * lists), for the sampler (which GPUs count as the job's) and the SLURM step (which GPUs a task
 * was given).
 *
 * Two readings, each for its moment, and they differ on purpose:
 * - {@link visibleGpuIndices} is CUDA's own reading against the machine's GPU list: an entry
 *   that names no GPU (a range, a MIG id, a typo) ends the list, as the CUDA runtime does.
 * - {@link taskGpus} reads SLURM's allocation from the environment alone, before any GPU is
 *   known: it accepts hand-set ranges (`0-3`), keeps `GPU-`/`MIG-` ids as written, and rejects
 *   a malformed list with an error naming the variable, since a wrong mapping would charge
 *   another task's GPUs.
 *
 * @module
 */
import type { DeviceEnergy } from "../types.ts";

/**
 * Which GPUs `CUDA_VISIBLE_DEVICES` lets a job see, as CUDA reads it: a comma-separated list
 * of indices or UUIDs (a unique `GPU-` prefix is enough); CUDA stops at the first entry it
 * cannot match; unset means every GPU, empty (or `-1`, `NoDevFiles`) none. MIG ids
 * (`MIG-...`) select part of a GPU that this list cannot name, so they match nothing.
 * Indices are CUDA ordinals, which equal nvidia-smi/NVML indices (PCI order) when
 * `CUDA_DEVICE_ORDER=PCI_BUS_ID` or the GPUs are all one model (CUDA's default "fastest
 * first" order then falls back to PCI order); UUIDs are exact either way.
 *
 * @param value The variable's value, or undefined when unset.
 * @param gpus The machine's GPUs (index and uuid).
 * @returns The indices of the visible GPUs, in the order CUDA numbers them.
 * @example Indices, UUID prefixes, and where CUDA stops
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { visibleGpuIndices } from "./gpu_visibility.ts";
 *
 * const gpus = [0, 1, 2].map((index) => ({ index, uuid: `GPU-${index}aaa-0000` }));
 * deepEqual(visibleGpuIndices(undefined, gpus), [0, 1, 2]); // unset: every GPU
 * deepEqual(visibleGpuIndices("GPU-2a,0", gpus), [2, 0]);
 * deepEqual(visibleGpuIndices("1,7,2", gpus), [1]); // 7 names no GPU: CUDA stops there
 * ```
 */
export function visibleGpuIndices(
  value: string | undefined,
  gpus: readonly { index: number; uuid?: string }[],
): number[] {
  if (value === undefined) return gpus.map((g) => g.index);
  const visible: number[] = [];
  for (const entry of listEntries(value)) {
    let match: { index: number } | undefined;
    if (/^\d+$/.test(entry)) {
      match = gpus.find((g) => g.index === Number(entry));
    } else if (/^GPU-/i.test(entry)) {
      const found = gpus.filter((g) => g.uuid?.toLowerCase().startsWith(entry.toLowerCase()));
      if (found.length === 1) match = found[0];
    }
    if (match === undefined || visible.includes(match.index)) break;
    visible.push(match.index);
  }
  return visible;
}

/**
 * {@link visibleGpuIndices} over what the GPU sensors read: the device ids (`gpu-N`) of the GPUs
 * a `CUDA_VISIBLE_DEVICES` value makes visible.
 *
 * @param value The variable's value.
 * @param readings One read of every sensor (only GPUs count).
 * @returns The device ids, or undefined when no GPU was read (nothing to match yet).
 */
export function visibleGpuDevices(
  value: string,
  readings: DeviceEnergy[],
): Set<string> | undefined {
  const gpus = readings.filter((r) => r.component === "gpu").map((r) =>
    r.uuid === undefined
      ? { index: Number(r.device.slice("gpu-".length)) }
      : { index: Number(r.device.slice("gpu-".length)), uuid: r.uuid }
  );
  if (gpus.length === 0) return undefined;
  return new Set(visibleGpuIndices(value, gpus).map((index) => `gpu-${index}`));
}

/** Which GPUs a task may use, and how that was decided. */
export interface TaskGpus {
  /** Physical indices as `nvidia-smi` numbers them on the node. */
  indices?: number[];
  /** UUIDs (`GPU-...`, `MIG-...`) when `CUDA_VISIBLE_DEVICES` names devices that way. */
  uuids?: string[];
  /** The variables the answer came from. */
  source: string;
}

/** The comma-separated entries of a device list, trimmed (empty ones kept). */
function listEntries(value: string): string[] {
  return value.split(",").map((entry) => entry.trim());
}

/** A variable's value, trimmed; unset when empty or SLURM's `(null)`. */
function setting(env: (name: string) => string | undefined, name: string): string | undefined {
  const value = env(name)?.trim();
  return value === undefined || value === "" || value === "(null)" ? undefined : value;
}

function indexList(name: string, value: string): number[] {
  // SLURM writes plain lists ("0,1,3"); ranges ("0-3") appear in hand-set values.
  const out: number[] = [];
  for (const part of listEntries(value).filter((p) => p !== "")) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(i);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
    else throw new Error(`${name} is not a list of GPU indices: "${value}"`);
  }
  return out;
}

/**
 * Maps a task to its GPUs through `CUDA_VISIBLE_DEVICES`, `SLURM_STEP_GPUS` and `SLURM_JOB_GPUS`.
 *
 * SLURM's lists are physical indices. Under `ConstrainDevices` a task sees its GPUs renumbered
 * from 0, so a `CUDA_VISIBLE_DEVICES` that is not a subset of SLURM's list is read as positions
 * in it. This works without the node's GPU list, so it keeps ranges and UUIDs as written;
 * matching them to the node's GPUs is {@link visibleGpuIndices}.
 *
 * @param env Returns an environment variable.
 * @returns The task's GPUs, or undefined when nothing restricts them (all GPUs are visible).
 * @example A task renumbered by ConstrainDevices
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { taskGpus } from "./gpu_visibility.ts";
 *
 * const env: Record<string, string> = { SLURM_JOB_GPUS: "4,5,6", CUDA_VISIBLE_DEVICES: "1" };
 * deepEqual(taskGpus((name) => env[name]), {
 *   indices: [5],
 *   source: "CUDA_VISIBLE_DEVICES as positions in SLURM_JOB_GPUS",
 * });
 * ```
 */
export function taskGpus(env: (name: string) => string | undefined): TaskGpus | undefined {
  const cuda = setting(env, "CUDA_VISIBLE_DEVICES");
  const slurmName = setting(env, "SLURM_STEP_GPUS") !== undefined
    ? "SLURM_STEP_GPUS"
    : "SLURM_JOB_GPUS";
  const slurmValue = setting(env, slurmName);
  const slurm = slurmValue === undefined ? undefined : indexList(slurmName, slurmValue);
  if (cuda === undefined || cuda === "NoDevFiles") {
    return slurm ? { indices: slurm, source: slurmName } : undefined;
  }
  const entries = listEntries(cuda).filter((p) => p !== "");
  if (entries.some((e) => /^(GPU|MIG)-/.test(e))) {
    return { uuids: entries, source: "CUDA_VISIBLE_DEVICES" };
  }
  const visible = indexList("CUDA_VISIBLE_DEVICES", cuda);
  if (!slurm) return { indices: visible, source: "CUDA_VISIBLE_DEVICES" };
  if (visible.every((i) => slurm.includes(i))) {
    return { indices: visible, source: `CUDA_VISIBLE_DEVICES within ${slurmName}` };
  }
  if (visible.every((i) => i < slurm.length)) {
    return {
      indices: visible.map((i) => slurm[i]!),
      source: `CUDA_VISIBLE_DEVICES as positions in ${slurmName}`,
    };
  }
  throw new Error(`CUDA_VISIBLE_DEVICES "${cuda}" does not fit ${slurmName} "${slurmValue}"`);
}

/**
 * The variables the ROCm runtime reads to choose a job's AMD GPUs, in the order it applies
 * them: `ROCR_VISIBLE_DEVICES` (ROCr, over every GPU), then `HIP_VISIBLE_DEVICES` (HIP, over
 * the GPUs ROCr left).
 */
export const AMD_GPU_VISIBILITY_VARIABLES = ["ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"];

/** An AMD GPU as its sensor reports it. */
export interface AmdVisibleGpu {
  /** The ROCm ordinal (amd-smi's index; hwmon's PCI order). */
  index: number;
  /** `GPU-<ASIC serial>`, as ROCr and `rocminfo` write it. */
  uuid?: string;
  /** The device id its sensor reports: `amd-gpu-3`. */
  device: string;
}

/**
 * Which AMD GPUs a job may use under `ROCR_VISIBLE_DEVICES` and `HIP_VISIBLE_DEVICES`, read as
 * the ROCm runtime reads them: ROCr's list (indices or `GPU-` UUIDs, a unique prefix enough)
 * picks from every GPU, then HIP's (ordinals, or UUIDs) picks from what ROCr left. Each list
 * stops at the first entry that names no GPU, as `CUDA_VISIBLE_DEVICES` does; an empty value
 * (or `-1`) leaves none. Indices count logical GPUs, so an MI300X partition or an MI250X die is
 * one GPU each.
 *
 * @param env Returns an environment variable.
 * @param gpus The AMD GPUs the sensors report.
 * @returns The visible GPUs' device ids and the variables that decided, or undefined when
 *   neither variable is set.
 * @example ROCr keeps GPUs 2 and 3, HIP then takes the second of them
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { visibleAmdGpus } from "./gpu_visibility.ts";
 *
 * const gpus = [0, 1, 2, 3].map((index) => ({ index, device: `amd-gpu-${index}` }));
 * const env: Record<string, string> = { ROCR_VISIBLE_DEVICES: "2,3", HIP_VISIBLE_DEVICES: "1" };
 * deepEqual(visibleAmdGpus((name) => env[name], gpus), {
 *   devices: ["amd-gpu-3"],
 *   source: "ROCR_VISIBLE_DEVICES, then HIP_VISIBLE_DEVICES",
 * });
 * ```
 */
export function visibleAmdGpus(
  env: (name: string) => string | undefined,
  gpus: readonly AmdVisibleGpu[],
): { devices: string[]; source: string } | undefined {
  let visible = [...gpus].sort((a, b) => a.index - b.index);
  const used: string[] = [];
  for (const name of AMD_GPU_VISIBILITY_VARIABLES) {
    const value = env(name)?.trim();
    if (value === undefined) continue;
    used.push(name);
    const picked: AmdVisibleGpu[] = [];
    for (const entry of value === "-1" ? [""] : listEntries(value)) {
      let match: AmdVisibleGpu | undefined;
      if (/^\d+$/.test(entry)) match = visible[Number(entry)];
      else if (/^GPU-/i.test(entry)) {
        const found = visible.filter((g) => g.uuid?.toLowerCase().startsWith(entry.toLowerCase()));
        if (found.length === 1) match = found[0];
      }
      if (match === undefined || picked.includes(match)) break;
      picked.push(match);
    }
    visible = picked;
  }
  return used.length === 0
    ? undefined
    : { devices: visible.map((g) => g.device), source: used.join(", then ") };
}
