/**
 * `impact doctor [--json]`: which sensors work on this machine, why the others do not, the
 * exact fix for each, and the hardware found.
 *
 * @module
 */
import type { RegisterCommand } from "../context.ts";
import type { CpuInfo, GpuInfo, SensorStatus } from "../../types.ts";

/** What `impact doctor --json` prints. */
export interface DoctorReport {
  hardware: { cpu: CpuInfo; gpus: GpuInfo[] };
  sensors: SensorStatus[];
  /** One sentence: what `impact run` will measure and how. */
  verdict: string;
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
      const [{ discoverSensors }, { systemPaths }] = await Promise.all([
        import("../../sensors/registry.ts"),
        import("../../runtime.ts"),
      ]);
      const discovery = await discoverSensors(ctx.runtime, systemPaths(ctx.runtime), {
        intervalMs: 1000,
      });
      try {
        const report: DoctorReport = {
          hardware: { cpu: discovery.cpu, gpus: discovery.gpus },
          sensors: discovery.statuses,
          verdict: doctorVerdict(discovery.statuses),
        };
        ctx.stdout(flags.json ? JSON.stringify(report, null, 2) + "\n" : formatDoctor(report));
      } finally {
        await discovery.close();
      }
    });
};
