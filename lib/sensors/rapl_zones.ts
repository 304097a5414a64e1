/**
 * RAPL zones and their counters, apart from the sensor (lib/sensors/rapl.ts): finding the zones
 * under `class/powercap`, each zone's plausible peak (lib/sensors/plausible.ts), how often it
 * must be read, and what a step of its counter between two reads is, wrapped or not.
 *
 * @module
 */
import { join } from "node:path";
import type { Runtime } from "../runtime.ts";
import type { Component } from "../types.ts";
import { MIN_READ_INTERVAL_MS } from "./types.ts";
import { cpuTdpBound, energyStepProblem, type PowerBound, RAPL_MARGIN } from "./plausible.ts";

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

/** A zone with its plausible peak power. */
export interface BoundedZone extends RaplZone {
  /** The most it can draw over any interval (lib/sensors/plausible.ts). */
  bound: PowerBound;
}

/** A zone the sensor emits, with its device id and counter file. */
export interface CountedZone extends BoundedZone {
  device: string;
  component: Component;
  energyPath: string;
}

/** The zones found under `class/powercap`. */
export interface Discovery {
  counted: CountedZone[];
  /** Subzones inside a package (core, uncore) and unrecognised names. */
  notEmitted: RaplZone[];
  /** `intel-rapl-mmio:*` folders and repeated names. */
  dropped: string[];
  /** Zones whose counter wraps too fast to follow, each with why. */
  unfollowable: { dir: string; device: string; reason: string }[];
}

/**
 * The step of a zone's counter between two good reads, unwrapped when it went down; or why it
 * is no step the zone can make (a reset or glitch, in words).
 *
 * @param zone The zone, with its range and plausible peak.
 * @param previousUj The earlier raw value.
 * @param currentUj The later raw value.
 * @param seconds The time between the reads.
 * @returns Microjoules, or the reason the step is not plausible.
 */
export function counterStep(
  zone: Pick<BoundedZone, "maxEnergyRangeUj" | "bound">,
  previousUj: number,
  currentUj: number,
  seconds: number,
): number | string {
  const uj = counterDeltaUj(previousUj, currentUj, zone.maxEnergyRangeUj);
  const problem = energyStepProblem(uj / 1e6, seconds, zone.bound);
  if (problem === undefined) return uj;
  return currentUj < previousUj
    ? `energy_uj went back from ${previousUj} to ${currentUj} uJ; read as a wrap at ` +
      `max_energy_range_uj ${zone.maxEnergyRangeUj} that would be ${problem}, so the counter ` +
      "was reset or misread"
    : `energy_uj jumped from ${previousUj} to ${currentUj} uJ: ${problem}`;
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
 * Half the time a zone needs to run through its counter range at its plausible peak.
 *
 * @param zone The zone's range and peak.
 * @returns Milliseconds; reading at least this often means its counter never wraps twice unseen.
 */
function zoneReadIntervalMs(zone: Pick<BoundedZone, "maxEnergyRangeUj" | "bound">): number {
  return Math.floor(zone.maxEnergyRangeUj / zone.bound.maxWatts / 1000 / 2);
}

/**
 * Half the shortest time any zone needs to run through its counter range at its plausible peak.
 *
 * @param zones Zones with their range and peak power.
 * @returns Milliseconds; reading at least this often means no counter wraps twice unseen.
 */
export function safeReadIntervalMs(
  zones: Pick<BoundedZone, "maxEnergyRangeUj" | "bound">[],
): number | undefined {
  return zones.length === 0 ? undefined : Math.min(...zones.map(zoneReadIntervalMs));
}

/** The largest `constraint_*_max_power_uw` taken as a zone's limit, W. */
const MAX_ZONE_LIMIT_WATTS = 5000;

/**
 * A zone's plausible peak: {@link RAPL_MARGIN} x its largest power limit (up to 5 kW), else x
 * its CPU's TDP (package zones), else `UNKNOWN_CPU_ZONE_WATTS` (plausible.ts `cpuTdpBound`).
 *
 * @param zone The zone.
 * @param component What it measures.
 * @param cpuModel The machine's CPU model, for the TDP table.
 * @returns The bound.
 */
export function zoneBound(
  zone: RaplZone,
  component: Component,
  cpuModel: string | undefined,
): PowerBound {
  // A limit above what any zone could have is a firmware's placeholder, not a limit.
  if (zone.maxPowerWatts !== undefined && zone.maxPowerWatts <= MAX_ZONE_LIMIT_WATTS) {
    return {
      maxWatts: RAPL_MARGIN * zone.maxPowerWatts,
      basis: `${RAPL_MARGIN} x the zone's ${zone.maxPowerWatts} W power limit ` +
        "(constraint_*_max_power_uw)",
    };
  }
  return cpuTdpBound(component === "cpu" ? cpuModel : undefined);
}

/**
 * Finds the zones under `base`, each with its plausible peak.
 *
 * @param runtime Where files are read.
 * @param base `<sysfsRoot>/class/powercap`.
 * @param cpuModel The CPU model, for the TDP of zones without a power limit.
 * @returns The zones counted, inside, dropped and left out.
 */
export async function discover(
  runtime: Runtime,
  base: string,
  cpuModel: string | undefined,
): Promise<Discovery> {
  const entries = await runtime.readDir(base);
  const dropped = entries.filter((e) => e.startsWith("intel-rapl-mmio:"));
  const dirs = entries.filter((e) => /^intel-rapl(?::[0-9a-f]+)+$/.test(e));
  const zones = await Promise.all(dirs.map((dir) => readZone(runtime, base, dir)));
  const byDir = new Map(zones.map((z) => [z.dir, z]));
  const counted: CountedZone[] = [];
  const notEmitted: RaplZone[] = [];
  const unfollowable: Discovery["unfollowable"] = [];
  const seen = new Set<string>();
  const count = (zone: RaplZone, device: string, component: Component) => {
    if (seen.has(device)) return dropped.push(zone.dir);
    seen.add(device);
    const bound = zoneBound(zone, component, cpuModel);
    const intervalMs = zoneReadIntervalMs({ ...zone, bound });
    if (!Number.isSafeInteger(zone.maxEnergyRangeUj) || intervalMs < MIN_READ_INTERVAL_MS) {
      // It could wrap twice between two reads at the fastest pace impact reads: its steps
      // could not be told apart, so it is no counter to follow.
      const why = Number.isSafeInteger(zone.maxEnergyRangeUj)
        ? `would have to be read every ${intervalMs} ms at ${bound.maxWatts} W, more often ` +
          `than impact reads (every ${MIN_READ_INTERVAL_MS} ms)`
        : "is no counter range";
      unfollowable.push({
        dir: zone.dir,
        device,
        reason: `${device} (${zone.dir}) is left out: its max_energy_range_uj of ` +
          `${zone.maxEnergyRangeUj} uJ ${why}`,
      });
      return;
    }
    counted.push({
      ...zone,
      bound,
      device,
      component,
      energyPath: join(base, zone.dir, "energy_uj"),
    });
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
  return { counted, notEmitted, dropped, unfollowable };
}

/** The zones left out as unfollowable, in words. */
export function unfollowableText(found: Discovery): string {
  return found.unfollowable.map((z) => z.reason).join("; ");
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

/**
 * A zone's raw counter as read, or why the text is no value of it: not a whole number, or
 * above the zone's range (a 400-digit value reads as Infinity, and is one of those).
 */
export function counterValue(text: string, zone: CountedZone): number | string {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) {
    return `${zone.energyPath} holds ${
      JSON.stringify(trimmed.slice(0, 40))
    }, not a whole number of microjoules`;
  }
  const uj = Number(trimmed);
  if (uj > zone.maxEnergyRangeUj) {
    const shown = trimmed.length > 20 ? `a ${trimmed.length}-digit number` : trimmed;
    return `${zone.energyPath} holds ${shown}, above its max_energy_range_uj of ` +
      `${zone.maxEnergyRangeUj} uJ: no counter value`;
  }
  return uj;
}
