/**
 * Which of amd-smi's GPUs share one reading, and how each is read, decided from one probe:
 * - MI300 compute partitions (CPX, DPX) repeat their physical GPU's power: partition 0 and the
 *   partitions after it are one group.
 * - An MI250/MI250X's secondary die prints no power and an energy counter of 0: it joins the
 *   primary next to it.
 * - In an SR-IOV guest every GPU shows the same (the host's) energy counter: no counter is used.
 * - A counter that reads 0 (consumer RDNA) is not used.
 *
 * @module
 */
import type { Method } from "../types.ts";
import { AMD_APU_IDS, AMD_DUAL_DIE_IDS, pairDies } from "./hwmon_parse.ts";
import type { AmdSmiGpu, AmdSmiMetric } from "./amd_smi_parse.ts";
import { gpuPowerBound, type PowerBound } from "./plausible.ts";

/** GPUs that share one reading: a physical GPU's partitions, an MI250X's two dies. */
export interface Group {
  /** The amd-smi index whose row is read. */
  primary: number;
  members: AmdSmiGpu[];
  method: Method;
  /** What the group's physical GPU can draw: a power or counter step beyond it is a gap. */
  bound: PowerBound;
  /** Counter groups: the last energy printed, J, and when its row came (monotonic ms). */
  lastEnergyJoules?: number;
  lastEnergyMs?: number;
  /** Joules counted since start(), gaps excluded. */
  countedJoules: number;
  watts?: number;
  /** Power groups: monotonic ms up to which power has been integrated. */
  integratedUntilMs: number;
  stillRows: number;
  /** Why counting restarted at the latest row (a counter that went back, jumped or froze). */
  rebased?: string;
  /**
   * Power groups: why the power is unknown since a row (a power no GPU can draw), until the
   * read after a good row; the reads meanwhile fail.
   */
  failure?: string;
  seen: boolean;
}

/**
 * Groups the GPUs that share one reading and picks each group's method.
 *
 * @param gpus The GPUs, by index.
 * @param metrics One metric per GPU, from the probe.
 * @param notes Receives what was merged, dropped or not used, and why.
 * @param bounds What each GPU (by index) can draw; a group takes its reporting GPU's.
 * @returns The groups that can be read.
 */
export function planGroups(
  gpus: AmdSmiGpu[],
  metrics: Map<number, AmdSmiMetric>,
  notes: string[],
  bounds: Map<number, PowerBound>,
): Group[] {
  const sorted = [...gpus].sort((a, b) => a.index - b.index);
  // Partitions: partition 0 starts a physical GPU, the partitions after it belong to it.
  const physical: AmdSmiGpu[][] = [];
  for (const gpu of sorted) {
    const last = physical.at(-1);
    if (last && (gpu.partitionId ?? 0) > 0) last.push(gpu);
    else physical.push([gpu]);
  }
  for (const members of physical.filter((m) => m.length > 1)) {
    notes.push(
      `GPUs ${members.map((m) => m.index).join(", ")} are compute partitions of one physical GPU ` +
        "that repeat its power: it is read once and split evenly between them",
    );
  }
  // MI250/MI250X: a secondary die reports no power and no energy of its own.
  const power = (group: AmdSmiGpu[]) => metrics.get(group[0]!.index);
  const dies = physical.map((group) => {
    const metric = power(group);
    const dualDie = group.length === 1 && (AMD_DUAL_DIE_IDS.has(group[0]!.deviceId ?? "") ||
      /MI250/.test(group[0]!.name ?? ""));
    const hasPower = (metric?.socketWatts ?? 0) > 0;
    return {
      dualDie,
      secondary: dualDie && !hasPower && !((metric?.energyJoules ?? 0) > 0),
      hasPower,
    };
  });
  const partnerOf = pairDies(dies);
  const merged: AmdSmiGpu[][] = [];
  physical.forEach((group, i) => {
    const partner = partnerOf.get(i);
    if (dies[i]!.secondary) {
      if (partner === undefined) {
        notes.push(
          `GPU ${group[0]!.index} is a secondary die with no primary next to it: not read`,
        );
      }
      return;
    }
    if (partner !== undefined) {
      notes.push(
        `GPUs ${group[0]!.index} and ${physical[partner]![0]!.index} are the two dies of one ` +
          `MI250/MI250X: its power, which the primary reports, is split evenly between them`,
      );
      merged.push([...group, ...physical[partner]!].sort((a, b) => a.index - b.index));
    } else merged.push(group);
  });
  // SR-IOV: the same counter on two physical GPUs is the host's, not theirs.
  const counters = merged.map((g) => metrics.get(primaryOf(g, metrics))?.energyJoules)
    .filter((j): j is number => j !== undefined && j > 0);
  const shared = counters.length > 1 && new Set(counters).size < counters.length;
  if (shared) {
    notes.push(
      "several GPUs show the same energy counter, as in an SR-IOV guest (where it is the " +
        "host's): each GPU's socket power is integrated instead",
    );
  }
  const groups: Group[] = [];
  for (const members of merged) {
    const primary = primaryOf(members, metrics);
    const metric = metrics.get(primary);
    const counter = !shared && (metric?.energyJoules ?? 0) > 0;
    if (!counter && metric?.socketWatts === undefined) {
      notes.push(`GPU ${primary} reports neither energy nor socket power: not read`);
      continue;
    }
    if (!counter && !shared && metric?.energyJoules === 0) {
      notes.push(
        `GPU ${primary}'s energy accumulator reads 0 (not kept by this GPU): power is integrated`,
      );
    }
    groups.push({
      primary,
      members,
      bound: bounds.get(primary)!,
      method: counter ? "counter" : "integrated",
      countedJoules: 0,
      integratedUntilMs: 0,
      stillRows: 0,
      seen: false,
    });
  }
  return groups;
}

/** The member whose row carries the group's reading: the one reporting power or energy. */
function primaryOf(members: AmdSmiGpu[], metrics: Map<number, AmdSmiMetric>): number {
  const reporting = members.find((m) => {
    const metric = metrics.get(m.index);
    return (metric?.socketWatts ?? 0) > 0 || (metric?.energyJoules ?? 0) > 0;
  });
  return (reporting ?? members[0]!).index;
}

/**
 * Whether a GPU is an APU, whose socket power is the whole chip (CPU included).
 *
 * @param gpu The GPU.
 * @returns True for an MI300A.
 */
export function isApu(gpu: AmdSmiGpu): boolean {
  return AMD_APU_IDS.has(gpu.deviceId ?? "") || /MI300A/.test(gpu.name ?? "");
}

/**
 * What each GPU can draw: twice the largest power cap amd-smi states (`limit.max_power`, the
 * most the cap may be raised to, or `limit.socket_power`), else twice its board power
 * (data/gpu_tdp.json), else the unknown-GPU bound (lib/sensors/plausible.ts).
 *
 * @param gpus The GPUs.
 * @returns Each GPU's bound, by index.
 */
export async function gpuBounds(gpus: AmdSmiGpu[]): Promise<Map<number, PowerBound>> {
  const bounds = new Map<number, PowerBound>();
  for (const gpu of gpus) {
    const limits = [
      { watts: gpu.maxPowerLimitWatts ?? 0, source: "highest power cap (amd-smi max_power)" },
      { watts: gpu.powerLimitWatts ?? 0, source: "power cap (amd-smi socket_power)" },
    ];
    bounds.set(gpu.index, await gpuPowerBound({ name: gpu.name ?? "AMD GPU" }, limits));
  }
  return bounds;
}
