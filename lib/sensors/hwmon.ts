/**
 * The hwmon sensors: one per driver family (amdgpu, xe/i915, zenergy/amd_energy, ACPI power
 * meters), each reading the files its plan names (hwmon_scan.ts) through `Runtime`, like RAPL.
 *
 * A channel is either a cumulative counter (`energyN_input`, microjoules: method `counter`) or
 * a power reading (`powerN_average`/`powerN_input`, microwatts: method `integrated`, each
 * reading times the time since the previous one; an `_input` reading, which is instantaneous,
 * is averaged with the previous one). hwmon gives no wrap point for its counters: a counter
 * that goes back is a reset, reported as a `rebased` reading (a gap), never as negative energy.
 * A file that is missing, unreadable or holds the firmware's "no reading" value
 * (4294967295000) fails its devices for that read, with the reason; the others are read.
 *
 * Each reading is checked against what its device can draw (hwmon_bounds.ts, recorded in the
 * status detail as `plausible`): a power beyond it fails the read, like a file with no
 * reading; a counter step beyond it in the time since its last good value is a reset (the
 * read is `rebased`, and counting goes on from the new value).
 *
 * Devices that are remainders (Grace's modules less their Grace sockets) follow each input's
 * energy between reads and hold their value rather than go back while the inputs' update
 * instants differ, as RAPL's psys remainder does. What other sensors read inside a device (the
 * GPU in a Grace module, an APU's CPU) is taken out by inside.ts, wired by the registry.
 *
 * @module
 */
import { unavailableStatus } from "./status.ts";
import type { Runtime } from "../runtime.ts";
import type { DeviceEnergy, DeviceReading, GpuInfo, Method, SensorStatus } from "../types.ts";
import type { EnergySensor } from "./types.ts";
import { HeldRemainder } from "./inside.ts";
import type { KfdProcesses } from "./kfd.ts";
import { HwmonValueError, parseHwmonMicro } from "./hwmon_parse.ts";
import type {
  ChannelSpec,
  FamilyPlan,
  HwmonFamily,
  HwmonScan,
  InsideKey,
  OutputSpec,
} from "./hwmon_scan.ts";
import { planFamily } from "./hwmon_plan.ts";
import { plausibleByDevice } from "./hwmon_bounds.ts";
import { energyStepProblem, powerProblem } from "./plausible.ts";

/** An hwmon family's sensor, with the GPUs it found. */
export type HwmonSensor = EnergySensor & {
  /** GPUs found by `probe()` (amdgpu, xe/i915), with their device ids. */
  gpus(): GpuInfo[];
  /**
   * Devices that contain devices other sensors read (an APU's CPU, the GPU in a Grace
   * module), and which: for {@link subtractInside} (inside.ts). Known after `probe()`.
   */
  containers(): Map<string, InsideKey>;
};

/** The sensor name of each family, as statuses and impact.json list it. */
export const HWMON_SENSOR_NAMES: Record<HwmonFamily, string> = {
  amdgpu: "hwmon-amdgpu",
  "intel-gpu": "hwmon-intel-gpu",
  "amd-energy": "hwmon-amd-energy",
  "power-meter": "hwmon-power-meter",
};

const NOT_FOUND: Record<HwmonFamily, { reason: string; fix: string }> = {
  amdgpu: {
    reason: "no AMD GPU (hwmon name amdgpu)",
    fix: "Load the amdgpu driver (`sudo modprobe amdgpu`); in a container, mount the host's /sys " +
      "and set IMPACT_SYSFS_ROOT to it",
  },
  "intel-gpu": {
    reason: "no Intel discrete GPU (hwmon name xe or i915; integrated GPUs have none)",
    fix: "Use a kernel whose xe or i915 driver has hwmon (Linux 6.2 and later for Arc)",
  },
  "amd-energy": {
    reason: "no AMD CPU energy driver (hwmon name zenergy or amd_energy)",
    fix: "Where RAPL (powercap) is missing or root-only on an AMD CPU, load zenergy " +
      "(github.com/BoukeHaarsma23/zenergy, counters readable by any user) with " +
      "`sudo modprobe zenergy`, or AMD's amd_energy",
  },
  "power-meter": {
    reason: "no ACPI power meter (hwmon name power_meter)",
    fix: "Load the driver with `sudo modprobe acpi_power_meter` where the firmware has a " +
      "meter (ACPI000D: NVIDIA Grace, many servers)",
  },
};

const PERMISSION_FIX: Record<HwmonFamily, string> = {
  amdgpu: "Make the file readable: `sudo chmod a+r /sys/class/hwmon/hwmon*/power1_*`",
  "intel-gpu": "Make the counters readable: `sudo chmod a+r /sys/class/hwmon/hwmon*/energy*_input`",
  "amd-energy": "amd_energy's counters are root-only (0440, CVE-2020-12912): add your group " +
    "with a udev rule, or load zenergy instead, whose counters any user may read",
  "power-meter":
    "Make the meter readable: `sudo chmod a+r /sys/class/hwmon/hwmon*/device/power1_average`",
};

/** One file read each interval, and what has been counted from it since `start()`. */
interface Channel {
  spec: ChannelSpec;
  /** Counters: the last raw value, microjoules. */
  lastRawUj?: number;
  /** Power: the last reading (undefined after a failed read). */
  lastWatts?: number;
  /** When the last good value was read (power: undefined after a failed read). */
  lastMs?: number;
  /** Joules counted since start(), gaps excluded. */
  joules: number;
  /** This read's failure, or the counter's reset. */
  failure?: string;
  reset?: string;
}

/** Options of {@link createHwmonSensor}. */
export interface HwmonOptions {
  /** The processes on each AMD GPU, for amdgpu's devices (attribution). */
  processes?: KfdProcesses;
  /** PCI addresses of GPUs another sensor reads (amd-smi): amdgpu leaves them to it. */
  skipSlots?: ReadonlySet<string>;
  /** The CPU model (/proc/cpuinfo): its TDP bounds a CPU socket's readings. */
  cpuModel?: string | undefined;
}

/**
 * Creates one hwmon family's sensor.
 *
 * @param runtime Where files are read and time is taken.
 * @param scan The hwmon scan (shared by the families; one listing of /sys/class/hwmon).
 * @param family Which drivers it reads.
 * @param options Where GPU processes come from.
 * @returns The sensor.
 */
export function createHwmonSensor(
  runtime: Runtime,
  scan: HwmonScan,
  family: HwmonFamily,
  options: HwmonOptions = {},
): HwmonSensor {
  const { processes } = options;
  let gpuIdsBySlot = new Map<string, number[]>();
  const name = HWMON_SENSOR_NAMES[family];
  let plan: FamilyPlan | undefined;
  let status: SensorStatus | undefined;
  let outputs: OutputSpec[] = [];
  const channels = new Map<string, Channel>();
  const remainders = new Map<string, HeldRemainder>();

  const readChannel = async (channel: Channel, nowMs: number) => {
    delete channel.failure;
    delete channel.reset;
    const { path, kind, bound } = channel.spec;
    let value: number;
    try {
      value = parseHwmonMicro(await runtime.readTextFile(path), path);
    } catch (error) {
      failChannel(
        channel,
        error instanceof Deno.errors.NotFound
          ? `${path} is gone`
          : error instanceof HwmonValueError
          ? error.message
          : `cannot read ${path}: ${messageOf(error)}`,
      );
      return;
    }
    if (kind === "counter") {
      // Counted on from the last good value, however many reads failed since.
      const [last, lastMs] = [channel.lastRawUj, channel.lastMs];
      channel.lastRawUj = value;
      channel.lastMs = nowMs;
      if (last === undefined || lastMs === undefined) return;
      if (value < last) {
        channel.reset = `${path} went back from ${last} to ${value} µJ ` +
          "(a driver reload or a counter wrap), so the energy since the last read is unknown";
        return;
      }
      const jump = energyStepProblem((value - last) / 1e6, (nowMs - lastMs) / 1000, bound);
      if (jump === undefined) channel.joules += (value - last) / 1e6;
      else channel.reset = `${path} jumped from ${last} to ${value} µJ: ${jump}`;
      return;
    }
    const watts = value / 1e6;
    const problem = powerProblem(watts, bound);
    if (problem !== undefined) {
      failChannel(channel, `${path} reads a power no device here can draw: ${problem}`);
      return;
    }
    if (channel.lastMs !== undefined) {
      const seconds = Math.max(0, nowMs - channel.lastMs) / 1000;
      const instant = path.endsWith("_input") && channel.lastWatts !== undefined;
      channel.joules += (instant ? (watts + channel.lastWatts!) / 2 : watts) * seconds;
    }
    channel.lastWatts = watts;
    channel.lastMs = nowMs;
  };

  const readChannels = (nowMs: number) =>
    Promise.all([...channels.values()].map((c) => readChannel(c, nowMs)));

  async function probe(): Promise<SensorStatus> {
    if (status) return status;
    plan = await planFamily(runtime, scan, family, options);
    if (plan.outputs.length === 0) {
      const found = [...plan.notEmitted, ...plan.unreadable];
      if (found.length > 0 && scan.dirs[family].length > 0) {
        status = unavailableStatus(name, `nothing to read here: ${found.join("; ")}`);
        return status;
      }
      const listed = scan.error ? ` (cannot list ${scan.base}: ${scan.error})` : "";
      status = unavailableStatus(
        name,
        `${NOT_FOUND[family].reason} under ${scan.base}${listed}`,
        { fix: NOT_FOUND[family].fix },
      );
      return status;
    }
    // One read of each file: a root-only file makes the family unavailable with the fix; a
    // meter with no reading (the firmware's error value) is left out, the others kept.
    const unreadable = [...plan.unreadable];
    const bad = new Map<string, string>();
    for (const spec of uniqueChannels(plan.outputs)) {
      try {
        parseHwmonMicro(await runtime.readTextFile(spec.path), spec.path);
      } catch (error) {
        if (error instanceof Deno.errors.PermissionDenied) {
          status = unavailableStatus(
            name,
            `${spec.path} is readable by root only, so it cannot be measured`,
            { fix: PERMISSION_FIX[family], devices: plan.outputs.map((o) => o.device) },
          );
          return status;
        }
        bad.set(spec.path, messageOf(error));
      }
    }
    outputs = plan.outputs.filter((o) => {
      const failed = [...o.plus, ...o.minus].find((c) => bad.has(c.path));
      if (failed) unreadable.push(`${o.device}: ${bad.get(failed.path)}`);
      return !failed;
    });
    if (outputs.length === 0) {
      status = unavailableStatus(name, `nothing readable: ${unreadable.join("; ")}`, {
        fix: NOT_FOUND[family].fix,
      });
      return status;
    }
    const notes = [...plan.notEmitted, ...unreadable];
    status = {
      sensor: name,
      available: true,
      methods: [...new Set(outputs.map(methodOf))],
      devices: outputs.map((o) => o.device),
      detail: {
        hwmon: scan.base,
        measures: outputs.map((o) => `${o.device} (${o.component}): ${o.measures}`),
        files: Object.fromEntries(outputs.map((o) => [o.device, {
          plus: o.plus.map((c) => c.path),
          ...(o.minus.length > 0 ? { minus: o.minus.map((c) => c.path) } : {}),
          ...(o.share !== undefined ? { share: o.share } : {}),
        }])),
        notEmitted: plan.notEmitted,
        unreadable,
        plausible: plausibleByDevice(outputs),
      },
    };
    if (notes.length > 0) status.reason = notes.join("; ");
    return status;
  }

  /** The signed inputs of an output that is not a single channel. */
  const remainderInputs = (output: OutputSpec) => [
    ...output.plus.map((c) => ({ key: `+${c.path}`, joules: channels.get(c.path)!.joules })),
    ...output.minus.map((c) => ({ key: `-${c.path}`, joules: -channels.get(c.path)!.joules })),
  ];

  /** An output with its channels and method, wired once at start(). */
  type Wired = { output: OutputSpec; inputs: Channel[]; method: Method };
  let wired: Wired[] = [];

  function outputReading({ output, inputs, method }: Wired): DeviceReading {
    const { component, device } = output;
    const failed = inputs.find((c) => c.failure !== undefined);
    if (failed) {
      remainders.get(device)?.forget();
      return { component, device, failure: failed.failure! };
    }
    const remainder = remainders.get(device);
    const joules =
      (remainder
        ? remainder.update(remainderInputs(output))
        : channels.get(output.plus[0]!.path)!.joules) * (output.share ?? 1);
    const reading: DeviceEnergy = {
      component,
      device,
      method,
      energyJoules: joules,
    };
    const reset = inputs.find((c) => c.reset !== undefined)?.reset;
    if (reset) reading.rebased = reset;
    if (processes && output.pciSlot !== undefined) {
      const byGpu = processes.pidsByGpuId();
      reading.processIds = (gpuIdsBySlot.get(output.pciSlot) ?? []).flatMap((id) =>
        byGpu.get(id) ?? []
      );
    }
    return reading;
  }

  return {
    name,
    probe,
    gpus: () => (plan?.gpus ?? []).map((g) => ({ ...g })),
    containers: () =>
      new Map(outputs.filter((o) => o.inside).map((o) => [o.device, o.inside!] as const)),
    async start() {
      await probe();
      channels.clear();
      remainders.clear();
      for (const spec of uniqueChannels(outputs)) channels.set(spec.path, { spec, joules: 0 });
      wired = outputs.map((output) => ({
        output,
        inputs: [...output.plus, ...output.minus].map((c) => channels.get(c.path)!),
        method: methodOf(output),
      }));
      if (processes && outputs.some((o) => o.pciSlot !== undefined)) {
        gpuIdsBySlot = await processes.gpuIdsBySlot();
        processes.pidsByGpuId();
      }
      await readChannels(runtime.monotonicMs());
      for (const output of outputs) {
        if (output.plus.length === 1 && output.minus.length === 0) continue;
        const remainder = new HeldRemainder();
        remainder.update(remainderInputs(output));
        remainders.set(output.device, remainder);
      }
    },
    async read() {
      const nowMs = runtime.monotonicMs();
      await readChannels(nowMs);
      return wired.map(outputReading);
    },
    close: async () => {
      await processes?.settle();
    },
  };
}

/**
 * A read that gave no value: the channel's devices fail it. A power channel integrates again
 * only from its next good reading; a counter counts on from its last good value.
 */
function failChannel(channel: Channel, failure: string): void {
  channel.failure = failure;
  if (channel.spec.kind === "power") {
    delete channel.lastWatts;
    delete channel.lastMs;
  }
}

function uniqueChannels(outputs: OutputSpec[]): ChannelSpec[] {
  const byPath = new Map<string, ChannelSpec>();
  for (const o of outputs) for (const c of [...o.plus, ...o.minus]) byPath.set(c.path, c);
  return [...byPath.values()];
}

function methodOf(output: OutputSpec): Method {
  return [...output.plus, ...output.minus].every((c) => c.kind === "counter")
    ? "counter"
    : "integrated";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
