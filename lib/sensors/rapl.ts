/**
 * RAPL energy counters from the Linux powercap sysfs (`<sysfsRoot>/class/powercap`).
 *
 * Zones are found by their `name`, never by their index: ids are hex (`intel-rapl:a` is the
 * 11th zone) and `intel-rapl:0` can be `package-1`. `intel-rapl-mmio:*` zones repeat the MSR
 * package counters on recent Intel laptops and are dropped.
 *
 * Devices emitted, chosen so that they add up to the machine total with nothing counted twice:
 * - `package-<socket>` (component `cpu`): the package counter. `core` and `uncore` subzones
 *   are inside the package, so they are recorded in the status but never emitted.
 * - `dram-<socket>` (component `dram`): the DRAM subzone of that package, outside the package.
 * - `psys` (component `psys`), only where the platform zone exists (laptops, some desktops):
 *   psys measures the whole platform, packages and DRAM included, so it is emitted as the
 *   remainder `psys - sum(packages) - sum(dram)`. The emitted devices then add up to psys.
 *   Cumulative readings must not decrease, so if the packages and DRAM ever run ahead of psys
 *   (different update instants) the remainder holds its last value until psys catches up.
 * Without psys the machine total is packages + DRAM. AMD exposes package zones only.
 *
 * Counters wrap at `max_energy_range_uj`; every read adds the difference to the previous
 * read, adding the range once when the counter went down. That is exact only while a counter
 * cannot wrap twice between reads, so {@link EnergySensor.maxReadIntervalMs} gives half the
 * shortest time a zone needs to run through its range at twice its maximum power.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { Component, DeviceEnergy, DeviceReading, SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";

const SENSOR = "rapl";

/** The combination scheme, recorded in the sensor's status detail. */
const RAPL_SCHEME =
  "package-N = package counter (core and uncore are inside it and not emitted); " +
  "dram-N = DRAM counter of socket N; psys (where present) = psys - packages - DRAM, " +
  "so the devices sum to the platform total; without psys the total is packages + DRAM";

/**
 * Zones with no `constraint_*_max_power_uw` get this peak power when sizing the read
 * period: more than any single CPU package draws today (AMD zones usually have no
 * constraints), so the period errs short, which only costs a few extra reads.
 */
const ASSUMED_PEAK_WATTS = 1000;
/** Short bursts (PL2, boost) exceed the long-term maximum; size the period for twice it. */
const PEAK_OVER_MAX_POWER = 2;

/** One powercap zone as found on disk. */
export interface RaplZone {
  /** Folder under class/powercap, e.g. `intel-rapl:0:0`. */
  dir: string;
  /** Content of its `name` file: `package-1`, `dram`, `core`, `psys`, ... */
  name: string;
  maxEnergyRangeUj: number;
  /** Largest `constraint_*_max_power_uw` in watts; undefined when none is given. */
  maxPowerWatts?: number;
}

interface CountedZone extends RaplZone {
  device: string;
  component: Component;
  energyPath: string;
}

interface Discovery {
  counted: CountedZone[];
  /** Subzones inside a package (core, uncore) and unrecognised names. */
  notEmitted: RaplZone[];
  /** `intel-rapl-mmio:*` folders and repeated names. */
  dropped: string[];
}

/**
 * The fix for an unreadable `energy_uj`, naming the zones found.
 *
 * @param zoneDirs Zone folders, e.g. `intel-rapl:0`, `intel-rapl:0:0`.
 * @returns The commands and config lines that make the counters readable.
 */
function raplPermissionFix(zoneDirs: string[]): string {
  const dirs = zoneDirs.length > 0 ? zoneDirs : ["intel-rapl:0"];
  const sysfsConf = dirs.map((d) => `mode class/powercap/${d}/energy_uj = 0444`).join("; ");
  return [
    "Make the RAPL counters readable (they became root-only in Linux 5.10 against the " +
    "PLATYPUS power side channel, CVE-2020-8694; on a shared machine prefer a group, " +
    "e.g. chgrp power and mode 0440).",
    "Now, until reboot: sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj " +
    "/sys/class/powercap/intel-rapl:*:*/energy_uj",
    "Every boot, with udev: put the line " +
    'ACTION=="add", SUBSYSTEM=="powercap", KERNEL=="intel-rapl:*", ' +
    'RUN+="/bin/chmod a+r /sys%p/energy_uj" ' +
    "in /etc/udev/rules.d/99-impact-rapl.rules, then run sudo udevadm control --reload && " +
    "sudo udevadm trigger --subsystem-match=powercap",
    `Or with sysfsutils, in /etc/sysfs.conf: ${sysfsConf}`,
    "Then run `impact doctor` to check.",
  ].join("\n");
}

/**
 * Creates the RAPL sensor.
 *
 * @param runtime Where files are read and time is taken.
 * @param paths Where sysfs is (`<sysfsRoot>/class/powercap`).
 * @returns An energy sensor named `rapl` with method `counter`.
 */
export function createRaplSensor(runtime: Runtime, paths: SystemPaths): EnergySensor {
  const base = join(paths.sysfsRoot, "class", "powercap");
  let found: Discovery | undefined;
  let state: {
    lastRawUj: number[];
    totalUj: number[];
    psysRemainderJoules: number;
    lastJoules: Map<string, number>;
    lastMs: number;
  } | undefined;

  const readCounter = async (zone: CountedZone): Promise<number> => {
    const text = await runtime.readTextFile(zone.energyPath);
    return parseUj(text, zone.energyPath);
  };

  // In parallel, so the counters are read as close to the same instant as possible. A zone
  // that cannot be read gives its reason instead of a value.
  const readAll = (zones: CountedZone[]): Promise<(number | string)[]> =>
    Promise.all(
      zones.map((zone) =>
        readCounter(zone).catch((error) => `cannot read ${zone.energyPath}: ${message(error)}`)
      ),
    );

  return {
    name: SENSOR,
    async probe() {
      try {
        found = await discover(runtime, base);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          return unavailable(`Cannot list RAPL zones in ${base}: ${message(error)}`);
        }
        found = { counted: [], notEmitted: [], dropped: [] };
      }
      if (found.counted.length === 0) {
        return unavailable(
          `No RAPL package zones under ${base}`,
          "Load the powercap driver with `sudo modprobe intel_rapl_msr` (Intel and AMD); " +
            "virtual machines and containers without the host's /sys usually have no RAPL " +
            "(set IMPACT_SYSFS_ROOT to where the host's /sys is mounted)",
        );
      }
      for (const zone of found.counted) {
        try {
          await readCounter(zone);
        } catch (error) {
          if (error instanceof Deno.errors.PermissionDenied) {
            return unavailable(
              `${zone.energyPath} is readable by root only (Linux 5.10 and later), so RAPL ` +
                "energy cannot be measured",
              raplPermissionFix(found.counted.map((z) => z.dir)),
              found,
            );
          }
          return unavailable(`Cannot read ${zone.energyPath}: ${message(error)}`);
        }
      }
      return {
        sensor: SENSOR,
        available: true,
        methods: ["counter"],
        devices: found.counted.map((z) => z.device),
        detail: detailOf(found, base),
      };
    },
    async start() {
      if (!found) {
        try {
          found = await discover(runtime, base);
        } catch (error) {
          throw new SensorError(SENSOR, `cannot list RAPL zones in ${base}`, { cause: error });
        }
      }
      const raw = await readAll(found.counted);
      const failed = raw.find((value) => typeof value === "string");
      if (failed !== undefined) throw new SensorError(SENSOR, failed);
      state = {
        lastRawUj: raw as number[],
        totalUj: raw.map(() => 0),
        psysRemainderJoules: 0,
        lastJoules: new Map(),
        lastMs: runtime.monotonicMs(),
      };
    },
    async read() {
      if (!found || !state) throw new SensorError(SENSOR, "read() called before start()");
      const zones = found.counted;
      const raw = await readAll(zones);
      const nowMs = runtime.monotonicMs();
      zones.forEach((zone, i) => {
        const value = raw[i]!;
        if (typeof value === "string") return; // counted on from the last good value
        state!.totalUj[i]! += counterDeltaUj(state!.lastRawUj[i]!, value, zone.maxEnergyRangeUj);
        state!.lastRawUj[i] = value;
      });
      let insidePsysJoules = 0;
      // psys is reported as the platform minus the zones inside it: with one of them missing
      // there is no remainder to report.
      const missing = zones.find((zone, i) =>
        zone.component !== "psys" && typeof raw[i] === "string"
      );
      const result: DeviceReading[] = [];
      zones.forEach((zone, i) => {
        const value = raw[i]!;
        if (typeof value === "string" || (zone.component === "psys" && missing)) {
          const failure = typeof value === "string"
            ? value
            : `psys is the platform minus its packages and DRAM, and ${
              missing!.device
            } was not read`;
          result.push({ component: zone.component, device: zone.device, failure });
          state!.lastJoules.delete(zone.device);
          return;
        }
        let energyJoules = state!.totalUj[i]! / 1e6;
        if (zone.component === "psys") {
          // Remainder of the platform, held (never decreasing) while packages run ahead.
          state!.psysRemainderJoules = Math.max(
            state!.psysRemainderJoules,
            energyJoules - insidePsysJoules,
          );
          energyJoules = state!.psysRemainderJoules;
        } else {
          insidePsysJoules += energyJoules;
        }
        const device: DeviceEnergy = {
          component: zone.component,
          device: zone.device,
          method: "counter",
          energyJoules,
        };
        const before = state!.lastJoules.get(device.device);
        const seconds = (nowMs - state!.lastMs) / 1000;
        if (before !== undefined && seconds > 0) {
          device.powerWatts = (device.energyJoules - before) / seconds;
        }
        state!.lastJoules.set(device.device, device.energyJoules);
        result.push(device);
      });
      state.lastMs = nowMs;
      return result;
    },
    maxReadIntervalMs() {
      return found ? safeReadIntervalMs(found.counted) : undefined;
    },
    close() {
      return Promise.resolve();
    },
  };
}

/**
 * Energy added between two reads of a counter that wraps at `maxEnergyRangeUj`.
 *
 * @param previousUj The earlier raw `energy_uj`.
 * @param currentUj The later raw `energy_uj`.
 * @param maxEnergyRangeUj The zone's `max_energy_range_uj`.
 * @returns Microjoules, assuming at most one wrap between the reads.
 */
export function counterDeltaUj(
  previousUj: number,
  currentUj: number,
  maxEnergyRangeUj: number,
): number {
  const delta = currentUj - previousUj;
  return delta >= 0 ? delta : delta + maxEnergyRangeUj;
}

/**
 * Half the shortest time any zone needs to run through its counter range.
 *
 * @param zones Zones with their range and maximum power.
 * @returns Milliseconds; reading at least this often means no counter wraps twice unseen.
 */
export function safeReadIntervalMs(zones: RaplZone[]): number | undefined {
  let shortestMs: number | undefined;
  for (const zone of zones) {
    const peakWatts = zone.maxPowerWatts === undefined
      ? ASSUMED_PEAK_WATTS
      : zone.maxPowerWatts * PEAK_OVER_MAX_POWER;
    const wrapMs = zone.maxEnergyRangeUj / peakWatts / 1000;
    shortestMs = shortestMs === undefined ? wrapMs : Math.min(shortestMs, wrapMs);
  }
  return shortestMs === undefined ? undefined : Math.floor(shortestMs / 2);
}

async function discover(runtime: Runtime, base: string): Promise<Discovery> {
  const entries = await runtime.readDir(base);
  const dropped = entries.filter((e) => e.startsWith("intel-rapl-mmio:"));
  const dirs = entries.filter((e) => /^intel-rapl(?::[0-9a-f]+)+$/.test(e));
  const zones = await Promise.all(dirs.map((dir) => readZone(runtime, base, dir)));
  const byDir = new Map(zones.map((z) => [z.dir, z]));
  const counted: CountedZone[] = [];
  const notEmitted: RaplZone[] = [];
  const seen = new Set<string>();
  const count = (zone: RaplZone, device: string, component: Component) => {
    if (seen.has(device)) return dropped.push(zone.dir);
    seen.add(device);
    counted.push({ ...zone, device, component, energyPath: join(base, zone.dir, "energy_uj") });
  };
  for (const zone of zones) {
    const depth = zone.dir.split(":").length - 1;
    const pkg = /^package-(\d+)$/.exec(zone.name);
    if (depth === 1 && pkg) count(zone, `package-${pkg[1]}`, "cpu");
    else if (depth === 1 && zone.name === "psys") count(zone, "psys", "psys");
    else if (depth === 2 && zone.name === "dram") {
      const parent = byDir.get(zone.dir.slice(0, zone.dir.lastIndexOf(":")));
      const socket = parent && /^package-(\d+)$/.exec(parent.name)?.[1];
      if (socket !== undefined) count(zone, `dram-${socket}`, "dram");
      else notEmitted.push(zone);
    } else notEmitted.push(zone);
  }
  const order = (z: CountedZone) =>
    z.component === "psys" ? Infinity : Number(z.device.split("-")[1]) * 2 +
      (z.component === "dram" ? 1 : 0);
  counted.sort((a, b) => order(a) - order(b));
  return { counted, notEmitted, dropped };
}

async function readZone(runtime: Runtime, base: string, dir: string): Promise<RaplZone> {
  const folder = join(base, dir);
  const namePath = join(folder, "name");
  const rangePath = join(folder, "max_energy_range_uj");
  const name = (await runtime.readTextFile(namePath)).trim();
  const maxEnergyRangeUj = parseUj(await runtime.readTextFile(rangePath), rangePath);
  const zone: RaplZone = { dir, name, maxEnergyRangeUj };
  const files = await runtime.readDir(folder);
  let maxPowerUw = 0;
  for (const file of files.filter((f) => /^constraint_\d+_max_power_uw$/.test(f))) {
    const text = (await runtime.readTextFile(join(folder, file)).catch(() => "")).trim();
    const value = Number(text);
    if (text !== "" && Number.isFinite(value)) maxPowerUw = Math.max(maxPowerUw, value);
  }
  if (maxPowerUw > 0) zone.maxPowerWatts = maxPowerUw / 1e6;
  return zone;
}

function parseUj(text: string, path: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new Error(`Expected a whole number of microjoules in ${path}, got "${trimmed}"`);
  }
  return Number(trimmed);
}

function detailOf(found: Discovery, base: string): Record<string, unknown> {
  return {
    scheme: RAPL_SCHEME,
    powercap: base,
    zones: found.counted.map(({ dir, name, device, maxEnergyRangeUj, maxPowerWatts }) => ({
      dir,
      name,
      device,
      maxEnergyRangeUj,
      ...(maxPowerWatts === undefined ? {} : { maxPowerWatts }),
    })),
    insideOrIgnored: found.notEmitted.map(({ dir, name }) => ({ dir, name })),
    dropped: found.dropped,
    maxReadIntervalMs: safeReadIntervalMs(found.counted),
  };
}

function unavailable(reason: string, fix?: string, found?: Discovery): SensorStatus {
  return unavailableStatus(SENSOR, reason, {
    fix,
    devices: found ? found.counted.map((z) => z.device) : [],
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
