/**
 * Discovery of the hwmon families and amd-smi, wired so that nothing is counted twice with the
 * sensors found before them (RAPL, NVML or nvidia-smi):
 * - amd-smi is preferred to hwmon for the AMD GPUs it reads (matched by PCI address); hwmon
 *   keeps the others, and each status says which read what. amd-smi is only tried where hwmon
 *   shows an AMD GPU, or where `IMPACT_AMD_SMI` names it.
 * - zenergy / amd_energy read the CPU sockets only where RAPL gives no counter.
 * - A Grace module's meter holds the GPU: the GPUs NVML reports module power for (or a GH200 /
 *   GB200 by name) are taken out of the module remainder, read in the same instant.
 * - An APU's power holds its CPU: the CPU packages RAPL or amd_energy read are taken out.
 *
 * @module
 */
import { gpuDeviceId, type GpuInfo, type SensorStatus } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import type { EnergySensor } from "./types.ts";
import { unavailableStatus } from "./status.ts";
import { createHwmonSensor, HWMON_SENSOR_NAMES } from "./hwmon.ts";
import type { HwmonScan, InsideKey } from "./hwmon_scan.ts";
import { createAmdSmiSensor } from "./amd_smi.ts";
import { createKfdProcesses } from "./kfd.ts";
import { type InsideSource, noteInside, shareReads, subtractInside } from "./inside.ts";

/** What the hwmon families and amd-smi add to discovery. */
export interface HwmonDiscovery {
  /** Every sensor to sample, the ones passed in included (some wrapped to share their reads). */
  sensors: EnergySensor[];
  /** The new sensors' statuses. */
  statuses: SensorStatus[];
  /** AMD and Intel GPUs found. */
  gpus: GpuInfo[];
}

/** What the sensors found before tell this step. */
export interface HwmonContext {
  /** The sampling interval, ms. */
  intervalMs: number;
  /** The sensors found so far, in order. */
  sensors: EnergySensor[];
  /** Their statuses. */
  statuses: SensorStatus[];
  /** NVIDIA GPUs found. */
  nvidiaGpus: GpuInfo[];
  /** The CPU model: its TDP bounds the readings of CPU sockets that state no limit. */
  cpuModel?: string | undefined;
}

const INSIDE_WORDS: Record<InsideKey, string> = {
  "cpu-packages": "the CPU, which RAPL or amd_energy would read",
  "module-gpus": "the module's GPU, which NVML would read",
};

/**
 * Probes the hwmon families and amd-smi and wires them to the sensors found before.
 *
 * @param runtime Files, processes, time and environment.
 * @param paths Where sysfs and amd-smi are.
 * @param scan The hwmon listing.
 * @param context The interval and the sensors found before.
 * @returns Every sensor to sample, the new statuses and GPUs.
 */
export async function discoverHwmonSensors(
  runtime: Runtime,
  paths: SystemPaths,
  scan: HwmonScan,
  context: HwmonContext,
): Promise<HwmonDiscovery> {
  const statuses: SensorStatus[] = [];
  const gpus: GpuInfo[] = [];
  const sensors = [...context.sensors];
  const processes = createKfdProcesses(runtime, paths.sysfsRoot);
  const amdSmiPath = paths.amdSmi ?? "amd-smi";

  // amd-smi first: hwmon leaves it the GPUs it reads.
  const amdSmiNamed = runtime.env("IMPACT_AMD_SMI") !== undefined;
  const amdSmi = scan.dirs.amdgpu.length > 0 || amdSmiNamed
    ? createAmdSmiSensor(runtime, amdSmiPath, { intervalMs: context.intervalMs, processes })
    : undefined;
  const amdSmiStatus = amdSmi ? await amdSmi.probe() : unavailableStatus(
    "amd-smi",
    `not tried: no AMD GPU under ${scan.base} (hwmon name amdgpu)`,
    { fix: "Set IMPACT_AMD_SMI to the amd-smi executable to try it anyway" },
  );
  statuses.push(amdSmiStatus);
  const bySmi = amdSmiStatus.available && amdSmi ? amdSmi.slots() : new Set<string>();
  if (amdSmi && amdSmiStatus.available) {
    sensors.push(amdSmi);
    gpus.push(...amdSmi.gpus());
  } else await amdSmi?.close();

  const raplReads = context.statuses.some((s) => s.sensor === "rapl" && s.available);
  const families = (["amdgpu", "intel-gpu", "amd-energy", "power-meter"] as const).map(
    (family) => {
      const sensor = createHwmonSensor(runtime, scan, family, {
        processes,
        // Beside a RAPL that reads, zenergy is probed only to list its sockets as not used, so
        // no TDP bounds them: the lookup indexes the CPU table (5 MB of peak RSS in bench run).
        cpuModel: family === "amd-energy" && raplReads ? undefined : context.cpuModel,
        ...(family === "amdgpu" ? { skipSlots: bySmi } : {}),
      });
      return { family, sensor };
    },
  );
  const found = await Promise.all(families.map(({ sensor }) => sensor.probe()));
  const used = families.filter(({ family }, i) => {
    const status = found[i]!;
    if (family === "amd-energy" && status.available && raplReads) {
      found[i] = unavailableStatus(
        HWMON_SENSOR_NAMES[family],
        "not used: RAPL (powercap) reads the same CPU sockets",
        { devices: status.devices },
      );
      return false;
    }
    return status.available;
  });
  statuses.push(...found);
  for (const { family, sensor } of families) {
    if (family === "amdgpu" || family === "intel-gpu") gpus.push(...sensor.gpus());
  }

  // Containers: what other sensors read inside them, read in the same instant.
  const share = (name: string) => {
    const at = sensors.findIndex((s) => s.name === name);
    if (at < 0) return undefined;
    const shared = shareReads(sensors[at]!);
    sensors[at] = shared.sensor;
    return shared.read;
  };
  const cpuSensor = raplReads
    ? "rapl"
    : used.some((u) => u.family === "amd-energy")
    ? HWMON_SENSOR_NAMES["amd-energy"]
    : undefined;
  const sources: Partial<Record<InsideKey, InsideSource>> = {};
  const withSources = () => {
    // Shared only once a container needs them; amd_energy is added to the list first.
    if (cpuSensor && !sources["cpu-packages"]) {
      const read = share(cpuSensor);
      if (read) {
        sources["cpu-packages"] = {
          what: `the CPU packages ${cpuSensor} reads`,
          read: async () => (await read()).filter((r) => r.component === "cpu"),
        };
      }
    }
    const inModule = gpusInsideModules(context.statuses, context.nvidiaGpus);
    const gpuSensor = context.sensors.find((s) => s.name === "nvml" || s.name === "nvidia-smi");
    if (inModule.size > 0 && gpuSensor && !sources["module-gpus"]) {
      const read = share(gpuSensor.name);
      if (read) {
        sources["module-gpus"] = {
          what: `${[...inModule].join(", ")} (${gpuSensor.name})`,
          read: async () => (await read()).filter((r) => inModule.has(r.device)),
        };
      }
    }
  };
  for (const { sensor } of used) sensors.push(sensor);
  const addContainers = (
    sensor: EnergySensor,
    status: SensorStatus,
    containers: Map<string, InsideKey>,
  ) => {
    if (containers.size === 0) return;
    withSources();
    const wired = new Map<string, InsideSource>();
    for (const [device, key] of containers) {
      if (sources[key]) wired.set(device, sources[key]);
    }
    noteInside(
      status,
      wired,
      new Map([...containers].map(([device, key]) => [device, INSIDE_WORDS[key]])),
    );
    if (wired.size === 0) return;
    const at = sensors.indexOf(sensor);
    sensors[at] = subtractInside(sensors[at]!, wired);
  };
  for (const { family, sensor } of used) {
    addContainers(
      sensor,
      found[families.findIndex((f) => f.family === family)]!,
      sensor.containers(),
    );
  }
  if (amdSmi && amdSmiStatus.available) {
    addContainers(
      amdSmi,
      amdSmiStatus,
      new Map([...amdSmi.containers()].map((d) => [d, "cpu-packages" as const])),
    );
  }
  return { sensors, statuses, gpus };
}

/**
 * The NVIDIA GPUs inside a Grace module's meter: those NVML reports module power for
 * (`NVML_FI_DEV_POWER_INSTANT`, scope module: GH200's "Module Power Readings"), and GH200 /
 * GB200 by name where nvidia-smi is the GPU sensor.
 *
 * @param statuses The statuses so far (NVML's detail holds each GPU's power scopes).
 * @param gpus The NVIDIA GPUs found.
 * @returns Their device ids (`gpu-0`).
 */
export function gpusInsideModules(
  statuses: readonly SensorStatus[],
  gpus: readonly GpuInfo[],
): Set<string> {
  const inside = new Set<string>();
  const nvml = statuses.find((s) => s.sensor === "nvml" && s.available);
  const detail = nvml?.detail?.gpuDetail as
    | Record<string, { powerScopes?: Record<string, unknown> }>
    | undefined;
  for (const [device, gpu] of Object.entries(detail ?? {})) {
    if (typeof gpu.powerScopes?.module === "number") inside.add(device);
  }
  for (const gpu of gpus) {
    if (/\bG[HB]\d{3}\b/.test(gpu.name)) inside.add(gpuDeviceId(gpu));
  }
  return inside;
}
