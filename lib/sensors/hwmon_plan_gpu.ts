/**
 * Plans of the GPU hwmon families, in PCI order (the order the ROCm and Level Zero runtimes
 * number GPUs in):
 * - `amdgpu`: `power1_average`, else `power1_input` (which one depends on the generation),
 *   integrated. An MI250/MI250X is two GPUs (dies) and only the primary reports power, for the
 *   whole package: the secondary (no power file, or a power cap of 0) is paired with its
 *   neighbour in PCI order and the package's energy is split evenly between the two dies, so
 *   it is counted once and a job is charged for the dies it uses. An APU's value is the whole
 *   SoC, CPU included: it is emitted as `psys`, less the CPU packages other sensors read.
 * - `xe` / `i915`: `energy1` (`card`) contains `energy2` (`pkg`): the card is counted, the
 *   package only where the card's channel is missing; power channels where no counter exists.
 *
 * @module
 */
import { join } from "node:path";
import type { GpuInfo } from "../types.ts";
import type { Runtime } from "../runtime.ts";
import {
  AMD_APU_IDS,
  AMD_DUAL_DIE_IDS,
  gpuProductName,
  pairDies,
  parsePciUevent,
  type PciIdentity,
} from "./hwmon_parse.ts";
import {
  emptyPlan,
  type FamilyPlan,
  type HwmonDir,
  labelled,
  type OutputSpec,
  readNumber,
  readOptional,
} from "./hwmon_scan.ts";
import { AMDGPU_LIMIT_FILES, INTEL_GPU_LIMIT_FILES, statedLimits } from "./hwmon_bounds.ts";
import { gpuPowerBound, type PowerBound } from "./plausible.ts";

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

/**
 * Plans the amdgpu family.
 *
 * @param runtime Where files are read.
 * @param dirs Its hwmon folders.
 * @param skipSlots PCI addresses another sensor (amd-smi) reads: left to it.
 * @returns The plan.
 */
export async function planAmdgpu(
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
    const secondary = dualDie && (powerFile === undefined || cap === 0);
    // A secondary die reads its primary's file, checked against the primary's bound.
    const bound = secondary || powerFile === undefined ? undefined : await gpuPowerBound(
      gpuInfo,
      await statedLimits(runtime, gpu.path, AMDGPU_LIMIT_FILES),
    );
    return { gpu, gpuInfo, bound, powerFile, apu, dualDie, secondary };
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
        plus: [{ path, kind: "power", bound: info[primary]!.bound! }],
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
    const channel = { path, kind: "power", bound: die.bound! } as const;
    if (die.apu) {
      plan.outputs.push({
        component: "psys",
        device,
        plus: [channel],
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
      plus: [channel],
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

/**
 * Plans the xe/i915 family.
 *
 * @param runtime Where files are read.
 * @param dirs Its hwmon folders.
 * @returns The plan.
 */
export async function planIntelGpu(runtime: Runtime, dirs: HwmonDir[]): Promise<FamilyPlan> {
  const plan = emptyPlan("intel-gpu");
  const gpus = await gpuDirs(runtime, dirs);
  await Promise.all(gpus.map(async (gpu, index) => {
    const device = `intel-gpu-${index}`;
    const gpuInfo: GpuInfo = { index, name: gpuProductName(gpu.pci, "Intel"), device };
    const cap = await readNumber(runtime, join(gpu.path, "power1_cap"));
    if (cap !== undefined && cap > 0) gpuInfo.powerLimitWatts = cap / 1e6;
    const bound = await gpuPowerBound(
      gpuInfo,
      await statedLimits(runtime, gpu.path, INTEL_GPU_LIMIT_FILES),
    );
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
      plan.outputs.push(
        counterOutput(gpu, device, card.file, bound, `${gpuInfo.name}, the whole card`),
      );
      return;
    }
    if (pkg) {
      plan.outputs.push(
        counterOutput(
          gpu,
          device,
          pkg.file,
          bound,
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
        plus: [{ path: join(gpu.path, powerFile), kind: "power", bound }],
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

function counterOutput(
  gpu: GpuDir,
  device: string,
  file: string,
  bound: PowerBound,
  measures: string,
): OutputSpec {
  return {
    component: "gpu",
    device,
    plus: [{ path: join(gpu.path, file), kind: "counter", bound }],
    minus: [],
    measures,
  };
}
