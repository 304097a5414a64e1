/**
 * Finds the hwmon devices `impact` reads under `<sysfsRoot>/class/hwmon` and plans what each
 * driver family emits, so that the devices add up with nothing counted twice.
 *
 * Devices are found by their hwmon `name` and read through their `device` link (its `uevent`
 * gives the PCI ids, ACPI meters keep their attributes there), never by the hwmonN index,
 * which changes from boot to boot. Where nothing of this exists the scan costs one listing
 * and one small read per hwmon folder.
 *
 * Plans, per family:
 * - `amdgpu`: `power1_average`, else `power1_input` (which one depends on the generation),
 *   integrated. An MI250/MI250X is two GPUs (dies) and only the primary reports power, for the
 *   whole package: the secondary (no power file, or a power cap of 0) is paired with its
 *   neighbour in PCI order and the package's energy is split evenly between the two dies, so
 *   it is counted once and a job is charged for the dies it uses. An APU's value is the whole
 *   SoC, CPU included: it is emitted as `psys` less the CPU packages other sensors read.
 * - `xe` / `i915`: `energy1` (`card`) contains `energy2` (`pkg`): the card is counted, the
 *   package only where the card's channel is missing; power channels where no counter exists.
 * - `zenergy` / `amd_energy`: the `Esocket` counters, as `package-N`; the `Ecore` counters are
 *   inside them and never added.
 * - `power_meter` (ACPI): on NVIDIA Grace, by `power1_oem_info`, the Grace socket is `cpu`
 *   and the rest of the module(s) (module less Grace, less the GPUs NVML reads inside it) is a
 *   `psys` remainder; the CPU and SysIO rails are inside Grace. Any other meter is the node's
 *   wall power: component `node`, shown beside the components, never added to them.
 *
 * @module
 */
import { join } from "node:path";
import type { Component, GpuInfo } from "../types.ts";
import type { Runtime } from "../runtime.ts";
import {
  AMD_APU_IDS,
  AMD_DUAL_DIE_IDS,
  gpuProductName,
  type GraceMeterKind,
  pairDies,
  parseAmdEnergyLabel,
  parseGraceLabel,
  parsePciUevent,
  type PciIdentity,
} from "./hwmon_parse.ts";

/** The hwmon names each family reads. */
export const HWMON_FAMILIES = {
  amdgpu: ["amdgpu"],
  "intel-gpu": ["xe", "i915"],
  "amd-energy": ["zenergy", "amd_energy"],
  "power-meter": ["power_meter"],
} as const;

/** A family of hwmon drivers, read by one sensor. */
export type HwmonFamily = keyof typeof HWMON_FAMILIES;

/** One file read each interval. */
export interface ChannelSpec {
  /** The file: `.../energy1_input` (cumulative microjoules) or `.../power1_average` (microwatts). */
  path: string;
  kind: "counter" | "power";
}

/** Readings of other sensors that lie inside an output and are taken out of it. */
export type InsideKey = "cpu-packages" | "module-gpus";

/** One device the family's sensor emits. */
export interface OutputSpec {
  component: Component;
  device: string;
  /** Summed channels. */
  plus: ChannelSpec[];
  /** Channels inside `plus`, taken out of it (Grace inside its module). */
  minus: ChannelSpec[];
  /** Part of `plus` that is this device's (a die's half of its package); default 1. */
  share?: number;
  /** Devices other sensors read that lie inside `plus`, taken out when they are read. */
  inside?: InsideKey;
  /** A GPU's PCI address, for its processes (KFD). */
  pciSlot?: string;
  /** What it measures, in words, for the status. */
  measures: string;
}

/** What a family found. */
export interface FamilyPlan {
  family: HwmonFamily;
  outputs: OutputSpec[];
  /** Channels found and deliberately not emitted, and why (inside another, a duplicate). */
  notEmitted: string[];
  /** Devices found that give no reading, and why. */
  unreadable: string[];
  /** GPUs found (amdgpu, xe/i915). */
  gpus: GpuInfo[];
}

/** One hwmon folder of interest. */
interface HwmonDir {
  /** `hwmon3`. */
  id: string;
  path: string;
  name: string;
}

/** What {@link scanHwmon} found: the folders of each family. */
export interface HwmonScan {
  /** `<sysfsRoot>/class/hwmon`. */
  base: string;
  /** Why the folder could not be listed, when it could not (missing is not a problem). */
  error?: string;
  dirs: Record<HwmonFamily, HwmonDir[]>;
}

/**
 * Lists `<sysfsRoot>/class/hwmon` once and reads each folder's `name`.
 *
 * @param runtime Where files are read.
 * @param sysfsRoot The sysfs root (`IMPACT_SYSFS_ROOT`).
 * @returns The folders of each family, in PCI / name order.
 */
export async function scanHwmon(runtime: Runtime, sysfsRoot: string): Promise<HwmonScan> {
  const base = join(sysfsRoot, "class", "hwmon");
  const scan: HwmonScan = {
    base,
    dirs: { amdgpu: [], "intel-gpu": [], "amd-energy": [], "power-meter": [] },
  };
  let entries: string[];
  try {
    entries = await runtime.readDir(base);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) scan.error = messageOf(error);
    return scan;
  }
  const named = await Promise.all(
    entries.filter((e) => /^hwmon\d+$/.test(e)).map(async (id) => ({
      id,
      path: join(base, id),
      name: (await readOptional(runtime, join(base, id, "name")))?.trim() ?? "",
    })),
  );
  named.sort((a, b) => Number(a.id.slice(5)) - Number(b.id.slice(5)));
  for (const dir of named) {
    for (const [family, names] of Object.entries(HWMON_FAMILIES)) {
      if ((names as readonly string[]).includes(dir.name)) {
        scan.dirs[family as HwmonFamily].push(dir);
      }
    }
  }
  return scan;
}

/**
 * Plans what a family emits from the folders the scan found.
 *
 * @param runtime Where files are read.
 * @param scan The scan.
 * @param family The family.
 * @param skipSlots PCI addresses of GPUs another sensor reads (amd-smi): left to it.
 * @returns Its outputs, what it leaves out and why, and its GPUs.
 */
export function planFamily(
  runtime: Runtime,
  scan: HwmonScan,
  family: HwmonFamily,
  skipSlots: ReadonlySet<string> = new Set(),
): Promise<FamilyPlan> {
  const dirs = scan.dirs[family];
  switch (family) {
    case "amdgpu":
      return planAmdgpu(runtime, dirs, skipSlots);
    case "intel-gpu":
      return planIntelGpu(runtime, dirs);
    case "amd-energy":
      return planAmdEnergy(runtime, dirs);
    case "power-meter":
      return planPowerMeter(runtime, dirs);
  }
}

function emptyPlan(family: HwmonFamily): FamilyPlan {
  return { family, outputs: [], notEmitted: [], unreadable: [], gpus: [] };
}

/** A GPU's hwmon folder with what its `device` link says. */
interface GpuDir extends HwmonDir {
  files: string[];
  pci: PciIdentity;
}

async function gpuDirs(runtime: Runtime, dirs: HwmonDir[]): Promise<GpuDir[]> {
  const found = await Promise.all(dirs.map(async (dir) => ({
    ...dir,
    files: await runtime.readDir(dir.path).catch(() => []),
    pci: parsePciUevent(
      (await readOptional(runtime, join(dir.path, "device", "uevent"))) ?? "",
    ),
  })));
  // PCI order is the order the ROCm and Level Zero runtimes number GPUs in.
  return found.sort((a, b) => (a.pci.slot ?? a.id).localeCompare(b.pci.slot ?? b.id));
}

async function planAmdgpu(
  runtime: Runtime,
  dirs: HwmonDir[],
  skipSlots: ReadonlySet<string>,
): Promise<FamilyPlan> {
  const plan = emptyPlan("amdgpu");
  const gpus = await gpuDirs(runtime, dirs);
  const info = await Promise.all(gpus.map(async (gpu, index) => {
    const powerFile = ["power1_average", "power1_input"].find((f) => gpu.files.includes(f));
    const cap = await readNumber(runtime, join(gpu.path, "power1_cap"));
    const label = (await readOptional(runtime, join(gpu.path, "power1_label")))?.trim();
    const product = (await readOptional(runtime, join(gpu.path, "device", "product_name")))
      ?.trim();
    const uniqueId = (await readOptional(runtime, join(gpu.path, "device", "unique_id")))?.trim();
    const deviceId = gpu.pci.deviceId ?? "";
    const apu = AMD_APU_IDS.has(deviceId) || /^(slow|fast)PPT$/.test(label ?? "");
    const dualDie = AMD_DUAL_DIE_IDS.has(deviceId);
    const gpuInfo: GpuInfo = {
      index,
      name: product && product !== "" ? product : gpuProductName(gpu.pci, "AMD"),
      device: apu ? `amd-apu-${index}` : `amd-gpu-${index}`,
    };
    if (uniqueId && /^(0x)?[0-9a-f]+$/i.test(uniqueId)) {
      gpuInfo.uuid = `GPU-${uniqueId.replace(/^0x/i, "").toLowerCase()}`;
    }
    if (cap !== undefined && cap > 0) gpuInfo.powerLimitWatts = cap / 1e6;
    return {
      gpu,
      gpuInfo,
      powerFile,
      apu,
      dualDie,
      secondary: dualDie && (powerFile === undefined || cap === 0),
    };
  }));
  const partnerOf = pairDies(
    info.map((die) => ({ ...die, hasPower: die.powerFile !== undefined })),
  );
  info.forEach((die, i) => {
    const device = die.gpuInfo.device!;
    const slot = die.gpu.pci.slot === undefined ? {} : { pciSlot: die.gpu.pci.slot };
    const where = `${device} (${die.gpu.id}, ${die.gpu.pci.slot ?? "no PCI slot"})`;
    if (skipSlots.has(die.gpu.pci.slot ?? "")) {
      plan.notEmitted.push(`${where}: read by amd-smi instead (preferred)`);
      return;
    }
    plan.gpus.push(die.gpuInfo);
    if (die.secondary) {
      const primary = partnerOf.get(i);
      if (primary === undefined) {
        plan.unreadable.push(
          `${where}: the secondary die of an MI250/MI250X reports no power, and no primary die was found next to it`,
        );
        return;
      }
      const path = join(info[primary]!.gpu.path, info[primary]!.powerFile!);
      plan.outputs.push({
        component: "gpu",
        device,
        plus: [{ path, kind: "power" }],
        minus: [],
        share: 0.5,
        ...slot,
        measures: `half of its MI250/MI250X package, whose power the primary die ${
          info[primary]!.gpuInfo.device
        } reports (this secondary die reports none)`,
      });
      return;
    }
    if (die.powerFile === undefined) {
      plan.unreadable.push(`${where}: no power1_average or power1_input`);
      return;
    }
    const path = join(die.gpu.path, die.powerFile);
    if (die.apu) {
      plan.outputs.push({
        component: "psys",
        device,
        plus: [{ path, kind: "power" }],
        minus: [],
        inside: "cpu-packages",
        measures: `the whole APU (${die.gpuInfo.name}: GPU, CPU and memory), ${die.powerFile}`,
      });
      return;
    }
    const paired = partnerOf.get(i);
    plan.outputs.push({
      component: "gpu",
      device,
      plus: [{ path, kind: "power" }],
      minus: [],
      ...(paired === undefined ? {} : { share: 0.5 }),
      ...slot,
      measures: paired === undefined
        ? `${die.gpuInfo.name}, ${die.powerFile}`
        : `half of its MI250/MI250X package (${die.powerFile} of this primary die covers both dies; the other half is ${
          info[paired]!.gpuInfo.device
        })`,
    });
  });
  return plan;
}

async function planIntelGpu(runtime: Runtime, dirs: HwmonDir[]): Promise<FamilyPlan> {
  const plan = emptyPlan("intel-gpu");
  const gpus = await gpuDirs(runtime, dirs);
  await Promise.all(gpus.map(async (gpu, index) => {
    const device = `intel-gpu-${index}`;
    const gpuInfo: GpuInfo = { index, name: gpuProductName(gpu.pci, "Intel"), device };
    const cap = await readNumber(runtime, join(gpu.path, "power1_cap"));
    if (cap !== undefined && cap > 0) gpuInfo.powerLimitWatts = cap / 1e6;
    plan.gpus.push(gpuInfo);
    // Channels by label: some builds have energy2 (pkg) only; without labels the kernel ABI
    // numbers them card = 1, pkg = 2.
    const channels = await labelled(runtime, gpu, "energy");
    const card = channels.find((c) => c.label === "card") ??
      channels.find((c) => c.label === undefined && c.number === 1);
    const pkg = channels.find((c) => c.label === "pkg") ??
      channels.find((c) => c.label === undefined && c.number === 2);
    const where = `${device} (${gpu.name} ${gpu.id}, ${gpu.pci.slot ?? "no PCI slot"})`;
    if (card) {
      if (pkg) plan.notEmitted.push(`${where}: ${pkg.file} (pkg) is inside ${card.file} (card)`);
      plan.outputs.push(counterOutput(gpu, device, card.file, `${gpuInfo.name}, the whole card`));
      return;
    }
    if (pkg) {
      plan.outputs.push(
        counterOutput(
          gpu,
          device,
          pkg.file,
          `${gpuInfo.name}, the GPU package only (this driver has no card channel, so the card's memory and board are not in it)`,
        ),
      );
      return;
    }
    const powerFile = ["power1_average", "power1_input"].find((f) => gpu.files.includes(f));
    if (powerFile) {
      plan.outputs.push({
        component: "gpu",
        device,
        plus: [{ path: join(gpu.path, powerFile), kind: "power" }],
        minus: [],
        measures: `${gpuInfo.name}, ${powerFile}`,
      });
      return;
    }
    plan.unreadable.push(`${where}: no energy1_input, energy2_input or power channel`);
  }));
  plan.outputs.sort((a, b) => a.device.localeCompare(b.device));
  plan.gpus.sort((a, b) => a.index - b.index);
  return plan;
}

function counterOutput(gpu: GpuDir, device: string, file: string, measures: string): OutputSpec {
  return {
    component: "gpu",
    device,
    plus: [{ path: join(gpu.path, file), kind: "counter" }],
    minus: [],
    measures,
  };
}

async function planAmdEnergy(runtime: Runtime, dirs: HwmonDir[]): Promise<FamilyPlan> {
  const plan = emptyPlan("amd-energy");
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
        plus: [{ path: join(dir.path, channel.file), kind: "counter" }],
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

async function planPowerMeter(runtime: Runtime, dirs: HwmonDir[]): Promise<FamilyPlan> {
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
    return { dir, path, oem: oem?.trim() ?? "", grace: parseGraceLabel(oem ?? "") };
  }));
  const grace = new Map<number, Partial<Record<GraceMeterKind, ChannelSpec>>>();
  let node = 0;
  for (const meter of meters) {
    if (meter.path === undefined) {
      plan.unreadable.push(`${meter.dir.id}: no power1_average under ${meter.dir.path}/device`);
      continue;
    }
    const channel: ChannelSpec = { path: meter.path, kind: "power" };
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

/** The `<kind>N_input` channels of a folder, with their labels. */
async function labelled(
  runtime: Runtime,
  dir: { path: string; files: string[] },
  kind: "energy" | "power",
): Promise<{ file: string; number: number; label?: string }[]> {
  const pattern = new RegExp(`^${kind}(\\d+)_input$`);
  const inputs = dir.files.map((f) => [f, pattern.exec(f)?.[1]] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined);
  const found = await Promise.all(inputs.map(async ([file, number]) => {
    const label = (await readOptional(runtime, join(dir.path, `${kind}${number}_label`)))?.trim();
    return label === undefined
      ? { file, number: Number(number) }
      : { file, number: Number(number), label };
  }));
  return found.sort((a, b) => a.number - b.number);
}

async function readOptional(runtime: Runtime, path: string): Promise<string | undefined> {
  try {
    return await runtime.readTextFile(path);
  } catch {
    return undefined;
  }
}

async function readNumber(runtime: Runtime, path: string): Promise<number | undefined> {
  const text = (await readOptional(runtime, path))?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
