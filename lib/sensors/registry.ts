/**
 * Finds the sensors this machine offers: RAPL; NVML, else nvidia-smi; PowerLog or
 * powermetrics on macOS; the TDP estimate when no CPU counter is readable. Returns every
 * sensor's status (for impact.json and `impact doctor`) and the available ones.
 *
 * @module
 */
import type { CpuInfo, GpuInfo, SensorStatus, SystemCpu, UsageSource } from "../types.ts";
import type { Runtime, SystemPaths } from "../runtime.ts";
import { readCpuInventory } from "./cpu_inventory.ts";
import { createCpuEstimateSensor } from "./estimate.ts";
import { createProcfsReader, type ProcfsReader } from "./procfs.ts";
import { createRaplSensor } from "./rapl.ts";
import { discoverGpuSensors } from "./registry_gpu.ts";
import type { EnergySensor } from "./types.ts";

/** What discovery found. */
export interface Discovery {
  /** Available sensors, ready to `start()`. */
  sensors: EnergySensor[];
  /** Every sensor probed, available or not, for impact.json and `impact doctor`. */
  statuses: SensorStatus[];
  /** Job and machine CPU time (procfs), where readable. */
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
  const [procStatus, cpu, raplStatus, gpu] = await Promise.all([
    procfs?.probe(),
    inventory,
    rapl?.probe(),
    discoverGpuSensors(runtime, paths, { intervalMs: options.intervalMs, os }),
  ]);
  const statuses: SensorStatus[] = [];
  const sensors: EnergySensor[] = [];
  if (raplStatus && rapl) {
    statuses.push(raplStatus);
    if (raplStatus.available) sensors.push(rapl);
  }
  statuses.push(...gpu.statuses);
  sensors.push(...gpu.sensors);
  const usable = procStatus?.available ? procfs : undefined;
  if (procStatus) statuses.push(procStatus);

  const hasCpuCounter = statuses.some((s) =>
    s.available && s.sensor !== "procfs" && s.devices.some((d) => /^(package|psys|cpu)/.test(d))
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
    gpus: gpu.gpus(),
    close: () => closed ??= Promise.all(sensors.map((s) => s.close())).then(() => {}),
  };
  if (usable) discovery.usage = usageSource(runtime, usable, cpu);
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

/**
 * The job's usage from procfs; once the job's root has been reaped, its last stretch of CPU
 * time (after the final tree walk) is recovered from this process's reaped-children time.
 */
function usageSource(runtime: Runtime, procfs: ProcfsReader, cpu: CpuInfo): UsageSource {
  let lastCpuSeconds = 0;
  let lastReaped: number | undefined;
  let lastMs = 0;
  const cpus = cpu.threads ?? cpu.cores ?? 1;
  return {
    async jobUsage(rootPid) {
      const [usage, reaped] = await Promise.all([
        procfs.jobUsage(rootPid),
        procfs.reapedChildrenCpuSeconds().catch(() => undefined),
      ]);
      const nowMs = runtime.monotonicMs();
      if (usage.pids.length === 0 && lastReaped !== undefined && reaped !== undefined) {
        // The whole tree's time arrived in our cutime when it was reaped; never more than
        // every CPU busy since the last walk (other children reaped meanwhile stay out).
        const bound = lastCpuSeconds + ((nowMs - lastMs) / 1000) * cpus;
        const recovered = Math.min(bound, reaped - lastReaped);
        if (recovered > usage.cpuSeconds) usage.cpuSeconds = recovered;
      }
      if (usage.pids.length > 0 && reaped !== undefined) {
        lastReaped = reaped;
        lastCpuSeconds = usage.cpuSeconds;
        lastMs = nowMs;
      }
      return usage;
    },
    systemCpu: () => procfs.systemCpu(),
  };
}
