/**
 * AMD GPUs through `amd-smi`: one long-lived `amd-smi metric --power --energy --watch N --csv`
 * (never one Python start per sample), the energy accumulator where the GPU has one (method
 * `counter`), socket power integrated over time otherwise; the processes on each GPU from KFD's
 * sysfs (kfd.ts).
 *
 * Nothing is multiplied:
 * - MI300 compute partitions (CPX, DPX) are logical GPUs that repeat their physical GPU's power:
 *   a physical GPU (partition 0 and the partitions after it) is read once and split evenly over
 *   its partitions, so a job is charged for the partitions it uses.
 * - An MI250/MI250X is two GPUs and only the primary die reports the package's power (the
 *   secondary prints N/A, or 0, and an energy counter of 0): the package is read once, on the
 *   primary, and split between its two dies.
 * - In an SR-IOV guest every GPU shows the same energy counter (the host's, not each GPU's):
 *   when two physical GPUs report the same counter, no counter is used and each GPU's own
 *   socket power is integrated.
 * - A counter that reads 0 (consumer RDNA parts) is not used; one that stops while the GPU
 *   draws power (MI100 before a reboot) is dropped for power from that read on (a gap).
 * An APU's power is the whole SoC (component `psys`, the CPU taken out by inside.ts).
 *
 * Each row is checked against what its GPU can draw (twice the power cap amd-smi states, else
 * its board power: lib/sensors/plausible.ts; recorded in the status detail as `plausible`): a
 * power beyond it makes the reads fail until a good row (a counter GPU only leaves the power
 * out), and a counter step beyond it in the time between the rows is a rebased read.
 *
 * A stream that dies or stops printing makes `read()` reject; the sampler calls `restart()`.
 *
 * @module
 */
import { unavailableStatus } from "./status.ts";
import { createChildStream } from "./child_stream.ts";
import type { DeviceEnergy, DeviceReading, GpuInfo, SensorStatus } from "../types.ts";
import type { Runtime } from "../runtime.ts";
import { type EnergySensor, SensorError } from "./types.ts";
import { energyStepProblem, plausibleDetail, powerProblem } from "./plausible.ts";
import type { KfdProcesses } from "./kfd.ts";
import { gpuBounds, type Group, isApu, planGroups } from "./amd_smi_groups.ts";
import {
  amdSmiCsvStream,
  type AmdSmiGpu,
  type AmdSmiMetric,
  AmdSmiParseError,
  parseAmdSmiGpus,
  parseAmdSmiMetricJson,
} from "./amd_smi_parse.ts";

const NAME = "amd-smi";
const INSTALL_FIX =
  "Install ROCm's amd-smi (package amd-smi-lib) or set IMPACT_AMD_SMI to the amd-smi executable; " +
  "AMD GPUs are read through hwmon (amdgpu) meanwhile";
/** A counter that has not moved for this many rows while the GPU draws power is frozen. */
const FROZEN_ROWS = 3;
/** Power above which a still counter is taken as frozen, W. */
const FROZEN_ABOVE_WATTS = 5;

/** Options of {@link createAmdSmiSensor}. */
export interface AmdSmiOptions {
  /** The sampling interval, ms (the stream prints every whole second, at least 1 s). */
  intervalMs: number;
  /** The processes on each GPU. */
  processes?: KfdProcesses;
  /** Receives problems worth reporting that do not stop the sensor. */
  onWarning?: (message: string) => void;
  /** read() fails when the stream has printed nothing for this long, ms (default 10 s or 10 rows). */
  staleAfterMs?: number;
}

/** The amd-smi sensor, with the GPUs it measures. */
export type AmdSmiSensor = EnergySensor & {
  /** GPUs found by `probe()`, with their device ids. */
  gpus(): GpuInfo[];
  /** PCI addresses of the GPUs it measures (hwmon leaves them to it). */
  slots(): Set<string>;
  /** APU devices (`amd-apu-N`), whose power holds the CPU. */
  containers(): Set<string>;
  /** Problems reported so far. */
  warnings(): string[];
};

/**
 * Creates the amd-smi sensor.
 *
 * @param runtime Where processes are spawned and time is read.
 * @param amdSmi The executable (`IMPACT_AMD_SMI`, default `amd-smi`).
 * @param options The interval and the process source.
 * @returns The sensor (devices `amd-gpu-<index>`, `amd-apu-<index>`).
 */
export function createAmdSmiSensor(
  runtime: Runtime,
  amdSmi: string,
  options: AmdSmiOptions,
): AmdSmiSensor {
  const watchSeconds = Math.max(1, Math.round(options.intervalMs / 1000));
  const staleAfterMs = options.staleAfterMs ?? Math.max(10_000, 10 * watchSeconds * 1000);
  const warnings: string[] = [];
  let status: SensorStatus | undefined;
  let groups: Group[] = [];
  let gpuList: GpuInfo[] = [];
  let apus = new Set<string>();
  let badLines = 0;

  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const run = (args: string[]) => runtime.output(amdSmi, { args, env: { PYTHONUNBUFFERED: "1" } });
  const deviceOf = (gpu: AmdSmiGpu) => `${isApu(gpu) ? "amd-apu" : "amd-gpu"}-${gpu.index}`;

  async function probe(): Promise<SensorStatus> {
    if (status) return status;
    status = await probeOnce().catch((error: unknown) => {
      if (error instanceof Deno.errors.NotFound) {
        return unavailableStatus(NAME, `amd-smi was not found (looked for ${amdSmi})`, {
          fix: INSTALL_FIX,
        });
      }
      if (error instanceof AmdSmiParseError) {
        return unavailableStatus(NAME, `amd-smi printed something unexpected: ${error.message}`);
      }
      return unavailableStatus(NAME, `amd-smi could not be run: ${(error as Error).message}`, {
        fix: INSTALL_FIX,
      });
    });
    return status;
  }

  async function probeOnce(): Promise<SensorStatus> {
    const list = await run(["list", "--json"]);
    if (list.code !== 0) {
      return unavailableStatus(NAME, failureReason(list.code, list.stderr || list.stdout), {
        fix: "Check that the amdgpu driver is loaded (`amd-smi list` works in a shell); in a " +
          "container, pass /dev/kfd and /dev/dri in",
      });
    }
    const statics = await run(["static", "--asic", "--limit", "--json"]);
    const metricOut = await run(["metric", "--power", "--energy", "--json"]);
    if (metricOut.code !== 0) {
      return unavailableStatus(NAME, failureReason(metricOut.code, metricOut.stderr));
    }
    const gpus = parseAmdSmiGpus(list.stdout, statics.code === 0 ? statics.stdout : undefined);
    if (gpus.length === 0) return unavailableStatus(NAME, "amd-smi listed no GPUs");
    const metrics = new Map(parseAmdSmiMetricJson(metricOut.stdout).map((m) => [m.index, m]));
    const notes: string[] = [];
    groups = planGroups(gpus, metrics, notes, await gpuBounds(gpus));
    if (groups.length === 0) {
      return unavailableStatus(NAME, `no GPU reports power or energy: ${notes.join("; ")}`);
    }
    gpuList = gpus.map((gpu) => {
      const info: GpuInfo = {
        index: gpu.index,
        name: gpu.name ?? "AMD GPU",
        device: deviceOf(gpu),
      };
      if (gpu.asicSerial !== undefined) info.uuid = `GPU-${gpu.asicSerial}`;
      if (gpu.powerLimitWatts !== undefined) info.powerLimitWatts = gpu.powerLimitWatts;
      return info;
    });
    const measured = groups.flatMap((g) => g.members);
    apus = new Set(measured.filter(isApu).map(deviceOf));
    const result: SensorStatus = {
      sensor: NAME,
      available: true,
      methods: [...new Set(groups.map((g) => g.method))],
      devices: measured.map(deviceOf),
      detail: {
        executable: amdSmi,
        measures: groups.map((g) =>
          `${g.members.map(deviceOf).join(", ")}: ${g.members[0]!.name ?? "AMD GPU"} ${
            g.method === "counter" ? "energy accumulator" : "socket power, integrated"
          }${
            g.members.length > 1 ? `, read once on amd-smi GPU ${g.primary} and split evenly` : ""
          }`
        ),
        gpus: gpuList,
        notes,
        plausible: Object.fromEntries(
          groups.flatMap((g) => g.members.map((m) => [deviceOf(m), plausibleDetail(g.bound)])),
        ),
      },
    };
    if (notes.length > 0) result.reason = notes.join("; ");
    return result;
  }

  /** Takes one line of the stream's CSV; true when it was a read GPU's row. */
  function handleLine(csv: ReturnType<typeof amdSmiCsvStream>, line: string, n: number): boolean {
    let metric: AmdSmiMetric | undefined;
    try {
      metric = csv.line(line, n);
    } catch (error) {
      if (++badLines <= 3) warn((error as Error).message);
      return false;
    }
    if (!metric) return false;
    const group = groups.find((g) => g.primary === metric.index);
    if (!group) return false;
    const nowMs = runtime.monotonicMs();
    if (group.method === "counter") countEnergy(group, metric, nowMs);
    // Zero-order hold: the previous power covers the time since the last row.
    if (group.method === "integrated") integrate(group, group.watts, nowMs);
    const watts = metric.socketWatts;
    const problem = watts === undefined ? undefined : powerProblem(watts, group.bound);
    if (problem !== undefined) {
      // No power is known from here: nothing is integrated until a good row, and the reads
      // meanwhile fail (a counter group only leaves the power out).
      delete group.watts;
      if (group.method === "integrated") {
        group.failure =
          `amd-smi GPU ${group.primary} printed a power no GPU here can draw: ${problem}`;
      }
    } else if (watts !== undefined) {
      // The first good row after a bad one: integration starts afresh from it.
      if (group.failure !== undefined && group.watts === undefined) group.integratedUntilMs = nowMs;
      group.watts = watts;
    }
    group.seen = true;
    return true;
  }

  function countEnergy(group: Group, metric: AmdSmiMetric, nowMs: number) {
    const joules = metric.energyJoules;
    if (joules === undefined) return;
    const [last, lastMs] = [group.lastEnergyJoules, group.lastEnergyMs];
    group.lastEnergyJoules = joules;
    group.lastEnergyMs = nowMs;
    if (last === undefined || lastMs === undefined) return;
    if (joules < last) {
      group.rebased = `amd-smi GPU ${group.primary}: the energy counter went back from ${last} ` +
        `to ${joules} J (a driver reload), so the energy since the last read is unknown`;
      return;
    }
    const jump = energyStepProblem(joules - last, (nowMs - lastMs) / 1000, group.bound);
    if (jump !== undefined) {
      group.rebased =
        `amd-smi GPU ${group.primary}: the energy counter jumped from ${last} to ${joules} J: ${jump}`;
      return;
    }
    const stillWithPower = joules === last && (group.watts ?? 0) > FROZEN_ABOVE_WATTS;
    group.stillRows = stillWithPower ? group.stillRows + 1 : 0;
    group.countedJoules += joules - last;
    if (group.stillRows >= FROZEN_ROWS) {
      group.method = "integrated";
      group.integratedUntilMs = runtime.monotonicMs();
      group.rebased = `amd-smi GPU ${group.primary}: the energy counter stopped at ${joules} J ` +
        `while the GPU drew ${group.watts} W, so its power is integrated from here`;
      warn(group.rebased);
    }
  }

  const stream = createChildStream(runtime, {
    sensor: NAME,
    label: "the --watch stream",
    spawn: () =>
      runtime.spawn(amdSmi, {
        args: ["metric", "--power", "--energy", "--watch", String(watchSeconds), "--csv"],
        // Python buffers a pipe in blocks: rows would arrive minutes late.
        env: { PYTHONUNBUFFERED: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    rows: () => {
      const csv = amdSmiCsvStream();
      return (line, n) => handleLine(csv, line, n);
    },
    ready: () => groups.every((g) => g.seen),
    firstRowsWaitMs: Math.min(staleAfterMs, 8_000),
    staleAfterMs,
    beforeOpen() {
      for (const group of groups) {
        group.seen = false;
        delete group.watts;
        delete group.lastEnergyJoules;
        delete group.lastEnergyMs;
        delete group.failure;
      }
    },
    afterOpen(startedMs) {
      for (const group of groups) group.integratedUntilMs = startedMs;
    },
    said: (stderr) => stderr.trim().split("\n").find((l) => !/Warning/.test(l)),
    onWarning: warn,
  });

  function readings(nowMs: number): DeviceReading[] {
    const pids = options.processes?.pidsByGpuId();
    return groups.flatMap((group): DeviceReading[] => {
      if (group.failure !== undefined) {
        const failure = group.failure;
        // Said at each read until a good row has come; the read after it counts afresh.
        if (group.watts !== undefined) delete group.failure;
        return group.members.map((gpu) => ({
          component: isApu(gpu) ? "psys" : "gpu",
          device: deviceOf(gpu),
          failure,
        }));
      }
      if (group.method === "integrated") integrate(group, group.watts, nowMs);
      const rebased = group.rebased;
      delete group.rebased;
      return group.members.map((gpu) => {
        const reading: DeviceEnergy = {
          component: isApu(gpu) ? "psys" : "gpu",
          device: deviceOf(gpu),
          method: group.method,
          energyJoules: group.countedJoules / group.members.length,
          processIds: gpu.kfdId === undefined ? [] : [...(pids?.get(gpu.kfdId) ?? [])],
        };
        if (group.watts !== undefined) reading.powerWatts = group.watts / group.members.length;
        if (gpu.asicSerial !== undefined) reading.uuid = `GPU-${gpu.asicSerial}`;
        if (rebased !== undefined) reading.rebased = rebased;
        return reading;
      });
    });
  }

  return {
    name: NAME,
    probe,
    gpus: () => gpuList.map((g) => ({ ...g })),
    slots: () =>
      new Set(groups.flatMap((g) => g.members.map((m) => m.bdf).filter((b) => b !== undefined))),
    containers: () => new Set(apus),
    warnings: () => [...warnings],
    async start() {
      const found = await probe();
      if (!found.available) throw new SensorError(NAME, found.reason ?? "unavailable");
      for (const group of groups) group.countedJoules = 0;
      options.processes?.pidsByGpuId();
      await stream.start();
    },
    restart: () => stream.restart(),
    read() {
      const nowMs = runtime.monotonicMs();
      const problem = stream.problem(nowMs);
      return problem ? Promise.reject(problem) : Promise.resolve(readings(nowMs));
    },
    async close() {
      await stream.close();
      await options.processes?.settle();
    },
  };
}

function integrate(group: Group, watts: number | undefined, nowMs: number): void {
  if (watts === undefined) return;
  group.countedJoules += watts * Math.max(0, nowMs - group.integratedUntilMs) / 1000;
  group.integratedUntilMs = nowMs;
}

function failureReason(code: number, text: string): string {
  const first = text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !/Warning/.test(l));
  return first === undefined
    ? `amd-smi exited with code ${code} and printed nothing`
    : `${first.replace(/\.$/, "")} (amd-smi exit code ${code})`;
}
