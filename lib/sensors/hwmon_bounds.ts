/**
 * What each hwmon device can draw (lib/sensors/plausible.ts), from what it states of itself:
 * - amdgpu: its power caps, `power1_cap_max` (the most the cap may be raised to) and
 *   `power1_cap` (and `power2_*`, an APU's fast limit), else the board power of its product
 *   in data/gpu_tdp.json, else `UNKNOWN_GPU_WATTS`; `GPU_MARGIN` over it (`gpuPowerBound`).
 * - xe / i915: the power limits the driver exposes (`power1_max`, `power1_rated_max`,
 *   `power1_cap`, and the `power2_*` of the package), else the same as amdgpu.
 * - zenergy / amd_energy: no limit in hwmon; the CPU's TDP (data/cpu_tdp.json), else
 *   `UNKNOWN_CPU_ZONE_WATTS`, as for a RAPL package without constraints (`cpuTdpBound`).
 * - ACPI power meters: {@link METER_MARGIN} over the meter's `power1_cap` / `power1_cap_max`
 *   where it has one; else a Grace module by {@link GRACE_MODULE_RATED_WATTS}, a Grace socket
 *   by its CPU's TDP, a node's wall meter by {@link UNKNOWN_NODE_WATTS}. A meter's
 *   `power1_average_max` is an alarm threshold its owner sets (the node may draw more), never
 *   a bound.
 *
 * A limit file that is missing, unreadable, 0 (no limit) or the firmware's "no reading" is no
 * limit.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import { type GraceMeterKind, HWMON_NO_READING } from "./hwmon_parse.ts";
import { type OutputSpec, readNumber } from "./hwmon_scan.ts";
import {
  cpuTdpBound,
  GRACE_MODULE_RATED_WATTS,
  METER_MARGIN,
  plausibleDetail,
  type PowerBound,
  statedBound,
  type StatedLimit,
  UNKNOWN_NODE_WATTS,
} from "./plausible.ts";

/** An amdgpu's limit files, and what each is. */
export const AMDGPU_LIMIT_FILES: Record<string, string> = {
  power1_cap_max: "highest power cap",
  power1_cap: "power cap",
  power2_cap_max: "highest fast power cap",
  power2_cap: "fast power cap",
};

/** An xe / i915 GPU's limit files (kernel ABI sysfs-driver-intel-xe-hwmon, -i915-hwmon). */
export const INTEL_GPU_LIMIT_FILES: Record<string, string> = {
  power1_max: "sustained power limit",
  power1_rated_max: "rated power",
  power1_cap: "power cap",
  power2_max: "package sustained power limit",
  power2_rated_max: "package rated power",
  power2_cap: "package power cap",
};

/** An ACPI power meter's limit files (kernel Documentation/hwmon/acpi_power_meter.rst). */
export const METER_LIMIT_FILES: Record<string, string> = {
  power1_cap_max: "highest power cap",
  power1_cap: "power cap",
};

/**
 * The power limits a device states in a folder's files (microwatts).
 *
 * @param runtime Where files are read.
 * @param dir The folder.
 * @param files Limit file -> what it is.
 * @returns The limits found, in watts, each with its source.
 */
export async function statedLimits(
  runtime: Runtime,
  dir: string,
  files: Record<string, string>,
): Promise<StatedLimit[]> {
  const found = await Promise.all(
    Object.entries(files).map(async ([file, what]) => {
      const microwatts = await readNumber(runtime, join(dir, file));
      return microwatts === undefined || microwatts === 0 || microwatts >= HWMON_NO_READING
        ? undefined
        : { watts: microwatts / 1e6, source: `${what} (${file})` };
    }),
  );
  return found.filter((limit) => limit !== undefined);
}

/**
 * An ACPI power meter's bound: {@link METER_MARGIN} over the cap it states, else by what it
 * measures.
 *
 * @param kind A Grace meter's kind, or `node` for any other (the node's wall power).
 * @param limits What the meter states.
 * @param cpuModel The CPU model, for a Grace socket's TDP.
 * @returns The bound.
 */
export function meterBound(
  kind: GraceMeterKind | "node",
  limits: readonly StatedLimit[],
  cpuModel: string | undefined,
): PowerBound {
  const stated = statedBound(limits, METER_MARGIN);
  if (stated) return stated;
  switch (kind) {
    case "module":
      return {
        maxWatts: METER_MARGIN * GRACE_MODULE_RATED_WATTS,
        basis: `${METER_MARGIN} x ${GRACE_MODULE_RATED_WATTS} W, the rating of the largest ` +
          "Grace module (GB200: Grace and two Blackwell GPUs)",
      };
    case "node":
      return {
        maxWatts: UNKNOWN_NODE_WATTS,
        basis: `no power cap stated; no single node draws more than ${UNKNOWN_NODE_WATTS} W`,
      };
    default:
      return cpuTdpBound(cpuModel);
  }
}

/**
 * The bounds an hwmon family's devices are checked against, for its status detail: of the
 * file each reads (an MI250X die's is its package's), summed where a device adds several
 * meters (the Grace modules of a node).
 *
 * @param outputs The family's devices.
 * @returns Device -> `plausibleMaxWatts` and `plausibleBasis`.
 */
export function plausibleByDevice(
  outputs: readonly OutputSpec[],
): Record<string, ReturnType<typeof plausibleDetail>> {
  return Object.fromEntries(outputs.map((output) => {
    const bounds = output.plus.map((c) => c.bound);
    const bases = [...new Set(bounds.map((b) => b.basis))];
    const bound = bounds.length === 1 ? bounds[0]! : {
      maxWatts: bounds.reduce((sum, b) => sum + b.maxWatts, 0),
      basis: `${bounds.length} meters, each ${bases.join("; ")}`,
    };
    return [output.device, plausibleDetail(bound)];
  }));
}
