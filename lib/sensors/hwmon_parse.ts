/**
 * Pure readers of hwmon sysfs text: a value file (`energyN_input` in microjoules,
 * `powerN_average`/`powerN_input` in microwatts), the firmware's "no reading" value, a PCI
 * device's `uevent`, the labels that say what a channel measures (NVIDIA Grace's
 * `power1_oem_info`, amd_energy's `Esocket`/`Ecore`), and product names for PCI ids.
 *
 * @module
 */

/**
 * What an ACPI power meter reads when the firmware has no reading: 0xFFFFFFFF mW, which the
 * driver scales to microwatts (lm-sensors shows it as "4.29 MW"). Never a power.
 */
export const HWMON_NO_READING = 4294967295000;

/** A value file whose content is not a reading; the message names the file and the value. */
export class HwmonValueError extends Error {
  /**
   * @param path The file read.
   * @param message What was wrong with its content.
   */
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "HwmonValueError";
  }
}

/**
 * Reads one hwmon value file's content as a whole number of micro-units.
 *
 * @param text The file's content.
 * @param path The file, for the message.
 * @returns The value (microjoules or microwatts, as the file's name says).
 * @throws {HwmonValueError} For text that is not a whole number, a negative value, a number
 *   too long to be one (a 400-digit value reads as Infinity), or the firmware's "no reading"
 *   value.
 * @example A reading, and the firmware's "no reading"
 * ```ts
 * import { equal, throws } from "node:assert/strict";
 * import { parseHwmonMicro } from "./hwmon_parse.ts";
 *
 * equal(parseHwmonMicro("28000000\n", "power1_average"), 28_000_000);
 * throws(() => parseHwmonMicro("4294967295000\n", "power1_average"), /no reading/);
 * ```
 */
export function parseHwmonMicro(text: string, path: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) {
    throw new HwmonValueError(path, `expected a whole number, got "${trimmed}"`);
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new HwmonValueError(path, `a ${trimmed.length}-digit number, no reading`);
  }
  if (value === HWMON_NO_READING) {
    throw new HwmonValueError(
      path,
      `the firmware reports no reading (${HWMON_NO_READING}, i.e. 0xFFFFFFFF mW)`,
    );
  }
  if (value < 0) throw new HwmonValueError(path, `a negative value, ${trimmed}`);
  return value;
}

/** A PCI device as its `uevent` file describes it. */
export interface PciIdentity {
  /** `0000:c1:00.0`. */
  slot?: string;
  /** Vendor id, lower-case hex without `0x`: `1002` (AMD), `8086` (Intel). */
  vendorId?: string;
  /** Device id, lower-case hex without `0x`: `740c`. */
  deviceId?: string;
}

/**
 * Reads a PCI device's `uevent` (`PCI_ID=1002:740C`, `PCI_SLOT_NAME=0000:c1:00.0`).
 *
 * @param text The file's content.
 * @returns The ids found (none for a device that is not on PCI, e.g. an ACPI meter).
 */
export function parsePciUevent(text: string): PciIdentity {
  const identity: PciIdentity = {};
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split("=", 2);
    if (value === undefined) continue;
    if (key === "PCI_SLOT_NAME") identity.slot = value.toLowerCase();
    if (key === "PCI_ID") {
      const ids = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(value);
      if (ids) {
        identity.vendorId = ids[1]!.toLowerCase();
        identity.deviceId = ids[2]!.toLowerCase();
      }
    }
  }
  return identity;
}

/** What one of NVIDIA Grace's four ACPI power meters per socket measures. */
export type GraceMeterKind = "module" | "grace" | "cpu-rail" | "sysio-rail";

/**
 * Reads a Grace power meter's `power1_oem_info` ("Module Power Socket 0", "Grace Power
 * Socket 0", "CPU Power Socket 0", "SysIO Power Socket 0").
 *
 * @param oemInfo The file's content.
 * @returns The meter's kind and socket, or undefined for another meter.
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { parseGraceLabel } from "./hwmon_parse.ts";
 *
 * deepEqual(parseGraceLabel("Grace Power Socket 2\n"), { kind: "grace", socket: 2 });
 * equal(parseGraceLabel("Dell PSU 1"), undefined);
 * ```
 */
export function parseGraceLabel(
  oemInfo: string,
): { kind: GraceMeterKind; socket: number } | undefined {
  const match = /^(Module|Grace|CPU|SysIO) Power Socket (\d+)$/i.exec(oemInfo.trim());
  if (!match) return undefined;
  const kinds: Record<string, GraceMeterKind> = {
    module: "module",
    grace: "grace",
    cpu: "cpu-rail",
    sysio: "sysio-rail",
  };
  return { kind: kinds[match[1]!.toLowerCase()]!, socket: Number(match[2]) };
}

/**
 * Reads an amd_energy / zenergy channel label: `Esocket0` (a socket's counter) or `Ecore012`
 * (a core's, which is inside its socket's).
 *
 * @param label The `energyN_label` content.
 * @returns The kind and index, or undefined for another label.
 */
export function parseAmdEnergyLabel(
  label: string,
): { kind: "socket" | "core"; index: number } | undefined {
  const match = /^E(socket|core)(\d+)$/.exec(label.trim());
  return match ? { kind: match[1] as "socket" | "core", index: Number(match[2]) } : undefined;
}

/** AMD dual-die packages (MI250, MI250X): two GPUs, only the primary reports the package's power. */
export const AMD_DUAL_DIE_IDS: ReadonlySet<string> = new Set(["7408", "740c"]);

/**
 * Pairs each secondary die of an MI250/MI250X with its primary: the neighbour in PCI order
 * (the one before it, else the one after) that is a primary of a dual-die part and has no
 * partner yet ("Primary die (usually one above or below the secondary)", rocm-smi).
 *
 * @param dies The GPUs in PCI order: whether each is a dual-die part, a secondary die (no
 *   power of its own), and has a power reading.
 * @returns Index -> its partner's index, both ways.
 * @example Four dies, secondaries at 1 and 3
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { pairDies } from "./hwmon_parse.ts";
 *
 * const die = (secondary: boolean) => ({ dualDie: true, secondary, hasPower: !secondary });
 * const pairs = pairDies([die(false), die(true), die(false), die(true)]);
 * deepEqual([...pairs].sort(), [[0, 1], [1, 0], [2, 3], [3, 2]]);
 * ```
 */
export function pairDies(
  dies: readonly { dualDie: boolean; secondary: boolean; hasPower: boolean }[],
): Map<number, number> {
  const partnerOf = new Map<number, number>();
  const free = (j: number) =>
    dies[j]?.dualDie === true && !dies[j]!.secondary && dies[j]!.hasPower && !partnerOf.has(j);
  dies.forEach((die, i) => {
    if (!die.secondary) return;
    const primary = free(i - 1) ? i - 1 : free(i + 1) ? i + 1 : undefined;
    if (primary === undefined) return;
    partnerOf.set(primary, i);
    partnerOf.set(i, primary);
  });
  return partnerOf;
}

/** AMD APUs whose amdgpu power is the whole SoC, CPU included. */
export const AMD_APU_IDS: ReadonlySet<string> = new Set([
  "74a0", // Instinct MI300A
  "163f", // Van Gogh (Steam Deck)
  "1435", // Custom APU 0932 (Steam Deck OLED)
  "15bf", // Phoenix
  "15c8", // Phoenix 2
  "1681", // Rembrandt
  "164e", // Raphael
  "150e", // Strix Point
  "1586", // Strix Halo
]);

const PCI_NAMES: Record<string, string> = {
  "1002:738c": "AMD Instinct MI100",
  "1002:7408": "AMD Instinct MI250X",
  "1002:740c": "AMD Instinct MI250X / MI250",
  "1002:740f": "AMD Instinct MI210",
  "1002:74a0": "AMD Instinct MI300A",
  "1002:74a1": "AMD Instinct MI300X",
  "1002:74a2": "AMD Instinct MI308X",
  "1002:74a5": "AMD Instinct MI325X",
  "1002:74b5": "AMD Instinct MI300X VF",
  "1002:75a0": "AMD Instinct MI350X",
  "1002:75a3": "AMD Instinct MI355X",
  "1002:163f": "AMD Custom GPU 0405 (Van Gogh APU)",
  "8086:56a0": "Intel Arc A770",
  "8086:56a1": "Intel Arc A750",
  "8086:56a5": "Intel Arc A380",
  "8086:56c0": "Intel Data Center GPU Flex 170",
  "8086:56c1": "Intel Data Center GPU Flex 140",
  "8086:0bd5": "Intel Data Center GPU Max 1550",
  "8086:0bda": "Intel Data Center GPU Max 1100",
  "8086:e20b": "Intel Arc B580",
  "8086:e20c": "Intel Arc B570",
  "8086:e211": "Intel Arc Pro B60",
  "8086:e223": "Intel Arc Pro B70",
};

/**
 * A product name for a GPU hwmon found, from its PCI ids (hwmon has no name of its own).
 *
 * @param pci The device's PCI ids.
 * @param vendor `AMD` or `Intel`, for ids the table does not know.
 * @returns E.g. `AMD Instinct MI250X`, or `AMD GPU [1002:73bf]`.
 */
export function gpuProductName(pci: PciIdentity, vendor: "AMD" | "Intel"): string {
  const key = `${pci.vendorId ?? "?"}:${pci.deviceId ?? "?"}`;
  return PCI_NAMES[key] ?? `${vendor} GPU [${key}]`;
}
