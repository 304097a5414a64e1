/**
 * Fake `/sys/class/hwmon` trees (and the KFD folders ROCm keeps processes in), written as
 * plain files in a folder the test owns, as the kernel lays them out: `hwmonN/name`, channel
 * files in microjoules and microwatts, and a `device` folder standing for the device link
 * (its `uevent` gives the PCI ids; ACPI power meters keep their attributes there). Point the
 * code under test at them with `IMPACT_SYSFS_ROOT`. fake_sysfs.ts writes RAPL's powercap tree
 * into the same root.
 *
 * Powers are written once (`powerN_average` holds the µW); energy counters advance with
 * {@link FakeHwmon.tick}, or end to end from the tracked command itself, which writes them
 * between the run's baseline and its last sample (tests/e2e/hwmon_run_test.ts).
 *
 * @example An Arc card whose `energy1` (card) contains `energy2` (pkg)
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createFakeHwmon, xeCard } from "./fake_hwmon.ts";
 * import { tempDir } from "./temp_dir.ts";
 *
 * await using dir = await tempDir();
 * const hwmon = await createFakeHwmon(dir.path, [xeCard({ slot: "0000:03:00.0", cardWatts: 200, pkgWatts: 150 })]);
 * await hwmon.tick(2);
 * equal(hwmon.counterJoules("hwmon0/energy1_input"), 400);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { writeCounterFile, writeFile } from "./fake_sysfs.ts";

/** One hwmon folder to write. */
export interface FakeHwmonDevice {
  /** The hwmon `name`. */
  name: string;
  /** Files in `hwmonN/` (name -> content), channel files included. */
  files?: Record<string, string>;
  /** Files in `hwmonN/device/`: `uevent`, ACPI meter attributes. */
  deviceFiles?: Record<string, string>;
  /** Energy counters (file in `hwmonN/` -> watts they advance at). */
  counters?: Record<string, number>;
}

/** Handle on a fake hwmon tree. */
export interface FakeHwmon {
  /** The sysfs root. */
  root: string;
  /** Each device's folder, `<root>/class/hwmon/hwmonN`, in the order given. */
  dirs: string[];
  /** Advances every counter by its watts times `seconds`. */
  tick(seconds: number): Promise<void>;
  /** Sets a counter's raw value (µJ) without counting energy (a reset). */
  setCounter(counter: string, microjoules: number): Promise<void>;
  /** Joules a counter (`hwmon3/energy1_input`) advanced by since creation. */
  counterJoules(counter: string): number;
}

/**
 * Writes a fake hwmon tree under `<root>/class/hwmon`, one `hwmonN` per device in order
 * (starting at `firstIndex`, so a test can put an unrelated driver first).
 *
 * @param root The fake sysfs root.
 * @param devices The folders.
 * @param firstIndex The first hwmon number (default 0).
 * @returns The handle.
 */
export async function createFakeHwmon(
  root: string,
  devices: FakeHwmonDevice[],
  firstIndex = 0,
): Promise<FakeHwmon> {
  const base = join(root, "class", "hwmon");
  const dirs: string[] = [];
  const counters = new Map<
    string,
    { path: string; uj: number; injectedUj: number; watts: number }
  >();
  for (const [i, device] of devices.entries()) {
    const id = `hwmon${firstIndex + i}`;
    const dir = join(base, id);
    dirs.push(dir);
    await writeFile(join(dir, "name"), device.name);
    for (const [file, content] of Object.entries(device.files ?? {})) {
      await writeFile(join(dir, file), content);
    }
    for (const [file, content] of Object.entries(device.deviceFiles ?? {})) {
      await writeFile(join(dir, "device", file), content);
    }
    for (const [file, watts] of Object.entries(device.counters ?? {})) {
      const counter = { path: join(dir, file), uj: 0, injectedUj: 0, watts };
      counters.set(`${id}/${file}`, counter);
      writeCounterFile(counter.path, counter.uj);
    }
  }
  const find = (key: string) => {
    const counter = counters.get(key);
    if (!counter) throw new Error(`fake hwmon has no counter ${key}`);
    return counter;
  };
  const advance = (seconds: number) => {
    for (const counter of counters.values()) {
      const uj = counter.watts * seconds * 1e6;
      counter.uj += uj;
      counter.injectedUj += uj;
      writeCounterFile(counter.path, counter.uj);
    }
  };
  return {
    root,
    dirs,
    tick(seconds) {
      advance(seconds);
      return Promise.resolve();
    },
    setCounter(key, microjoules) {
      const counter = find(key);
      counter.uj = microjoules;
      writeCounterFile(counter.path, counter.uj);
      return Promise.resolve();
    },
    counterJoules: (key) => find(key).injectedUj / 1e6,
  };
}

/** A PCI device's `uevent`, as the kernel writes it. */
export function pciUevent(driver: string, vendorDevice: string, slot: string): string {
  return [
    `DRIVER=${driver}`,
    "PCI_CLASS=38000",
    `PCI_ID=${vendorDevice.toUpperCase()}`,
    `PCI_SUBSYS_ID=${vendorDevice.toUpperCase()}`,
    `PCI_SLOT_NAME=${slot}`,
    `MODALIAS=pci:v0000${vendorDevice.slice(0, 4).toUpperCase()}`,
  ].join("\n");
}

/**
 * An amdgpu hwmon folder: `power1_average` (or `power1_input`, or none) in µW, `power1_cap`,
 * `power1_label`, and the device's PCI ids.
 */
export function amdgpu(spec: {
  slot: string;
  /** PCI device id, `740c` (MI250X). */
  deviceId: string;
  /** Watts in the power file; undefined: no power file (an MI250X secondary die). */
  watts?: number;
  /** Which power file the generation has (default `power1_average`). */
  powerFile?: "power1_average" | "power1_input";
  capWatts?: number;
  /** `power1_cap_max`: the most the cap may be raised to (absent when undefined). */
  capMaxWatts?: number;
  label?: string;
  uniqueId?: string;
}): FakeHwmonDevice {
  const files: Record<string, string> = {
    power1_cap: String((spec.capWatts ?? 0) * 1e6),
    power1_label: spec.label ?? "PPT",
    temp1_input: "43000",
  };
  if (spec.capMaxWatts !== undefined) files.power1_cap_max = String(spec.capMaxWatts * 1e6);
  if (spec.watts !== undefined) {
    files[spec.powerFile ?? "power1_average"] = String(Math.round(spec.watts * 1e6));
  }
  const deviceFiles: Record<string, string> = {
    uevent: pciUevent("amdgpu", `1002:${spec.deviceId}`, spec.slot),
  };
  if (spec.uniqueId) deviceFiles.unique_id = spec.uniqueId;
  return { name: "amdgpu", files, deviceFiles };
}

/** An xe hwmon folder: `energy1` (card) and `energy2` (pkg) counters, labelled as Battlemage's. */
export function xeCard(spec: {
  slot: string;
  deviceId?: string;
  /** Watts the card counter advances at; undefined: no `energy1_input` (a build with pkg only). */
  cardWatts?: number;
  pkgWatts: number;
}): FakeHwmonDevice {
  const files: Record<string, string> = {
    energy2_label: "pkg",
    power1_label: "card",
    power1_cap: "275000000",
  };
  const counters: Record<string, number> = { energy2_input: spec.pkgWatts };
  if (spec.cardWatts !== undefined) {
    files.energy1_label = "card";
    counters.energy1_input = spec.cardWatts;
  }
  return {
    name: "xe",
    files,
    counters,
    deviceFiles: { uevent: pciUevent("xe", `8086:${spec.deviceId ?? "e223"}`, spec.slot) },
  };
}

/** A zenergy (or amd_energy) folder: `Ecore%03u` counters, then `Esocket%u`, as the driver labels them. */
export function amdEnergy(spec: {
  name?: "zenergy" | "amd_energy";
  coreWatts: number[];
  socketWatts: number[];
}): FakeHwmonDevice {
  const files: Record<string, string> = {};
  const counters: Record<string, number> = {};
  let n = 1;
  spec.coreWatts.forEach((watts, core) => {
    files[`energy${n}_label`] = `Ecore${String(core).padStart(3, "0")}`;
    counters[`energy${n++}_input`] = watts;
  });
  spec.socketWatts.forEach((watts, socket) => {
    files[`energy${n}_label`] = `Esocket${socket}`;
    counters[`energy${n++}_input`] = watts;
  });
  return { name: spec.name ?? "zenergy", files, counters };
}

/**
 * An ACPI power meter: its attributes under `device/` (power1_average in µW, oem info, and
 * any others, such as `power1_cap` or `power1_average_max`, in µW).
 */
export function powerMeter(
  spec: { microwatts: number | string; oemInfo?: string; attributes?: Record<string, string> },
): FakeHwmonDevice {
  return {
    name: "power_meter",
    deviceFiles: {
      power1_average: String(spec.microwatts),
      power1_average_interval: "1000",
      power1_oem_info: spec.oemInfo ?? "",
      power1_is_battery: "0",
      hid: "ACPI000D",
      ...spec.attributes,
    },
  };
}

/**
 * Writes a listing of `path|mode|content` lines (paths relative to `class/hwmon`, as the
 * SYNTHESIZED Grace capture gives them); `->symlink` lines stand for the device link and
 * become folders.
 *
 * @param root The fake sysfs root.
 * @param lines The listing's lines (others are skipped).
 * @returns The lines written.
 */
export async function writeHwmonListing(root: string, lines: string[]): Promise<string[]> {
  const listed = lines.filter((l) => /^hwmon\d+\/[^|]+\|[^|]*\|/.test(l));
  for (const line of listed) {
    const [path, mode, content] = line.split("|");
    const full = join(root, "class", "hwmon", path!);
    if (mode === "->symlink") await Deno.mkdir(full, { recursive: true });
    else await writeFile(full, content!);
  }
  return listed;
}
