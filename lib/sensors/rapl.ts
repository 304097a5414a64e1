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
 * shortest time a zone needs to run through its range at its plausible peak (5x its power
 * limit, or its CPU's TDP: lib/sensors/plausible.ts). A zone that would need reading more
 * often than the sampler's floor (`MIN_READ_INTERVAL_MS`: a tiny range) cannot be followed and
 * is left out, saying so (lib/sensors/rapl_zones.ts).
 *
 * Every step is checked against that peak: a counter that went down is a wrap only when the
 * wrapped step is plausible for the time since the last read; otherwise (back 1 mJ, a reset to
 * 0) it is a reset or a glitch, and so is a step forward no package can make. That read is
 * `rebased`: the sampler records the interval as the zone's gap with the reason, and counting
 * goes on from the new value. A value above the range (or a 400-digit one) is no counter value:
 * that read is a failed device, and the last good value stays the baseline.
 *
 * @module
 */

import { unavailableStatus } from "./status.ts";
import { join } from "node:path";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { CpuInfo, DeviceEnergy, DeviceReading, SensorStatus } from "../types.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import { plausibleDetail } from "./plausible.ts";
import {
  type CountedZone,
  counterStep,
  counterValue,
  discover,
  type Discovery,
  safeReadIntervalMs,
  unfollowableText,
} from "./rapl_zones.ts";

/** Why a zone's read is a gap: it failed, or its step is unknown. */
type Problem = { failure: string; rebased?: undefined } | { rebased: string; failure?: undefined };

const SENSOR = "rapl";

/** The combination scheme, recorded in the sensor's status detail. */
const RAPL_SCHEME =
  "package-N = package counter (core and uncore are inside it and not emitted); " +
  "dram-N = DRAM counter of socket N; psys (where present) = psys - packages - DRAM, " +
  "so the devices sum to the platform total; without psys the total is packages + DRAM";

/** Options of {@link createRaplSensor}. */
export interface RaplOptions {
  /**
   * The machine's CPU (its model's TDP bounds the zones that give no power limit, as AMD's);
   * awaited by `probe()`.
   */
  cpu?: Promise<CpuInfo> | CpuInfo;
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
 * @param options The machine's CPU, for the TDP of zones without a power limit.
 * @returns An energy sensor named `rapl` with method `counter`.
 */
export function createRaplSensor(
  runtime: Runtime,
  paths: SystemPaths,
  options: RaplOptions = {},
): EnergySensor {
  const base = join(paths.sysfsRoot, "class", "powercap");
  let found: Discovery | undefined;
  let state: {
    /** Per zone, its last good raw value; undefined until it has one. */
    lastRawUj: (number | undefined)[];
    /** Per zone, when that value was read (monotonic ms). */
    lastRawMs: number[];
    totalUj: number[];
    psysRemainderJoules: number;
    lastJoules: Map<string, number>;
    lastMs: number;
  } | undefined;

  const find = async () => {
    const cpu = await options.cpu;
    return discover(runtime, base, cpu?.model);
  };

  // In parallel, so the counters are read as close to the same instant as possible. A zone
  // that cannot be read, or holds no counter value, gives its reason instead of a value.
  const readAll = (zones: CountedZone[]): Promise<(number | string)[]> =>
    Promise.all(
      zones.map((zone) =>
        runtime.readTextFile(zone.energyPath).then(
          (text) => counterValue(text, zone),
          (error) => `cannot read ${zone.energyPath}: ${message(error)}`,
        )
      ),
    );

  return {
    name: SENSOR,
    async probe() {
      try {
        found = await find();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          return unavailable(`Cannot list RAPL zones in ${base}: ${message(error)}`);
        }
        found = { counted: [], notEmitted: [], dropped: [], unfollowable: [] };
      }
      if (found.counted.length === 0) {
        if (found.unfollowable.length > 0) {
          return unavailable(
            `No RAPL zone under ${base} can be followed: ${unfollowableText(found)}`,
            "Check the kernel's powercap driver (`max_energy_range_uj` should be tens of kJ or more)",
          );
        }
        return unavailable(
          `No RAPL package zones under ${base}`,
          "Load the powercap driver with `sudo modprobe intel_rapl_msr` (Intel and AMD); " +
            "virtual machines and containers without the host's /sys usually have no RAPL " +
            "(set IMPACT_SYSFS_ROOT to where the host's /sys is mounted)",
        );
      }
      for (const zone of found.counted) {
        try {
          await runtime.readTextFile(zone.energyPath);
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
      const status: SensorStatus = {
        sensor: SENSOR,
        available: true,
        methods: ["counter"],
        devices: found.counted.map((z) => z.device),
        detail: detailOf(found, base),
      };
      if (found.unfollowable.length > 0) status.reason = unfollowableText(found);
      return status;
    },
    async start() {
      if (!found) {
        try {
          found = await find();
        } catch (error) {
          throw new SensorError(SENSOR, `cannot list RAPL zones in ${base}`, { cause: error });
        }
      }
      const raw = await readAll(found.counted);
      const nowMs = runtime.monotonicMs();
      // A zone that cannot be read now, or holds no counter value, counts from its first good
      // read (its reads say why until then): one bad file never keeps the job from starting.
      state = {
        lastRawUj: raw.map((value) => typeof value === "number" ? value : undefined),
        lastRawMs: raw.map(() => nowMs),
        totalUj: raw.map(() => 0),
        psysRemainderJoules: 0,
        lastJoules: new Map(),
        lastMs: nowMs,
      };
    },
    async read() {
      if (!found || !state) throw new SensorError(SENSOR, "read() called before start()");
      const zones = found.counted;
      const raw = await readAll(zones);
      const nowMs = runtime.monotonicMs();
      const st = state;
      // Per zone: undefined when counted, else why this read is a gap (failure or rebase).
      const problems = zones.map((zone, i): Problem | undefined => {
        const value = raw[i]!;
        // A failed read: counted on later from the last good value.
        if (typeof value === "string") return { failure: value };
        const previous = st.lastRawUj[i];
        const seconds = (nowMs - st.lastRawMs[i]!) / 1000;
        st.lastRawUj[i] = value;
        st.lastRawMs[i] = nowMs;
        if (previous === undefined) {
          return { rebased: `first counter value of ${zone.energyPath} (none before it)` };
        }
        const step = counterStep(zone, previous, value, seconds);
        if (typeof step === "string") return { rebased: step };
        st.totalUj[i]! += step;
        return undefined;
      });
      let insidePsysJoules = 0;
      // psys is reported as the platform minus the zones inside it: with one of them not
      // counted, there is no remainder to report (failed), or its step is unknown (rebased).
      let missing = -1;
      let rebasedInside = -1;
      zones.forEach((zone, i) => {
        const problem = problems[i];
        if (zone.component === "psys" || problem === undefined) return;
        if (problem.failure !== undefined) missing = missing < 0 ? i : missing;
        else rebasedInside = rebasedInside < 0 ? i : rebasedInside;
      });
      const result: DeviceReading[] = [];
      zones.forEach((zone, i) => {
        let problem = problems[i];
        if (zone.component === "psys" && problem?.failure === undefined) {
          if (missing >= 0) {
            problem = {
              failure: `psys is the platform minus its packages and DRAM, and ${
                zones[missing]!.device
              } was not read`,
            };
          } else if (problem === undefined && rebasedInside >= 0) {
            problem = {
              rebased: `psys is the platform minus its packages and DRAM, and ${
                zones[rebasedInside]!.device
              } was rebased`,
            };
          }
        }
        if (problem?.failure !== undefined) {
          result.push({ component: zone.component, device: zone.device, failure: problem.failure });
          st.lastJoules.delete(zone.device);
          return;
        }
        let energyJoules = st.totalUj[i]! / 1e6;
        if (zone.component === "psys") {
          // Remainder of the platform, held (never decreasing) while packages run ahead; a
          // rebased read starts it afresh (the sampler counts on from this value).
          const remainder = energyJoules - insidePsysJoules;
          st.psysRemainderJoules = problem?.rebased !== undefined
            ? remainder
            : Math.max(st.psysRemainderJoules, remainder);
          energyJoules = st.psysRemainderJoules;
        } else {
          insidePsysJoules += energyJoules;
        }
        const device: DeviceEnergy = {
          component: zone.component,
          device: zone.device,
          method: "counter",
          energyJoules,
        };
        const before = st.lastJoules.get(device.device);
        const seconds = (nowMs - st.lastMs) / 1000;
        if (problem?.rebased !== undefined) device.rebased = problem.rebased;
        else if (before !== undefined && seconds > 0) {
          device.powerWatts = (device.energyJoules - before) / seconds;
        }
        st.lastJoules.set(device.device, device.energyJoules);
        result.push(device);
      });
      st.lastMs = nowMs;
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

function detailOf(found: Discovery, base: string): Record<string, unknown> {
  return {
    scheme: RAPL_SCHEME,
    powercap: base,
    zones: found.counted.map(({ dir, name, device, maxEnergyRangeUj, maxPowerWatts, bound }) => ({
      dir,
      name,
      device,
      maxEnergyRangeUj,
      ...(maxPowerWatts === undefined ? {} : { maxPowerWatts }),
      ...plausibleDetail(bound),
    })),
    insideOrIgnored: found.notEmitted.map(({ dir, name }) => ({ dir, name })),
    dropped: found.dropped,
    ...(found.unfollowable.length > 0 ? { unfollowable: found.unfollowable } : {}),
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
