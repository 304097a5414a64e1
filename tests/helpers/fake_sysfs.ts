/**
 * Fake `/sys` trees for tests (RAPL's `/sys/class/powercap` and the CPU topology), written as
 * plain files in a folder the test owns. Point the code under test at them with
 * `IMPACT_SYSFS_ROOT` (or a `SystemPaths` object). The fake `/proc` is in fake_procfs.ts.
 *
 * End to end, `rapl.startTicking(5)` advances the tree by wall-clock time every 5 ms while a
 * child (`impact run -- sleep 3` with `IMPACT_SYSFS_ROOT=dir.path`) reads it, and
 * `ticker.machineJoulesBetween(startEpochMs, endEpochMs)` says what the fakes injected then.
 *
 * @example A RAPL tree, advanced by hand
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { createFakeRapl } from "./fake_sysfs.ts";
 * import { tempDir } from "./temp_dir.ts";
 *
 * await using dir = await tempDir();
 * const rapl = await createFakeRapl(dir.path, { sockets: 2, dram: true });
 * rapl.setPower("package-0", 50);
 * await rapl.tick(2); // package-0 +100 J, written to energy_uj (wrapping at the range)
 * deepEqual(rapl.injectedJoules(), { "package-0": 100, "dram-0": 0, "package-1": 0, "dram-1": 0 });
 * ```
 *
 * Zone keys are the device ids the RAPL sensor emits (`package-<socket>`, `dram-<socket>`,
 * `psys`) plus `core-<socket>` and `uncore-<socket>` for the subzones inside a package.
 *
 * @module
 */

import { join } from "node:path";

/** Kernel constant for Intel package zones (energy unit 61 uJ, 32-bit counter). */
export const INTEL_RANGE_UJ = 262_143_328_850;
/** Kernel constant for AMD package zones (energy unit 15.3 uJ). */
export const AMD_RANGE_UJ = 65_532_610_987;
/** Kernel constant for Xeon DRAM zones (fixed 15.3 uJ unit). */
export const XEON_DRAM_RANGE_UJ = 65_712_999_613;

/** What {@link createFakeRapl} writes. */
export interface FakeRaplSpec {
  /** Number of packages (`package-0` ... `package-<n-1>`). */
  sockets: number;
  /** `intel` (default) or `amd` (package zones only, AMD range, no constraints). */
  vendor?: "intel" | "amd";
  /** A `dram` subzone under each package. */
  dram?: boolean;
  /** A `core` (and `uncore`) subzone under each package (inside the package's energy). */
  core?: boolean;
  /** A top-level `psys` zone (platform, laptops). */
  psys?: boolean;
  /** An `intel-rapl-mmio:0` zone named `package-0` duplicating the MSR package-0. */
  mmioDuplicate?: boolean;
  /** Number zones in reverse socket order: `intel-rapl:0` is the last package. */
  reversed?: boolean;
  /** Overrides every zone's `max_energy_range_uj`. */
  maxEnergyRangeUj?: number;
  /** Starting `energy_uj`: one value for every zone, or per zone key (others start at 0). */
  startUj?: number | Record<string, number>;
  /** `constraint_0_max_power_uw` of packages; `null` writes no constraint files. */
  packageMaxPowerUw?: number | null;
}

/** One zone folder of the fake tree. */
export interface FakeZone {
  /** Key: `package-1`, `dram-0`, `core-0`, `psys`, ... */
  key: string;
  /** Folder name under class/powercap, e.g. `intel-rapl:0:0`. */
  dir: string;
  /** Content of the `name` file. */
  name: string;
  /** Path of the zone's `energy_uj`. */
  energyPath: string;
  maxEnergyRangeUj: number;
}

/** A running wall-clock driver of the counters; stop it with `await using` or `stop()`. */
export interface FakeRaplTicker extends AsyncDisposable {
  /** Stops ticking after writing the energy up to now. */
  stop(): Promise<void>;
  /**
   * Machine energy (see {@link FakeRapl.machineJoules}) injected between two wall-clock
   * times (ms since the epoch), interpolated between ticks.
   */
  machineJoulesBetween(fromEpochMs: number, toEpochMs: number): number;
}

/** Handle on a fake RAPL tree. */
export interface FakeRapl {
  /** The sysfs root to use as `IMPACT_SYSFS_ROOT`. */
  root: string;
  zones: FakeZone[];
  /**
   * Sets the constant power of a zone for {@link tick} and {@link startTicking}; power of
   * core/uncore adds to the package, of packages/DRAM to psys, as in {@link advance}.
   */
  setPower(key: string, watts: number): void;
  /** Advances every zone by its power times `seconds`, then writes the counters. */
  tick(seconds: number): Promise<void>;
  /** Adds joules to zones and writes the counters (wrapping at the range). */
  advance(joulesPerZone: Record<string, number>): Promise<void>;
  /** Sets a zone's raw counter (no energy counted), e.g. to place it just below a wrap. */
  setCounter(key: string, energyUj: number): Promise<void>;
  /**
   * Joules each zone's counter advanced by since creation; zones nest like the hardware's:
   * a package includes its core/uncore, psys includes packages and DRAM.
   */
  injectedJoules(): Record<string, number>;
  /**
   * The machine total the sensor should report: `psys` when present (it covers the
   * platform), else the sum of packages and DRAM. Core/uncore are inside packages.
   */
  machineJoules(): number;
  /** Advances counters by wall-clock time every `intervalMs` at the powers set. */
  startTicking(intervalMs: number): FakeRaplTicker;
}

interface ZoneState extends FakeZone {
  counterUj: number;
  injectedUj: number;
  powerWatts: number;
}

/**
 * Writes a fake powercap tree under `<root>/class/powercap`.
 *
 * @param root The fake sysfs root (a temp dir).
 * @param spec Which zones to write.
 * @returns A handle that advances the counters and reports the injected energy.
 */
export async function createFakeRapl(root: string, spec: FakeRaplSpec): Promise<FakeRapl> {
  const base = join(root, "class", "powercap");
  await Deno.mkdir(base, { recursive: true });
  const amd = spec.vendor === "amd";
  const packageRange = spec.maxEnergyRangeUj ?? (amd ? AMD_RANGE_UJ : INTEL_RANGE_UJ);
  const dramRange = spec.maxEnergyRangeUj ?? XEON_DRAM_RANGE_UJ;
  const maxPowerUw = spec.packageMaxPowerUw === undefined
    ? (amd ? null : 150_000_000)
    : spec.packageMaxPowerUw;
  const zones: ZoneState[] = [];
  const startOf = (key: string) =>
    typeof spec.startUj === "number" ? spec.startUj : spec.startUj?.[key] ?? 0;
  const add = (key: string, dir: string, name: string, range: number) => {
    const zone: ZoneState = {
      key,
      dir,
      name,
      energyPath: join(base, dir, "energy_uj"),
      maxEnergyRangeUj: range,
      counterUj: startOf(key) % range,
      injectedUj: 0,
      powerWatts: 0,
    };
    zones.push(zone);
    return zone;
  };
  for (let index = 0; index < spec.sockets; index++) {
    const socket = spec.reversed ? spec.sockets - 1 - index : index;
    const dir = `intel-rapl:${index.toString(16)}`;
    add(`package-${socket}`, dir, `package-${socket}`, packageRange);
    let sub = 0;
    if (spec.core && !amd) {
      add(`core-${socket}`, `${dir}:${(sub++).toString(16)}`, "core", packageRange);
      add(`uncore-${socket}`, `${dir}:${(sub++).toString(16)}`, "uncore", packageRange);
    }
    if (spec.dram && !amd) add(`dram-${socket}`, `${dir}:${sub.toString(16)}`, "dram", dramRange);
  }
  if (spec.psys && !amd) {
    add("psys", `intel-rapl:${spec.sockets.toString(16)}`, "psys", packageRange);
  }

  await writeFile(join(base, "intel-rapl", "enabled"), "1");
  for (const zone of zones) {
    const dir = join(base, zone.dir);
    await writeFile(join(dir, "name"), zone.name);
    await writeFile(join(dir, "enabled"), "1");
    await writeFile(join(dir, "max_energy_range_uj"), String(zone.maxEnergyRangeUj));
    const isPackage = zone.name.startsWith("package-") || zone.name === "psys";
    if (isPackage && maxPowerUw !== null) {
      await writeConstraint(dir, 0, "long_term", maxPowerUw);
      await writeConstraint(dir, 1, "short_term", 0);
    } else if (zone.name === "dram" && !amd) {
      await writeConstraint(dir, 0, "long_term", 40_000_000);
    }
    await writeCounter(zone);
  }
  if (spec.mmioDuplicate && !amd) {
    const dir = join(base, "intel-rapl-mmio:0");
    await writeFile(join(dir, "name"), "package-0");
    await writeFile(join(dir, "max_energy_range_uj"), String(packageRange));
    await writeFile(join(dir, "energy_uj"), "0");
  }

  const find = (key: string) => {
    const zone = zones.find((z) => z.key === key);
    if (!zone) throw new Error(`Fake RAPL has no zone ${key}`);
    return zone;
  };
  // Like the hardware, zones nest: energy added to core/uncore also shows in their package,
  // and energy added to a package or DRAM also shows in psys (which covers the platform).
  const containers = (zone: ZoneState): ZoneState[] => {
    const sub = /^(?:core|uncore)-(\d+)$/.exec(zone.key);
    const parent = sub ? zones.find((z) => z.key === `package-${sub[1]}`) : undefined;
    if (parent) return [parent, ...containers(parent)];
    const psys = zones.find((z) => z.key === "psys");
    return psys && /^(package|dram)-/.test(zone.key) ? [psys] : [];
  };
  const advanceUj = (ujPerZone: Map<ZoneState, number>): Promise<void> => {
    const touched = new Set<ZoneState>();
    for (const [zone, uj] of ujPerZone) {
      for (const target of [zone, ...containers(zone)]) {
        target.injectedUj += uj;
        target.counterUj = (target.counterUj + uj) % target.maxEnergyRangeUj;
        touched.add(target);
      }
    }
    for (const zone of touched) writeCounter(zone);
    return Promise.resolve();
  };
  const machineUj = () => {
    const psys = zones.find((z) => z.key === "psys");
    if (psys) return psys.injectedUj;
    return zones.filter((z) => /^(package|dram)-/.test(z.key))
      .reduce((sum, z) => sum + z.injectedUj, 0);
  };
  const powerStep = (seconds: number) =>
    new Map(zones.filter((z) => z.powerWatts > 0).map((z) => [z, z.powerWatts * seconds * 1e6]));

  const handle: FakeRapl = {
    root,
    zones: zones.map(({ key, dir, name, energyPath, maxEnergyRangeUj }) => ({
      key,
      dir,
      name,
      energyPath,
      maxEnergyRangeUj,
    })),
    setPower(key, watts) {
      find(key).powerWatts = watts;
    },
    tick: (seconds) => advanceUj(powerStep(seconds)),
    advance(joulesPerZone) {
      return advanceUj(
        new Map(Object.entries(joulesPerZone).map(([key, joules]) => [find(key), joules * 1e6])),
      );
    },
    async setCounter(key, energyUj) {
      const zone = find(key);
      zone.counterUj = energyUj;
      await writeCounter(zone);
    },
    injectedJoules: () => Object.fromEntries(zones.map((z) => [z.key, z.injectedUj / 1e6])),
    machineJoules: () => machineUj() / 1e6,
    startTicking(intervalMs) {
      // History of (wall-clock ms, machine uJ) so a test can ask what was injected
      // between the tracker's own start and end times.
      const history: Array<[number, number]> = [[Date.now(), machineUj()]];
      let last = performance.now();
      let chain = Promise.resolve();
      const step = () => {
        chain = chain.then(() => {
          const now = performance.now();
          const seconds = (now - last) / 1000;
          last = now;
          // The files are rewritten synchronously: stamp right after, with nothing between.
          void advanceUj(powerStep(seconds));
          history.push([Date.now(), machineUj()]);
        });
        return chain;
      };
      const timer = setInterval(step, intervalMs);
      let stopped: Promise<void> | undefined;
      const stop = () => {
        stopped ??= (() => {
          clearInterval(timer);
          return step();
        })();
        return stopped;
      };
      return {
        stop,
        [Symbol.asyncDispose]: stop,
        machineJoulesBetween(fromEpochMs, toEpochMs) {
          return (counterAt(history, toEpochMs) - counterAt(history, fromEpochMs)) / 1e6;
        },
      };
    },
  };
  return handle;
}

/**
 * The counter as a reader of the file saw it at `atMs`: the value of the last write at or
 * before then. A step, not a line between writes: when the ticker runs late on a loaded
 * machine the file holds its old value, and a linear model would credit energy no reader saw.
 */
function counterAt(history: Array<[number, number]>, atMs: number): number {
  let value = history[0]?.[1] ?? 0;
  for (const [t, v] of history) {
    if (t > atMs) break;
    value = v;
  }
  return value;
}

async function writeConstraint(dir: string, index: number, name: string, maxPowerUw: number) {
  await writeFile(join(dir, `constraint_${index}_name`), name);
  await writeFile(join(dir, `constraint_${index}_max_power_uw`), String(maxPowerUw));
  await writeFile(join(dir, `constraint_${index}_power_limit_uw`), String(maxPowerUw));
  await writeFile(join(dir, `constraint_${index}_time_window_us`), "999424");
}

function writeCounter(zone: ZoneState) {
  writeCounterFile(zone.energyPath, zone.counterUj);
}

/**
 * Writes a counter file (`energy_uj`, hwmon's `energyN_input`) as the kernel shows it: whole
 * microjoules and a line end. Through a rename so a reader in another process never sees a
 * half-written file, and synchronously, so a ticker's history stamp follows the moment a
 * reader can see the value with no await (and no event-loop delay on a loaded machine) in
 * between.
 *
 * @param path The counter file.
 * @param uj Its value, microjoules (rounded down).
 */
export function writeCounterFile(path: string, uj: number): void {
  const tmp = `${path}.tmp`;
  Deno.writeTextFileSync(tmp, `${Math.floor(uj)}\n`);
  Deno.renameSync(tmp, path);
}

/**
 * Writes a sysfs attribute file: its content and a line end, its folders made first.
 *
 * @param path The file.
 * @param content Its content, without the line end.
 */
export async function writeFile(path: string, content: string): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, `${content}\n`);
}

/**
 * Writes `<sysfsRoot>/devices/system/cpu/cpuN/topology/{physical_package_id,core_id}`.
 *
 * @param sysfsRoot The fake sysfs root.
 * @param shape Sockets, cores per socket and threads per core.
 */
export async function writeFakeCpuTopology(
  sysfsRoot: string,
  shape: { sockets: number; coresPerSocket: number; threadsPerCore: number },
): Promise<void> {
  let cpu = 0;
  for (let s = 0; s < shape.sockets; s++) {
    for (let t = 0; t < shape.threadsPerCore; t++) {
      for (let c = 0; c < shape.coresPerSocket; c++) {
        const dir = join(sysfsRoot, "devices", "system", "cpu", `cpu${cpu++}`, "topology");
        await Deno.mkdir(dir, { recursive: true });
        await Deno.writeTextFile(join(dir, "physical_package_id"), `${s}\n`);
        await Deno.writeTextFile(join(dir, "core_id"), `${c}\n`);
      }
    }
  }
}
