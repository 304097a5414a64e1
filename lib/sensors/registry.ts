/**
 * Finds the sensors this machine offers: RAPL; NVML, else nvidia-smi; on Linux the hwmon
 * families (amdgpu, xe/i915, zenergy/amd_energy, ACPI power meters incl. NVIDIA Grace) and
 * amd-smi (registry_hwmon.ts); PowerLog or powermetrics on macOS; the TDP estimate when no CPU
 * counter is readable. Returns every sensor's status (for impact.json and `impact doctor`) and
 * the available ones.
 *
 * @module
 */
import type { CpuInfo, GpuInfo, SensorStatus, SystemCpu, UsageSource } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { readCpuInventory } from "./cpu_inventory.ts";
import { createCpuEstimateSensor } from "./estimate.ts";
import { ownCgroupUsage } from "./cgroup_own.ts";
import { createProcfsReader, type ProcfsReader } from "./procfs.ts";
import { createRaplSensor } from "./rapl.ts";
import { discoverGpuSensors } from "./registry_gpu.ts";
import { discoverHwmonSensors } from "./registry_hwmon.ts";
import { scanHwmon } from "./hwmon_scan.ts";
import type { EnergySensor } from "./types.ts";

/** What discovery found. */
export interface Discovery {
  /** Available sensors, ready to `start()`. */
  sensors: EnergySensor[];
  /** Every sensor probed, available or not, for impact.json and `impact doctor`. */
  statuses: SensorStatus[];
  /**
   * Job and machine CPU time, where procfs is readable: the job's from the tracker's own
   * cgroup when nothing else is in it (lib/sensors/cgroup_own.ts), else from its process tree.
   */
  usage?: UsageSource;
  cpu: CpuInfo;
  gpus: GpuInfo[];
  /** Closes every sensor (child processes, libraries). Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link discoverSensors}. */
export interface DiscoverOptions {
  /** The sampling interval, ms (nvidia-smi streams at this period). */
  intervalMs: number;
  /** The operating system (default `Deno.build.os`). */
  os?: string;
}

/**
 * Probes every sensor that can exist on this OS. Never throws for a missing device.
 *
 * @param runtime Where files are read and processes spawned.
 * @param paths Where /sys, /proc and nvidia-smi are.
 * @param options The sampling interval.
 * @returns The available sensors and every status.
 */
export async function discoverSensors(
  runtime: Runtime,
  paths: SystemPaths,
  options: DiscoverOptions,
): Promise<Discovery> {
  const os = options.os ?? Deno.build.os;
  const procfs = os === "linux" ? sharingSystemCpu(createProcfsReader(runtime, paths)) : undefined;
  const inventory = os === "linux"
    ? readCpuInventory(runtime, paths).catch((): CpuInfo => ({}))
    : Promise.resolve<CpuInfo>({});
  // RAPL bounds zones without a power limit by the CPU's TDP: it waits for the inventory.
  const rapl = os === "linux" ? createRaplSensor(runtime, paths, { cpu: inventory }) : undefined;
  const [procStatus, cpu, raplStatus, gpu, hwmonScan] = await Promise.all([
    procfs?.probe(),
    inventory,
    rapl?.probe(),
    discoverGpuSensors(runtime, paths, { intervalMs: options.intervalMs, os }),
    os === "linux" ? scanHwmon(runtime, paths.sysfsRoot) : undefined,
  ]);
  const statuses: SensorStatus[] = [];
  let sensors: EnergySensor[] = [];
  if (raplStatus && rapl) {
    statuses.push(raplStatus);
    if (raplStatus.available) sensors.push(rapl);
  }
  statuses.push(...gpu.statuses);
  sensors.push(...gpu.sensors);
  const gpus = gpu.gpus();
  if (hwmonScan) {
    const hw = await discoverHwmonSensors(runtime, paths, hwmonScan, {
      intervalMs: options.intervalMs,
      sensors,
      statuses,
      nvidiaGpus: gpus,
      cpuModel: cpu.model,
    });
    sensors = hw.sensors;
    statuses.push(...hw.statuses);
    gpus.push(...hw.gpus);
  }
  const usable = procStatus?.available ? procfs : undefined;
  // A cgroup of the tracker's own counts the job whatever its tree, at a fixed cost.
  const own = usable ? await ownCgroupUsage(runtime, paths, usable) : undefined;
  if (procStatus && own) {
    procStatus.detail = { ...procStatus.detail, jobCgroup: own.location.relative };
  }
  if (procStatus) statuses.push(procStatus);

  const hasCpuCounter = statuses.some((s) =>
    s.available && s.sensor !== "procfs" &&
    s.devices.some((d) => /^(package|psys|cpu|grace-|amd-apu-)/.test(d))
  );
  if (!hasCpuCounter) {
    const estimate = estimateSensor(runtime, cpu, usable);
    const status = await estimate.probe();
    statuses.push(status);
    if (status.available) sensors.push(estimate);
  }

  let closed: Promise<void> | undefined;
  const discovery: Discovery = {
    sensors,
    statuses,
    cpu,
    gpus,
    close: () => closed ??= Promise.all(sensors.map((s) => s.close())).then(() => procfs?.close()),
  };
  if (usable) discovery.usage = own?.usage ?? usable;
  return discovery;
}

/**
 * The reader, with concurrent `systemCpu()` calls sharing one read of /proc/stat: each
 * interval the sampler and the estimate sensor both ask for it at the same instant.
 */
function sharingSystemCpu(procfs: ProcfsReader): ProcfsReader {
  let inFlight: Promise<SystemCpu> | undefined;
  const systemCpu = () =>
    inFlight ??= procfs.systemCpu().finally(() => {
      inFlight = undefined;
    });
  return { ...procfs, systemCpu };
}

/** The estimate sensor, fed the machine's CPU utilisation over each interval. */
function estimateSensor(runtime: Runtime, cpu: CpuInfo, procfs: ProcfsReader | undefined) {
  let utilization = 0.5;
  let last: SystemCpu | undefined;
  const update = async () => {
    if (!procfs) return;
    const now = await procfs.systemCpu();
    if (last) {
      const total = now.totalSeconds - last.totalSeconds;
      utilization = total > 0
        ? Math.min(1, Math.max(0, (now.busySeconds - last.busySeconds) / total))
        : 0;
    }
    last = now;
  };
  const inner = createCpuEstimateSensor({ runtime, cpu, utilization: () => utilization });
  const sensor: EnergySensor = {
    name: inner.name,
    probe: () => inner.probe(),
    async start() {
      await update();
      await inner.start();
    },
    async read() {
      await update();
      return inner.read();
    },
    close: () => inner.close(),
  };
  return sensor;
}
