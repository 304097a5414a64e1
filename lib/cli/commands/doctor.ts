/**
 * `impact doctor [--json]`: which sensors work on this machine, why the others do not, the
 * exact fix for each, the hardware found, which GPUs a job started here would be charged,
 * and busy GPUs whose processes impact cannot match to a job (with the fix).
 *
 * @module
 */
import type { RegisterCommand } from "../context.ts";
import type { Runtime } from "../../runtime.ts";
import type { EnergySensor } from "../../sensors/types.ts";
import {
  type CpuInfo,
  type DeviceReading,
  type GpuInfo,
  type GpuSelection,
  isDeviceFailure,
  type SensorStatus,
} from "../../types.ts";

/** What `impact doctor --json` prints. */
export interface DoctorReport {
  hardware: { cpu: CpuInfo; gpus: GpuInfo[] };
  sensors: SensorStatus[];
  /** The GPUs a job started here would be charged, and why (absent without GPUs). */
  gpuVisibility?: GpuSelection;
  /** Busy GPUs whose processes impact cannot match to a job, each with the fix. */
  gpuNotes?: string[];
  /** One sentence: what `impact run` will measure and how. */
  verdict: string;
}

/** Utilisation from which a GPU counts as busy. */
const BUSY_UTILIZATION = 0.1;
const GPU_FIX =
  "name a job's GPUs with `impact run --gpus <UUIDs>`, or set CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES";

/**
 * Notes on busy GPUs whose processes a run cannot match to its job: the driver lists none, or
 * lists pids this machine's /proc does not show (a container with its own PID namespace).
 *
 * @param readings One read of the GPU sensors.
 * @param pidVisible Whether a pid exists in this PID namespace.
 * @returns One sentence per such GPU, with the fix.
 * @example A container that sees the host's pids
 * ```ts
 * import { match } from "node:assert/strict";
 * import { gpuProcessNotes } from "./doctor.ts";
 *
 * const gpu = { component: "gpu" as const, device: "gpu-0", method: "counter" as const, energyJoules: 0 };
 * const [note] = gpuProcessNotes([{ ...gpu, utilization: 0.9, processIds: [81234] }], () => false);
 * match(note!, /^gpu-0 runs processes 81234 that this machine's \/proc does not show/);
 * ```
 */
export function gpuProcessNotes(
  readings: readonly DeviceReading[],
  pidVisible: (pid: number) => boolean,
): string[] {
  const notes: string[] = [];
  for (const reading of readings) {
    if (reading.component !== "gpu" || isDeviceFailure(reading)) continue;
    const utilization = reading.utilization ?? 0;
    const pids = reading.processIds;
    if (pids === undefined && utilization >= BUSY_UTILIZATION) {
      notes.push(
        `${reading.device} is busy (${
          Math.round(utilization * 100)
        }% utilisation) and the driver lists no processes on it, so a run cannot tell whether it is its job's: ${GPU_FIX}`,
      );
    } else if (pids && pids.length > 0 && !pids.some(pidVisible)) {
      notes.push(
        `${reading.device} runs processes ${
          pids.join(", ")
        } that this machine's /proc does not show (a container with its own PID namespace sees the host's pids), so a run cannot match them to its job: ${GPU_FIX}`,
      );
    }
  }
  return notes;
}

/** One read of the GPU sensors, for the process check; nothing when one cannot start. */
async function readGpus(sensors: EnergySensor[], statuses: SensorStatus[]) {
  const gpuSensors = sensors.filter((sensor) =>
    statuses.some((s) => s.sensor === sensor.name && s.devices.some((d) => d.startsWith("gpu-")))
  );
  const readings = await Promise.all(gpuSensors.map(async (sensor) => {
    try {
      await sensor.start();
      return await sensor.read();
    } catch {
      return [];
    }
  }));
  return readings.flat();
}

async function pidVisibility(runtime: Runtime, procfsRoot: string, pids: number[]) {
  const visible = new Set<number>();
  await Promise.all(
    pids.map((pid) =>
      runtime.readTextFile(`${procfsRoot}/${pid}/stat`).then(() => visible.add(pid), () => {})
    ),
  );
  return (pid: number) => visible.has(pid);
}

/**
 * The verdict line: what a run on this machine will measure, and by which method.
 *
 * @param sensors Every sensor's status.
 * @returns One sentence.
 */
export function doctorVerdict(sensors: SensorStatus[]): string {
  const energy = sensors.filter((s) => s.available && s.methods.length > 0);
  if (energy.length === 0) {
    return "No energy sensor is available: impact run will record time and CPU use but no energy";
  }
  const parts = energy.map((s) => `${s.sensor} (${s.methods.join(", ")})`);
  const estimated = energy.some((s) => s.methods.includes("estimate"));
  return `impact run will measure with ${parts.join(", ")}${
    estimated ? "; CPU energy is an estimate, not a measurement" : ""
  }`;
}

/**
 * Formats the report for a terminal.
 *
 * @param report The doctor report.
 * @returns Text ending in a newline.
 */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = ["Hardware"];
  const { cpu, gpus } = report.hardware;
  const counts = [
    cpu.sockets !== undefined ? `${cpu.sockets} socket(s)` : undefined,
    cpu.cores !== undefined ? `${cpu.cores} cores` : undefined,
    cpu.threads !== undefined ? `${cpu.threads} threads` : undefined,
    cpu.memoryTotalBytes !== undefined
      ? `${(cpu.memoryTotalBytes / 2 ** 30).toFixed(1)} GiB memory`
      : undefined,
  ].filter((x) => x !== undefined);
  lines.push(
    `  CPU: ${cpu.model ?? "unknown model"}${counts.length ? ` (${counts.join(", ")})` : ""}`,
  );
  if (gpus.length === 0) lines.push("  GPUs: none found");
  for (const g of gpus) {
    const extra = [
      g.driverVersion ? `driver ${g.driverVersion}` : undefined,
      g.cudaVersion ? `CUDA ${g.cudaVersion}` : undefined,
      g.powerLimitWatts !== undefined ? `${g.powerLimitWatts} W limit` : undefined,
    ].filter((x) => x !== undefined);
    const id = g.device ?? `GPU ${g.index}`;
    lines.push(`  ${id}: ${g.name}${extra.length ? ` (${extra.join(", ")})` : ""}`);
  }
  lines.push("", "Sensors");
  for (const s of report.sensors) {
    const methods = s.methods.length ? ` [${s.methods.join(", ")}]` : "";
    const devices = s.devices.length ? `: ${s.devices.join(", ")}` : "";
    lines.push(`  ${s.available ? "ok  " : "no  "} ${s.sensor}${methods}${devices}`);
    // What each device is (hwmon, amd-smi): a sum, a half of a package, a remainder.
    for (const line of textList(s.detail?.measures)) lines.push(`       measures ${line}`);
    for (const line of textList(s.detail?.inside)) lines.push(`       inside: ${line}`);
    if (s.reason) lines.push(`       ${s.available ? "note" : "why"}: ${s.reason}`);
    if (s.fix && !s.available) lines.push(`       fix: ${s.fix}`);
  }
  const visibility = report.gpuVisibility;
  const notes = report.gpuNotes ?? [];
  if (visibility || notes.length > 0) lines.push("", "GPUs of a job run here");
  if (visibility) {
    const named = visibility.gpus.map((g) =>
      g.share < 1 ? `${g.device} (${Math.round(g.share * 100)}%)` : g.device
    );
    lines.push(
      visibility.restricted
        ? `  ${named.length ? named.join(", ") : "none"}: ${visibility.basis}`
        : `  ${visibility.basis}`,
    );
    for (const entry of visibility.unmatched) lines.push(`  no GPU for ${entry}`);
  }
  for (const note of notes) lines.push(`  note: ${note}`);
  lines.push("", report.verdict);
  return lines.join("\n") + "\n";
}

function textList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Registers `impact doctor`. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("doctor")
    .description("Show which sensors work here, why the others do not, and how to fix them")
    .option("--json", "print the report as JSON")
    .action(async (flags) => {
      const [{ discoverSensors }, { systemPaths }, { resolveGpus }] = await Promise.all([
        import("../../sensors/registry.ts"),
        import("../../runtime.ts"),
        import("../../sensors/gpu_visibility.ts"),
      ]);
      const paths = systemPaths(ctx.runtime);
      const discovery = await discoverSensors(ctx.runtime, paths, { intervalMs: 1000 });
      try {
        const readings = await readGpus(discovery.sensors, discovery.statuses);
        const pids = readings.flatMap((r) => isDeviceFailure(r) ? [] : r.processIds ?? []);
        const visible = await pidVisibility(ctx.runtime, paths.procfsRoot, pids);
        const report: DoctorReport = {
          hardware: { cpu: discovery.cpu, gpus: discovery.gpus },
          sensors: discovery.statuses,
          gpuNotes: gpuProcessNotes(readings, visible),
          verdict: doctorVerdict(discovery.statuses),
        };
        if (discovery.gpus.length > 0) {
          report.gpuVisibility = resolveGpus({
            env: (name) => ctx.runtime.env(name),
            gpus: discovery.gpus,
          });
        }
        ctx.stdout(flags.json ? JSON.stringify(report, null, 2) + "\n" : formatDoctor(report));
      } finally {
        await discovery.close();
      }
    });
};
