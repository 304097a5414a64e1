/**
 * What the hardware can do: the bound each sensor checks its readings against before it hands
 * them on. A reading outside it is no measurement (a counter reset, a driver glitch, a value
 * the parser let through): the sensor makes that read a gap with the reason, never a figure.
 *
 * The bounds are generous on purpose. They are there to catch jumps no hardware can make (a
 * counter that steps back read as a whole wrap, a 400-digit counter, a GPU at 1 MW), not to
 * second-guess a busy device: a real reading refused would be energy lost from the totals.
 *
 * - RAPL zones: {@link RAPL_MARGIN} x the zone's largest `constraint_*_max_power_uw` (the
 *   long-term limit; a 15 W laptop part boosts to 64 W, 4.3x, for tens of seconds; a "limit"
 *   above 5 kW is a firmware placeholder and counts as none), else the same margin over the
 *   CPU's TDP from data/cpu_tdp.json (AMD zones have no constraints), else
 *   {@link UNKNOWN_CPU_ZONE_WATTS} (lib/sensors/rapl_zones.ts).
 * - GPUs: {@link GPU_MARGIN} x the power limit the driver enforces (averaged over a read
 *   interval a board stays at its limit; millisecond spikes and a raised limit stay well under
 *   twice it), else the same margin over the board power of data/gpu_tdp.json, else
 *   {@link UNKNOWN_GPU_WATTS}.
 * - hwmon and amd-smi devices (lib/sensors/hwmon_bounds.ts, amd_smi.ts) by what each device
 *   states of itself ({@link statedBound}: an amdgpu's `power1_cap_max`, an Intel GPU's power
 *   limits, amd-smi's power caps, an ACPI meter's cap; a Grace module by
 *   {@link GRACE_MODULE_RATED_WATTS}), else the tables as above, else the `UNKNOWN_*` bounds
 *   ({@link UNKNOWN_NODE_WATTS} for a whole-node meter).
 *
 * A new sensor checks each power reading with {@link powerProblem} and each counter step with
 * {@link energyStepProblem}; the sampler's own guard (lib/sampler/sampler.ts) only stops what
 * no sensor should ever hand on (NaN, negative energy, more than 100 kW).
 *
 * @module
 */
import type { GpuInfo } from "../types.ts";
import { findCpuTdp } from "./cpu_tdp.ts";

/** The most a device can draw, averaged over any read interval, and why. */
export interface PowerBound {
  /** Watts. */
  maxWatts: number;
  /** How the bound was chosen, for a gap's reason: `5 x the zone's 95 W power limit`. */
  basis: string;
}

/** Margin over a RAPL zone's long-term power limit or its CPU's TDP. */
export const RAPL_MARGIN = 5;
/** A CPU zone with no constraint and no known TDP: more than any package draws today. */
export const UNKNOWN_CPU_ZONE_WATTS = 1000;
/** Margin over a GPU's enforced power limit or its board power. */
export const GPU_MARGIN = 2;
/** A GPU with no limit and no known board power: more than any single board draws today. */
export const UNKNOWN_GPU_WATTS = 3000;
/** Margin over an ACPI power meter's cap or a Grace module's rating (a capped node stays near it). */
export const METER_MARGIN = 2;
/** A whole-node meter with no cap: more than any one server draws today (8 B200 GPUs: 14.3 kW). */
export const UNKNOWN_NODE_WATTS = 20_000;
/**
 * The most a Grace module (a superchip, whose "Module Power" meter holds the Grace CPU, its
 * GPUs and memory) is rated for: GB200's 2700 W (Grace and two Blackwell GPUs). A GH200
 * module's limit is 1000 W (nvidia-smi's "Module Power Readings"); the meter does not say which
 * module it is on, so the largest rating stands for all.
 */
export const GRACE_MODULE_RATED_WATTS = 2700;
/**
 * Added to the elapsed time when a counter step is checked: counters update on their own
 * period (RAPL about 1 ms, NVML tens of ms) and the read's time stamp is taken around the
 * read, so a step can hold a little more than the stamps' interval.
 */
const COUNTER_SLACK_SECONDS = 0.5;

/**
 * Why a power reading cannot be the device's (not a finite number, negative, above the bound).
 *
 * @param watts The reading.
 * @param bound The device's bound.
 * @returns The reason in words, or undefined when the reading is plausible.
 * @example A GPU with a 400 W limit
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { powerProblem } from "./plausible.ts";
 *
 * const bound = { maxWatts: 800, basis: "2 x its 400 W power limit" };
 * equal(powerProblem(350, bound), undefined);
 * equal(powerProblem(-300, bound), "-300 W is negative");
 * equal(powerProblem(1e6, bound), "1000000 W is above 800 W (2 x its 400 W power limit)");
 * ```
 */
export function powerProblem(watts: number, bound: PowerBound): string | undefined {
  if (!Number.isFinite(watts)) return `${watts} W is not a power`;
  if (watts < 0) return `${figure(watts)} W is negative`;
  if (watts > bound.maxWatts) {
    return `${figure(watts)} W is above ${figure(bound.maxWatts)} W (${bound.basis})`;
  }
  return undefined;
}

/**
 * Why an energy counter's step cannot be what the device used in the time it took.
 *
 * @param joules The step, J (already unwrapped).
 * @param seconds The time between the two reads, s.
 * @param bound The device's bound.
 * @returns The reason in words, or undefined when the step is plausible.
 */
export function energyStepProblem(
  joules: number,
  seconds: number,
  bound: PowerBound,
): string | undefined {
  if (!Number.isFinite(joules) || joules < 0) return `a step of ${joules} J is not an energy`;
  const mostJoules = bound.maxWatts * (Math.max(0, seconds) + COUNTER_SLACK_SECONDS);
  if (joules <= mostJoules) return undefined;
  return `${figure(joules)} J in ${seconds.toFixed(3)} s is more than the device can use ` +
    `(at most ${figure(bound.maxWatts)} W: ${bound.basis})`;
}

/** A power limit a device states of itself, and where: `power cap (power1_cap_max)`. */
export interface StatedLimit {
  /** Watts. */
  watts: number;
  /** What the limit is and where the device states it, for the bound's basis. */
  source: string;
}

/**
 * A bound from the limits a device states: the margin over the largest of them (a cap the
 * user may raise up to a maximum counts at that maximum). Limits that are not a positive
 * number of watts are no limits.
 *
 * @param limits What the device states.
 * @param margin The margin for this kind of device.
 * @returns The bound, or undefined when the device states no limit.
 * @example An amdgpu with its cap and the cap's maximum
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { statedBound } from "./plausible.ts";
 *
 * const limits = [
 *   { watts: 291, source: "power cap (power1_cap)" },
 *   { watts: 340, source: "highest power cap (power1_cap_max)" },
 * ];
 * deepEqual(statedBound(limits, 2), {
 *   maxWatts: 680,
 *   basis: "2 x its 340 W highest power cap (power1_cap_max)",
 * });
 * ```
 */
export function statedBound(
  limits: readonly StatedLimit[],
  margin: number,
): PowerBound | undefined {
  const usable = limits.filter((l) => Number.isFinite(l.watts) && l.watts > 0);
  if (usable.length === 0) return undefined;
  const top = usable.reduce((a, b) => b.watts > a.watts ? b : a);
  return {
    maxWatts: margin * top.watts,
    basis: `${margin} x its ${figure(top.watts)} W ${top.source}`,
  };
}

/**
 * A GPU's bound: twice the largest limit it states (by default the power limit the driver
 * enforces), else twice its board power from data/gpu_tdp.json (loaded only then), else
 * {@link UNKNOWN_GPU_WATTS}.
 *
 * @param gpu The GPU as the driver describes it.
 * @param limits What it states of its power limits (default: its `powerLimitWatts`).
 * @returns The bound.
 */
export async function gpuPowerBound(
  gpu: Pick<GpuInfo, "name" | "powerLimitWatts">,
  limits: readonly StatedLimit[] = gpu.powerLimitWatts === undefined
    ? []
    : [{ watts: gpu.powerLimitWatts, source: "power limit" }],
): Promise<PowerBound> {
  const stated = statedBound(limits, GPU_MARGIN);
  if (stated) return stated;
  const { gpuTdp } = await import("../geo/gpu_tdp.ts");
  try {
    const tdp = gpuTdp(gpu.name);
    return {
      maxWatts: GPU_MARGIN * tdp.tdpWatts,
      basis: `${GPU_MARGIN} x the ${tdp.tdpWatts} W board power of ${tdp.name} (data/gpu_tdp.json)`,
    };
  } catch {
    return {
      maxWatts: UNKNOWN_GPU_WATTS,
      basis: `no power limit known; no GPU board draws more than ${UNKNOWN_GPU_WATTS} W`,
    };
  }
}

/**
 * A CPU package's bound where it states no limit: {@link RAPL_MARGIN} x its TDP from
 * data/cpu_tdp.json, else {@link UNKNOWN_CPU_ZONE_WATTS}.
 *
 * @param cpuModel The CPU model (/proc/cpuinfo), or undefined when unknown or not a package.
 * @returns The bound.
 */
export function cpuTdpBound(cpuModel: string | undefined): PowerBound {
  const tdp = cpuModel ? findCpuTdp(cpuModel) : undefined;
  if (tdp) {
    return {
      maxWatts: RAPL_MARGIN * tdp.tdpWatts,
      basis: `${RAPL_MARGIN} x the ${tdp.tdpWatts} W TDP of ${tdp.model} (data/cpu_tdp.json)`,
    };
  }
  return {
    maxWatts: UNKNOWN_CPU_ZONE_WATTS,
    basis:
      `no power limit in sysfs and no known TDP; no CPU zone draws more than ${UNKNOWN_CPU_ZONE_WATTS} W`,
  };
}

/**
 * A bound as recorded in a sensor's status detail (impact.json), beside the device.
 *
 * @param bound The bound.
 * @returns `plausibleMaxWatts` and `plausibleBasis`.
 */
export function plausibleDetail(
  bound: PowerBound,
): { plausibleMaxWatts: number; plausibleBasis: string } {
  return { plausibleMaxWatts: bound.maxWatts, plausibleBasis: bound.basis };
}

/** A figure for a reason: from 1000 up to the unit, below to 4 significant digits. */
function figure(x: number): string {
  return Math.abs(x) >= 1000 ? String(Math.round(x)) : String(Number(x.toPrecision(4)));
}
