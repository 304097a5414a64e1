/**
 * Plans what each hwmon family emits from the folders the scan found, so that the devices add
 * up with nothing counted twice:
 * - `zenergy` / `amd_energy`: the `Esocket` counters, as `package-N`; the `Ecore` counters are
 *   inside them and never added.
 * - `power_meter` (ACPI): on NVIDIA Grace, by `power1_oem_info`, the Grace socket is `cpu`
 *   and the rest of the module(s) (module less Grace, less the GPUs NVML reads inside it) is a
 *   `psys` remainder; the CPU and SysIO rails are inside Grace. Any other meter is the node's
 *   wall power: component `node`, shown beside the components, never added to them.
 * - the GPU families (amdgpu, xe/i915): hwmon_plan_gpu.ts.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Runtime } from "../runtime.ts";
import { type GraceMeterKind, parseAmdEnergyLabel, parseGraceLabel } from "./hwmon_parse.ts";
import {
  type ChannelSpec,
  emptyPlan,
  type FamilyPlan,
  type HwmonDir,
  type HwmonFamily,
  type HwmonScan,
  labelled,
  readOptional,
} from "./hwmon_scan.ts";
import { planAmdgpu, planIntelGpu } from "./hwmon_plan_gpu.ts";
import { METER_LIMIT_FILES, meterBound, statedLimits } from "./hwmon_bounds.ts";
import { cpuTdpBound, type PowerBound } from "./plausible.ts";

/** What a plan needs beyond the scan. */
export interface PlanOptions {
  /** PCI addresses of GPUs another sensor reads (amd-smi): left to it. */
  skipSlots?: ReadonlySet<string> | undefined;
  /** The CPU model (/proc/cpuinfo), for the TDP that bounds a CPU socket's readings. */
  cpuModel?: string | undefined;
}

/**
 * Plans what a family emits from the folders the scan found.
 *
 * @param runtime Where files are read.
 * @param scan The scan.
 * @param family The family.
 * @param options GPUs left to amd-smi, the CPU model.
 * @returns Its outputs, what it leaves out and why, and its GPUs.
 */
export function planFamily(
  runtime: Runtime,
  scan: HwmonScan,
  family: HwmonFamily,
  options: PlanOptions = {},
): Promise<FamilyPlan> {
  const dirs = scan.dirs[family];
  switch (family) {
    case "amdgpu":
      return planAmdgpu(runtime, dirs, options.skipSlots ?? new Set());
    case "intel-gpu":
      return planIntelGpu(runtime, dirs);
    case "amd-energy":
      return planAmdEnergy(runtime, dirs, options.cpuModel);
    case "power-meter":
      return planPowerMeter(runtime, dirs, options.cpuModel);
  }
}

async function planAmdEnergy(
  runtime: Runtime,
  dirs: HwmonDir[],
  cpuModel: string | undefined,
): Promise<FamilyPlan> {
  const plan = emptyPlan("amd-energy");
  // zenergy states no limit: a socket is bounded by its CPU's TDP, looked up only once a
  // socket is found (the lookup indexes the CPU table, a few ms and MB).
  let bound: PowerBound | undefined;
  const seen = new Set<string>();
  let cores = 0;
  for (const dir of dirs) {
    const files = await runtime.readDir(dir.path).catch(() => []);
    const channels = await labelled(runtime, { ...dir, files }, "energy");
    for (const channel of channels) {
      const label = parseAmdEnergyLabel(channel.label ?? "");
      if (label?.kind === "core") {
        cores++;
        continue;
      }
      if (label?.kind !== "socket") continue;
      const device = `package-${label.index}`;
      if (seen.has(device)) {
        plan.notEmitted.push(`${dir.name} ${dir.id}: Esocket${label.index} repeats ${device}`);
        continue;
      }
      seen.add(device);
      plan.outputs.push({
        component: "cpu",
        device,
        plus: [{
          path: join(dir.path, channel.file),
          kind: "counter",
          bound: bound ??= cpuTdpBound(cpuModel),
        }],
        minus: [],
        measures: `socket ${label.index} (${dir.name} Esocket${label.index})`,
      });
    }
  }
  if (cores > 0) {
    plan.notEmitted.push(`${cores} Ecore counters: each core is inside its socket's Esocket`);
  }
  plan.outputs.sort((a, b) => Number(a.device.slice(8)) - Number(b.device.slice(8)));
  return plan;
}

async function planPowerMeter(
  runtime: Runtime,
  dirs: HwmonDir[],
  cpuModel: string | undefined,
): Promise<FamilyPlan> {
  const plan = emptyPlan("power-meter");
  const meters = await Promise.all(dirs.map(async (dir) => {
    // ACPI meters keep their attributes on the ACPI device; look there first.
    const deviceDir = join(dir.path, "device");
    const [deviceFiles, ownFiles, oem] = await Promise.all([
      runtime.readDir(deviceDir).catch((): string[] => []),
      runtime.readDir(dir.path).catch((): string[] => []),
      readOptional(runtime, join(deviceDir, "power1_oem_info")),
    ]);
    const file = ["power1_average", "power1_input"].find((f) => deviceFiles.includes(f));
    const own = ["power1_average", "power1_input"].find((f) => ownFiles.includes(f));
    const path = file ? join(deviceDir, file) : own ? join(dir.path, own) : undefined;
    const grace = parseGraceLabel(oem ?? "");
    const limits = path ? await statedLimits(runtime, dirname(path), METER_LIMIT_FILES) : [];
    const bound = meterBound(grace?.kind ?? "node", limits, cpuModel);
    return { dir, path, oem: oem?.trim() ?? "", grace, bound };
  }));
  const grace = new Map<number, Partial<Record<GraceMeterKind, ChannelSpec>>>();
  let node = 0;
  for (const meter of meters) {
    if (meter.path === undefined) {
      plan.unreadable.push(`${meter.dir.id}: no power1_average under ${meter.dir.path}/device`);
      continue;
    }
    const channel: ChannelSpec = { path: meter.path, kind: "power", bound: meter.bound };
    if (meter.grace) {
      const socket = grace.get(meter.grace.socket) ?? {};
      socket[meter.grace.kind] = channel;
      grace.set(meter.grace.socket, socket);
      continue;
    }
    plan.outputs.push({
      component: "node",
      device: `power-meter-${node++}`,
      plus: [channel],
      minus: [],
      measures: `the whole node's power (ACPI power meter ${meter.dir.id}${
        meter.oem ? `, "${meter.oem}"` : ""
      }): it contains the other components and is shown beside them, never added`,
    });
  }
  const sockets = [...grace.keys()].sort((a, b) => a - b);
  const modules: ChannelSpec[] = [];
  const inModules: ChannelSpec[] = [];
  for (const socket of sockets) {
    const meter = grace.get(socket)!;
    if (meter.grace) {
      plan.outputs.push({
        component: "cpu",
        device: `grace-${socket}`,
        plus: [meter.grace],
        minus: [],
        measures: `Grace CPU socket ${socket} ("Grace Power Socket ${socket}")`,
      });
      if (meter.module) inModules.push(meter.grace);
    }
    if (meter.module) modules.push(meter.module);
    for (const rail of ["cpu-rail", "sysio-rail"] as const) {
      if (meter[rail]) {
        plan.notEmitted.push(
          `socket ${socket}: the ${rail === "cpu-rail" ? "CPU" : "SysIO"} rail is inside Grace`,
        );
      }
    }
  }
  if (modules.length > 0) {
    plan.outputs.push({
      component: "psys",
      device: "grace-module-rest",
      plus: modules,
      minus: inModules,
      inside: "module-gpus",
      measures: `the rest of the Grace module${
        modules.length > 1 ? "s" : ""
      } (memory, regulators, the GPU where no GPU sensor reads it): Module less Grace less the GPUs NVML reads inside it`,
    });
  }
  return plan;
}
