/**
 * Finds the hwmon devices `impact` reads under `<sysfsRoot>/class/hwmon`, and the vocabulary of
 * the plans built from them (hwmon_plan.ts): channels, outputs, what each family found.
 *
 * Devices are found by their hwmon `name` and read through their `device` link (its `uevent`
 * gives the PCI ids, ACPI meters keep their attributes there), never by the hwmonN index,
 * which changes from boot to boot. Where nothing of this exists the scan costs one listing
 * and one small read per hwmon folder.
 *
 * @module
 */
import { join } from "node:path";
import type { Component, GpuInfo } from "../types.ts";
import type { Runtime } from "../runtime.ts";
import type { PowerBound } from "./plausible.ts";

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
  /** What the device it reads can draw: a reading or step beyond it is a gap (hwmon_bounds.ts). */
  bound: PowerBound;
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
export interface HwmonDir {
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
 * A plan with nothing in it yet.
 *
 * @param family The family.
 * @returns The empty plan.
 */
export function emptyPlan(family: HwmonFamily): FamilyPlan {
  return { family, outputs: [], notEmitted: [], unreadable: [], gpus: [] };
}

/**
 * The `<kind>N_input` channels of a folder, with their labels.
 *
 * @param runtime Where files are read.
 * @param dir The folder and its file names.
 * @param kind `energy` or `power`.
 * @returns The channels by number.
 */
export async function labelled(
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

/**
 * A file's content, or undefined when it cannot be read.
 *
 * @param runtime Where files are read.
 * @param path The file.
 * @returns The text.
 */
export async function readOptional(runtime: Runtime, path: string): Promise<string | undefined> {
  try {
    return await runtime.readTextFile(path);
  } catch {
    return undefined;
  }
}

/**
 * A file holding a whole number, or undefined.
 *
 * @param runtime Where files are read.
 * @param path The file.
 * @returns The number.
 */
export async function readNumber(runtime: Runtime, path: string): Promise<number | undefined> {
  const text = (await readOptional(runtime, path))?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
